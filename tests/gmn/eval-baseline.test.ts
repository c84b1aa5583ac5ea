/**
 * The evaluation's functional baseline and shared protocol: the density descriptor (grid layout,
 * log1p of the field's density, zero for an empty NeRF, deterministic, errors that quote the bad
 * value), and measureProtocol / headlineFigures on vectors whose right answers are known.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import type { HostTensor } from '../../src/main/compute/tensor';
import { DESCRIPTOR_LENGTH, densityDescriptor, gridCentres, nerfDensityDescriptor } from '../../src/main/gmn/eval/density-descriptor';
import { type LabelledFit, headlineFigures, measureProtocol } from '../../src/main/gmn/eval/protocol';
import { TRAINING_ARCHITECTURES, configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import { nerfField } from '../../src/main/nerf/field-runtime';
import { parameterLayout } from '../../src/main/nerf/layout';
import type { Aabb, FieldFunction, Nerf } from '../../src/main/nerf/types';
import type { Category } from '../../src/main/vocabulary/categories';

const sessions = new SessionCache();
afterAll(() => sessions.dispose());

const AABB: Aabb = [
  [-1, -2, 0],
  [1, 2, 4],
];

/** A field whose density is a known function of the point, colour zero. */
function analyticField(density: (x: number, y: number, z: number) => number): FieldFunction {
  return async (points) => {
    const n = points.length / 3;
    return { density: Float32Array.from({ length: n }, (_, i) => density(points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!)), rgb: new Float32Array(3 * n) };
  };
}

describe('density descriptor', () => {
  it('samples the cell centres of a 16^3 grid over the aabb, x fastest', () => {
    const points = gridCentres(AABB);
    expect(points.length).toBe(3 * 4096);
    // Cells are 2/16, 4/16, 4/16 wide; the first centre is half a cell in from the minimum corner.
    expect([...points.subarray(0, 3)]).toEqual([-1 + 1 / 16, -2 + 2 / 16, 2 / 16]);
    expect([...points.subarray(3, 6)]).toEqual([-1 + 3 / 16, -2 + 2 / 16, 2 / 16]); // next x
    expect([...points.subarray(3 * 16, 3 * 16 + 3)]).toEqual([-1 + 1 / 16, -2 + 6 / 16, 2 / 16]); // next y
    expect([...points.subarray(3 * 256, 3 * 256 + 3)]).toEqual([-1 + 1 / 16, -2 + 2 / 16, 6 / 16]); // next z
    expect([...points.subarray(3 * 4095)]).toEqual([1 - 1 / 16, 2 - 2 / 16, 4 - 2 / 16]);
    expect([...gridCentres(AABB, 1)]).toEqual([0, 0, 2]);
    expect(() => gridCentres(AABB, 0)).toThrow(RangeError);
    expect(() => gridCentres([[0, 0, 0], [1, 0, 1]])).toThrow(/positive finite extent, got \[\[0,0,0\],\[1,0,1\]\]/);
  });

  it('is log1p of the density at those points, and quotes a density that is negative or not finite', async () => {
    const d = await densityDescriptor(analyticField((x, y, z) => 2 * (x + 1) + Math.abs(y) + z), AABB);
    expect(d.length).toBe(DESCRIPTOR_LENGTH);
    expect(d[0]).toBeCloseTo(Math.log1p(2 / 16 + (2 - 2 / 16) + 2 / 16), 6);
    expect(d[4095]).toBeCloseTo(Math.log1p(2 * (2 - 1 / 16) + (2 - 2 / 16) + (4 - 2 / 16)), 6);
    await expect(densityDescriptor(analyticField((x) => (x > 0.9 ? -0.5 : 1)), AABB)).rejects.toThrow(/density -0\.5 at point \(0\.9375, -1\.875, 0\.125\) is not a finite number >= 0/);
    await expect(densityDescriptor(analyticField(() => NaN), AABB)).rejects.toThrow(RangeError);
    await expect(densityDescriptor(async () => ({ density: new Float32Array(5), rgb: new Float32Array(15) }), AABB)).rejects.toThrow(/returned 5 densities for 4096 points/);
  });

  it("gives zeros for a NeRF with zero density, and is deterministic and the field's own density for a real one", async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    // ReLU density of an all-zero MLP: relu(0) = 0 everywhere.
    const config = { ...configFor('mlp-train', AABB), densityActivation: 'relu' } as const;
    const zero: Nerf = {
      config,
      params: Object.fromEntries(parameterLayout(config).map(({ name, shape }): [string, HostTensor] => [name, { dtype: 'float32', shape: [...shape], data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }])),
      meta: {},
    };
    const empty = await nerfDensityDescriptor(zero, sessions, provider);
    expect(empty.length).toBe(4096);
    expect(empty.every((v) => v === 0)).toBe(true);

    const real = (seed: number): Nerf => ({ config: configFor('hash-train', AABB), params: initParams(configFor('hash-train', AABB), seed), meta: {} });
    const a = await nerfDensityDescriptor(real(3), sessions, provider);
    expect([...(await nerfDensityDescriptor(real(3), sessions, provider))]).toEqual([...a]);
    expect([...(await nerfDensityDescriptor(real(4), sessions, provider))]).not.toEqual([...a]);
    const { density } = await nerfField(real(3), sessions, provider)(gridCentres(AABB));
    expect([...a]).toEqual([...Float32Array.from(density, (v) => Math.log1p(v))]);
    expect(a.some((v) => v > 0)).toBe(true);
  });
});

/** 3 categories x (2 train + 1 test) objects; train objects in the training architectures, test ones also in mlp-L2. */
function fits(): (LabelledFit & { vector: Float32Array })[] {
  const categories: Category[] = ['chair', 'airplane', 'lamp'];
  const out: (LabelledFit & { vector: Float32Array })[] = [];
  categories.forEach((category, c) => {
    for (let j = 0; j < 3; j++) {
      const split = j < 2 ? 'train' : 'test';
      const object = 3 * c + j;
      // Category on dims 0-2, the object on dims 3-11: the same vector in every architecture.
      const vector = new Float32Array(12);
      vector[c] = 1;
      vector[3 + object] = 0.3;
      for (const architecture of split === 'test' ? [...TRAINING_ARCHITECTURES, 'mlp-L2'] : TRAINING_ARCHITECTURES) {
        out.push({ objectId: `${category}-${j}`, category, split, architecture, vector });
      }
    }
  });
  return out;
}

describe('classification and retrieval protocol', () => {
  it('scores vectors that name the category and the object perfectly, and reads the fixed keys off its tables', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const detail = await measureProtocol(fits(), (f) => f.vector, { sessions, provider, classifier: { steps: 60, lr: 1e-2, hidden: 32 } });
    expect(detail.classification.rows.map((r) => [r.architecture, r.count, r.accuracy, r.knnAccuracy])).toEqual([
      ['mlp-train', 3, 1, 1],
      ['triplane-train', 3, 1, 1],
      ['hash-train', 3, 1, 1],
      ['all training', 9, 1, 1],
      ['mlp-L2', 3, 1, 1],
      ['all unseen', 3, 1, 1],
    ]);
    expect(detail.retrieval.pairs).toHaveLength(6);
    for (const p of detail.retrieval.pairs) expect(p.recall).toEqual({ 1: 1, 5: 1, 10: 1 });
    expect(headlineFigures(detail)).toEqual({
      classification: { training: 1, unseen: 1, perArchitecture: { 'mlp-train': 1, 'triplane-train': 1, 'hash-train': 1 }, knn: { training: 1, unseen: 1 } },
      retrieval: { r1: 1, r5: 1, r10: 1 },
    });
  });

  it('gives chance-or-worse figures for vectors that are all equal, and NaN for a group with no samples', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const same = Float32Array.of(1, 2, 3);
    const trainingOnly = fits().filter((f) => f.architecture !== 'mlp-L2');
    const detail = await measureProtocol(trainingOnly, () => same, { sessions, provider, classifier: { steps: 5 } });
    const h = headlineFigures(detail);
    // Ties rank against the query: each of the 3 queries ranks its own object last.
    expect(h.retrieval).toEqual({ r1: 0, r5: 1, r10: 1 });
    // The probe sees one input, so it gives every test NeRF one category: right for 1 of 3.
    expect(h.classification.training).toBeCloseTo(1 / 3, 12);
    expect(Number.isNaN(h.classification.unseen)).toBe(true);
    expect(Number.isNaN(h.classification.knn.unseen)).toBe(true);
    expect(detail.classification.rows.map((r) => r.architecture)).toEqual([...TRAINING_ARCHITECTURES, 'all training']);
  });
});
