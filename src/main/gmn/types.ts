/**
 * Parameter graphs: a NeRF's weights as a graph whose nodes are neurons (and grid entries,
 * texels) and whose edges carry the parameters (PAPER.md, "Parameter graphs"). Every parameter
 * of the NeRF is exactly one edge; edges point from the input side to the output side.
 *
 * Layers are numbered along the decoder MLP in every family, so layer k means the same thing in
 * an MLP, a tri-plane and a hash grid:
 * - decoder neuron of width index k (0 = the decoder's input, D = its output): node layer k;
 * - bias node of linear layer i (it feeds the neurons of layer i + 1): node layer i;
 * - weight and bias edges of linear layer i: edge layer i (the layer of their source);
 * - grid nodes (texels, hash entries) and grid edges sit before the decoder: layer -1.
 *
 * Node order: the neuron's index for decoder input and output neurons, -1 for hidden neurons and
 * bias nodes (which hidden-neuron permutations move), the plane index (0 xy, 1 xz, 2 yz) for
 * texels and the level for hash entries.
 *
 * A tri-plane's feature channels and a hash grid's level features are not extra nodes: channel c
 * is decoder input neuron c (type 'channel'), feature f of level l is input neuron l F + f (type
 * 'hash-feature'). Nothing lies between them but a fixed sum or concatenation, so separate nodes
 * would add one message-passing hop and an edge type that carries no parameter.
 */
import type { ProbeFeatures } from './probes';

/** Node types. Hidden neurons of every family share one type; grids have their own. */
export const NODE_TYPES = ['input', 'hidden', 'output', 'bias', 'texel', 'channel', 'hash-entry', 'hash-feature'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Edge types: MLP weights, biases, tri-plane texel->channel, hash entry->feature. */
export const EDGE_TYPES = ['weight', 'bias', 'plane', 'hash'] as const;
export type EdgeType = (typeof EDGE_TYPES)[number];

/** Index of each node type in NODE_TYPES (the value of `nodeType`). */
export const NODE_TYPE_INDEX: Readonly<Record<NodeType, number>> = Object.freeze(Object.fromEntries(NODE_TYPES.map((t, i) => [t, i])) as Record<NodeType, number>);

/** Index of each edge type in EDGE_TYPES (the value of `edgeType`). */
export const EDGE_TYPE_INDEX: Readonly<Record<EdgeType, number>> = Object.freeze(Object.fromEntries(EDGE_TYPES.map((t, i) => [t, i])) as Record<EdgeType, number>);

/** Slots of `edgePosition` per edge. */
export const POSITION_SLOTS = 3;

/** One NeRF's parameter graph, in flat typed arrays (ready to feed and to post between threads). */
export interface ParamGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Per node: layer index (float, as the encoder's sin(Linear) wants it). [N] */
  readonly nodeLayer: Float32Array;
  /** Per node: order (index of input/output neurons, -1 for hidden ones; see the file comment). [N] */
  readonly nodeOrder: Float32Array;
  /** Per node: index into NODE_TYPES. [N] */
  readonly nodeType: Int32Array;
  /** Per edge: the parameter value, normalised as `normalize.ts` says (raw when built with normalization 'none'). [E] */
  readonly edgeValue: Float32Array;
  /** Per edge: layer index. [E] */
  readonly edgeLayer: Float32Array;
  /** Per edge: index into EDGE_TYPES. [E] */
  readonly edgeType: Int32Array;
  /**
   * Per edge: 3-slot position, -1 where unused. Plane edges: the texel's (x, y, z) in [0, 1] on its
   * plane, 0 on the off-plane axis; hash edges of a dense level: the vertex's (x, y, z) in the unit
   * box, of a hashed level: -1 (param-graph-grids.ts, `writeHashGrid`).
   * [E * 3]
   */
  readonly edgePosition: Float32Array;
  /** Source node of each edge (input side). [E] */
  readonly src: Int32Array;
  /** Destination node of each edge (output side). [E] */
  readonly dst: Int32Array;
  /** Probe features of the decoder's nodes (probes.ts), when built with probe points. */
  readonly probe?: ProbeFeatures;
}

/** Several parameter graphs as one disjoint graph, with the graph id of every node and edge. */
export interface GraphBatch extends ParamGraph {
  readonly graphCount: number;
  /** Graph id of each node. [N] */
  readonly nodeGraph: Int32Array;
  /** Graph id of each edge. [E] */
  readonly edgeGraph: Int32Array;
  /** First node of each graph, then N: graph g owns nodes nodeOffset[g] .. nodeOffset[g + 1] - 1. [G + 1] */
  readonly nodeOffset: Int32Array;
  /** First edge of each graph, then E. [G + 1] */
  readonly edgeOffset: Int32Array;
}
