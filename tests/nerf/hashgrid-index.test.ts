/**
 * tiny-cuda-nn's hash-grid layout, recomputed here by hand from grid.h / common_device.h with
 * BigInt uint32 arithmetic and checked against `hashGridLevels`, the graph's `hashGridCorners`
 * and the reference's `referenceHashGridIndex`:
 *   scale = exp2f(level * log2(per_level_scale)) * base_resolution - 1 (float32)
 *   resolution = ceil(scale) + 1
 *   params_in_level = min(next_multiple(resolution^3, 8), 2^log2_hashmap_size), offsets = prefix sums
 *   pos = scale * x + 0.5, vertex = floor(pos), corner bit d = +1 along axis d
 *   index = x + y R + z R^2 when R^3 <= params_in_level, else x * 1 ^ y * 2654435761 ^ z * 805459861 (uint32),
 *   then % params_in_level
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/main/compute/graph';
import { buildModel } from '../../src/main/compute/model';
import { configFor } from '../../src/main/nerf/architectures';
import { hashGridCorners, hashGridLevels } from '../../src/main/nerf/families/hashgrid';
import { parameterLayout } from '../../src/main/nerf/layout';
import { referenceHashGridIndex } from '../../src/main/nerf/reference-field';
import type { HashGridConfig } from '../../src/main/nerf/types';

const f32 = Math.fround;
const UINT32 = 0xffffffffn;

interface HandLevel {
  scale: number;
  resolution: number;
  size: number;
  offset: number;
}

/** The GridEncodingTemplated constructor's loop, written out again. */
function handLevels(levels: number, log2T: number, base: number, perLevelScale: number): HandLevel[] {
  const out: HandLevel[] = [];
  let offset = 0;
  const log2Scale = f32(Math.log2(f32(perLevelScale)));
  for (let level = 0; level < levels; level++) {
    const scale = f32(f32(f32(2 ** f32(level * log2Scale)) * base) - 1);
    const resolution = Math.ceil(scale) + 1;
    const size = Math.min(Math.ceil(resolution ** 3 / 8) * 8, 2 ** log2T);
    out.push({ scale, resolution, size, offset });
    offset += size;
  }
  return out;
}

/** grid_index for one vertex, in BigInt uint32 arithmetic. */
function handIndex(level: HandLevel, [x, y, z]: readonly bigint[]): bigint {
  const R = BigInt(level.resolution);
  const size = BigInt(level.size);
  if (R * R * R <= size) return (x! + y! * R + z! * R * R) % size;
  const hash = ((x! * 1n) & UINT32) ^ ((y! * 2654435761n) & UINT32) ^ ((z! * 805459861n) & UINT32);
  return (hash & UINT32) % size;
}

/** Rows of the 8 corners (corner c: bit d set = upper vertex along axis d) of `unit` on `level`. */
function handRows(level: HandLevel, unit: readonly number[]): number[] {
  const pos = unit.map((u) => u * level.scale + 0.5);
  const cell = pos.map((p) => Math.floor(p));
  // Stay clear of cell boundaries, where float32 and float64 could floor differently.
  for (const p of pos) if (p !== Math.floor(p) && (p - Math.floor(p) < 1e-3 || p - Math.floor(p) > 1 - 1e-3)) throw new Error(`test point too close to a boundary: ${p}`);
  return Array.from({ length: 8 }, (_, c) => Number(handIndex(level, cell.map((v, d) => BigInt(v + ((c >> d) & 1))))) + level.offset);
}

/** instant-ngp's NeRF grid: 16 levels, 2^19 entries, 2 features, base 16, finest 2048 (aabb_scale 1). */
const INSTANT_NGP: HashGridConfig = {
  family: 'hashgrid',
  architecture: 'instant-ngp',
  aabb: [
    [0, 0, 0],
    [1, 1, 1],
  ],
  densityActivation: 'truncExp',
  levels: 16,
  log2TableSize: 19,
  featuresPerLevel: 2,
  baseResolution: 16,
  // testbed_nerf.cu: per_level_scale = exp(log(2048 * aabb_scale / base_resolution) / (n_levels - 1)), in float.
  perLevelScale: f32(Math.exp(f32(f32(Math.log(2048 / 16)) / 15))),
  hidden: [64],
};

const POINTS = [
  [0.3, 0.6, 0.9],
  [0.05, 0.77, 0.42],
  [0.613, 0.127, 0.5551],
];

async function graphRows(config: HashGridConfig, points: readonly (readonly number[])[]): Promise<number[][][]> {
  const g = new Graph('float32');
  const unit = g.input('unit', 'float32', [1, points.length, 3]);
  const { rows } = hashGridCorners(config, unit);
  const session = await InferenceSession.create(buildModel(g, { outputs: { rows } }));
  const out = await session.run({ unit: new Tensor('float32', Float32Array.from(points.flat()), [1, points.length, 3]) });
  await session.release();
  const data = Array.from(out['rows']!.data as BigInt64Array, Number);
  const L = config.levels;
  return points.map((_, n) => Array.from({ length: L }, (_, l) => data.slice((n * L + l) * 8, (n * L + l + 1) * 8)));
}

describe('tiny-cuda-nn level sizes and offsets', () => {
  it('hash-train: resolutions 16, 32, 64, 128; level 0 dense, all 4096 entries; 16384 rows', () => {
    const config = configFor('hash-train', INSTANT_NGP.aabb) as HashGridConfig;
    const levels = hashGridLevels(config);
    expect(levels.map((l) => [l.resolution, l.scale, l.size, l.offset, l.dense])).toEqual([
      [16, 15, 4096, 0, true],
      [32, 31, 4096, 4096, false],
      [64, 63, 4096, 8192, false],
      [128, 127, 4096, 12288, false],
    ]);
    expect(levels.map(({ scale, resolution, size, offset }) => ({ scale, resolution, size, offset }))).toEqual(handLevels(4, 12, 16, config.perLevelScale));
    expect(parameterLayout(config)[0]).toEqual({ name: 'encoding/table', shape: [16384, 2] });
  });

  it('instant-ngp default: five dense levels, then 2^19 each; 6,098,120 rows (12,196,240 parameters)', () => {
    const levels = hashGridLevels(INSTANT_NGP);
    expect(levels.map((l) => l.resolution)).toEqual([16, 23, 31, 43, 59, 81, 112, 154, 213, 295, 407, 562, 777, 1073, 1483, 2048]);
    expect(levels.map((l) => l.size)).toEqual([4096, 12168, 29792, 79512, 205384, ...new Array<number>(11).fill(524288)]);
    expect(levels.map((l) => l.offset).slice(0, 7)).toEqual([0, 4096, 16264, 46056, 125568, 330952, 855240]);
    expect(levels.map((l) => l.dense)).toEqual([true, true, true, true, true, ...new Array<boolean>(11).fill(false)]);
    expect(levels.map(({ scale, resolution, size, offset }) => ({ scale, resolution, size, offset }))).toEqual(handLevels(16, 19, 16, INSTANT_NGP.perLevelScale));
    expect(parameterLayout(INSTANT_NGP)[0]).toEqual({ name: 'encoding/table', shape: [6098120, 2] });
  });
});

describe('tiny-cuda-nn corner indices', () => {
  it.each([
    ['hash-train', configFor('hash-train', INSTANT_NGP.aabb) as HashGridConfig],
    ['instant-ngp', INSTANT_NGP],
  ] as const)('%s: the graph and the reference index every corner of every level as computed by hand', async (_name, config) => {
    const hand = handLevels(config.levels, config.log2TableSize, config.baseResolution, config.perLevelScale);
    const fromGraph = await graphRows(config, POINTS);
    const levels = hashGridLevels(config);
    POINTS.forEach((unit, n) => {
      hand.forEach((level, l) => {
        const expected = handRows(level, unit);
        expect(fromGraph[n]![l], `point ${n}, level ${l}`).toEqual(expected);
        const cell = unit.map((u) => Math.floor(u * level.scale + 0.5));
        const fromReference = Array.from({ length: 8 }, (_, c) => levels[l]!.offset + referenceHashGridIndex(levels[l]!, cell.map((v, d) => v + ((c >> d) & 1)) as [number, number, number]));
        expect(fromReference, `reference point ${n}, level ${l}`).toEqual(expected);
      });
    });
  });

  it('matches two values worked out on paper', async () => {
    const config = configFor('hash-train', INSTANT_NGP.aabb) as HashGridConfig;
    const rows = await graphRows(config, [
      [0.3, 0.6, 0.9],
      [1, 1, 1],
    ]);
    // Level 1 (scale 31, hashed): pos (9.8, 19.1, 28.4) -> vertex (9, 19, 28);
    // (9 ^ 19 * 2654435761 ^ 28 * 805459861) mod 2^32 = 4267678822, % 4096 = 3174, + offset 4096.
    expect(rows[0]![1]![0]).toBe(7270);
    // Level 0 (scale 15, dense) at x = 1: pos 15.5, the upper corner (16, 16, 16) lies outside the
    // 16^3 grid and wraps as in tcnn: (16 + 16 * 16 + 16 * 256) % 4096 = 272.
    expect(rows[1]![0]![7]).toBe(272);
  });
});
