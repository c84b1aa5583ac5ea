/**
 * Renders a contact sheet of zoo objects: one row per category, one 96x96 tile per seed.
 *
 *   npx tsx scripts/preview-zoo.ts --out /tmp/zoo-preview --per-category 4
 *
 * Options: --out DIR (default /tmp/zoo-preview), --per-category N (default 4), --first-seed S
 * (default 0), --categories a,b,c (default all), --azimuth DEG, --elevation DEG, --size PX,
 * --captions (also print each object's captions).
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { drawText } from '../src/main/image/bitmap-font';
import { generateObject } from '../src/main/zoo/objects';
import { renderShape } from './zoo-render';
import { type Category, CATEGORIES } from '../src/main/vocabulary/categories';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = option('out') ?? '/tmp/zoo-preview';
const perCategory = Number(option('per-category') ?? 4);
const firstSeed = Number(option('first-seed') ?? 0);
const size = Number(option('size') ?? 96);
const azimuth = Number(option('azimuth') ?? 35);
const elevation = Number(option('elevation') ?? 25);
const showCaptions = process.argv.includes('--captions');
const categories = (option('categories')?.split(',') ?? CATEGORIES) as Category[];

const LABEL_SCALE = 2;
const LABEL_WIDTH = 11 * 4 * LABEL_SCALE;

const gap = 2;
const width = LABEL_WIDTH + perCategory * (size + gap) + gap;
const height = categories.length * (size + gap) + gap;
const sheet = new Uint8Array(width * height * 3).fill(200);
categories.forEach((category, row) => {
  console.log(`row ${row}: ${category}`);
  const y0 = gap + row * (size + gap);
  sheet.fill(245, 3 * y0 * width, 3 * (y0 + size) * width);
  drawText({ width, height, data: sheet }, category, 4, y0 + Math.floor(size / 2) - 5, { scale: LABEL_SCALE });
  for (let col = 0; col < perCategory; col++) {
    const object = generateObject(category, firstSeed + col);
    if (showCaptions) console.log(`  ${object.id}: ${object.captions.join(' | ')}`);
    const tile = renderShape(object.shape, { size, azimuth, elevation });
    const x0 = LABEL_WIDTH + gap + col * (size + gap);
    for (let y = 0; y < size; y++) sheet.set(tile.subarray(3 * y * size, 3 * (y + 1) * size), 3 * ((y0 + y) * width + x0));
  }
});
mkdirSync(out, { recursive: true });
const file = join(out, 'contact-sheet.png');
writeFileSync(file, encode({ width, height, data: sheet, channels: 3, depth: 8 }));
console.log(`wrote ${file} (${width}x${height}, seeds ${firstSeed}..${firstSeed + perCategory - 1})`);
