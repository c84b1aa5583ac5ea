/**
 * Reverse-mode automatic differentiation over the graph: walks nodes in reverse creation order,
 * applies each op's gradient rule and adds up gradients where a value fans out.
 */
import type { Value } from './graph';
import { GRADIENTS, NON_DIFFERENTIABLE } from './gradients';
import * as op from './ops';
import { sameShape, shapeString } from './shape';
import { isFloat } from './tensor';

/**
 * Appends the backward pass of `loss` (a scalar) to its graph and returns d loss / d v for each
 * value in `wrt`, in order. A value the loss does not depend on gets zeros.
 */
export function gradients(loss: Value, wrt: readonly Value[]): Value[] {
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
      const rule = GRADIENTS[node.opType];
      if (!rule) throw new Error(`gradients: no gradient rule for ${node.opType} (node ${node.name})`);
      const dx = rule(node, dy, needs);
      node.inputs.forEach((v, i) => {
        const g = dx[i];
        if (!v || !needs[i] || !g) return;
        if (g.dtype !== v.dtype || (g.rank !== v.rank && !sameShape(g.shape, v.shape))) {
          throw new Error(`gradients: rule for ${node.opType} gave ${g.dtype}${shapeString(g.shape)} for input ${v}`);
        }
        const previous = grads.get(v);
        grads.set(v, previous ? op.add(previous, g) : g);
      });
    }
  });
  return wrt.map((v) => grads.get(v) ?? op.zerosLike(v));
}
