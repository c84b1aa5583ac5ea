/**
 * How raw parameter values become edge values: value = asinh(raw / scale), with one fixed scale
 * per edge type (weights also divided by 1 / sqrt(fan-in)).
 *
 * Why this rule:
 * - It is elementwise with constants fixed per edge type and layer width, so it commutes with
 *   every hidden-neuron permutation and never couples one NeRF's values to another's. A
 *   per-graph statistic (a layer's mean or RMS) would also be permutation-safe, but it divides
 *   out the absolute scale of a NeRF, which says something about its content.
 * - The encoder reads values through one shared sin(Linear(.)), so each type's typical magnitude
 *   should be about 1: raw hash entries (~0.04) are an order of magnitude smaller than weights.
 * - Weights scale as 1 / sqrt(fan-in) (the decoders' He / SIREN inits, and still so after fitting:
 *   RMS x sqrt(fan-in) is 1.5 to 1.6 in every layer of the three training architectures), so
 *   dividing by it makes a 128-wide variant's weights look like a 64-wide one's.
 * - asinh is the identity near 0 and logarithmic beyond the scale, so an outlier (or a zoo fitted
 *   longer than the one the scales came from) cannot wrap the encoder's sine around many times.
 *
 * The default scales are RMS values measured on fitted NeRFs of the training architectures
 * (`measureValueScales`); re-measure on the zoo and store them with the encoder, which must see
 * the same normalisation at training and at inference.
 */
import { parameterLayout } from '../nerf/layout';
import type { Nerf } from '../nerf/types';

/** Per-edge-type scales; an edge value is asinh(raw / scale). */
export interface ValueNormalization {
  /** Typical |weight| x sqrt(fan-in): a weight's scale is this / sqrt(fan-in). @default 1.5 */
  readonly weight: number;
  /** Typical |bias|. @default 0.1 */
  readonly bias: number;
  /** Typical |tri-plane feature|. @default 0.2 */
  readonly plane: number;
  /** Typical |hash-table entry|. @default 0.05 */
  readonly hash: number;
}

/** Scales measured on fitted NeRFs of the three training architectures (see the file comment). */
export const DEFAULT_VALUE_NORMALIZATION: ValueNormalization = Object.freeze({ weight: 1.5, bias: 0.1, plane: 0.2, hash: 0.05 });

/** Checks that every scale is a finite number > 0: `RangeError` quoting the bad one. */
export function checkValueNormalization(normalization: ValueNormalization): void {
  for (const key of ['weight', 'bias', 'plane', 'hash'] as const) {
    const s = normalization[key];
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw new RangeError(`value normalization: ${key} scale must be a finite number > 0, got ${String(s)}`);
  }
}

/** The divisor of a weight of a layer with `fanIn` inputs. */
export function weightScale(normalization: ValueNormalization, fanIn: number): number {
  return normalization.weight / Math.sqrt(fanIn);
}

/**
 * Writes asinh(raw[i] / scale) to out[offset + i] for every i, or raw[i] unchanged when `scale`
 * is null (normalization 'none').
 */
export function writeNormalized(raw: ArrayLike<number>, scale: number | null, out: Float32Array, offset: number): void {
  const n = raw.length;
  if (scale === null) {
    for (let i = 0; i < n; i++) out[offset + i] = raw[i]!;
    return;
  }
  const inverse = 1 / scale;
  for (let i = 0; i < n; i++) out[offset + i] = Math.asinh(raw[i]! * inverse);
}

/** The raw value of a normalised edge value: scale x sinh(value). */
export function denormalizeValue(value: number, scale: number): number {
  return scale * Math.sinh(value);
}

/**
 * RMS of each parameter kind over `nerfs` (weights times sqrt(fan-in)): the scales that make each
 * edge type's normalised values about unit size. A kind no NeRF has keeps its default.
 */
export function measureValueScales(nerfs: readonly Nerf[]): ValueNormalization {
  const sums = { weight: 0, bias: 0, plane: 0, hash: 0 };
  const counts = { weight: 0, bias: 0, plane: 0, hash: 0 };
  for (const nerf of nerfs) {
    for (const { name, shape } of parameterLayout(nerf.config)) {
      const data = nerf.params[name]?.data as ArrayLike<number> | undefined;
      if (!data) throw new RangeError(`measureValueScales: NeRF "${nerf.config.architecture}" has no parameter "${name}"`);
      const kind = name === 'planes' ? 'plane' : name === 'encoding/table' ? 'hash' : name.endsWith('/weight') ? 'weight' : 'bias';
      const factor = kind === 'weight' ? shape[0]! : 1;
      let sum = 0;
      for (let i = 0; i < data.length; i++) sum += data[i]! * data[i]!;
      sums[kind] += sum * factor;
      counts[kind] += data.length;
    }
  }
  const scale = (kind: keyof ValueNormalization): number => {
    const rms = counts[kind] > 0 ? Math.sqrt(sums[kind] / counts[kind]) : 0;
    return rms > 0 && Number.isFinite(rms) ? rms : DEFAULT_VALUE_NORMALIZATION[kind];
  };
  return { weight: scale('weight'), bias: scale('bias'), plane: scale('plane'), hash: scale('hash') };
}
