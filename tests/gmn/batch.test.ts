/** Batching parameter graphs: disjoint union with shifted ids, graph ids, offsets, encoder feeds. */
import { describe, expect, it } from 'vitest';
import { configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import type { Aabb } from '../../src/main/nerf/types';
import { GRAPH_FEED_NAMES, batchGraphs, graphBatchFeeds } from '../../src/main/gmn/batch';
import { buildParamGraph } from '../../src/main/gmn/param-graph';
import type { ParamGraph } from '../../src/main/gmn/types';

const AABB: Aabb = [
  [-1, -1, -1],
  [1, 1, 1],
];
const graphOf = (id: string, seed: number): ParamGraph => {
  const config = configFor(id, AABB);
  return buildParamGraph({ config, params: initParams(config, seed), meta: {} });
};

/** First index where got[i] !== want[i] + shift, or -1 (toEqual is slow on long typed arrays). */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, shift: number): number {
  if (got.length !== want.length) return 0;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]! + shift) return i;
  return -1;
}

const GRAPHS = [graphOf('mlp-L2', 1), graphOf('triplane-R16', 2), graphOf('hash-T10', 3), graphOf('mlp-L2', 4)];

describe('batchGraphs', () => {
  const batch = batchGraphs(GRAPHS);

  it('adds up counts and records offsets', () => {
    expect(batch.graphCount).toBe(4);
    expect(batch.nodeCount).toBe(GRAPHS.reduce((n, g) => n + g.nodeCount, 0));
    expect(batch.edgeCount).toBe(GRAPHS.reduce((n, g) => n + g.edgeCount, 0));
    expect(Array.from(batch.nodeOffset)).toEqual([0, 1, 2, 3, 4].map((g) => GRAPHS.slice(0, g).reduce((n, x) => n + x.nodeCount, 0)));
    expect(Array.from(batch.edgeOffset)).toEqual([0, 1, 2, 3, 4].map((g) => GRAPHS.slice(0, g).reduce((n, x) => n + x.edgeCount, 0)));
  });

  it('gives back each graph from its slice, ids shifted by its node offset', () => {
    GRAPHS.forEach((graph, g) => {
      const [n0, n1] = [batch.nodeOffset[g]!, batch.nodeOffset[g + 1]!];
      const [e0, e1] = [batch.edgeOffset[g]!, batch.edgeOffset[g + 1]!];
      const slices: [string, ArrayLike<number>, ArrayLike<number>, number][] = [
        ['nodeLayer', batch.nodeLayer.subarray(n0, n1), graph.nodeLayer, 0],
        ['nodeOrder', batch.nodeOrder.subarray(n0, n1), graph.nodeOrder, 0],
        ['nodeType', batch.nodeType.subarray(n0, n1), graph.nodeType, 0],
        ['edgeValue', batch.edgeValue.subarray(e0, e1), graph.edgeValue, 0],
        ['edgeLayer', batch.edgeLayer.subarray(e0, e1), graph.edgeLayer, 0],
        ['edgeType', batch.edgeType.subarray(e0, e1), graph.edgeType, 0],
        ['edgePosition', batch.edgePosition.subarray(3 * e0, 3 * e1), graph.edgePosition, 0],
        ['src', batch.src.subarray(e0, e1), graph.src, n0],
        ['dst', batch.dst.subarray(e0, e1), graph.dst, n0],
      ];
      for (const [name, got, want, shift] of slices) expect({ name, mismatch: firstMismatch(got, want, shift) }).toEqual({ name, mismatch: -1 });
      expect(batch.nodeGraph.subarray(n0, n1).every((x) => x === g)).toBe(true);
      expect(batch.edgeGraph.subarray(e0, e1).every((x) => x === g)).toBe(true);
    });
  });

  it('keeps every edge inside its own graph', () => {
    for (let e = 0; e < batch.edgeCount; e++) {
      const g = batch.edgeGraph[e]!;
      if (batch.nodeGraph[batch.src[e]!] !== g || batch.nodeGraph[batch.dst[e]!] !== g) throw new Error(`edge ${e} of graph ${g} leaves it`);
    }
  });

  it('batches a single graph as itself', () => {
    const one = batchGraphs([GRAPHS[1]!]);
    expect(one.src).toEqual(GRAPHS[1]!.src);
    expect(one.edgeGraph.every((g) => g === 0)).toBe(true);
  });

  it('rejects an empty list', () => {
    expect(() => batchGraphs([])).toThrow(new RangeError('batchGraphs: needs at least one graph'));
  });
});

describe('graphBatchFeeds', () => {
  const batch = batchGraphs(GRAPHS);
  const feeds = graphBatchFeeds(batch);
  const N = batch.nodeCount;
  const E = batch.edgeCount;

  it('has the encoder inputs with their dtypes and shapes', () => {
    expect(Object.keys(feeds).sort()).toEqual([...GRAPH_FEED_NAMES].sort());
    const expected: Record<string, [string, number[]]> = {
      node_layer: ['float32', [N]],
      node_order: ['float32', [N]],
      node_type: ['int64', [N]],
      edge_value: ['float32', [E]],
      edge_layer: ['float32', [E]],
      edge_type: ['int64', [E]],
      edge_position: ['float32', [E, 3]],
      src: ['int64', [E]],
      dst: ['int64', [E]],
      edge_graph: ['int64', [E]],
      graph_rows: ['float32', [4, 1]],
    };
    for (const [name, [dtype, shape]] of Object.entries(expected)) {
      const feed = feeds[name as keyof typeof feeds];
      expect({ name, dtype: feed.dtype, shape: feed.shape }).toEqual({ name, dtype, shape });
      expect(feed.data.length).toBe(shape.reduce((a, d) => a * d, 1));
    }
    expect(Array.from(feeds.graph_rows.data as Float32Array)).toEqual([0, 0, 0, 0]);
  });

  it('widens ids and types to int64 exactly', () => {
    const pairs: [BigInt64Array, Int32Array][] = [
      [feeds.src.data as BigInt64Array, batch.src],
      [feeds.dst.data as BigInt64Array, batch.dst],
      [feeds.edge_graph.data as BigInt64Array, batch.edgeGraph],
      [feeds.edge_type.data as BigInt64Array, batch.edgeType],
      [feeds.node_type.data as BigInt64Array, batch.nodeType],
    ];
    for (const [wide, narrow] of pairs) {
      const bad = narrow.findIndex((v, i) => wide[i] !== BigInt(v));
      expect(bad).toBe(-1);
    }
  });

  it('widens negative values with their sign', () => {
    const graph = { ...GRAPHS[0]!, edgeType: Int32Array.from(GRAPHS[0]!.edgeType, (_, i) => (i % 2 ? -i : i)) };
    const wide = graphBatchFeeds(batchGraphs([graph])).edge_type.data as BigInt64Array;
    expect([wide[0], wide[1], wide[2], wide[3]]).toEqual([0n, -1n, 2n, -3n]);
  });
});
