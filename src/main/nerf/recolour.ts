/**
 * Exact recolouring of a NeRF through its weights: every family ends in a linear layer whose
 * outputs 1..3 are raw red, green and blue with colour = sigmoid(raw), so permuting those output
 * columns permutes the colour channels, and negating one inverts it (sigmoid(-x) = 1 - sigmoid(x)).
 * Density and geometry are untouched. The GMN's training uses it as colour augmentation: the
 * same object in two architectures gets two different colourings, so matching them by colour
 * stops paying and shape has to carry the match.
 */
import type { HostTensor } from '../compute/tensor';
import { decoderWidths } from './layout';
import type { Nerf } from './types';

/** Output channel c of the recoloured NeRF is source channel `source[c]`, inverted where `invert[c]`. */
export interface ColourTransform {
  readonly source: readonly [number, number, number];
  readonly invert: readonly [boolean, boolean, boolean];
}

export const IDENTITY_COLOUR_TRANSFORM: ColourTransform = { source: [0, 1, 2], invert: [false, false, false] };

const PERMUTATIONS: readonly (readonly [number, number, number])[] = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/** One of the 48 transforms (6 channel orders x 8 inversion patterns), uniformly from `next`. */
export function randomColourTransform(next: () => number): ColourTransform {
  const source = PERMUTATIONS[Math.min(5, Math.floor(next() * 6))]!;
  return { source, invert: [next() < 0.5, next() < 0.5, next() < 0.5] };
}

function checkTransform(t: ColourTransform): void {
  const sorted = [...t.source].sort();
  if (sorted.join() !== '0,1,2') throw new RangeError(`ColourTransform: source must be a permutation of [0, 1, 2], got [${t.source.join(', ')}]`);
}

/** `nerf` with its output layer rewritten so that its colours are `t` of the original's. Shares every other tensor. */
export function recolourNerf(nerf: Nerf, t: ColourTransform): Nerf {
  checkTransform(t);
  const last = decoderWidths(nerf.config).length - 2;
  const weightName = `layers/${last}/weight`;
  const biasName = `layers/${last}/bias`;
  const weight = nerf.params[weightName];
  const bias = nerf.params[biasName];
  if (!weight || !bias || weight.shape.length !== 2 || weight.shape[1] !== 4 || bias.data.length !== 4) {
    throw new RangeError(`recolourNerf: ${nerf.config.architecture} has no [in, 4] output layer ${weightName}`);
  }
  const inputs = weight.shape[0]!;
  const w = new Float32Array(weight.data.length);
  const b = new Float32Array(4);
  for (let i = 0; i < inputs; i++) w[i * 4] = Number(weight.data[i * 4]);
  b[0] = Number(bias.data[0]);
  for (let c = 0; c < 3; c++) {
    const from = 1 + t.source[c]!;
    const sign = t.invert[c] ? -1 : 1;
    for (let i = 0; i < inputs; i++) w[i * 4 + 1 + c] = sign * Number(weight.data[i * 4 + from]);
    b[1 + c] = sign * Number(bias.data[from]);
  }
  const params: Record<string, HostTensor> = { ...nerf.params };
  params[weightName] = { dtype: 'float32', shape: weight.shape, data: w };
  params[biasName] = { dtype: 'float32', shape: bias.shape, data: b };
  return { config: nerf.config, params, meta: nerf.meta };
}

/**
 * Premultiplied colours [R * 3] with opacities [R] of rays through a NeRF, as they are through the
 * NeRF recoloured by `t`: a channel's premultiplied value P becomes opacity - P where inverted,
 * since sum of w (1 - c) = opacity - sum of w c.
 */
export function recolourPremultiplied(colour: Float32Array, opacity: Float32Array, t: ColourTransform): Float32Array {
  checkTransform(t);
  if (colour.length !== 3 * opacity.length) throw new RangeError(`recolourPremultiplied: ${colour.length} colour values for ${opacity.length} opacities`);
  const out = new Float32Array(colour.length);
  for (let r = 0; r < opacity.length; r++) {
    for (let c = 0; c < 3; c++) {
      const p = colour[3 * r + t.source[c]!]!;
      out[3 * r + c] = t.invert[c] ? opacity[r]! - p : p;
    }
  }
  return out;
}
