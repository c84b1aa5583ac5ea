/**
 * The GMN encoder (PAPER.md, "Encoder"): feature encoders for nodes and edges, pre-LayerNorm
 * residual message-passing blocks (the last updates edges only), and a mean readout over each
 * graph's edges. Input names match `graphBatchFeeds` (batch.ts).
 */
import { linear, segmentMean } from '../compute/functions';
import type { Graph, Value } from '../compute/graph';
import * as op from '../compute/ops';
import { messagePassingBlock } from './message-passing';
import { EDGE_TYPES, NODE_TYPES } from './types';
import { layerNormParams } from './layers';
import { DEFAULT_PROBE_COUNT, probePoints } from './probes';
import { FIELD_OUTPUTS } from '../nerf/layout';

export interface EncoderConfig {
  /** Width of node and edge features. @default 32 */
  readonly hidden: number;
  /** Size of the embedding. @default 128 */
  readonly embedding: number;
  /** Residual blocks; the last updates edges only. @default 4 */
  readonly blocks: number;
  /**
   * Edge positions (in [0, 1]) are multiplied by this before the feature encoder's sin(Linear),
   * so that its random frequencies resolve parts of a grid rather than only its whole extent.
   * Absent (older encoders): 1.
   */
  readonly positionScale?: number;
  /**
   * Probe points (probes.ts: x y z each, signed unit coordinates of the NeRF's box): every decoder
   * neuron's values there enter its node features through Linear(P -> hidden) + LayerNorm.
   * Absent (older encoders): no probe features.
   */
  readonly probes?: readonly number[];
  /**
   * 'edges': the paper's readout, the mean over edges of ReLU(Linear(e)). 'edges+outputs': that,
   * plus a linear map of the four output neurons' features concatenated (density, red, green,
   * blue: the same four neurons in every architecture). @default 'edges'
   */
  readonly readout?: 'edges' | 'edges+outputs';
  /**
   * 'shared': one sin(Linear) over all scalar features of a node or edge at once. 'separate': as
   * the reference code does, each scalar through its own sin(Linear(1 -> hidden)), the positions
   * through sin(Linear(3 -> hidden)), concatenated with the type embedding and projected to hidden.
   * @default 'shared'
   */
  readonly featureEncoders?: 'shared' | 'separate';
}

/** The shipped recipe's encoder: probe features at 64 points, the output-neuron readout. */
export const DEFAULT_ENCODER: EncoderConfig = { hidden: 32, embedding: 128, blocks: 4, positionScale: 10, probes: probePoints(DEFAULT_PROBE_COUNT), readout: 'edges+outputs', featureEncoders: 'shared' };

/** The encoder's graph inputs, one per feed of `graphBatchFeeds`. */
export interface EncoderInputs {
  readonly nodeLayer: Value;
  readonly nodeOrder: Value;
  readonly nodeType: Value;
  readonly edgeValue: Value;
  readonly edgeLayer: Value;
  readonly edgeType: Value;
  readonly edgePosition: Value;
  readonly src: Value;
  readonly dst: Value;
  readonly edgeGraph: Value;
  /** [G, 1] zeros: carries the number of graphs G for the readout. */
  readonly graphRows: Value;
  /** [M + 1, P] probe values, row 0 zeros (encoders with probes). */
  readonly probeValues?: Value;
  /** [N] each node's row of probeValues (encoders with probes). */
  readonly nodeProbe?: Value;
  /** [G * 4] each graph's output neurons (the 'edges+outputs' readout). */
  readonly outputNodes?: Value;
}

/** Declares the encoder's inputs on `g` with symbolic sizes N (nodes), E (edges), G (graphs). */
export function declareEncoderInputs(g: Graph, config: EncoderConfig = DEFAULT_ENCODER): EncoderInputs {
  const f = g.floatType;
  return {
    ...(config.probes ? { probeValues: g.input('probe_values', f, ['M', config.probes.length / 3]), nodeProbe: g.input('node_probe', 'int64', ['N']) } : {}),
    ...(config.readout === 'edges+outputs' ? { outputNodes: g.input('output_nodes', 'int64', ['O']) } : {}),
    nodeLayer: g.input('node_layer', f, ['N']),
    nodeOrder: g.input('node_order', f, ['N']),
    nodeType: g.input('node_type', 'int64', ['N']),
    edgeValue: g.input('edge_value', f, ['E']),
    edgeLayer: g.input('edge_layer', f, ['E']),
    edgeType: g.input('edge_type', 'int64', ['E']),
    edgePosition: g.input('edge_position', f, ['E', 3]),
    src: g.input('src', 'int64', ['E']),
    dst: g.input('dst', 'int64', ['E']),
    edgeGraph: g.input('edge_graph', 'int64', ['E']),
    graphRows: g.input('graph_rows', f, ['G', 1]),
  };
}

/** sin(Linear(features)) + embedding(type): the paper's feature encoder, one sine over all features. */
function sharedFeatureEncoder(g: Graph, name: string, features: Value, types: Value, typeCount: number, hidden: number): Value {
  return g.scope(name, () => {
    const width = features.shape[1] as number;
    const w = g.param(`${name}/weight`, [width, hidden], { kind: 'normal', std: 1 });
    const b = g.param(`${name}/bias`, [hidden], { kind: 'uniform', bound: Math.PI });
    const table = g.param(`${name}/type_embedding`, [typeCount, hidden], { kind: 'normal', std: 0.5 });
    return op.add(op.sin(linear(features, w, b)), op.gather(table, types));
  });
}

/** The reference code's feature encoder: sin(Linear) per feature group, with the type embedding, concatenated and projected. */
function separateFeatureEncoder(g: Graph, name: string, groups: readonly (readonly [string, Value])[], types: Value, typeCount: number, hidden: number): Value {
  return g.scope(name, () => {
    const parts = groups.map(([part, x]) => {
      const w = g.param(`${name}/${part}/weight`, [x.shape[1] as number, hidden], { kind: 'normal', std: 1 });
      const b = g.param(`${name}/${part}/bias`, [hidden], { kind: 'uniform', bound: Math.PI });
      return op.sin(linear(x, w, b));
    });
    parts.push(op.gather(g.param(`${name}/type_embedding`, [typeCount, hidden], { kind: 'normal', std: 0.5 }), types));
    const width = parts.length * hidden;
    return linear(op.concat(parts, 1), g.param(`${name}/project/weight`, [width, hidden]), g.param(`${name}/project/bias`, [hidden], { kind: 'constant', value: 0 }));
  });
}

/** Embeddings [G, embedding] of the G parameter graphs fed through `inputs`. */
export function buildEncoder(g: Graph, inputs: EncoderInputs, config: EncoderConfig = DEFAULT_ENCODER): Value {
  const { hidden } = config;
  if (config.blocks < 1) throw new RangeError(`encoder: needs at least one block, got ${config.blocks}`);
  return g.scope('encoder', () => {
    const column = (x: Value): Value => op.unsqueeze(x, [1]);
    const scale = config.positionScale ?? 1;
    const position = scale === 1 ? inputs.edgePosition : op.mul(inputs.edgePosition, scale);
    let nodes: Value;
    let edges: Value;
    if (config.featureEncoders === 'separate') {
      nodes = separateFeatureEncoder(g, 'encoder/node_features', [['layer', column(inputs.nodeLayer)], ['order', column(inputs.nodeOrder)]], inputs.nodeType, NODE_TYPES.length, hidden);
      edges = separateFeatureEncoder(g, 'encoder/edge_features', [['value', column(inputs.edgeValue)], ['layer', column(inputs.edgeLayer)], ['position', position]], inputs.edgeType, EDGE_TYPES.length, hidden);
    } else {
      nodes = sharedFeatureEncoder(g, 'encoder/node_features', op.concat([column(inputs.nodeLayer), column(inputs.nodeOrder)], 1), inputs.nodeType, NODE_TYPES.length, hidden);
      edges = sharedFeatureEncoder(g, 'encoder/edge_features', op.concat([column(inputs.edgeValue), column(inputs.edgeLayer), position], 1), inputs.edgeType, EDGE_TYPES.length, hidden);
    }
    if (config.probes) {
      if (!inputs.probeValues || !inputs.nodeProbe) throw new RangeError('encoder: probe features need the probe_values and node_probe inputs');
      const P = config.probes.length / 3;
      const projected = linear(inputs.probeValues, g.param('encoder/probe_features/weight', [P, hidden]), g.param('encoder/probe_features/bias', [hidden], { kind: 'constant', value: 0 }));
      // Row 0 (nodes without probes) is zeros, so its LayerNorm is the bias alone: one learned constant.
      nodes = op.add(nodes, op.gather(layerNormParams(g, 'encoder/probe_features/norm', projected, hidden), inputs.nodeProbe));
    }
    let outputFeatures: Value | undefined;
    for (let i = 0; i < config.blocks; i++) {
      const last = i === config.blocks - 1;
      ({ nodes, edges } = messagePassingBlock(g, `encoder/block${i}`, hidden, { nodes, edges, src: inputs.src, dst: inputs.dst }, !last));
      if (last) outputFeatures = nodes;
    }
    const readout = op.relu(linear(edges, g.param('encoder/readout/weight', [hidden, config.embedding]), g.param('encoder/readout/bias', [config.embedding], { kind: 'constant', value: 0 })));
    const pooled = segmentMean(readout, inputs.edgeGraph, inputs.graphRows);
    if (config.readout !== 'edges+outputs') return pooled;
    if (!inputs.outputNodes) throw new RangeError("encoder: the 'edges+outputs' readout needs the output_nodes input");
    const width = FIELD_OUTPUTS * hidden;
    const outputs = op.reshape(op.gather(outputFeatures!, inputs.outputNodes), [-1, width]);
    return op.add(pooled, linear(outputs, g.param('encoder/readout_outputs/weight', [width, config.embedding]), g.param('encoder/readout_outputs/bias', [config.embedding], { kind: 'constant', value: 0 })));
  });
}
