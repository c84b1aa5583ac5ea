import { describe, expect, it } from 'vitest';
import { type Camera, cameraRays, intersectAabb, orbitCamera } from '../../src/main/nerf/render/camera';
import { type RgbaImage, psnr, renderImage, toRgba8 } from '../../src/main/nerf/render/volume';
import type { Aabb, FieldFunction } from '../../src/main/nerf/types';
import { UNIT_AABB, boxField, constantField, countingField, sceneField, sphereField } from './fixtures-render';

const camera = orbitCamera(UNIT_AABB, 35, 25, 1.1, 48);
const image = (width: number, height: number, fill: (i: number) => number): RgbaImage => ({
  width,
  height,
  rgba: Float32Array.from({ length: width * height * 4 }, (_, i) => fill(i)),
});

describe('renderImage', () => {
  it('renders the scene: not blank, opaque in the middle, background where rays miss', async () => {
    const { width, height, rgba } = await renderImage(sceneField(), UNIT_AABB, camera);
    expect([width, height]).toEqual([48, 48]);
    let differing = 0;
    for (let p = 0; p < width * height; p++) {
      if (Math.abs(rgba[4 * p]! - 1) + Math.abs(rgba[4 * p + 1]! - 1) + Math.abs(rgba[4 * p + 2]! - 1) > 0.05) differing++;
    }
    expect(differing).toBeGreaterThan(0.1 * width * height);
    const centre = 4 * (24 * width + 24);
    expect(rgba[centre + 3]).toBeGreaterThan(0.5);
    // The corner ray misses the objects (and maybe the box): white, transparent.
    expect(Array.from(rgba.subarray(0, 4))).toEqual([1, 1, 1, 0]);
  });

  it('tells a sphere from a box', async () => {
    const sphere = await renderImage(sphereField(0.6, { shaded: false }), UNIT_AABB, camera);
    const box = await renderImage(boxField(0.5, { shaded: false }), UNIT_AABB, camera);
    expect(psnr(sphere, box)).toBeLessThan(20);
  });

  it('is deterministic: same seed, same image; another seed, another image', async () => {
    const field = sceneField();
    const a = await renderImage(field, UNIT_AABB, camera, { jitterSeed: 7, samples: 32 });
    const b = await renderImage(field, UNIT_AABB, camera, { jitterSeed: 7, samples: 32 });
    const c = await renderImage(field, UNIT_AABB, camera, { jitterSeed: 8, samples: 32 });
    expect(b.rgba).toEqual(a.rgba);
    expect(psnr(a, b)).toBe(Infinity);
    expect(c.rgba).not.toEqual(a.rgba);
    expect(psnr(a, c)).toBeGreaterThan(20); // jitter is noise, not a different picture
  });

  it('gives the same image whatever the chunk size, and only evaluates rays that hit the box', async () => {
    const counted = countingField(sceneField());
    const whole = await renderImage(counted.field, UNIT_AABB, camera, { jitterSeed: 3, samples: 16 });
    const { origins, directions } = cameraRays(camera);
    let hits = 0;
    for (let i = 0; i < 48 * 48; i++) {
      const o = [origins[3 * i]!, origins[3 * i + 1]!, origins[3 * i + 2]!] as const;
      const d = [directions[3 * i]!, directions[3 * i + 1]!, directions[3 * i + 2]!] as const;
      if (intersectAabb(o, d, UNIT_AABB)) hits++;
    }
    expect(hits).toBeLessThan(48 * 48);
    expect(counted.points).toBe(hits * 16);

    const chunked = countingField(sceneField());
    const progress: [number, number][] = [];
    const pieces = await renderImage(chunked.field, UNIT_AABB, camera, {
      jitterSeed: 3,
      samples: 16,
      chunkPoints: 1000,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(pieces.rgba).toEqual(whole.rgba);
    expect(chunked.calls).toBe(Math.ceil(hits / 62));
    expect(progress.at(-1)).toEqual([hits, hits]);
  });

  it('matches the analytic transmittance exp(-sigma L) of a constant-density slab', async () => {
    const slab: Aabb = [
      [-1, -0.25, -1],
      [1, 0.25, 1],
    ];
    const sigma = 3;
    const colour = [0.2, 0.6, 0.4] as const;
    const background = [0.9, 0.1, 0.5] as const;
    // Looking straight down, narrow enough that every ray crosses the top and bottom faces.
    const down: Camera = { position: [0, 3, 0], target: [0, 0, 0], up: [0, 0, -1], fovYDeg: 20, width: 17, height: 17 };
    const { directions } = cameraRays(down);
    for (const options of [{ samples: 64 }, { samples: 5, jitterSeed: 11 }, { samples: 1 }]) {
      const { rgba } = await renderImage(constantField(sigma, colour), slab, down, { ...options, background });
      for (let p = 0; p < 17 * 17; p++) {
        const length = 0.5 / -directions[3 * p + 1]!;
        const transmittance = Math.exp(-sigma * length);
        expect(Math.abs(rgba[4 * p + 3]! - (1 - transmittance))).toBeLessThan(1e-3);
        for (let c = 0; c < 3; c++) {
          const expected = (1 - transmittance) * colour[c]! + transmittance * background[c]!;
          expect(Math.abs(rgba[4 * p + c]! - expected)).toBeLessThan(1e-3);
        }
      }
      expect(rgba[4 * (8 * 17 + 8) + 3]).toBeCloseTo(1 - Math.exp(-1.5), 4); // centre ray: L = 0.5
    }
  });

  it('reports expected depth: the distance to the sphere surface in the middle, Infinity where empty', async () => {
    const front = orbitCamera(UNIT_AABB, 0, 0, 1.1, 33);
    const { depth } = await renderImage(sphereField(0.6), UNIT_AABB, front, { depth: true, samples: 128 });
    const distance = front.position[2];
    expect(depth![16 * 33 + 16]).toBeCloseTo(distance - 0.6, 1);
    expect(depth![0]).toBe(Infinity);
  });

  it('checks what the field returns and what it is asked', async () => {
    const short: FieldFunction = async (points) => ({ density: new Float32Array(points.length / 3 - 1), rgb: new Float32Array(points.length) });
    await expect(renderImage(short, UNIT_AABB, camera)).rejects.toThrow(/field returned density \[\d+\] and rgb/);
    await expect(renderImage(sceneField(), UNIT_AABB, camera, { samples: 0 })).rejects.toThrow(RangeError);
    await expect(renderImage(sceneField(), UNIT_AABB, camera, { background: [1, 1] as never })).rejects.toThrow(/background/);
  });

  it('never calls the field when no ray hits the box', async () => {
    const counted = countingField(sceneField());
    const away: Camera = { position: [0, 0, 5], target: [0, 0, 10], up: [0, 1, 0], fovYDeg: 40, width: 8, height: 8 };
    const { rgba } = await renderImage(counted.field, UNIT_AABB, away, { background: [0, 0.5, 1] });
    expect(counted.calls).toBe(0);
    expect(Array.from(rgba.subarray(60, 64))).toEqual([0, 0.5, 1, 0]);
  });

  it('treats negative and NaN densities as empty space', async () => {
    const odd: FieldFunction = async (points) => {
      const n = points.length / 3;
      return { density: Float32Array.from({ length: n }, (_, i) => (i % 2 ? -5 : Number.NaN)), rgb: new Float32Array(n * 3).fill(0.3) };
    };
    const { rgba } = await renderImage(odd, UNIT_AABB, camera, { samples: 4 });
    expect(rgba.every((v, i) => (i % 4 === 3 ? v === 0 : v === 1))).toBe(true);
  });

  it('stops when aborted', async () => {
    const already = new AbortController();
    already.abort(new Error('user closed the window'));
    await expect(renderImage(sceneField(), UNIT_AABB, camera, { signal: already.signal })).rejects.toThrow('user closed the window');

    const midway = new AbortController();
    const counted = countingField(sceneField());
    await expect(
      renderImage(counted.field, UNIT_AABB, camera, { chunkPoints: 640, signal: midway.signal, onProgress: () => midway.abort() }),
    ).rejects.toThrow();
    expect(counted.calls).toBe(1);
  });
});

describe('psnr', () => {
  it('is Infinity for identical images', () => {
    const a = image(5, 4, (i) => (i % 7) / 7);
    expect(psnr(a, image(5, 4, (i) => (i % 7) / 7))).toBe(Infinity);
  });

  it('is 10 log10(1 / MSE) over RGB, ignoring alpha', () => {
    const base = image(8, 8, () => 0.5);
    // +-0.1 on every RGB value: MSE 0.01, 20 dB.
    const noisy = image(8, 8, (i) => (i % 4 === 3 ? 0.9 : i % 2 ? 0.6 : 0.4));
    expect(psnr(base, noisy)).toBeCloseTo(20, 5);
    // 0.1 on one channel of half the pixels: MSE 0.1^2 / 6.
    const sparse = image(8, 8, (i) => (i % 8 === 0 ? 0.6 : 0.5));
    expect(psnr(base, sparse)).toBeCloseTo(10 * Math.log10(600), 5);
  });

  it('rejects images of different sizes', () => {
    expect(() => psnr(image(2, 2, () => 0), image(2, 3, () => 0))).toThrow(/2 x 2 vs 2 x 3/);
  });
});

describe('toRgba8', () => {
  it('rounds, clamps and makes alpha opaque unless asked to keep it', () => {
    const img = image(2, 1, (i) => [0, 0.5, 1.2, 0.25, -0.3, 1 / 255, 0.999, 0.75][i]!);
    expect(Array.from(toRgba8(img))).toEqual([0, 128, 255, 255, 0, 1, 255, 255]);
    expect(Array.from(toRgba8(img, true))).toEqual([0, 128, 255, 64, 0, 1, 255, 191]);
  });
});
