/**
 * Reverse-mode automatic differentiation over the graph: walks nodes in reverse creation order,
 * applies each op's gradient rule and adds up gradients where a value fans out.
 */
import type { Node, Shape, Value } from './graph';
import { GRADIENTS, type GradRule, NON_DIFFERENTIABLE } from './gradients';
import * as op from './ops';
import { sameShape, shapeString } from './shape';
import { isFloat } from './tensor';

/**
 * Appends the backward pass of `loss` (a scalar) to its graph and returns d loss / d v for each
 * value in `wrt`, in order. A value the loss does not depend on gets zeros.
 *
 * Each gradient a rule returns must have its input's dtype (else a TypeError) and its input's
 * full static shape, dim by dim (else a RangeError naming the op, the input and both shapes).
 * Dims match only when they are the same number or the same symbol: a correct rule ends in an
 * op that carries the input's own shape (`unbroadcast`, `reshapeLike`, `expandLike`, ...), so
 * a symbol against a size or another symbol means the rule built its shape from something else.
 *
 * @param rules the gradient rule of each op type. @default GRADIENTS
 */
export function gradients(loss: Value, wrt: readonly Value[], rules: Readonly<Record<string, GradRule>> = GRADIENTS): Value[] {
  const graph = loss.graph;
  if (loss.rank !== 0) throw new RangeError(`gradients: the loss must be a scalar, got ${loss}`);
  if (!isFloat(loss.dtype)) throw new TypeError(`gradients: the loss must be a float, got ${loss.dtype}`);

  // Values that depend on some `wrt` through differentiable ops.
  const requires = new Set<Value>(wrt);
  for (const node of graph.nodes) {
    if (NON_DIFFERENTIABLE.has(node.opType)) continue;
    if (node.inputs.some((v) => v !== null && requires.has(v))) {
      for (const out of node.outputs) if (isFloat(out.dtype)) requires.add(out);
    }
  }
  if (!requires.has(loss)) return wrt.map((v) => op.zerosLike(v));

  const grads = new Map<Value, Value>();
  const nodes = [...graph.nodes];
  graph.scope('grad', () => {
    grads.set(loss, graph.scalar(1, loss.dtype));
    for (let n = nodes.length - 1; n >= 0; n--) {
      const node = nodes[n]!;
      const dy = node.outputs.map((v) => grads.get(v));
      if (dy.every((g) => g === undefined)) continue;
      const needs = node.inputs.map((v) => v !== null && requires.has(v) && isFloat(v.dtype));
      if (!needs.some(Boolean)) continue;
      const rule = rules[node.opType];
      if (!rule) throw new Error(`gradients: no gradient rule for ${node.opType} (node ${node.name})`);
      const dx = rule(node, dy, needs);
      node.inputs.forEach((v, i) => {
        const g = dx[i];
        if (!v || !needs[i] || !g) return;
        checkGradient(node, v, g);
        const previous = grads.get(v);
        grads.set(v, previous ? op.add(previous, g) : g);
      });
    }
  });
  return wrt.map((v) => grads.get(v) ?? op.zerosLike(v));
}

/** Throws unless `grad` has the dtype and the full static shape of `input`. */
function checkGradient(node: Node, input: Value, grad: Value): void {
  const what = `gradients: gradient of ${node.opType} input "${input.name}"`;
  if (grad.dtype !== input.dtype) throw new TypeError(`${what} has dtype ${grad.dtype}, expected ${input.dtype}`);
  if (sameShape(grad.shape, input.shape)) return;
  const hint = broadcastsTo(input.shape, grad.shape)
    ? `the rule for ${node.opType} must sum over broadcast dimensions`
    : `the rule for ${node.opType} must return a gradient shaped like its input`;
  throw new RangeError(`${what} has shape ${shapeString(grad.shape)}, expected ${shapeString(input.shape)}: ${hint}`);
}

/** Does `from` broadcast to `to` (trailing dims aligned, each equal or 1, `to` no shorter)? */
function broadcastsTo(from: Shape, to: Shape): boolean {
  const leading = to.length - from.length;
  return leading >= 0 && from.every((d, i) => d === 1 || d === to[leading + i]);
}
