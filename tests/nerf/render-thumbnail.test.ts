import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodePng, renderThumbnail } from '../../src/main/nerf/render/thumbnail';
import { UNIT_AABB, sceneField } from './fixtures-render';

/** Set NERFDEX_RENDER_OUT to a folder to keep the thumbnails and look at them. */
function keep(name: string, png: Uint8Array): void {
  const folder = process.env.NERFDEX_RENDER_OUT;
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, name), png);
}

describe('renderThumbnail', () => {
  it('gives a 128 x 128 opaque PNG of the canonical view', async () => {
    const png = await renderThumbnail(sceneField(), UNIT_AABB);
    keep('thumbnail.png', png);
    const decoded = decode(png);
    expect([decoded.width, decoded.height, decoded.channels, decoded.depth]).toEqual([128, 128, 4, 8]);
    const data = decoded.data;
    expect(data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
    expect(Array.from(data.subarray(0, 4))).toEqual([255, 255, 255, 255]); // corner: background
    const centre = 4 * (64 * 128 + 64);
    expect(Array.from(data.subarray(centre, centre + 3))).not.toEqual([255, 255, 255]);
  });

  it('honours size, view and a transparent background', async () => {
    const png = await renderThumbnail(sceneField(), UNIT_AABB, { size: 40, azimuth: 180, elevation: -10, samples: 16, transparent: true });
    keep('thumbnail-transparent.png', png);
    const { width, height, data } = decode(png);
    expect([width, height]).toEqual([40, 40]);
    expect(data[3]).toBe(0);
    expect(data[4 * (20 * 40 + 20) + 3]).toBeGreaterThan(128);
  });

  it('looks different from another view', async () => {
    const a = decode(await renderThumbnail(sceneField(), UNIT_AABB, { size: 32, samples: 16 })).data;
    const b = decode(await renderThumbnail(sceneField(), UNIT_AABB, { size: 32, samples: 16, azimuth: 215 })).data;
    expect(a).not.toEqual(b);
  });
});

describe('encodePng', () => {
  it('round-trips RGBA8 through fast-png', () => {
    const rgba = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 37) % 256);
    const decoded = decode(encodePng(rgba, 3, 2));
    expect([decoded.width, decoded.height]).toEqual([3, 2]);
    expect(Array.from(decoded.data)).toEqual(Array.from(rgba));
  });

  it('rejects a size that does not match the pixels', () => {
    expect(() => encodePng(new Uint8Array(16), 3, 2)).toThrow(/3 x 2 RGBA needs 24 bytes, got 16/);
    expect(() => encodePng(new Uint8Array(0), 0, 2)).toThrow(RangeError);
  });
});
