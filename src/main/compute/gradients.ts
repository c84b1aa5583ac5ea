/**
 * Gradient rules, one per primitive op type: given a node and the gradients of its outputs,
 * return the gradients of its inputs (null where an input needs none). Composite functions
 * (SiLU, softplus, losses, volume rendering) are built from these and need no rule of their own.
 */
import type { Graph, Node, Value } from './graph';
import { attr } from './graph';
import * as op from './ops';
import { broadcastAxes, normalizeAxis, sameShape } from './shape';
import { type HostTensor, isFloat } from './tensor';

export type GradRule = (node: Node, dy: readonly (Value | undefined)[], needs: readonly boolean[]) => readonly (Value | null)[];

/** Ops whose outputs carry no gradient (indices, masks, shapes, piecewise constants). */
export const NON_DIFFERENTIABLE = new Set([
  'Shape', 'Size', 'ConstantOfShape', 'Sign', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'And', 'Not',
  'Floor', 'BitwiseAnd', 'BitwiseXor', 'Mod',
]);

/** Sums a broadcast gradient back to the shape of the value it came from. */
export function unbroadcast(grad: Value, target: Value): Value {
  if (sameShape(grad.shape, target.shape)) return grad;
  const { axes, leading } = broadcastAxes(target.shape, grad.shape);
  const summed = axes.length ? op.reduceSum(grad, axes, true) : grad;
  return leading > 0 || !sameShape(summed.shape, target.shape) ? op.reshapeLike(summed, target) : summed;
}

function constantOf(node: Node, index: number): HostTensor {
  const v = node.inputs[index];
  const t = v ? v.graph.constants.get(v) : undefined;
  if (!t) throw new Error(`${node.name}: input ${index} must be a constant for its gradient`);
  return t;
}

function ints(t: HostTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.type === 'int' ? a.value : fallback;
}

function input(node: Node, i: number): Value {
  const v = node.inputs[i];
  if (!v) throw new Error(`${node.name}: missing input ${i}`);
  return v;
}

/** Gradient of a reduction's output, with the reduced axes restored as size 1. */
function keptDims(node: Node, g: Value): Value {
  const axes = ints(constantOf(node, 1));
  return intAttr(node, 'keepdims', 1) ? g : op.unsqueeze(g, axes);
}

function elementCountRatio(x: Value, y: Value): Value {
  return op.div(op.cast(op.sizeOf(x), x.dtype), op.cast(op.sizeOf(y), x.dtype));
}

function split(g: Value, pieces: readonly Value[], axis: number): Value[] {
  const graph: Graph = g.graph;
  const dims = pieces.map((p) => p.shape[axis]!);
  const sizes = dims.every((d) => typeof d === 'number')
    ? graph.int64s(dims as number[])
    : op.concat(pieces.map((p) => op.shapeOf(p, axis, axis + 1)), 0);
  return graph.addNode('Split', [g, sizes], { axis: attr.int(axis) }, pieces.map((p) => ({ dtype: g.dtype, shape: p.shape })));
}

const unary = (f: (x: Value, y: Value, g: Value) => Value): GradRule => (node, [g]) => [f(input(node, 0), node.outputs[0]!, g!)];

export const GRADIENTS: Readonly<Record<string, GradRule>> = {
  Identity: unary((_x, _y, g) => g),
  Neg: unary((_x, _y, g) => op.neg(g)),
  Exp: unary((_x, y, g) => op.mul(g, y)),
  Log: unary((x, _y, g) => op.div(g, x)),
  Sqrt: unary((_x, y, g) => op.div(g, op.mul(y, 2))),
  Abs: unary((x, _y, g) => op.mul(g, op.sign(x))),
  Relu: unary((x, _y, g) => op.where(op.greater(x, 0), g, 0)),
  Sigmoid: unary((_x, y, g) => op.mul(g, op.mul(y, op.sub(1, y)))),
  Tanh: unary((_x, y, g) => op.mul(g, op.sub(1, op.mul(y, y)))),
  Sin: unary((x, _y, g) => op.mul(g, op.cos(x))),
  Cos: unary((x, _y, g) => op.neg(op.mul(g, op.sin(x)))),

  Add: (node, [g]) => [unbroadcast(g!, input(node, 0)), unbroadcast(g!, input(node, 1))],
  Sub: (node, [g]) => [unbroadcast(g!, input(node, 0)), unbroadcast(op.neg(g!), input(node, 1))],
  Mul: (node, [g], needs) => {
    const [a, b] = [input(node, 0), input(node, 1)];
    return [needs[0] ? unbroadcast(op.mul(g!, b), a) : null, needs[1] ? unbroadcast(op.mul(g!, a), b) : null];
  },
  Div: (node, [g], needs) => {
    const [a, b, y] = [input(node, 0), input(node, 1), node.outputs[0]!];
    return [needs[0] ? unbroadcast(op.div(g!, b), a) : null, needs[1] ? unbroadcast(op.neg(op.div(op.mul(g!, y), b)), b) : null];
  },
  Pow: (node, [g], needs) => {
    const [a, b, y] = [input(node, 0), input(node, 1), node.outputs[0]!];
    return [
      needs[0] ? unbroadcast(op.mul(g!, op.mul(b, op.pow(a, op.sub(b, 1)))), a) : null,
      needs[1] ? unbroadcast(op.mul(g!, op.mul(y, op.log(a))), b) : null,
    ];
  },
  MatMul: (node, [g], needs) => {
    const [a, b] = [input(node, 0), input(node, 1)];
    return [
      needs[0] ? unbroadcast(op.matmul(g!, op.transposeLast(b)), a) : null,
      needs[1] ? unbroadcast(op.matmul(op.transposeLast(a), g!), b) : null,
    ];
  },
  Where: (node, [g]) => {
    const [c, a, b] = [input(node, 0), input(node, 1), input(node, 2)];
    return [null, unbroadcast(op.where(c, g!, 0), a), unbroadcast(op.where(c, 0, g!), b)];
  },
  Clip: (node, [g]) => {
    const x = input(node, 0);
    const [lo, hi] = [node.inputs[1], node.inputs[2]];
    let inside: Value | null = null;
    if (lo) inside = op.greaterOrEqual(x, lo);
    if (hi) inside = inside ? op.and(inside, op.lessOrEqual(x, hi)) : op.lessOrEqual(x, hi);
    return [inside ? op.where(inside, g!, 0) : g!, null, null];
  },

  Gather: (node, [g]) => {
    if (intAttr(node, 'axis', 0) !== 0) throw new Error(`${node.name}: only Gather on axis 0 is differentiable`);
    const data = input(node, 0);
    return [op.scatterAddRows(op.zerosLike(data), input(node, 1), g!), null];
  },
  ScatterND: (node, [g], needs) => {
    const reduction = node.attrs['reduction'];
    if (!reduction || reduction.type !== 'string' || reduction.value !== 'add') throw new Error(`${node.name}: only ScatterND with reduction "add" is differentiable`);
    const idx = input(node, 1);
    if (idx.shape[idx.rank - 1] !== 1) throw new Error(`${node.name}: only row scatters (index depth 1) are differentiable`);
    return [g!, null, needs[2] ? op.gather(g!, op.squeeze(idx, [idx.rank - 1])) : null];
  },

  ReduceSum: (node, [g]) => [op.expandLike(keptDims(node, g!), input(node, 0)), null],
  ReduceMean: (node, [g]) => {
    const x = input(node, 0);
    return [op.div(op.expandLike(keptDims(node, g!), x), elementCountRatio(x, node.outputs[0]!)), null];
  },
  ReduceMax: (node, [g]) => {
    // Ties share the gradient equally.
    const x = input(node, 0);
    const axes = ints(constantOf(node, 1));
    const maxKept = keptDims(node, node.outputs[0]!);
    const mask = op.cast(op.equal(x, op.expandLike(maxKept, x)), x.dtype);
    const count = op.reduceSum(mask, axes, true);
    return [op.mul(op.expandLike(op.div(keptDims(node, g!), count), x), mask), null];
  },

  Concat: (node, [g]) => {
    const pieces = node.inputs.map((_, i) => input(node, i));
    return split(g!, pieces, intAttr(node, 'axis', 0));
  },
  Slice: (node, [g]) => {
    const x = input(node, 0);
    const [start] = ints(constantOf(node, 1));
    const [end] = ints(constantOf(node, 2));
    const [axis] = ints(constantOf(node, 3));
    const ax = normalizeAxis('Slice', axis!, x.rank);
    const graph = x.graph;
    const dim = x.shape[ax]!;
    let endPad: Value;
    if (typeof dim === 'number') endPad = graph.int64s([Math.max(0, dim - Math.min(end!, dim))]);
    else if (end! >= Number.MAX_SAFE_INTEGER) endPad = graph.int64s([0]);
    else endPad = op.sub(op.shapeOf(x, ax, ax + 1), graph.int64s([end!]));
    const zerosBefore = (n: number): Value | null => (n > 0 ? graph.int64s(new Array<number>(n).fill(0)) : null);
    const parts = [zerosBefore(ax), graph.int64s([start!]), zerosBefore(x.rank - 1 - ax), zerosBefore(ax), endPad, zerosBefore(x.rank - 1 - ax)];
    const pads = op.concat(parts.filter((p): p is Value => p !== null), 0);
    return [op.padZeros(g!, pads, x.shape), null, null, null, null];
  },
  Reshape: (node, [g]) => [op.reshapeLike(g!, input(node, 0)), null],
  Unsqueeze: (node, [g]) => [op.reshapeLike(g!, input(node, 0)), null],
  Squeeze: (node, [g]) => [op.reshapeLike(g!, input(node, 0)), null],
  Transpose: (node, [g]) => {
    const perm = node.attrs['perm'];
    if (!perm || perm.type !== 'ints') throw new Error(`${node.name}: Transpose needs an explicit perm`);
    const inverse = new Array<number>(perm.value.length);
    perm.value.forEach((p, i) => (inverse[p] = i));
    return [op.transpose(g!, inverse)];
  },
  Expand: (node, [g]) => [unbroadcast(g!, input(node, 0)), null],
  CumSum: (node, [g]) => {
    const axis = ints(constantOf(node, 1))[0]!;
    return [op.cumsum(g!, axis, { exclusive: intAttr(node, 'exclusive', 0) === 1, reverse: intAttr(node, 'reverse', 0) !== 1 }), null];
  },
  Cast: (node, [g]) => {
    const x = input(node, 0);
    return [isFloat(x.dtype) ? op.cast(g!, x.dtype) : null];
  },
  LayerNormalization: (node, [g], needs) => {
    // Recomputes the statistics in x's own dtype (ONNX's stashed Mean/InvStdDev are float32).
    const [x, scale] = [input(node, 0), input(node, 1)];
    const epsAttr = node.attrs['epsilon'];
    const eps = epsAttr && epsAttr.type === 'float' ? epsAttr.value : 1e-5;
    if (intAttr(node, 'axis', -1) !== -1 && intAttr(node, 'axis', -1) !== x.rank - 1) throw new Error(`${node.name}: only last-axis LayerNormalization is differentiable`);
    const last = x.rank - 1;
    const centered = op.sub(x, op.reduceMean(x, [last], true));
    const invStd = op.div(1, op.sqrt(op.add(op.reduceMean(op.mul(centered, centered), [last], true), eps)));
    const xhat = op.mul(centered, invStd);
    const batchAxes = x.shape.slice(0, -1).map((_, i) => i);
    const dxhat = op.mul(g!, scale);
    const dx = needs[0]
      ? op.mul(invStd, op.sub(op.sub(dxhat, op.reduceMean(dxhat, [last], true)), op.mul(xhat, op.reduceMean(op.mul(dxhat, xhat), [last], true))))
      : null;
    const dscale = needs[1] ? (batchAxes.length ? op.reduceSum(op.mul(g!, xhat), batchAxes) : op.mul(g!, xhat)) : null;
    const dbias = needs[2] ? (batchAxes.length ? op.reduceSum(g!, batchAxes) : g!) : null;
    // Where the last axis is symbolic, x and scale name it differently; each gradient takes its input's shape back (a no-op otherwise).
    return [dx && unbroadcast(dx, x), dscale && unbroadcast(dscale, scale), dbias && unbroadcast(dbias, input(node, 2))];
  },
};
