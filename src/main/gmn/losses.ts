/**
 * The training losses (PAPER.md): the rendering loss of the decoder against each input NeRF's own
 * renders, and SigLIP between embeddings of the same objects in two architectures. Both are
 * compositions of primitive ops, so the autodiff needs no rule for them.
 */
import { smoothL1, softplus } from '../compute/functions';
import type { Graph, Value } from '../compute/graph';
import * as op from '../compute/ops';

/**
 * Composites samples along rays: density [G, R, S], rgb [G, R, S, 3], step lengths [G, R, S]
 * -> premultiplied colour [G, R, 3] and opacity [G, R]. Transmittance is exp of an exclusive
 * cumulative sum of optical depth, so T_i = prod_{j<i} (1 - alpha_j).
 */
export function compositeRays(density: Value, rgb: Value, deltas: Value): { colour: Value; opacity: Value } {
  const depth = op.mul(density, deltas);
  const alpha = op.sub(1, op.exp(op.neg(depth)));
  const transmittance = op.exp(op.neg(op.cumsum(depth, 2, { exclusive: true })));
  const weights = op.mul(transmittance, alpha);
  const colour = op.reduceSum(op.mul(op.unsqueeze(weights, [3]), rgb), [2]);
  return { colour, opacity: op.reduceSum(weights, [2]) };
}

export interface RenderingLossInputs {
  /** Decoder density [G, R, S] and rgb [G, R, S, 3] at the rays' samples. */
  readonly density: Value;
  readonly rgb: Value;
  /** Step lengths [G, R, S]. */
  readonly deltas: Value;
  /** The input NeRF's premultiplied colour [G, R, 3] and opacity [G, R] along the same rays. */
  readonly targetColour: Value;
  readonly targetOpacity: Value;
  /** Background colour [3] (random per batch). */
  readonly background: Value;
  /** Rays [0, foreground) are foreground rays, the rest background rays. */
  readonly foreground: number;
}

/**
 * 0.8 SmoothL1 over foreground pixels + 0.2 SmoothL1 over background pixels, each pixel composited
 * over the batch's background colour.
 */
export function renderingLoss(x: RenderingLossInputs): { loss: Value; foreground: Value; background: Value } {
  const { colour, opacity } = compositeRays(x.density, x.rgb, x.deltas);
  const over = (c: Value, a: Value): Value => op.add(c, op.mul(op.unsqueeze(op.sub(1, a), [2]), x.background));
  const predicted = over(colour, opacity);
  const target = over(x.targetColour, x.targetOpacity);
  const rays = predicted.shape[1] as number;
  const fg = smoothL1(op.slice(predicted, 1, 0, x.foreground), op.slice(target, 1, 0, x.foreground), 0.1);
  const bg = smoothL1(op.slice(predicted, 1, x.foreground, rays), op.slice(target, 1, x.foreground, rays), 0.1);
  return { loss: op.add(op.mul(fg, 0.8), op.mul(bg, 0.2)), foreground: fg, background: bg };
}

/** Rows scaled to unit L2 norm. */
export function l2Normalize(x: Value, epsilon = 1e-8): Value {
  return op.div(x, op.sqrt(op.add(op.reduceSum(op.mul(x, x), [1], true), epsilon)));
}

/**
 * SigLIP between u [K, D] and v [K, D] where row i of each is the same object: logits
 * t u_i . v_j + b with t = exp(logT) and labels +1 on the diagonal, -1 elsewhere; the loss is
 * -mean log sigmoid(label * logit). `logT` and `b` are learnable scalars (init log 10 and -10).
 */
export function siglipLoss(g: Graph, u: Value, v: Value): { loss: Value; temperature: Value; bias: Value } {
  const k = u.shape[0];
  if (typeof k !== 'number') throw new RangeError(`siglipLoss: the pair count must be static, got ${String(k)}`);
  const logT = g.param('siglip/log_temperature', [], { kind: 'constant', value: Math.log(10) });
  const bias = g.param('siglip/bias', [], { kind: 'constant', value: -10 });
  const temperature = op.exp(logT);
  const logits = op.add(op.mul(op.matmul(l2Normalize(u), op.transposeLast(l2Normalize(v))), temperature), bias);
  const values = Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : -1));
  const labels = g.constant(g.floatType === 'float64' ? { dtype: 'float64', shape: [k, k], data: Float64Array.from(values) } : { dtype: 'float32', shape: [k, k], data: Float32Array.from(values) });
  // -log sigmoid(z) = softplus(-z)
  const loss = op.meanAll(softplus(op.neg(op.mul(labels, logits))));
  return { loss, temperature, bias };
}

/**
 * Softmax cross-entropy of logits [N, C] against one-hot labels [N, C], averaged over the rows.
 * log-sum-exp subtracts each row's maximum first (its gradient cancels exactly), so large logits
 * do not overflow.
 */
export function softmaxCrossEntropy(logits: Value, oneHot: Value): Value {
  const max = op.reduceMax(logits, [1], true);
  const shifted = op.sub(logits, max);
  const logSumExp = op.log(op.reduceSum(op.exp(shifted), [1], true));
  const logProbabilities = op.sub(shifted, logSumExp);
  return op.neg(op.meanAll(op.reduceSum(op.mul(oneHot, logProbabilities), [1])));
}
