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
}

export const DEFAULT_ENCODER: EncoderConfig = { hidden: 32, embedding: 128, blocks: 4, positionScale: 10 };

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
}

/** Declares the encoder's inputs on `g` with symbolic sizes N (nodes), E (edges), G (graphs). */
export function declareEncoderInputs(g: Graph): EncoderInputs {
  const f = g.floatType;
  return {
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

/** sin(Linear(features)) + embedding(type): the paper's feature encoder. */
function featureEncoder(g: Graph, name: string, features: Value, types: Value, typeCount: number, hidden: number): Value {
  return g.scope(name, () => {
    const width = features.shape[1] as number;
    const w = g.param(`${name}/weight`, [width, hidden], { kind: 'normal', std: 1 });
    const b = g.param(`${name}/bias`, [hidden], { kind: 'uniform', bound: Math.PI });
    const table = g.param(`${name}/type_embedding`, [typeCount, hidden], { kind: 'normal', std: 0.5 });
    return op.add(op.sin(linear(features, w, b)), op.gather(table, types));
  });
}

/** Embeddings [G, embedding] of the G parameter graphs fed through `inputs`. */
export function buildEncoder(g: Graph, inputs: EncoderInputs, config: EncoderConfig = DEFAULT_ENCODER): Value {
  const { hidden } = config;
  if (config.blocks < 1) throw new RangeError(`encoder: needs at least one block, got ${config.blocks}`);
  return g.scope('encoder', () => {
    const nodeFeatures = op.concat([op.unsqueeze(inputs.nodeLayer, [1]), op.unsqueeze(inputs.nodeOrder, [1])], 1);
    const scale = config.positionScale ?? 1;
    const position = scale === 1 ? inputs.edgePosition : op.mul(inputs.edgePosition, scale);
    const edgeFeatures = op.concat([op.unsqueeze(inputs.edgeValue, [1]), op.unsqueeze(inputs.edgeLayer, [1]), position], 1);
    let nodes = featureEncoder(g, 'encoder/node_features', nodeFeatures, inputs.nodeType, NODE_TYPES.length, hidden);
    let edges = featureEncoder(g, 'encoder/edge_features', edgeFeatures, inputs.edgeType, EDGE_TYPES.length, hidden);
    for (let i = 0; i < config.blocks; i++) {
      const last = i === config.blocks - 1;
      ({ nodes, edges } = messagePassingBlock(g, `encoder/block${i}`, hidden, { nodes, edges, src: inputs.src, dst: inputs.dst }, !last));
    }
    const readout = op.relu(linear(edges, g.param('encoder/readout/weight', [hidden, config.embedding]), g.param('encoder/readout/bias', [config.embedding], { kind: 'constant', value: 0 })));
    return segmentMean(readout, inputs.edgeGraph, inputs.graphRows);
  });
}
