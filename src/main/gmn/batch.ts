/**
 * Batching parameter graphs for the encoder: the disjoint union of G graphs (node ids shifted by
 * each graph's node offset), and the HostTensor feeds whose names match the encoder's inputs
 * (encoder.ts, `declareEncoderInputs`).
 */
import { endianness } from 'node:os';
import type { HostTensor } from '../compute/tensor';
import type { EncoderConfig } from './encoder';
import { FIELD_OUTPUTS } from '../nerf/layout';
import type { Nerf } from '../nerf/types';
import type { ValueNormalization } from './normalize';
import { buildParamGraph } from './param-graph';
import { NODE_TYPE_INDEX, POSITION_SLOTS, type GraphBatch, type ParamGraph } from './types';

/**
 * One graph holding `graphs` side by side: graph g's nodes and edges follow graph g - 1's, its
 * src and dst are shifted by its node offset, and every node and edge records g.
 */
export function batchGraphs(graphs: readonly ParamGraph[]): GraphBatch {
  if (graphs.length === 0) throw new RangeError('batchGraphs: needs at least one graph');
  const G = graphs.length;
  const nodeOffset = new Int32Array(G + 1);
  const edgeOffset = new Int32Array(G + 1);
  graphs.forEach((graph, g) => {
    nodeOffset[g + 1] = nodeOffset[g]! + graph.nodeCount;
    edgeOffset[g + 1] = edgeOffset[g]! + graph.edgeCount;
  });
  const N = nodeOffset[G]!;
  const E = edgeOffset[G]!;
  if (N > 2 ** 31 - 1 || E > 2 ** 31 - 1) throw new RangeError(`batchGraphs: ${N} nodes and ${E} edges exceed int32 ids`);
  const probed = graphs.filter((graph) => graph.probe).length;
  if (probed !== 0 && probed !== G) throw new RangeError(`batchGraphs: ${probed} of ${G} graphs have probe features; all or none must`);
  const P = graphs[0]!.probe?.count ?? 0;
  if (graphs.some((graph) => graph.probe && graph.probe.count !== P)) throw new RangeError('batchGraphs: graphs have probe features at different numbers of points');
  const rows = graphs.reduce((n, graph) => n + (graph.probe?.nodes.length ?? 0), 0);
  const probe = probed ? { count: P, nodes: new Int32Array(rows), values: new Float32Array(rows * P) } : undefined;
  const batch: GraphBatch = {
    graphCount: G,
    nodeCount: N,
    edgeCount: E,
    nodeLayer: new Float32Array(N),
    nodeOrder: new Float32Array(N),
    nodeType: new Int32Array(N),
    edgeValue: new Float32Array(E),
    edgeLayer: new Float32Array(E),
    edgeType: new Int32Array(E),
    edgePosition: new Float32Array(E * POSITION_SLOTS),
    src: new Int32Array(E),
    dst: new Int32Array(E),
    nodeGraph: new Int32Array(N),
    edgeGraph: new Int32Array(E),
    nodeOffset,
    edgeOffset,
    ...(probe ? { probe } : {}),
  };
  let row = 0;
  graphs.forEach((graph, g) => {
    const n0 = nodeOffset[g]!;
    if (probe && graph.probe) {
      for (let r = 0; r < graph.probe.nodes.length; r++) probe.nodes[row + r] = graph.probe.nodes[r]! + n0;
      probe.values.set(graph.probe.values, row * P);
      row += graph.probe.nodes.length;
    }
    const e0 = edgeOffset[g]!;
    batch.nodeLayer.set(graph.nodeLayer, n0);
    batch.nodeOrder.set(graph.nodeOrder, n0);
    batch.nodeType.set(graph.nodeType, n0);
    batch.nodeGraph.fill(g, n0, n0 + graph.nodeCount);
    batch.edgeValue.set(graph.edgeValue, e0);
    batch.edgeLayer.set(graph.edgeLayer, e0);
    batch.edgeType.set(graph.edgeType, e0);
    batch.edgePosition.set(graph.edgePosition, e0 * POSITION_SLOTS);
    batch.edgeGraph.fill(g, e0, e0 + graph.edgeCount);
    const { src, dst } = graph;
    for (let e = 0; e < graph.edgeCount; e++) {
      batch.src[e0 + e] = src[e]! + n0;
      batch.dst[e0 + e] = dst[e]! + n0;
    }
  });
  return batch;
}

const littleEndian = endianness() === 'LE';

/** int32 ids as int64: on little-endian machines by writing the low and sign words directly. */
function toInt64(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  if (littleEndian) {
    const words = new Int32Array(out.buffer);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      words[2 * i] = v;
      words[2 * i + 1] = v >> 31;
    }
  } else {
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  }
  return out;
}

/** Names of the encoder's inputs, as `graphBatchFeeds` keys them. */
export const GRAPH_FEED_NAMES = ['node_layer', 'node_order', 'node_type', 'edge_value', 'edge_layer', 'edge_type', 'edge_position', 'src', 'dst', 'edge_graph', 'graph_rows'] as const;
export type GraphFeedName = (typeof GRAPH_FEED_NAMES)[number];

/**
 * The encoder's feeds for `batch`: float32 features, int64 types and ids, and `graph_rows`, G x 1
 * zeros that give the encoder the graph count for its per-graph readout. Float arrays are shared
 * with the batch, not copied.
 */
export function graphBatchFeeds(batch: GraphBatch): Record<GraphFeedName, HostTensor> {
  const N = batch.nodeCount;
  const E = batch.edgeCount;
  return {
    node_layer: { dtype: 'float32', shape: [N], data: batch.nodeLayer },
    node_order: { dtype: 'float32', shape: [N], data: batch.nodeOrder },
    node_type: { dtype: 'int64', shape: [N], data: toInt64(batch.nodeType) },
    edge_value: { dtype: 'float32', shape: [E], data: batch.edgeValue },
    edge_layer: { dtype: 'float32', shape: [E], data: batch.edgeLayer },
    edge_type: { dtype: 'int64', shape: [E], data: toInt64(batch.edgeType) },
    edge_position: { dtype: 'float32', shape: [E, POSITION_SLOTS], data: batch.edgePosition },
    src: { dtype: 'int64', shape: [E], data: toInt64(batch.src) },
    dst: { dtype: 'int64', shape: [E], data: toInt64(batch.dst) },
    edge_graph: { dtype: 'int64', shape: [E], data: toInt64(batch.edgeGraph) },
    graph_rows: { dtype: 'float32', shape: [batch.graphCount, 1], data: new Float32Array(batch.graphCount) },
  };
}

/**
 * The feeds of `batch` for an encoder of `config`: `graphBatchFeeds`, plus, for an encoder with
 * probe features, `probe_values` [M + 1, P] (row 0 zeros, for nodes without probes) and
 * `node_probe` [N] (each node's row), and, for a readout of the output neurons, `output_nodes`
 * [G * 4] (each graph's output neurons in order).
 */
export function encoderFeeds(batch: GraphBatch, config: EncoderConfig): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { ...graphBatchFeeds(batch) };
  if (config.probes) {
    const P = config.probes.length / 3;
    if (!batch.probe || batch.probe.count !== P) throw new RangeError(`encoderFeeds: the encoder needs probe features at ${P} points, the batch has ${batch.probe ? `${batch.probe.count}` : 'none'}`);
    const rows = batch.probe.nodes.length;
    const values = new Float32Array((rows + 1) * P);
    values.set(batch.probe.values, P);
    const nodeProbe = new Int32Array(batch.nodeCount);
    for (let r = 0; r < rows; r++) nodeProbe[batch.probe.nodes[r]!] = r + 1;
    feeds['probe_values'] = { dtype: 'float32', shape: [rows + 1, P], data: values };
    feeds['node_probe'] = { dtype: 'int64', shape: [batch.nodeCount], data: toInt64(nodeProbe) };
  }
  if (config.readout === 'edges+outputs') {
    const outputs = new Int32Array(batch.graphCount * FIELD_OUTPUTS);
    for (let g = 0; g < batch.graphCount; g++) {
      let found = 0;
      for (let n = batch.nodeOffset[g]!; n < batch.nodeOffset[g + 1]! && found < FIELD_OUTPUTS; n++) if (batch.nodeType[n] === NODE_TYPE_INDEX.output) outputs[g * FIELD_OUTPUTS + found++] = n;
      if (found !== FIELD_OUTPUTS) throw new RangeError(`encoderFeeds: graph ${g} has ${found} output neurons, expected ${FIELD_OUTPUTS}`);
    }
    feeds['output_nodes'] = { dtype: 'int64', shape: [outputs.length], data: toInt64(outputs) };
  }
  return feeds;
}

/** The feeds of `nerfs` for an encoder of `config`: their parameter graphs (with its probes) batched. */
export function nerfBatchFeeds(nerfs: readonly Nerf[], config: EncoderConfig, normalization: ValueNormalization): Record<string, HostTensor> {
  const options = { normalization, ...(config.probes ? { probes: config.probes } : {}) };
  return encoderFeeds(batchGraphs(nerfs.map((n) => buildParamGraph(n, options))), config);
}
