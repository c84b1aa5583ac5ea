/**
 * Permuting the hidden neurons of a NeRF's decoder (columns of the weight before, the bias, rows
 * of the weight after) is a true symmetry: the plain-TS reference field does not change, and the
 * parameter graph of the permuted NeRF is the original graph with its nodes renamed by the induced
 * permutation (same node features, same edges with the same features between renamed nodes).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import type { HostTensor } from '../../src/main/compute/tensor';
import { configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import { decoderWidths } from '../../src/main/nerf/layout';
import { referenceField } from '../../src/main/nerf/reference-field';
import type { Aabb, Nerf } from '../../src/main/nerf/types';
import { buildParamGraph, paramGraphSize } from '../../src/main/gmn/param-graph';
import type { ParamGraph } from '../../src/main/gmn/types';
import { permuteHidden } from './permute';

const AABB: Aabb = [
  [-1, -0.5, -2],
  [1, 1.5, 0.5],
];
/** Initial parameters, with random biases (the ReLU decoders start with zero biases, which no permutation moves). */
function nerfFor(id: string, seed: number): Nerf {
  const config = configFor(id, AABB);
  const next = seededRandom(seed);
  const params = initParams(config, seed);
  for (const [name, t] of Object.entries(params)) if (name.endsWith('/bias')) params[name] = { ...t, data: Float32Array.from(t.data as Float32Array, () => next() - 0.5) };
  return { config, params, meta: {} };
}

function shuffled(n: number, next: () => number): number[] {
  const out = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const tensor = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });

/** phi[original node] = node of the permuted graph, given sigma per hidden width index. */
function inducedNodeMap(nerf: Nerf, sigmas: ReadonlyMap<number, readonly number[]>): Int32Array {
  const size = paramGraphSize(nerf.config);
  const widths = decoderWidths(nerf.config);
  const phi = Int32Array.from({ length: size.nodes }, (_, n) => n);
  let base = size.gridNodes;
  widths.forEach((width, k) => {
    const sigma = sigmas.get(k);
    // New neuron b is old neuron sigma[b], so old neuron sigma[b] goes to node base + b.
    if (sigma) for (let b = 0; b < width; b++) phi[base + sigma[b]!] = base + b;
    base += width;
  });
  return phi;
}

const nodeKey = (g: ParamGraph, n: number): string => `${g.nodeLayer[n]},${g.nodeOrder[n]},${g.nodeType[n]}`;
const edgeKey = (g: ParamGraph, e: number): string =>
  `${g.edgeValue[e]},${g.edgeLayer[e]},${g.edgeType[e]},${g.edgePosition[3 * e]},${g.edgePosition[3 * e + 1]},${g.edgePosition[3 * e + 2]}`;

/** Sorted (src node features, dst node features, edge features) of every edge. */
function edgeMultiset(g: ParamGraph): string[] {
  const out: string[] = [];
  for (let e = 0; e < g.edgeCount; e++) out.push(`${nodeKey(g, g.src[e]!)}|${nodeKey(g, g.dst[e]!)}|${edgeKey(g, e)}`);
  return out.sort();
}

const firstDifference = (a: readonly string[], b: readonly string[]): number => (a.length !== b.length ? 0 : a.findIndex((v, i) => v !== b[i]));

/** Number of ways `permuted` fails to be `original` renamed by phi (0: isomorphic under phi). */
function isomorphismFailures(original: ParamGraph, permuted: ParamGraph, phi: Int32Array): number {
  if (original.nodeCount !== permuted.nodeCount || original.edgeCount !== permuted.edgeCount) return Infinity;
  let failures = 0;
  for (let n = 0; n < original.nodeCount; n++) if (nodeKey(original, n) !== nodeKey(permuted, phi[n]!)) failures++;
  const N = permuted.nodeCount;
  const byEndpoints = new Map<number, number>();
  for (let e = 0; e < permuted.edgeCount; e++) byEndpoints.set(permuted.src[e]! * N + permuted.dst[e]!, e);
  if (byEndpoints.size !== permuted.edgeCount) failures++; // at most one edge per (src, dst)
  for (let e = 0; e < original.edgeCount; e++) {
    const image = byEndpoints.get(phi[original.src[e]!]! * N + phi[original.dst[e]!]!);
    if (image === undefined || edgeKey(original, e) !== edgeKey(permuted, image)) failures++;
  }
  return failures;
}

function randomPoints(count: number, next: () => number): Float64Array {
  const points = new Float64Array(3 * count);
  for (let i = 0; i < count; i++) for (let a = 0; a < 3; a++) points[3 * i + a] = AABB[0][a]! + next() * (AABB[1][a]! - AABB[0][a]!);
  return points;
}

function maxRelativeDifference(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(a[i]!)));
  return worst;
}

describe('hidden-neuron permutations', () => {
  it.each(['mlp-train', 'triplane-train', 'hash-train', 'mlp-W128', 'triplane-L3'])('%s: field unchanged, graph isomorphic under the induced node map', (id) => {
    const next = seededRandom(42);
    const nerf = nerfFor(id, 11);
    const widths = decoderWidths(nerf.config);
    const sigmas = new Map<number, number[]>();
    let permuted = nerf;
    for (let k = 1; k + 1 < widths.length; k++) {
      const sigma = shuffled(widths[k]!, next);
      sigmas.set(k, sigma);
      permuted = permuteHidden(permuted, k, sigma);
    }

    const points = randomPoints(16, next);
    const before = referenceField(nerf.config, nerf.params, points).raw;
    const after = referenceField(permuted.config, permuted.params, points).raw;
    expect(maxRelativeDifference(before, after)).toBeLessThan(1e-9);
    expect(before.some((v) => v !== 0)).toBe(true);

    const original = buildParamGraph(nerf);
    const graph = buildParamGraph(permuted);
    expect(firstDifference(edgeMultiset(original), edgeMultiset(graph))).toBe(-1);
    expect(isomorphismFailures(original, graph, inducedNodeMap(nerf, sigmas))).toBe(0);
    // The permutation did move parameters: the graphs differ as arrays.
    expect(original.edgeValue.some((v, e) => v !== graph.edgeValue[e])).toBe(true);
  });

  it('catches a broken permutation (incoming weights moved, bias and outgoing weights not)', () => {
    const next = seededRandom(7);
    const nerf = nerfFor('mlp-train', 3);
    const sigma = shuffled(64, next);
    const broken = permuteHidden(nerf, 1, sigma, false);
    const points = randomPoints(16, next);
    expect(maxRelativeDifference(referenceField(nerf.config, nerf.params, points).raw, referenceField(broken.config, broken.params, points).raw)).toBeGreaterThan(1e-3);
    const failures = isomorphismFailures(buildParamGraph(nerf), buildParamGraph(broken), inducedNodeMap(nerf, new Map([[1, sigma]])));
    expect(failures).toBeGreaterThan(0);
  });

  it('tells input neurons apart (swapping two input rows changes the edge multiset)', () => {
    const nerf = nerfFor('mlp-train', 3);
    const w = nerf.params['layers/0/weight']!.data as Float32Array;
    const swapped = new Float32Array(w);
    swapped.set(w.subarray(0, 64), 64);
    swapped.set(w.subarray(64, 128), 0);
    const other = { ...nerf, params: { ...nerf.params, 'layers/0/weight': tensor([39, 64], swapped) } };
    expect(firstDifference(edgeMultiset(buildParamGraph(nerf)), edgeMultiset(buildParamGraph(other)))).toBeGreaterThanOrEqual(0);
  });
});
