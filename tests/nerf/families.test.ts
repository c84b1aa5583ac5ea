import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/main/compute/graph';
import { seededRandom } from '../../src/main/compute/init';
import { buildModel } from '../../src/main/compute/model';
import type { HostTensor } from '../../src/main/compute/tensor';
import { ARCHITECTURES, TRAINING_ARCHITECTURES, architecture, configFor, isTrainingArchitecture } from '../../src/main/nerf/architectures';
import { triplaneFeatures } from '../../src/main/nerf/families/triplane';
import { buildFieldGraph, declareFieldParams, initParams, stackParams } from '../../src/main/nerf/field-graph';
import { decoderWidths, parameterCount, parameterLayout } from '../../src/main/nerf/layout';
import { referenceField } from '../../src/main/nerf/reference-field';
import type { Aabb, DensityActivation, NerfConfig, TriplaneConfig } from '../../src/main/nerf/types';
import { normError } from './compare';

const AABB: Aabb = [
  [-1, -0.5, -2],
  [1, 1.5, 0.5],
];

type FloatType = 'float32' | 'float64';

/**
 * Runs B NeRFs' field graph at points [B, N, 3] and returns density, rgb and raw. With
 * `symbolicBatch` the parameters are graph inputs of shape ['B', ...] instead of [B, ...].
 */
async function runField(config: NerfConfig, floatType: FloatType, nerfs: readonly Record<string, HostTensor>[], points: Float64Array, symbolicBatch = false): Promise<Record<string, Float64Array>> {
  const B = nerfs.length;
  const g = new Graph(floatType);
  const pts = g.input('points', floatType, [symbolicBatch ? 'B' : B, 'N', 3]);
  const params = symbolicBatch
    ? Object.fromEntries(parameterLayout(config).map(({ name, shape }) => [name, g.input(`params/${name}`, floatType, ['B', ...shape])]))
    : declareFieldParams(g, config, B);
  const out = buildFieldGraph(g, config, pts, params);
  const bytes = buildModel(g, { outputs: { density: out.density, rgb: out.rgb, raw: out.raw } });
  const session = await InferenceSession.create(bytes, floatType === 'float64' ? { graphOptimizationLevel: 'basic' } : {});
  const cast = (a: ArrayLike<number>): Float32Array | Float64Array => (floatType === 'float64' ? Float64Array.from(a) : Float32Array.from(a));
  const feeds: Record<string, Tensor> = { points: new Tensor(floatType, cast(points), [B, points.length / (3 * B), 3]) };
  for (const [name, t] of Object.entries(stackParams(config, nerfs, floatType))) feeds[`params/${name}`] = new Tensor(floatType, t.data as Float64Array, [...t.shape]);
  const result = await session.run(feeds);
  await session.release();
  const out64: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(result)) out64[k] = Float64Array.from(v.data as Float32Array);
  return out64;
}

/** Worst |a - b| / max(1, |b|), elementwise. */
function worstError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** Points inside the aabb and up to 10 % of its extent outside it, rounded to float32. */
function samplePoints(count: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  const out = new Float64Array(count * 3);
  for (let i = 0; i < out.length; i++) {
    const a = i % 3;
    const extent = AABB[1][a]! - AABB[0][a]!;
    out[i] = Math.fround(AABB[0][a]! - 0.1 * extent + next() * 1.2 * extent);
  }
  // Exactly on the upper faces too: the last cell of every grid, and tcnn's dense wrap-around.
  out.set([AABB[1][0], AABB[1][1], AABB[1][2], AABB[0][0], AABB[1][1], AABB[0][2]], 0);
  return out;
}

/** Seeded NeRF parameters; grid features are redrawn in +-0.5 so the encodings matter. */
function sampleNerf(config: NerfConfig, seed: number): Record<string, HostTensor> {
  const params = initParams(config, seed);
  const next = seededRandom(seed + 1000);
  for (const name of ['planes', 'encoding/table']) {
    const data = params[name]?.data as Float32Array | undefined;
    if (data) for (let i = 0; i < data.length; i++) data[i] = next() - 0.5;
  }
  return params;
}

const ACTIVATIONS: readonly DensityActivation[] = ['relu', 'softplus', 'truncExp'];

describe('parameter layouts', () => {
  it('names and shapes each family as documented', () => {
    expect(parameterLayout(configFor('mlp-L2', AABB))).toEqual([
      { name: 'layers/0/weight', shape: [39, 64] },
      { name: 'layers/0/bias', shape: [64] },
      { name: 'layers/1/weight', shape: [64, 64] },
      { name: 'layers/1/bias', shape: [64] },
      { name: 'layers/2/weight', shape: [64, 4] },
      { name: 'layers/2/bias', shape: [4] },
    ]);
    const triplane = parameterLayout(configFor('triplane-train', AABB));
    expect(triplane[0]).toEqual({ name: 'planes', shape: [3, 32, 32, 8] });
    expect(triplane[1]).toEqual({ name: 'layers/0/weight', shape: [8 + 27, 64] });
    const hash = parameterLayout(configFor('hash-train', AABB));
    expect(hash[0]).toEqual({ name: 'encoding/table', shape: [16384, 2] });
    expect(hash[1]).toEqual({ name: 'layers/0/weight', shape: [8, 64] });
    expect(hash.map((p) => p.name)).toEqual(['encoding/table', 'layers/0/weight', 'layers/0/bias', 'layers/1/weight', 'layers/1/bias', 'layers/2/weight', 'layers/2/bias']);
  });

  it('counts parameters as the sum of the layout', () => {
    expect(parameterCount(configFor('mlp-train', AABB))).toBe(39 * 64 + 64 + 2 * (64 * 64 + 64) + 64 * 4 + 4);
    expect(parameterCount(configFor('triplane-train', AABB))).toBe(3 * 32 * 32 * 8 + 35 * 64 + 64 + 64 * 64 + 64 + 64 * 4 + 4);
    expect(parameterCount(configFor('hash-train', AABB))).toBe(16384 * 2 + 8 * 64 + 64 + 64 * 64 + 64 + 64 * 4 + 4);
  });

  it('rejects impossible sizes with a RangeError quoting the value', () => {
    const triplane = configFor('triplane-train', AABB) as TriplaneConfig;
    expect(() => parameterLayout({ ...triplane, resolution: 1 })).toThrow(RangeError);
    expect(() => parameterLayout({ ...triplane, resolution: 1 })).toThrow(/resolution must be an integer >= 2, got 1/);
    expect(() => parameterLayout({ ...triplane, hidden: [64, 0] })).toThrow(/hidden\[1\]/);
    expect(() => parameterLayout({ ...triplane, aabb: [[0, 0, 0], [1, 0, 1]] })).toThrow(/aabb must have finite min < max/);
    const hash = configFor('hash-train', AABB);
    expect(() => parameterLayout({ ...hash, log2TableSize: 40 } as NerfConfig)).toThrow(/log2TableSize must be an integer in \[3, 30\], got 40/);
  });
});

describe('the architecture registry', () => {
  it('holds three training architectures, one per family, and at least ten unseen variants', () => {
    expect(TRAINING_ARCHITECTURES.map((id) => architecture(id).family)).toEqual(['mlp', 'triplane', 'hashgrid']);
    const unseen = Object.keys(ARCHITECTURES).filter((id) => !isTrainingArchitecture(id));
    expect(unseen.length).toBeGreaterThanOrEqual(10);
    for (const family of ['mlp', 'triplane', 'hashgrid']) expect(unseen.some((id) => ARCHITECTURES[id]!.family === family)).toBe(true);
    expect(isTrainingArchitecture('hash-train')).toBe(true);
    expect(isTrainingArchitecture('hash-T11')).toBe(false);
  });

  it('names each architecture by its own id, and every one has a layout', () => {
    for (const [id, arch] of Object.entries(ARCHITECTURES)) {
      expect(arch.architecture).toBe(id);
      expect(parameterCount(configFor(id, AABB))).toBeGreaterThan(0);
    }
  });

  it('fails on an unknown id with a RangeError listing the known ones', () => {
    expect(() => architecture('mlp-huge')).toThrow(RangeError);
    expect(() => architecture('mlp-huge')).toThrow(/unknown architecture "mlp-huge" \(known: mlp-train, triplane-train, hash-train/);
  });
});

describe('batched field graphs against the plain-TypeScript reference', () => {
  const ids = Object.keys(ARCHITECTURES);
  it.each(ids.map((id, i) => [id, ACTIVATIONS[i % 3]!] as const))('%s (%s density): float64 to 1e-9, float32 to 1e-5', async (id, densityActivation) => {
    const config = { ...configFor(id, AABB), densityActivation } as NerfConfig;
    const B = 2;
    const N = 64;
    const nerfs = [sampleNerf(config, 11), sampleNerf(config, 12)];
    const points = samplePoints(B * N, 7);
    const reference = nerfs.map((nerf, b) => referenceField(config, nerf, points.subarray(b * N * 3, (b + 1) * N * 3)));
    const joined = (key: 'density' | 'rgb' | 'raw'): Float64Array => {
      const parts = reference.map((r) => r[key]);
      const out = new Float64Array(parts[0]!.length * B);
      parts.forEach((p, b) => out.set(p, b * p.length));
      return out;
    };
    // The two NeRFs differ, so a mix-up of batch rows would show.
    expect(worstError(reference[0]!.raw, reference[1]!.raw)).toBeGreaterThan(1e-3);

    const exact = await runField(config, 'float64', nerfs, points);
    for (const key of ['raw', 'density', 'rgb'] as const) expect(worstError(exact[key]!, joined(key)), `float64 ${key}`).toBeLessThan(1e-9);
    // float32 sums of many terms of either sign: judged against the output's scale.
    const single = await runField(config, 'float32', nerfs, points);
    for (const key of ['raw', 'density', 'rgb'] as const) expect(normError(single[key]!, joined(key)), `float32 ${key}`).toBeLessThan(1e-5);
  });

  it.each(['mlp-F4', 'triplane-R16', 'hash-T10'])('%s: a symbolic batch axis gives the same outputs', async (id) => {
    const config = configFor(id, AABB);
    const nerfs = [sampleNerf(config, 21), sampleNerf(config, 22), sampleNerf(config, 23)];
    const points = samplePoints(3 * 16, 8);
    const fixed = await runField(config, 'float64', nerfs, points);
    const symbolic = await runField(config, 'float64', nerfs, points, true);
    for (const key of ['raw', 'density', 'rgb'] as const) expect(worstError(symbolic[key]!, fixed[key]!), key).toBeLessThan(1e-12);
    const first = referenceField(config, nerfs[0]!, points.subarray(0, 16 * 3));
    expect(worstError(symbolic['raw']!.subarray(0, 16 * 4), first.raw)).toBeLessThan(1e-9);
  });

  it('rejects missing or misshapen parameters with a RangeError naming them', () => {
    const config = configFor('hash-train', AABB);
    const g = new Graph('float32');
    const points = g.input('points', 'float32', [2, 'N', 3]);
    const params = declareFieldParams(g, config, 2);
    const { ['encoding/table']: _table, ...rest } = params;
    expect(() => buildFieldGraph(g, config, points, rest)).toThrow(/missing parameter "encoding\/table" of hash-train/);
    const wrong = { ...params, 'layers/0/bias': g.param('wrong', [2, 63]) };
    expect(() => buildFieldGraph(g, config, points, wrong)).toThrow(/"layers\/0\/bias" must be \[B, 64\], got \[2, 63\]/);
  });
});

describe('tri-plane texel positions', () => {
  it('puts texel (i, j) of plane xy at x = i / (R - 1), y = j / (R - 1), of xz at (x, z), of yz at (y, z)', async () => {
    const config = { ...configFor('triplane-R16', [[0, 0, 0], [1, 1, 1]]), resolution: 5, channels: 1 } as TriplaneConfig;
    const R = 5;
    const g = new Graph('float64');
    const unit = g.input('unit', 'float64', [1, 'N', 3]);
    const planes = g.input('planes', 'float64', [1, 3, R, R, 1]);
    const bytes = buildModel(g, { outputs: { features: triplaneFeatures(config, unit, planes) } });
    const session = await InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' });
    // One texel set per plane: xy (1, 3) = 1, xz (2, 2) = 10, yz (3, 1) = 100 (asymmetric, so a
    // transposed plane would read zeros).
    const data = new Float64Array(3 * R * R);
    const texels = [
      [1, 3],
      [2, 2],
      [3, 1],
    ] as const;
    texels.forEach(([i, j], p) => (data[p * R * R + i * R + j] = 10 ** p));
    // Each point sits on one texel; its other coordinate keeps the other planes on zero texels.
    const points = [
      [1 / 4, 3 / 4, 1],
      [2 / 4, 0.61, 2 / 4],
      [1, 3 / 4, 1 / 4],
    ].flat();
    const out = await session.run({ unit: new Tensor('float64', Float64Array.from(points), [1, 3, 3]), planes: new Tensor('float64', data, [1, 3, R, R, 1]) });
    expect(Array.from(out['features']!.data as Float64Array)).toEqual([1, 10, 100]);
  });
});

describe('decoder widths', () => {
  it('go from the encoding width through the hidden layers to 4 outputs', () => {
    expect(decoderWidths(configFor('hash-F4', AABB))).toEqual([16, 64, 64, 4]);
    expect(decoderWidths(configFor('mlp-F4', AABB))).toEqual([27, 64, 64, 64, 4]);
    expect(decoderWidths(configFor('triplane-C16', AABB))).toEqual([16 + 27, 64, 64, 4]);
  });
});
