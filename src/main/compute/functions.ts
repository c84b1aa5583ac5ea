/**
 * Composite functions built from primitive ops only, so they need no gradient rule of their own.
 */
import type { Value } from './graph';
import * as op from './ops';

/** log(1 + e^x), computed stably as relu(x) + log(1 + e^-|x|). */
export function softplus(x: Value): Value {
  return op.add(op.relu(x), op.log(op.add(op.exp(op.neg(op.abs(x))), 1)));
}

/** x * sigmoid(x). */
export function silu(x: Value): Value {
  return op.mul(x, op.sigmoid(x));
}

/** Mean squared error between two values of the same shape. */
export function mse(prediction: Value, target: Value): Value {
  const d = op.sub(prediction, target);
  return op.meanAll(op.mul(d, d));
}

/** Mean SmoothL1 (Huber with delta `beta`, PyTorch's convention): 0.5 d^2 / beta below beta, |d| - beta / 2 above. */
export function smoothL1(prediction: Value, target: Value, beta = 1): Value {
  const d = op.abs(op.sub(prediction, target));
  const quadratic = op.div(op.mul(op.mul(d, d), 0.5), beta);
  const linear = op.sub(d, beta / 2);
  return op.meanAll(op.where(op.less(d, beta), quadratic, linear));
}

/** A dense layer: x @ weight + bias, weight [in, out], bias [out]. */
export function linear(x: Value, weight: Value, bias?: Value): Value {
  const y = op.matmul(x, weight);
  return bias ? op.add(y, bias) : y;
}

/** Mean of the rows of `values` [E, ...] per segment `indices` [E] into `rowsLike.shape[0]` rows; empty segments give 0. */
export function segmentMean(values: Value, indices: Value, rowsLike: Value): Value {
  const sums = op.segmentSum(values, indices, rowsLike);
  const ones = op.constantOfShape(op.shapeOf(indices), indices.shape, 1, values.dtype);
  const counts = op.segmentSum(op.unsqueeze(ones, [1]), indices, rowsLike);
  return op.div(sums, op.clip(counts, 1));
}
