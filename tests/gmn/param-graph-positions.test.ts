/**
 * Grid edges carry their parameter's true place. Tri-plane: planes filled with a value that spells
 * out (plane, row, column, channel), decoded back from every edge's position, source node and
 * destination node; then, through the reference field, a one-texel plane read at the edge's
 * position gives the texel's value, and nothing at its neighbour's. Hash grid: the same pattern
 * check on (level, index within level, feature).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import type { HostTensor } from '../../src/main/compute/tensor';
import { configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import { TRIPLANE_AXES, decoderWidths, hashGridLevels } from '../../src/main/nerf/layout';
import { referenceField, referenceHashGridIndex } from '../../src/main/nerf/reference-field';
import type { Aabb, HashGridConfig, Nerf, NerfConfig, TriplaneConfig } from '../../src/main/nerf/types';
import { buildParamGraph } from '../../src/main/gmn/param-graph';
import { EDGE_TYPE_INDEX, NODE_TYPES, type ParamGraph } from '../../src/main/gmn/types';

const AABB: Aabb = [
  [-1, -0.5, -2],
  [1, 1.5, 0.5],
];
const tensor = (shape: readonly number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });

/** planes[p][i][j][c] = p 1e6 + i 1e4 + j 1e2 + c: exact in float32 for R, C <= 100. */
const planeValue = (p: number, i: number, j: number, c: number): number => p * 1e6 + i * 1e4 + j * 1e2 + c;

function patternedTriplane(config: TriplaneConfig): Nerf {
  const { resolution: R, channels: C } = config;
  const planes = new Float32Array(3 * R * R * C);
  for (let p = 0; p < 3; p++) for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) for (let c = 0; c < C; c++) planes[((p * R + i) * R + j) * C + c] = planeValue(p, i, j, c);
  return { config, params: { ...initParams(config, 1), planes: tensor([3, R, R, C], planes) }, meta: {} };
}

const TRIPLANES: TriplaneConfig[] = [
  ...['triplane-train', 'triplane-R16', 'triplane-C16'].map((id) => configFor(id, AABB) as TriplaneConfig),
  { family: 'triplane', architecture: 'odd-triplane', aabb: AABB, densityActivation: 'relu', resolution: 2, channels: 3, frequencies: 1, hidden: [4] },
];

/** Plane, row, column of the texel an edge starts from, decoded from its position and source's order. */
function decodeTexel(graph: ParamGraph, e: number, R: number): { p: number; i: number; j: number } {
  const p = graph.nodeOrder[graph.src[e]!]!;
  const [rowAxis, columnAxis] = TRIPLANE_AXES[p]!;
  const position = graph.edgePosition.subarray(3 * e, 3 * e + 3);
  const offAxis = 3 - rowAxis - columnAxis;
  if (position[offAxis] !== 0) throw new Error(`edge ${e}: off-plane slot ${offAxis} is ${position[offAxis]}`);
  const [i, j] = [position[rowAxis]! * (R - 1), position[columnAxis]! * (R - 1)];
  if (Math.abs(i - Math.round(i)) > 1e-4 || Math.abs(j - Math.round(j)) > 1e-4) throw new Error(`edge ${e}: position ${Array.from(position).join(', ')} is between texels`);
  return { p, i: Math.round(i), j: Math.round(j) };
}

describe('tri-plane edge positions', () => {
  it.each(TRIPLANES.map((c) => [c.architecture, c] as const))('%s: every plane edge decodes to the texel and channel whose value it carries', (_id, config) => {
    const R = config.resolution;
    const graph = buildParamGraph(patternedTriplane(config), { normalization: 'none' });
    const seen = new Set<number>();
    for (let e = 0; e < graph.edgeCount; e++) {
      if (graph.edgeType[e] !== EDGE_TYPE_INDEX.plane) continue;
      if (NODE_TYPES[graph.nodeType[graph.src[e]!]!] !== 'texel' || NODE_TYPES[graph.nodeType[graph.dst[e]!]!] !== 'channel') throw new Error(`edge ${e}: not texel -> channel`);
      const { p, i, j } = decodeTexel(graph, e, R);
      const c = graph.nodeOrder[graph.dst[e]!]!;
      const expected = planeValue(p, i, j, c);
      if (graph.edgeValue[e] !== expected) throw new Error(`edge ${e}: value ${graph.edgeValue[e]}, position says ${expected}`);
      seen.add(expected);
    }
    expect(seen.size).toBe(3 * R * R * config.channels);
  });

  it.each(['triplane-R16', 'triplane-train'])('%s: the field reads a lone texel at its edge position', (id) => {
    const config = configFor(id, AABB) as TriplaneConfig;
    const { resolution: R, channels: C } = config;
    const widths = decoderWidths(config);
    const graph = buildParamGraph({ config, params: initParams(config, 1), meta: {} });
    const next = seededRandom(5);
    const planeEdges = 3 * R * R * C;
    for (let sample = 0; sample < 48; sample++) {
      const e = Math.floor(next() * planeEdges);
      const c = graph.nodeOrder[graph.dst[e]!]!;
      // Decoder: raw density = sin(sin(feature c)); the planes hold 0.5 where edge e's parameter is.
      const params: Record<string, HostTensor> = {};
      for (let k = 0; k + 1 < widths.length; k++) {
        const weight = new Float32Array(widths[k]! * widths[k + 1]!);
        weight[k === 0 ? c * widths[1]! : 0] = 1;
        params[`layers/${k}/weight`] = tensor([widths[k]!, widths[k + 1]!], weight);
        params[`layers/${k}/bias`] = tensor([widths[k + 1]!], new Float32Array(widths[k + 1]!));
      }
      const planes = new Float32Array(3 * R * R * C);
      planes[e] = 0.5;
      params['planes'] = tensor([3, R, R, C], planes);
      const unit = Array.from(graph.edgePosition.subarray(3 * e, 3 * e + 3));
      const world = (u: readonly number[]): number[] => u.map((v, a) => AABB[0][a]! + v * (AABB[1][a]! - AABB[0][a]!));
      const at = referenceField(config, params, world(unit)).raw[0]!;
      // Positions are float32: the texel is hit to within (R - 1) x 6e-8 of its own coordinate.
      expect(Math.abs(at - Math.sin(Math.sin(0.5)))).toBeLessThan(1e-5);
      // One texel along the plane's first axis, the bilinear weight of texel e is 0.
      const rowAxis = TRIPLANE_AXES[graph.nodeOrder[graph.src[e]!]!]![0];
      const neighbour = unit.map((v, a) => (a === rowAxis ? (v > 0.5 ? v - 1 / (R - 1) : v + 1 / (R - 1)) : v));
      expect(Math.abs(referenceField(config, params, world(neighbour)).raw[0]!)).toBeLessThan(1e-5);
    }
  });
});

describe('hash-grid edge positions', () => {
  const HASHES: HashGridConfig[] = [
    ...['hash-train', 'hash-T10', 'hash-L6', 'hash-F4'].map((id) => configFor(id, AABB) as HashGridConfig),
    { family: 'hashgrid', architecture: 'odd-hash', aabb: AABB, densityActivation: 'truncExp', levels: 1, log2TableSize: 3, featuresPerLevel: 1, baseResolution: 2, perLevelScale: 1, hidden: [5] },
  ];

  it.each(HASHES.map((c) => [c.architecture, c] as const))('%s: every hash edge decodes to the table row and feature whose value it carries', (_id, config) => {
    const F = config.featuresPerLevel;
    const levels = hashGridLevels(config);
    const entries = levels.reduce((n, l) => n + l.size, 0);
    // table[row][f] = row 8 + f: exact in float32 for these sizes.
    const table = Float32Array.from({ length: entries * F }, (_, k) => Math.floor(k / F) * 8 + (k % F));
    const nerf: Nerf = { config: config as NerfConfig, params: { ...initParams(config, 1), 'encoding/table': tensor([entries, F], table) }, meta: {} };
    const graph = buildParamGraph(nerf, { normalization: 'none' });
    let hashEdges = 0;
    let placed = 0;
    for (let e = 0; e < graph.edgeCount; e++) {
      if (graph.edgeType[e] !== EDGE_TYPE_INDEX.hash) continue;
      hashEdges++;
      const row = graph.src[e]!;
      const l = graph.nodeOrder[row]!;
      const level = levels[l]!;
      const index = row - level.offset;
      const featureInput = graph.nodeOrder[graph.dst[e]!]!;
      const position = Array.from(graph.edgePosition.subarray(3 * e, 3 * e + 3));
      // Checked with throws, not expect: this loop runs over up to 65k edges.
      if (index < 0 || index >= level.size) throw new Error(`edge ${e}: row ${row} is not in level ${l}`);
      if (level.dense && index < level.resolution ** 3) {
        // The position is a grid vertex of this level, and tcnn's index of that vertex is this entry.
        const vertex = position.map((u) => Math.round(u * level.scale + 0.5)) as [number, number, number];
        if (position.some((u, a) => Math.abs(u * level.scale + 0.5 - vertex[a]!) > 1e-4)) throw new Error(`edge ${e}: position ${position} is between vertices`);
        if (referenceHashGridIndex(level, vertex) !== index) throw new Error(`edge ${e}: vertex ${vertex} has index ${referenceHashGridIndex(level, vertex)}, the edge's entry is ${index}`);
        placed++;
      } else if (position.some((u) => u !== -1)) throw new Error(`edge ${e}: a hashed or spare entry has position ${position}`);
      if (NODE_TYPES[graph.nodeType[graph.dst[e]!]!] !== 'hash-feature' || Math.floor(featureInput / F) !== l) throw new Error(`edge ${e}: ends at input ${featureInput}, level ${l}`);
      const expected = (level.offset + index) * 8 + (featureInput % F);
      if (graph.edgeValue[e] !== expected) throw new Error(`edge ${e}: value ${graph.edgeValue[e]}, position says ${expected}`);
    }
    expect(hashEdges).toBe(entries * F);
    // Every vertex of every dense level is placed once per feature.
    expect(placed).toBe(F * levels.filter((level) => level.dense).reduce((n, level) => n + level.resolution ** 3, 0));
  });
});
