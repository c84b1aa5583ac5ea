import { describe, expect, it } from 'vitest';
import { normal, seededRandom } from '../../src/main/compute/init';
import { accuracy, chanceRecall, cosineKnn, cosineSimilarities, knnClassify, l2NormalizeRows, neighbourShares, recallAtK, retrievalRanks } from '../../src/main/gmn/eval/metrics';

const rows = (...values: number[][]): Float32Array[] => values.map((v) => Float32Array.from(v));

function randomRows(n: number, width: number, seed: number): Float32Array[] {
  const next = seededRandom(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: width }, () => normal(next)));
}

/** One-hot-like "perfect" embeddings: row i points along axis i, plus a little noise. */
function perfect(n: number, seed: number): Float32Array[] {
  const next = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => Float32Array.from({ length: n }, (_, d) => (d === i ? 1 : 0) + 0.01 * normal(next)));
}

describe('embedding metrics', () => {
  it('computes cosine similarities, normalisation and k-NN on a case worked by hand', () => {
    const q = rows([1, 0], [1, 1]);
    const g = rows([2, 0], [0, 3], [-1, -1]);
    const s = cosineSimilarities(q, g);
    // [1,0]: 1, 0, -1/sqrt2; [1,1]: 1/sqrt2, 1/sqrt2, -1.
    const expected = [1, 0, -Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, -1];
    expected.forEach((e, i) => expect(s[i]).toBeCloseTo(e, 6));
    expect(l2NormalizeRows(rows([3, 4], [0, 0])).map((r) => [...r])).toEqual([[0.6000000238418579, 0.800000011920929], [0, 0]]);
    // Ties (0.707 twice) go to the lower index.
    expect(cosineKnn(q, g, 2)).toEqual([[0, 1], [0, 1]]);
    expect(() => cosineKnn(q, g, 0)).toThrow(RangeError);
    expect(() => cosineSimilarities(rows([1, 2]), rows([1, 2, 3]))).toThrow(/every embedding must have 2 values, got one with 3/);
  });

  it('ranks, Recall@k and accuracy on a case worked by hand, ties counted against the query', () => {
    const q = rows([1, 0], [0, 1], [1, 1]);
    const g = rows([1, 0.1], [1, 0], [1, 1]);
    // Query 0 wants item 0 (cos 0.995) but item 1 scores 1 -> rank 2.
    // Query 1 wants item 1 (cos 0); items 0 (0.0995) and 2 (0.707) beat it -> rank 3.
    // Query 2 wants item 2 (cos 1) -> rank 1.
    const ranks = retrievalRanks(q, g, [0, 1, 2]);
    expect(ranks).toEqual([2, 3, 1]);
    expect(recallAtK(ranks, [1, 2, 3])).toEqual({ 1: 1 / 3, 2: 2 / 3, 3: 1 });
    expect(retrievalRanks(rows([1, 0]), rows([1, 0], [2, 0]), [1])).toEqual([2]);
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(accuracy([], [])).toBeNaN();
    expect(() => accuracy([1], [1, 2])).toThrow(/1 predictions for 2 labels/);
    expect(() => retrievalRanks(q, g, [0, 1, 5])).toThrow(/target 5 of query 2 is not a gallery index in \[0, 3\)/);
    expect(chanceRecall(5, 3)).toBe(1);
    expect(chanceRecall(1, 4)).toBe(0.25);
  });

  it('gives recall 1 and accuracy 1 for perfect embeddings', () => {
    const n = 40;
    const a = perfect(n, 1);
    const b = perfect(n, 2);
    const targets = a.map((_, i) => i);
    expect(recallAtK(retrievalRanks(a, b, targets), [1, 5, 10])).toEqual({ 1: 1, 5: 1, 10: 1 });
    // Classes are the row index mod 4; the gallery holds each class's prototype axis.
    const labels = targets.map((i) => i % 4);
    const prototypes = Array.from({ length: 4 }, (_, c) => Float32Array.from({ length: n }, (_, d) => (d % 4 === c ? 1 : 0)));
    expect(accuracy(knnClassify(a, prototypes, [0, 1, 2, 3], 1), labels)).toBe(1);
  });

  it('gives a collapsed encoder (all embeddings equal) recall 0 below the gallery size, not 1', () => {
    const same = Array.from({ length: 12 }, () => Float32Array.of(0.5, 0.5, 0));
    expect(recallAtK(retrievalRanks(same, same, same.map((_, i) => i)), [1, 10, 12])).toEqual({ 1: 0, 10: 0, 12: 1 });
  });

  it('is near chance for random embeddings', () => {
    const n = 400;
    const a = randomRows(n, 32, 3);
    const b = randomRows(n, 32, 4);
    const recall = recallAtK(retrievalRanks(a, b, a.map((_, i) => i)), [1, 10]);
    expect(recall[1]!).toBeLessThan(0.02); // chance 1 / 400
    expect(Math.abs(recall[10]! - chanceRecall(10, n))).toBeLessThan(0.03); // chance 0.025, sd ~0.008
    const galleryLabels = Array.from({ length: n }, (_, i) => i % 13);
    const queries = randomRows(650, 32, 5);
    const truth = queries.map((_, i) => (i * 7) % 13);
    expect(Math.abs(accuracy(knnClassify(queries, b, galleryLabels, 5), truth) - 1 / 13)).toBeLessThan(0.04); // sd ~0.01
  });

  it('breaks a tied k-NN vote by summed similarity', () => {
    const gallery = rows([1, 0], [1, 0.5], [0, 1], [0.2, 1]);
    // Query close to class 0's items: a 2-2 vote, class 0's voters are more similar.
    expect(knnClassify(rows([1, 0.1]), gallery, [0, 0, 1, 1], 4)).toEqual([0]);
    expect(knnClassify(rows([0.1, 1]), gallery, [0, 0, 1, 1], 4)).toEqual([1]);
    expect(() => knnClassify(rows([1, 0]), [], [], 1)).toThrow(/gallery is empty/);
  });
});

describe('neighbourShares', () => {
  // 4 objects x 3 architectures in 2 dimensions.
  const objects = ['a', 'b', 'c', 'd'];
  const archs = ['mlp', 'tri', 'hash'];
  const labels = { architecture: [] as string[], object: [] as string[] };
  for (const o of objects) for (const a of archs) { labels.architecture.push(a); labels.object.push(o); }

  it('is 1 for the grouping the space clusters by and its chance share for the other', () => {
    // Clustered by architecture: each architecture is a direction, objects differ only slightly.
    const byArch = labels.architecture.map((a, i) => Float32Array.of(Math.cos(archs.indexOf(a) * 2) + 0.01 * (i % 4), Math.sin(archs.indexOf(a) * 2)));
    const r = neighbourShares(byArch, labels, 2);
    expect(r.k).toBe(2);
    expect(r.shares['architecture']).toBeCloseTo(1, 9);
    // Random neighbours: 3 of the 11 others share the architecture, 2 of 11 the object.
    expect(r.chance['architecture']).toBeCloseTo(3 / 11, 9);
    expect(r.chance['object']).toBeCloseTo(2 / 11, 9);
    // Clustered by object: the reverse.
    const byObject = labels.object.map((o, i) => Float32Array.of(Math.cos(objects.indexOf(o) * 1.5) + 0.01 * (i % 3), Math.sin(objects.indexOf(o) * 1.5)));
    const s = neighbourShares(byObject, labels, 2);
    expect(s.shares['object']).toBeCloseTo(1, 9);
    expect(s.shares['architecture']).toBeLessThan(0.5);
  });

  it('caps k at the other rows and refuses bad input', () => {
    expect(neighbourShares([Float32Array.of(1, 0), Float32Array.of(0, 1)], { g: ['x', 'x'] }, 10)).toEqual({ k: 1, shares: { g: 1 }, chance: { g: 1 } });
    expect(() => neighbourShares([Float32Array.of(1)], { g: ['x'] })).toThrow(RangeError);
    expect(() => neighbourShares([Float32Array.of(1), Float32Array.of(2)], { g: ['x'] })).toThrow(/1 g labels for 2 rows/);
    expect(() => neighbourShares([Float32Array.of(1), Float32Array.of(2)], { g: ['x', 'y'] }, 0)).toThrow(RangeError);
  });
});
