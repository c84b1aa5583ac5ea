/**
 * Parameter graphs of all 13 architectures: closed-form sizes, structure (types, layers, orders,
 * degrees, edge directions), values in layout order, normalisation, and errors at the edge.
 */
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import { decoderWidths, hashGridLevels, parameterCount, parameterLayout } from '../../src/main/nerf/layout';
import type { Aabb, Nerf, NerfConfig } from '../../src/main/nerf/types';
import { DEFAULT_VALUE_NORMALIZATION, denormalizeValue, measureValueScales, weightScale } from '../../src/main/gmn/normalize';
import { buildParamGraph, paramGraphSize } from '../../src/main/gmn/param-graph';
import { EDGE_TYPES, EDGE_TYPE_INDEX, NODE_TYPES, NODE_TYPE_INDEX, type ParamGraph } from '../../src/main/gmn/types';

const AABB: Aabb = [
  [-1, -0.5, -2],
  [1, 1.5, 0.5],
];
const nerfOf = (config: NerfConfig, seed = 1): Nerf => ({ config, params: initParams(config, seed), meta: {} });
const nerfFor = (id: string, seed = 1): Nerf => nerfOf(configFor(id, AABB), seed);

/**
 * Nodes: grid nodes (3 R^2 texels or the table's entries) + decoder neurons + one bias node per
 * linear layer. Edges: grid parameters (3 R^2 C or entries x F) + weights + biases. Every hash
 * level here is a full table: level 0 already has 16^3 = 4,096 >= T vertices.
 */
const SIZES: Record<string, { nodes: number; edges: number }> = {
  'mlp-train': { nodes: 39 + 64 + 64 + 64 + 4 + 4, edges: 39 * 64 + 64 * 64 + 64 * 64 + 64 * 4 + (64 + 64 + 64 + 4) },
  'mlp-L2': { nodes: 39 + 64 + 64 + 4 + 3, edges: 39 * 64 + 64 * 64 + 64 * 4 + (64 + 64 + 4) },
  'mlp-W128': { nodes: 39 + 128 * 3 + 4 + 4, edges: 39 * 128 + 128 * 128 * 2 + 128 * 4 + (128 * 3 + 4) },
  'mlp-F4': { nodes: 27 + 64 * 3 + 4 + 4, edges: 27 * 64 + 64 * 64 * 2 + 64 * 4 + (64 * 3 + 4) },
  'triplane-train': { nodes: 3 * 32 * 32 + (8 + 27) + 64 * 2 + 4 + 3, edges: 3 * 32 * 32 * 8 + 35 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
  'triplane-R16': { nodes: 3 * 16 * 16 + 35 + 64 * 2 + 4 + 3, edges: 3 * 16 * 16 * 8 + 35 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
  'triplane-C16': { nodes: 3 * 32 * 32 + (16 + 27) + 64 * 2 + 4 + 3, edges: 3 * 32 * 32 * 16 + 43 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
  'triplane-L3': { nodes: 3 * 32 * 32 + 35 + 64 * 3 + 4 + 4, edges: 3 * 32 * 32 * 8 + 35 * 64 + 64 * 64 * 2 + 64 * 4 + (64 * 3 + 4) },
  'hash-train': { nodes: 4 * 4096 + 4 * 2 + 64 * 2 + 4 + 3, edges: 4 * 4096 * 2 + 8 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
  // Base resolution 10 / 12: the first level is dense with 10^3 / 12^3 entries, the others hashed.
  'hash-T10': { nodes: 1000 + 3 * 1024 + 8 + 64 * 2 + 4 + 3, edges: (1000 + 3 * 1024) * 2 + 8 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
  'hash-T11': { nodes: 1728 + 3 * 2048 + 8 + 64 * 2 + 4 + 3, edges: (1728 + 3 * 2048) * 2 + 8 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
  'hash-L6': { nodes: 6 * 4096 + 6 * 2 + 64 * 2 + 4 + 3, edges: 6 * 4096 * 2 + 12 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
  'hash-F4': { nodes: 4 * 4096 + 4 * 4 + 64 * 2 + 4 + 3, edges: 4 * 4096 * 4 + 16 * 64 + 64 * 64 + 64 * 4 + (64 * 2 + 4) },
};

/** Small configs no architecture names: one linear layer, one level, R = 2, C = 1. */
const ODD_CONFIGS: NerfConfig[] = [
  { family: 'mlp', architecture: 'odd-mlp', aabb: AABB, densityActivation: 'relu', frequencies: 0, hidden: [] },
  { family: 'triplane', architecture: 'odd-triplane', aabb: AABB, densityActivation: 'relu', resolution: 2, channels: 1, frequencies: 0, hidden: [3] },
  { family: 'hashgrid', architecture: 'odd-hash', aabb: AABB, densityActivation: 'truncExp', levels: 1, log2TableSize: 3, featuresPerLevel: 1, baseResolution: 2, perLevelScale: 1, hidden: [5, 2] },
];

const type = (graph: ParamGraph, node: number): string => NODE_TYPES[graph.nodeType[node]!]!;

/** Checks everything types.ts promises about a graph of `config`. */
function checkStructure(config: NerfConfig, graph: ParamGraph): void {
  const widths = decoderWidths(config);
  const D = widths.length - 1;
  const levels = config.family === 'hashgrid' ? hashGridLevels(config) : [];
  const { nodeCount: N, edgeCount: E } = graph;
  const inDegree = new Int32Array(N);
  const outDegree = new Int32Array(N);
  const allowed: Record<string, [string[], string[]]> = {
    weight: [['input', 'channel', 'hash-feature', 'hidden'], ['hidden', 'output']],
    bias: [['bias'], ['hidden', 'output']],
    plane: [['texel'], ['channel']],
    hash: [['hash-entry'], ['hash-feature']],
  };
  for (let e = 0; e < E; e++) {
    const s = graph.src[e]!;
    const d = graph.dst[e]!;
    if (!(s >= 0 && s < N && d >= 0 && d < N)) throw new Error(`edge ${e}: ${s} -> ${d} out of range`);
    inDegree[d]!++;
    outDegree[s]!++;
    const edgeType = EDGE_TYPES[graph.edgeType[e]!]!;
    const [from, to] = allowed[edgeType]!;
    if (!from.includes(type(graph, s)) || !to.includes(type(graph, d))) throw new Error(`edge ${e} (${edgeType}): ${type(graph, s)} -> ${type(graph, d)}`);
    // Edges point from the input side to the output side, one layer on; the edge has its source's layer.
    if (graph.nodeLayer[d] !== graph.nodeLayer[s]! + 1 || graph.edgeLayer[e] !== graph.nodeLayer[s]) throw new Error(`edge ${e}: layers ${graph.nodeLayer[s]} -> ${graph.nodeLayer[d]}, edge ${graph.edgeLayer[e]}`);
    const position = Array.from(graph.edgePosition.subarray(3 * e, 3 * e + 3));
    if (edgeType === 'weight' || edgeType === 'bias') {
      if (position.some((p) => p !== -1)) throw new Error(`edge ${e}: ${edgeType} position ${position.join(', ')}`);
    } else if (position.some((p) => p < (edgeType === 'hash' ? -1 : 0) || p > 1)) throw new Error(`edge ${e}: position ${position.join(', ')}`);
  }
  const expectedIn = (node: number): number => {
    const layer = graph.nodeLayer[node]!;
    switch (type(graph, node)) {
      case 'hidden':
      case 'output':
        return widths[layer - 1]! + 1;
      case 'channel':
        return config.family === 'triplane' ? 3 * config.resolution ** 2 : -1;
      case 'hash-feature': {
        if (config.family !== 'hashgrid') return -1;
        return levels[Math.floor(graph.nodeOrder[node]! / config.featuresPerLevel)]!.size;
      }
      default:
        return 0;
    }
  };
  const counts = new Map<string, number>();
  for (let n = 0; n < N; n++) {
    const t = type(graph, n);
    counts.set(t, (counts.get(t) ?? 0) + 1);
    if (inDegree[n] !== expectedIn(n)) throw new Error(`node ${n} (${t}): in-degree ${inDegree[n]}, expected ${expectedIn(n)}`);
    const order = graph.nodeOrder[n]!;
    const layer = graph.nodeLayer[n]!;
    const ok =
      ((t !== 'hidden' && t !== 'bias') || order === -1) &&
      (t !== 'output' || layer === D) &&
      (t !== 'bias' || outDegree[n] === widths[layer + 1]) &&
      ((t !== 'texel' && t !== 'hash-entry') || layer === -1) &&
      // Texel nodes come first, plane by plane, with order = plane; entry nodes are table rows, order = level.
      (t !== 'texel' || (config.family === 'triplane' && order === Math.floor(n / config.resolution ** 2))) &&
      (t !== 'hash-entry' || (n >= levels[order]!.offset && n < levels[order]!.offset + levels[order]!.size));
    if (!ok) throw new Error(`node ${n} (${t}): layer ${layer}, order ${order}, out-degree ${outDegree[n]}`);
  }
  const featureInputs = config.family === 'triplane' ? config.channels : config.family === 'hashgrid' ? config.levels * config.featuresPerLevel : 0;
  expect(counts.get('output')).toBe(4);
  expect(counts.get('bias')).toBe(D);
  expect(counts.get('hidden') ?? 0).toBe(config.hidden.reduce((a, w) => a + w, 0));
  expect((counts.get('input') ?? 0) + (counts.get('channel') ?? 0) + (counts.get('hash-feature') ?? 0)).toBe(widths[0]);
  expect((counts.get('channel') ?? 0) + (counts.get('hash-feature') ?? 0)).toBe(featureInputs);
  // Decoder inputs and outputs have order = their index within the layer.
  for (const [t, width] of [['output', 4]] as const) {
    const orders = [...Array(N).keys()].filter((n) => type(graph, n) === t).map((n) => graph.nodeOrder[n]);
    expect(orders).toEqual([...Array(width).keys()]);
  }
  const inputOrders = [...Array(N).keys()].filter((n) => graph.nodeLayer[n] === 0 && type(graph, n) !== 'bias').map((n) => graph.nodeOrder[n]);
  expect(inputOrders).toEqual([...Array(widths[0]).keys()]);
}

describe('parameter graph sizes', () => {
  it('covers every architecture', () => {
    expect(Object.keys(SIZES).sort()).toEqual(Object.keys(ARCHITECTURES).sort());
  });

  it.each(Object.keys(SIZES))('%s has the closed-form node and edge counts, one edge per parameter', (id) => {
    const config = configFor(id, AABB);
    const graph = buildParamGraph(nerfOf(config));
    expect({ nodes: graph.nodeCount, edges: graph.edgeCount }).toEqual(SIZES[id]);
    expect(paramGraphSize(config)).toMatchObject(SIZES[id]!);
    expect(graph.edgeCount).toBe(parameterCount(config));
    expect(graph.nodeLayer.length).toBe(graph.nodeCount);
    expect(graph.edgePosition.length).toBe(3 * graph.edgeCount);
  });
});

describe('parameter graph structure', () => {
  it.each([...Object.keys(ARCHITECTURES).map((id) => configFor(id, AABB)), ...ODD_CONFIGS].map((c) => [c.architecture, c] as const))('%s: types, layers, orders, degrees, directions', (_id, config) => {
    checkStructure(config, buildParamGraph(nerfOf(config, 3)));
  });

  it.each(Object.keys(ARCHITECTURES))('%s: raw edge values are the parameters in layout order', (id) => {
    const nerf = nerfFor(id, 5);
    const graph = buildParamGraph(nerf, { normalization: 'none' });
    const expected = new Float32Array(graph.edgeCount);
    let at = 0;
    for (const { name } of parameterLayout(nerf.config)) {
      const data = nerf.params[name]!.data as Float32Array;
      expected.set(data, at);
      at += data.length;
    }
    // Index of the first differing value (-1: none); cheaper than toEqual on 65k elements.
    expect(graph.edgeValue.findIndex((v, e) => !Object.is(v, expected[e]))).toBe(-1);
  });

  it('normalises each value as asinh(raw / scale), weights by their fan-in', () => {
    const nerf = nerfFor('triplane-train', 7);
    const raw = buildParamGraph(nerf, { normalization: 'none' });
    const normalised = buildParamGraph(nerf);
    const norm = DEFAULT_VALUE_NORMALIZATION;
    const widths = decoderWidths(nerf.config);
    let worst = 0;
    const seen = new Set<string>();
    for (let e = 0; e < raw.edgeCount; e++) {
      const t = EDGE_TYPES[raw.edgeType[e]!]!;
      seen.add(t);
      const scale = t === 'weight' ? weightScale(norm, widths[raw.edgeLayer[e]!]!) : norm[t];
      worst = Math.max(worst, Math.abs(denormalizeValue(normalised.edgeValue[e]!, scale) - raw.edgeValue[e]!) / (1e-3 + Math.abs(raw.edgeValue[e]!)));
    }
    expect(worst).toBeLessThan(1e-5);
    expect([...seen].sort()).toEqual(['bias', 'plane', 'weight']);
    // Everything but the values is the same.
    expect(normalised.src).toEqual(raw.src);
    expect(normalised.edgePosition).toEqual(raw.edgePosition);
  });

  it('measures scales as RMS per parameter kind, weights times sqrt(fan-in)', () => {
    const nerf = nerfFor('hash-train', 2);
    const filled = (name: string, v: number) => {
      const t = nerf.params[name]!;
      return { ...t, data: new Float32Array(t.data.length).fill(v) };
    };
    const params = Object.fromEntries(Object.keys(nerf.params).map((name) => [name, filled(name, name.endsWith('weight') ? 0.25 : name.endsWith('bias') ? -0.5 : 0.125)]));
    const scales = measureValueScales([{ ...nerf, params }]);
    // Weight RMS: sqrt(sum over layers of n_i x fan-in_i x 0.0625 / sum n_i).
    const widths = decoderWidths(nerf.config);
    let num = 0;
    let den = 0;
    for (let i = 0; i + 1 < widths.length; i++) {
      num += widths[i]! * widths[i + 1]! * widths[i]! * 0.0625;
      den += widths[i]! * widths[i + 1]!;
    }
    expect(scales.weight).toBeCloseTo(Math.sqrt(num / den), 10);
    expect(scales.bias).toBeCloseTo(0.5, 10);
    expect(scales.hash).toBeCloseTo(0.125, 10);
    expect(scales.plane).toBe(DEFAULT_VALUE_NORMALIZATION.plane);
  });

  it('indexes node and edge types consistently', () => {
    NODE_TYPES.forEach((t, i) => expect(NODE_TYPE_INDEX[t]).toBe(i));
    EDGE_TYPES.forEach((t, i) => expect(EDGE_TYPE_INDEX[t]).toBe(i));
  });
});

describe('parameter graph errors', () => {
  it('names a missing parameter', () => {
    const nerf = nerfFor('mlp-train');
    const params = { ...nerf.params };
    delete params['layers/1/bias'];
    expect(() => buildParamGraph({ ...nerf, params })).toThrow(new RangeError('buildParamGraph: mlp-train NeRF has no parameter "layers/1/bias"'));
  });

  it('quotes a wrong shape and a wrong dtype', () => {
    const nerf = nerfFor('hash-T10');
    const table = nerf.params['encoding/table']!;
    const short = { ...nerf, params: { ...nerf.params, 'encoding/table': { dtype: 'float32' as const, shape: [10, 2], data: new Float32Array(20) } } };
    expect(() => buildParamGraph(short)).toThrow(new RangeError('buildParamGraph: parameter "encoding/table" of hash-T10 must be [4072, 2], got [10, 2] with 20 values'));
    const ints = { ...nerf, params: { ...nerf.params, 'encoding/table': { dtype: 'int32' as const, shape: table.shape, data: new Int32Array(table.data.length) } } };
    expect(() => buildParamGraph(ints)).toThrow(new TypeError('buildParamGraph: parameter "encoding/table" must be float32 or float64, got int32'));
  });

  it('rejects a bad config and a bad scale', () => {
    const config = { ...configFor('triplane-R16', AABB), resolution: 1 } as NerfConfig;
    expect(() => paramGraphSize(config)).toThrow(RangeError);
    expect(() => buildParamGraph(nerfFor('mlp-L2'), { normalization: { ...DEFAULT_VALUE_NORMALIZATION, bias: 0 } })).toThrow(
      new RangeError('value normalization: bias scale must be a finite number > 0, got 0'),
    );
  });

  it('accepts float64 parameters', () => {
    const nerf = nerfFor('mlp-L2', 9);
    const params = Object.fromEntries(Object.entries(nerf.params).map(([name, t]) => [name, { dtype: 'float64' as const, shape: t.shape, data: Float64Array.from(t.data as Float32Array) }]));
    expect(buildParamGraph({ ...nerf, params }).edgeValue).toEqual(buildParamGraph(nerf).edgeValue);
  });
});
