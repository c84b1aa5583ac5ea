/**
 * Empty-space skipping: the occupancy of a baked volume (non-zero alpha, dilated), and renders of
 * fitted demo NeRFs through it against full renders: the same picture from far fewer field
 * evaluations.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { nerfField } from '../../src/main/nerf/field-runtime';
import { readNerfFile } from '../../src/main/nerf/formats/native';
import { type BakedVolume, bakeVolume } from '../../src/main/nerf/render/bake';
import { orbitCamera } from '../../src/main/nerf/render/camera';
import { occupancyOf, skipEmptySpace } from '../../src/main/nerf/render/empty-space';
import { psnr, renderImage } from '../../src/main/nerf/render/volume';
import type { FieldFunction } from '../../src/main/nerf/types';

const DEMO = join(import.meta.dirname, '../../resources/demo');
const sessions = new SessionCache();
afterAll(() => sessions.dispose());

function volumeWith(resolution: number, alphaAt: readonly number[]): BakedVolume {
  const voxels = new Uint8Array(resolution ** 3 * 4);
  for (const i of alphaAt) voxels[4 * i + 3] = 1;
  return { resolution, aabb: [[0, 0, 0], [1, 1, 1]], densityScale: 1 / resolution, voxels };
}

/** The field with a count of the points it was asked for. */
function counting(field: FieldFunction): { field: FieldFunction; points: () => number } {
  let points = 0;
  return {
    field: (p) => {
      points += p.length / 3;
      return field(p);
    },
    points: () => points,
  };
}

describe('occupancyOf', () => {
  it('marks voxels with non-zero alpha and their neighbours within the margin, clipped at the edges', () => {
    const R = 5;
    const centre = 2 + R * (2 + R * 2);
    expect(occupancyOf(volumeWith(R, [centre]), 0).occupied.reduce((a, b) => a + b, 0)).toBe(1);
    const grown = occupancyOf(volumeWith(R, [centre]));
    expect(grown.occupied.reduce((a, b) => a + b, 0)).toBe(27);
    expect(grown.fraction).toBeCloseTo(27 / 125, 10);
    for (let z = 0; z < R; z++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) {
      const near = Math.max(Math.abs(x - 2), Math.abs(y - 2), Math.abs(z - 2)) <= 1;
      expect(grown.occupied[x + R * (y + R * z)], `${x},${y},${z}`).toBe(near ? 1 : 0);
    }
    // A corner voxel grows into the 8 voxels of its corner only.
    expect(occupancyOf(volumeWith(R, [0])).occupied.reduce((a, b) => a + b, 0)).toBe(8);
    expect(() => occupancyOf(volumeWith(R, []), -1)).toThrow(RangeError);
  });
});

describe('skipEmptySpace', () => {
  it('gives empty space where nothing is occupied and the field itself where all is', async () => {
    const field: FieldFunction = async (p) => ({ density: new Float32Array(p.length / 3).fill(2), rgb: new Float32Array(p.length).fill(0.5) });
    const points = Float32Array.of(0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 2, 2, 2);
    const none = await skipEmptySpace(field, occupancyOf(volumeWith(4, []), 0))(points);
    // The point outside the grid's box is evaluated as it is.
    expect([...none.density]).toEqual([0, 0, 2]);
    const corner = await skipEmptySpace(field, occupancyOf(volumeWith(4, [0]), 0))(points);
    expect([...corner.density]).toEqual([2, 0, 2]);
    expect([...corner.rgb]).toEqual([0.5, 0.5, 0.5, 0, 0, 0, 0.5, 0.5, 0.5]);
  });

  it.each(['chair-070000.triplane-train', 'airplane-070000.mlp-train', 'lamp-070000.hash-train'])(
    '%s: renders the same thumbnail (PSNR above 40 dB) from a fraction of the field evaluations',
    async (name) => {
      const nerf = await readNerfFile(join(DEMO, `${name}.nerf.safetensors`));
      const provider = await chooseProvider('cpu', { threads: 1 });
      const raw = nerfField(nerf, sessions, provider);
      const { aabb } = nerf.config;
      const grid = occupancyOf(await bakeVolume(raw, aabb, { resolution: 32 }));
      expect(grid.fraction).toBeGreaterThan(0);
      expect(grid.fraction).toBeLessThan(0.6);
      const camera = orbitCamera(aabb, 35, 25, 1.1, 48);
      const full = counting(raw);
      const skipped = counting(raw);
      const reference = await renderImage(full.field, aabb, camera, { samples: 48 });
      const fast = await renderImage(skipEmptySpace(skipped.field, grid), aabb, camera, { samples: 48 });
      expect(psnr(fast, reference)).toBeGreaterThan(40);
      expect(skipped.points()).toBeLessThan(0.6 * full.points());
    },
    120_000,
  );
});
