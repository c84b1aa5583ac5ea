/** Hidden-neuron permutations of a NeRF's decoder: a true symmetry of the field, for invariance tests. */
import type { HostTensor } from '../../src/main/compute/tensor';
import { decoderWidths } from '../../src/main/nerf/layout';
import type { Nerf } from '../../src/main/nerf/types';

const tensor = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });

/**
 * The NeRF whose hidden neuron b of width index k is the original's neuron sigma[b]. With
 * `compensate` false only the incoming weights move: a broken "permutation" for the controls.
 */
export function permuteHidden(nerf: Nerf, k: number, sigma: readonly number[], compensate = true): Nerf {
  const widths = decoderWidths(nerf.config);
  const [inputs, width, outputs] = [widths[k - 1]!, widths[k]!, widths[k + 1]!];
  const params = { ...nerf.params };
  const before = params[`layers/${k - 1}/weight`]!.data as Float32Array;
  const bias = params[`layers/${k - 1}/bias`]!.data as Float32Array;
  const after = params[`layers/${k}/weight`]!.data as Float32Array;
  const newBefore = new Float32Array(before.length);
  for (let a = 0; a < inputs; a++) for (let b = 0; b < width; b++) newBefore[a * width + b] = before[a * width + sigma[b]!]!;
  params[`layers/${k - 1}/weight`] = tensor([inputs, width], newBefore);
  if (compensate) {
    params[`layers/${k - 1}/bias`] = tensor([width], Float32Array.from(sigma, (s) => bias[s]!));
    const newAfter = new Float32Array(after.length);
    for (let b = 0; b < width; b++) newAfter.set(after.subarray(sigma[b]! * outputs, (sigma[b]! + 1) * outputs), b * outputs);
    params[`layers/${k}/weight`] = tensor([width, outputs], newAfter);
  }
  return { ...nerf, params };
}
