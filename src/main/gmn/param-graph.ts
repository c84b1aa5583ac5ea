/**
 * `buildParamGraph`: any NeRF of the three families, at any size, as its parameter graph
 * (types.ts says what the nodes, edges and features mean). Every parameter becomes exactly one
 * edge, so a graph has `parameterCount(config)` edges; nodes are the grid's texels or table
 * entries, the decoder's neurons and one bias node per linear layer. Arrays are allocated once at
 * their final size and filled by tight loops.
 *
 * Node order in the arrays: grid nodes, decoder neurons layer by layer, bias nodes. Edge order:
 * grid edges (the grid tensor's own element order), then per linear layer its weights and biases.
 */
import { parameterLayout } from '../nerf/layout';
import type { Nerf, NerfConfig } from '../nerf/types';
import { type ParamData, decoderGraphSize, writeDecoder } from './param-graph-decoder';
import { hashGridGraphSize, triplaneGraphSize, writeHashGrid, writeTriplane } from './param-graph-grids';
import { DEFAULT_VALUE_NORMALIZATION, type ValueNormalization, checkValueNormalization } from './normalize';
import { probeFeatures } from './probes';
import { POSITION_SLOTS, type ParamGraph } from './types';

/** Options of `buildParamGraph`. */
export interface BuildParamGraphOptions {
  /** Scales of the edge values (normalize.ts), or 'none' for raw values. @default DEFAULT_VALUE_NORMALIZATION */
  readonly normalization?: ValueNormalization | 'none';
  /** Probe points (probes.ts; x y z each, signed unit coordinates): attach probe features. @default none */
  readonly probes?: readonly number[];
}

/** Node and edge counts of the parameter graph of any NeRF of `config`. */
export interface ParamGraphSize {
  readonly nodes: number;
  readonly edges: number;
  /** Texels or table entries: the nodes before the decoder (0 for the MLP family). */
  readonly gridNodes: number;
  /** Plane or table parameters: the edges before the decoder (0 for the MLP family). */
  readonly gridEdges: number;
}

/** Sizes of the parameter graph of `config`, without building it; `RangeError` for a bad config. */
export function paramGraphSize(config: NerfConfig): ParamGraphSize {
  parameterLayout(config);
  const grid = config.family === 'triplane' ? triplaneGraphSize(config) : config.family === 'hashgrid' ? hashGridGraphSize(config) : { nodes: 0, edges: 0 };
  const decoder = decoderGraphSize(config);
  return { nodes: grid.nodes + decoder.nodes, edges: grid.edges + decoder.edges, gridNodes: grid.nodes, gridEdges: grid.edges };
}

/** The NeRF's parameters checked against its layout: `TypeError` for a dtype, `RangeError` for a shape. */
function parameterData(nerf: Nerf): ParamData {
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const { name, shape } of parameterLayout(nerf.config)) {
    const t = nerf.params[name];
    if (!t) throw new RangeError(`buildParamGraph: ${nerf.config.architecture} NeRF has no parameter "${name}"`);
    if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new TypeError(`buildParamGraph: parameter "${name}" must be float32 or float64, got ${t.dtype}`);
    const size = shape.reduce((a, d) => a * d, 1);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || t.data.length !== size) {
      throw new RangeError(`buildParamGraph: parameter "${name}" of ${nerf.config.architecture} must be [${shape.join(', ')}], got [${t.shape.join(', ')}] with ${t.data.length} values`);
    }
    out[name] = t.data as Float32Array | Float64Array;
  }
  return out;
}

function allocate(nodes: number, edges: number): ParamGraph {
  return {
    nodeCount: nodes,
    edgeCount: edges,
    nodeLayer: new Float32Array(nodes),
    nodeOrder: new Float32Array(nodes),
    nodeType: new Int32Array(nodes),
    edgeValue: new Float32Array(edges),
    edgeLayer: new Float32Array(edges),
    edgeType: new Int32Array(edges),
    edgePosition: new Float32Array(edges * POSITION_SLOTS).fill(-1),
    src: new Int32Array(edges),
    dst: new Int32Array(edges),
  };
}

/**
 * The parameter graph of `nerf` (PAPER.md, "Parameter graphs"; types.ts for the features). Works
 * for every architecture of the three families, the unseen variants included.
 * @param options.normalization edge-value scales, or 'none' for raw values. @default DEFAULT_VALUE_NORMALIZATION
 */
export function buildParamGraph(nerf: Nerf, options: BuildParamGraphOptions = {}): ParamGraph {
  const config = nerf.config;
  const params = parameterData(nerf);
  const normalization = options.normalization ?? DEFAULT_VALUE_NORMALIZATION;
  const scales = normalization === 'none' ? null : normalization;
  if (scales) checkValueNormalization(scales);
  const size = paramGraphSize(config);
  const graph = allocate(size.nodes, size.edges);
  const at = { nodeBase: size.gridNodes, edgeBase: size.gridEdges };
  switch (config.family) {
    case 'mlp':
      writeDecoder(graph, config, params, { ...at, featureInputs: 0, featureType: 'input' }, scales);
      break;
    case 'triplane':
      writeTriplane(graph, config, params['planes']!, size.gridNodes, scales && scales.plane);
      writeDecoder(graph, config, params, { ...at, featureInputs: config.channels, featureType: 'channel' }, scales);
      break;
    case 'hashgrid':
      writeHashGrid(graph, config, params['encoding/table']!, size.gridNodes, scales && scales.hash);
      writeDecoder(graph, config, params, { ...at, featureInputs: config.levels * config.featuresPerLevel, featureType: 'hash-feature' }, scales);
      break;
  }
  return options.probes ? { ...graph, probe: probeFeatures(nerf, options.probes) } : graph;
}
