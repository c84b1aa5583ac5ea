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
import { generateObject } from '../src/main/zoo/objects';
import { renderShape } from '../src/main/zoo/render';
import { type Category, CATEGORIES } from '../src/main/zoo/types';

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

/** A 3x5 pixel font for the row labels, one string of 15 bits (row by row) per letter. */
const FONT: Record<string, string> = {
  a: '010101111101101', b: '110101110101110', c: '011100100100011', d: '110101101101110', e: '111100110100111',
  f: '111100110100100', g: '011100101101011', h: '101101111101101', i: '111010010010111', j: '001001001101010',
  k: '101101110101101', l: '100100100100111', m: '101111111101101', n: '110101101101101', o: '010101101101010',
  p: '110101110100100', q: '010101101110011', r: '110101110101101', s: '011100010001110', t: '111010010010010',
  u: '101101101101111', v: '101101101101010', w: '101101111111101', x: '101101010101101', y: '101101010010010',
  z: '111001010100111',
};
const LABEL_SCALE = 2;
const LABEL_WIDTH = 11 * 4 * LABEL_SCALE;

/** Writes `text` in dark grey at (x0, y0) of an RGB image `width` pixels wide. */
function drawLabel(image: Uint8Array, width: number, text: string, x0: number, y0: number): void {
  [...text].forEach((letter, k) => {
    const glyph = FONT[letter] ?? '';
    for (let bit = 0; bit < glyph.length; bit++) {
      if (glyph[bit] !== '1') continue;
      for (let dy = 0; dy < LABEL_SCALE; dy++) {
        for (let dx = 0; dx < LABEL_SCALE; dx++) {
          const x = x0 + (k * 4 + (bit % 3)) * LABEL_SCALE + dx;
          const y = y0 + Math.floor(bit / 3) * LABEL_SCALE + dy;
          image.fill(60, 3 * (y * width + x), 3 * (y * width + x) + 3);
        }
      }
    }
  });
}

const gap = 2;
const width = LABEL_WIDTH + perCategory * (size + gap) + gap;
const height = categories.length * (size + gap) + gap;
const sheet = new Uint8Array(width * height * 3).fill(200);
categories.forEach((category, row) => {
  console.log(`row ${row}: ${category}`);
  const y0 = gap + row * (size + gap);
  sheet.fill(245, 3 * y0 * width, 3 * (y0 + size) * width);
  drawLabel(sheet, width, category, 4, y0 + Math.floor(size / 2) - 5);
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
