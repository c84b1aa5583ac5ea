import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { orbitCamera } from '../../src/main/nerf/render/camera';
import { renderThumbnail } from '../../src/main/nerf/render/thumbnail';
import { psnr, renderImage } from '../../src/main/nerf/render/volume';
import { ZOO_AABB, groundTruthFieldFunction } from '../../src/main/zoo/fit-job';
import { generateObject } from '../../src/main/zoo/objects';

describe('thumbnails of zoo objects', () => {
  it('are not blank, and differ between two categories', async () => {
    const chair = groundTruthFieldFunction(generateObject('chair', 0).shape);
    const airplane = groundTruthFieldFunction(generateObject('airplane', 0).shape);
    const png = decode(await renderThumbnail(chair, ZOO_AABB, { size: 48 }));
    expect([png.width, png.height]).toEqual([48, 48]);
    const pixels = png.data as Uint8Array;
    let drawn = 0;
    for (let i = 0; i < 48 * 48; i++) if (pixels[4 * i]! < 240 || pixels[4 * i + 1]! < 240 || pixels[4 * i + 2]! < 240) drawn++;
    expect(drawn / (48 * 48)).toBeGreaterThan(0.03);
    const camera = orbitCamera(ZOO_AABB, 35, 25, 1.1, 48);
    const a = await renderImage(chair, ZOO_AABB, camera);
    const b = await renderImage(airplane, ZOO_AABB, camera);
    expect(psnr(a, b)).toBeLessThan(20);
    expect(psnr(a, await renderImage(chair, ZOO_AABB, camera))).toBe(Infinity);
  });
});
