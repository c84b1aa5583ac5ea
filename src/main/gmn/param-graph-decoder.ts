/**
 * The decoder MLP of every family as part of a parameter graph: one node per neuron, one edge per
 * weight from the input-side neuron to the output-side neuron, and one bias node per linear layer
 * whose edges carry that layer's biases to every neuron it feeds (so biases reach the encoder as
 * edges, like weights, and permute with their neurons).
 */
import { decoderWidths } from '../nerf/layout';
import type { NerfConfig } from '../nerf/types';
import { type ValueNormalization, weightScale, writeNormalized } from './normalize';
import { EDGE_TYPE_INDEX, NODE_TYPE_INDEX, type NodeType, type ParamGraph } from './types';

/** Where the decoder goes in a graph being built, and what its first input neurons are. */
export interface DecoderPlacement {
  /** Node of input neuron 0; neurons follow layer by layer, then one bias node per linear layer. */
  readonly nodeBase: number;
  /** First edge of the decoder: per linear layer, its weights [in, out] row-major, then its biases. */
  readonly edgeBase: number;
  /** How many of the first input neurons carry grid features (tri-plane channels, hash features). */
  readonly featureInputs: number;
  /** Node type of those feature inputs. */
  readonly featureType: NodeType;
}

/** Parameter data by layout name, as float32 or float64. */
export type ParamData = Readonly<Record<string, Float32Array | Float64Array>>;

/** Nodes (neurons plus one bias node per linear layer) and edges (weights plus biases) of the decoder. */
export function decoderGraphSize(config: NerfConfig): { nodes: number; edges: number } {
  const widths = decoderWidths(config);
  let nodes = widths.length - 1;
  let edges = 0;
  for (let k = 0; k < widths.length; k++) {
    nodes += widths[k]!;
    if (k > 0) edges += widths[k - 1]! * widths[k]! + widths[k]!;
  }
  return { nodes, edges };
}

/**
 * Writes the decoder's nodes and edges into `graph`'s arrays at `at`. Edge positions are left as
 * they are (the builder fills them with -1). `normalization` null keeps raw values.
 */
export function writeDecoder(graph: ParamGraph, config: NerfConfig, params: ParamData, at: DecoderPlacement, normalization: ValueNormalization | null): void {
  const widths = decoderWidths(config);
  const linearLayers = widths.length - 1;
  const { nodeLayer, nodeOrder, nodeType, edgeValue, edgeLayer, edgeType, src, dst } = graph;

  let node = at.nodeBase;
  for (let k = 0; k <= linearLayers; k++) {
    const width = widths[k]!;
    nodeLayer.fill(k, node, node + width);
    if (k === 0) {
      for (let a = 0; a < width; a++) nodeOrder[node + a] = a;
      nodeType.fill(NODE_TYPE_INDEX[at.featureType], node, node + at.featureInputs);
      nodeType.fill(NODE_TYPE_INDEX.input, node + at.featureInputs, node + width);
    } else if (k === linearLayers) {
      for (let a = 0; a < width; a++) nodeOrder[node + a] = a;
      nodeType.fill(NODE_TYPE_INDEX.output, node, node + width);
    } else {
      nodeOrder.fill(-1, node, node + width);
      nodeType.fill(NODE_TYPE_INDEX.hidden, node, node + width);
    }
    node += width;
  }
  const biasBase = node;
  for (let i = 0; i < linearLayers; i++) nodeLayer[biasBase + i] = i;
  nodeOrder.fill(-1, biasBase, biasBase + linearLayers);
  nodeType.fill(NODE_TYPE_INDEX.bias, biasBase, biasBase + linearLayers);

  let edge = at.edgeBase;
  let inBase = at.nodeBase;
  for (let i = 0; i < linearLayers; i++) {
    const inputs = widths[i]!;
    const outputs = widths[i + 1]!;
    const outBase = inBase + inputs;
    const weights = inputs * outputs;
    writeNormalized(params[`layers/${i}/weight`]!, normalization && weightScale(normalization, inputs), edgeValue, edge);
    for (let a = 0; a < inputs; a++) {
      const row = edge + a * outputs;
      src.fill(inBase + a, row, row + outputs);
      for (let b = 0; b < outputs; b++) dst[row + b] = outBase + b;
    }
    edgeLayer.fill(i, edge, edge + weights);
    edgeType.fill(EDGE_TYPE_INDEX.weight, edge, edge + weights);
    edge += weights;

    writeNormalized(params[`layers/${i}/bias`]!, normalization && normalization.bias, edgeValue, edge);
    src.fill(biasBase + i, edge, edge + outputs);
    for (let b = 0; b < outputs; b++) dst[edge + b] = outBase + b;
    edgeLayer.fill(i, edge, edge + outputs);
    edgeType.fill(EDGE_TYPE_INDEX.bias, edge, edge + outputs);
    edge += outputs;
    inBase = outBase;
  }
}
