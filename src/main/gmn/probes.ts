/**
 * Probe features (Kofinas et al., ICLR 2024, "Graph Neural Networks for Learning Equivariant
 * Representations of Neural Networks"): every neuron node of a NeRF's decoder MLP carries its
 * values at P fixed probe points as extra node features, so the encoder sees the function the
 * weights compute, not only the weights. The values permute with their neurons, so permutation
 * equivariance holds.
 *
 * What each node carries at every probe point:
 * - decoder input neurons: the decoder's input there (frequency encoding; for tri-planes and hash
 *   grids the interpolated grid features first), through asinh;
 * - hidden neurons: their activation, through asinh;
 * - output neurons: the field's own quantities, log1p(density after the config's activation) and
 *   sigmoid colour, so that two architectures of one object (ReLU or truncated-exp density) agree;
 * - bias nodes: 1 (a bias is a weight from a neuron that is 1 everywhere);
 * - grid nodes (texels, hash entries): nothing (they are no neuron; the encoder gives them none).
 *
 * Probe points are fixed per encoder and stored in its config: the first P points of the Halton
 * sequence in bases 2, 3, 5, spread over [-PROBE_EXTENT, PROBE_EXTENT]^3 of the NeRF's box in
 * signed unit coordinates (the zoo normalises shapes into 0.9 of the box, so the probes see the
 * object and not the empty margin). A Halton set covers the box evenly for any P.
 */
import { activateDensity, referenceActivations } from '../nerf/reference-field';
import { decoderWidths } from '../nerf/layout';
import type { Nerf } from '../nerf/types';
import { hashGridGraphSize, triplaneGraphSize } from './param-graph-grids';

/** Probe points of the shipped recipe. */
export const DEFAULT_PROBE_COUNT = 256;

/** Probes fill [-PROBE_EXTENT, PROBE_EXTENT]^3 of the signed unit box. */
export const PROBE_EXTENT = 0.8;

function halton(index: number, base: number): number {
  let f = 1;
  let r = 0;
  for (let i = index; i > 0; i = Math.floor(i / base)) {
    f /= base;
    r += f * (i % base);
  }
  return r;
}

/** The first `count` probe points, x y z each, in signed unit coordinates (rounded to 1e-4). */
export function probePoints(count = DEFAULT_PROBE_COUNT): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`probePoints: count must be a positive integer, got ${count}`);
  const out: number[] = [];
  // Index 0 of a Halton sequence is the corner 0; start at 1.
  for (let i = 1; i <= count; i++) for (const base of [2, 3, 5]) out.push(Math.round((2 * halton(i, base) - 1) * PROBE_EXTENT * 1e4) / 1e4);
  return out;
}

/** The probe features of one NeRF: which nodes carry them, and their values. */
export interface ProbeFeatures {
  /** Probe points P. */
  readonly count: number;
  /** Graph node of each row, ascending. [M] */
  readonly nodes: Int32Array;
  /** Row r holds node nodes[r]'s P values. [M * P] */
  readonly values: Float32Array;
}

/**
 * The probe features of `nerf` at `probes` (x y z per point, signed unit coordinates of its box),
 * for the nodes of its parameter graph (param-graph.ts numbering: grid nodes, then the decoder's
 * neurons layer by layer, then one bias node per linear layer).
 */
export function probeFeatures(nerf: Nerf, probes: readonly number[]): ProbeFeatures {
  if (probes.length === 0 || probes.length % 3 !== 0) throw new RangeError(`probeFeatures: probes must hold x y z per point, got ${probes.length} numbers`);
  const P = probes.length / 3;
  const { config } = nerf;
  const [lo, hi] = config.aabb;
  const world = new Float64Array(probes.length);
  for (let i = 0; i < probes.length; i++) world[i] = lo[i % 3]! + ((probes[i]! + 1) / 2) * (hi[i % 3]! - lo[i % 3]!);
  const activations = referenceActivations(config, nerf.params, world);
  const widths = decoderWidths(config);
  const linearLayers = widths.length - 1;
  const neurons = widths.reduce((a, w) => a + w, 0);
  const M = neurons + linearLayers;
  const base = config.family === 'triplane' ? triplaneGraphSize(config).nodes : config.family === 'hashgrid' ? hashGridGraphSize(config).nodes : 0;
  const nodes = new Int32Array(M);
  for (let r = 0; r < M; r++) nodes[r] = base + r;
  const values = new Float32Array(M * P);
  let row = 0;
  widths.forEach((width, k) => {
    const layer = activations[k]!;
    const output = k === linearLayers;
    for (let j = 0; j < width; j++, row++) {
      for (let p = 0; p < P; p++) {
        const v = layer[p * width + j]!;
        values[row * P + p] = !output ? Math.asinh(v) : j === 0 ? Math.log1p(activateDensity(v, config.densityActivation)) : 1 / (1 + Math.exp(-v));
      }
    }
  });
  values.fill(1, row * P);
  return { count: P, nodes, values };
}
