/**
 * Typed op functions over graph values (opset 18). Each computes its output type with a static
 * shape rule, then records the ONNX node. Numbers mix with values: `add(x, 1)` makes a scalar
 * constant of x's dtype.
 */
import { type Dim, type Graph, type Shape, Value, attr, scalarTensor } from './graph';
import { broadcastShapes, normalizeAxis, shapeString, staticSize } from './shape';
import { type DType, ONNX_DTYPE, isFloat } from './tensor';

export type Operand = Value | number;

function graphOf(op: string, operands: readonly Operand[]): Graph {
  for (const o of operands) if (o instanceof Value) return o.graph;
  throw new TypeError(`${op}: at least one operand must be a graph value`);
}

function lift(g: Graph, o: Operand, dtype: DType): Value {
  return o instanceof Value ? o : g.constant(scalarTensor(o, dtype));
}

function floatTypeOf(operands: readonly Operand[], g: Graph): DType {
  for (const o of operands) if (o instanceof Value) return o.dtype;
  return g.floatType;
}

function single(g: Graph, opType: string, inputs: readonly (Value | null)[], dtype: DType, shape: Shape, attrs: Parameters<Graph['addNode']>[2] = {}): Value {
  return g.addNode(opType, inputs, attrs, [{ dtype, shape }])[0]!;
}

function binary(opType: string, a: Operand, b: Operand, outDtype?: DType): Value {
  const g = graphOf(opType, [a, b]);
  const dtype = floatTypeOf([a, b], g);
  const va = lift(g, a, dtype);
  const vb = lift(g, b, dtype);
  if (va.dtype !== vb.dtype) throw new TypeError(`${opType}: dtypes differ (${va.dtype} and ${vb.dtype})`);
  return single(g, opType, [va, vb], outDtype ?? dtype, broadcastShapes(opType, va.shape, vb.shape));
}

function unary(opType: string, x: Value, floatOnly = true): Value {
  if (floatOnly && !isFloat(x.dtype)) throw new TypeError(`${opType}: needs a float input, got ${x.dtype}`);
  return single(x.graph, opType, [x], x.dtype, x.shape);
}

export const add = (a: Operand, b: Operand): Value => binary('Add', a, b);
export const sub = (a: Operand, b: Operand): Value => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand): Value => binary('Mul', a, b);
export const div = (a: Operand, b: Operand): Value => binary('Div', a, b);
export const pow = (a: Operand, b: Operand): Value => binary('Pow', a, b);
export const greater = (a: Operand, b: Operand): Value => binary('Greater', a, b, 'bool');
export const less = (a: Operand, b: Operand): Value => binary('Less', a, b, 'bool');
export const greaterOrEqual = (a: Operand, b: Operand): Value => binary('GreaterOrEqual', a, b, 'bool');
export const lessOrEqual = (a: Operand, b: Operand): Value => binary('LessOrEqual', a, b, 'bool');
export const equal = (a: Operand, b: Operand): Value => binary('Equal', a, b, 'bool');
export const and = (a: Value, b: Value): Value => binary('And', a, b, 'bool');

export const neg = (x: Value): Value => unary('Neg', x);
export const exp = (x: Value): Value => unary('Exp', x);
export const log = (x: Value): Value => unary('Log', x);
export const sqrt = (x: Value): Value => unary('Sqrt', x);
export const abs = (x: Value): Value => unary('Abs', x);
export const sign = (x: Value): Value => unary('Sign', x);
export const relu = (x: Value): Value => unary('Relu', x);
export const sigmoid = (x: Value): Value => unary('Sigmoid', x);
export const tanh = (x: Value): Value => unary('Tanh', x);
export const sin = (x: Value): Value => unary('Sin', x);
export const cos = (x: Value): Value => unary('Cos', x);
export const identity = (x: Value): Value => unary('Identity', x, false);

export function not(x: Value): Value {
  return single(x.graph, 'Not', [x], 'bool', x.shape);
}

/** Elementwise select: `cond ? a : b`, broadcasting all three. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  const g = cond.graph;
  const dtype = floatTypeOf([a, b], g);
  const va = lift(g, a, dtype);
  const vb = lift(g, b, dtype);
  const shape = broadcastShapes('Where', broadcastShapes('Where', cond.shape, va.shape), vb.shape);
  return single(g, 'Where', [cond, va, vb], dtype, shape);
}

/** Clamps into [min, max]; either bound may be omitted. */
export function clip(x: Value, min?: number, max?: number): Value {
  const g = x.graph;
  const lo = min === undefined ? null : g.scalar(min, x.dtype);
  const hi = max === undefined ? null : g.scalar(max, x.dtype);
  return single(g, 'Clip', [x, lo, hi], x.dtype, x.shape);
}

/** Batched matrix product: [..., n, k] @ [..., k, m] -> [..., n, m], batch dims broadcast. */
export function matmul(a: Value, b: Value): Value {
  if (a.rank < 2 || b.rank < 2) throw new RangeError(`MatMul: operands need rank >= 2, got ${shapeString(a.shape)} and ${shapeString(b.shape)}`);
  const k1 = a.shape[a.rank - 1]!;
  const k2 = b.shape[b.rank - 2]!;
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new RangeError(`MatMul: inner dimensions differ in ${shapeString(a.shape)} @ ${shapeString(b.shape)}`);
  }
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return single(a.graph, 'MatMul', [a, b], a.dtype, [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!]);
}

/** Rows of `data` (axis 0) picked by int64 `indices` of any shape. */
export function gather(data: Value, indices: Value): Value {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new TypeError(`Gather: indices must be int64 or int32, got ${indices.dtype}`);
  return single(data.graph, 'Gather', [data, indices], data.dtype, [...indices.shape, ...data.shape.slice(1)], { axis: attr.int(0) });
}

/**
 * `base` with `updates[i]` added into row `indices[i]` (ScatterND, reduction add). indices has
 * shape [...I], updates [...I, ...base.shape[1:]].
 */
export function scatterAddRows(base: Value, indices: Value, updates: Value): Value {
  const idx = unsqueeze(indices, [indices.rank]);
  return single(base.graph, 'ScatterND', [base, idx, updates], base.dtype, base.shape, { reduction: attr.string('add') });
}

/** Sums rows of `updates` [E, ...] into `rowsLike.shape[0]` segments by `indices` [E]. */
export function segmentSum(updates: Value, indices: Value, rowsLike: Value): Value {
  const rows = shapeOf(rowsLike, 0, 1);
  const rest = shapeOf(updates, 1);
  const zeros = constantOfShape(concat([rows, rest], 0), [rowsLike.shape[0]!, ...updates.shape.slice(1)], 0, updates.dtype);
  return scatterAddRows(zeros, indices, updates);
}

function reduce(opType: string, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const norm = [...new Set(axes.map((a) => normalizeAxis(opType, a, x.rank)))].sort((p, q) => p - q);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  return single(x.graph, opType, [x, x.graph.int64s(norm)], x.dtype, shape, { keepdims: attr.int(keepdims ? 1 : 0) });
}

export const reduceSum = (x: Value, axes: readonly number[], keepdims = false): Value => reduce('ReduceSum', x, axes, keepdims);
export const reduceMean = (x: Value, axes: readonly number[], keepdims = false): Value => reduce('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Value, axes: readonly number[], keepdims = false): Value => reduce('ReduceMax', x, axes, keepdims);

/** Sum of every element, as a scalar. */
export function sumAll(x: Value): Value {
  return x.rank === 0 ? x : reduceSum(x, x.shape.map((_, i) => i));
}

/** Mean of every element, as a scalar. */
export function meanAll(x: Value): Value {
  return x.rank === 0 ? x : reduceMean(x, x.shape.map((_, i) => i));
}

export function concat(xs: readonly Value[], axis: number): Value {
  const first = xs[0];
  if (!first) throw new RangeError('Concat: needs at least one input');
  const ax = normalizeAxis('Concat', axis, first.rank);
  let total: Dim = 0;
  for (const x of xs) {
    if (x.rank !== first.rank || x.dtype !== first.dtype) throw new TypeError(`Concat: ${x} does not match ${first}`);
    const d = x.shape[ax]!;
    total = typeof total === 'number' && typeof d === 'number' ? total + d : `${String(total)}+${String(d)}`;
  }
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  return single(first.graph, 'Concat', xs, first.dtype, shape, { axis: attr.int(ax) });
}

/** x[start:end] along one axis (step 1). `end` omitted means to the end. */
export function slice(x: Value, axis: number, start: number, end?: number): Value {
  const ax = normalizeAxis('Slice', axis, x.rank);
  if (!Number.isInteger(start) || start < 0 || (end !== undefined && (!Number.isInteger(end) || end < start))) {
    throw new RangeError(`Slice: need 0 <= start <= end, got start ${start}, end ${end}`);
  }
  const d = x.shape[ax]!;
  let size: Dim;
  if (typeof d === 'number') size = Math.max(0, Math.min(end ?? d, d) - Math.min(start, d));
  else size = end === undefined ? `${d}-${start}` : end - start;
  const g = x.graph;
  const shape = x.shape.map((s, i) => (i === ax ? size : s));
  return single(g, 'Slice', [x, g.int64s([start]), g.int64s([end ?? Number.MAX_SAFE_INTEGER]), g.int64s([ax])], x.dtype, shape);
}

/**
 * Reshape to `dims`: numbers, -1 (inferred), or a symbol that names one of x's dims (copied at
 * run time). The target shape is a constant when possible, else assembled from `Shape(x)`.
 */
export function reshape(x: Value, dims: readonly Dim[]): Value {
  const g = x.graph;
  const shapeOut: Dim[] = [];
  const pieces: Value[] = [];
  let literal: number[] = [];
  let inferred = -1;
  dims.forEach((d, i) => {
    if (typeof d === 'number') {
      if (d === 0 || d < -1 || !Number.isInteger(d)) throw new RangeError(`Reshape: invalid dimension ${d} in ${shapeString(dims)}`);
      if (d === -1) {
        if (inferred >= 0) throw new RangeError(`Reshape: more than one -1 in ${shapeString(dims)}`);
        inferred = i;
      }
      literal.push(d);
      shapeOut.push(d);
    } else {
      const j = x.shape.indexOf(d);
      if (j < 0) throw new RangeError(`Reshape: symbol "${d}" is not a dimension of ${x}`);
      if (literal.length) pieces.push(g.int64s(literal));
      literal = [];
      pieces.push(shapeOf(x, j, j + 1));
      shapeOut.push(d);
    }
  });
  if (literal.length) pieces.push(g.int64s(literal));
  if (inferred >= 0) {
    const known = staticSize(x.shape);
    const rest = staticSize(shapeOut.filter((_, i) => i !== inferred));
    shapeOut[inferred] = known !== undefined && rest !== undefined ? known / rest : `${x.name}:reshape`;
  }
  const target = pieces.length === 1 ? pieces[0]! : concat(pieces, 0);
  return single(g, 'Reshape', [x, target], x.dtype, shapeOut);
}

/** Reshape `x` to the run-time shape of `like` (same element count). */
export function reshapeLike(x: Value, like: Value): Value {
  return single(x.graph, 'Reshape', [x, shapeOf(like)], x.dtype, like.shape);
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new RangeError(`Transpose: ${shapeString(perm)} is not a permutation of rank ${x.rank}`);
  }
  return single(x.graph, 'Transpose', [x], x.dtype, perm.map((p) => x.shape[p]!), { perm: attr.ints(perm) });
}

/** Swaps the last two axes. */
export function transposeLast(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return transpose(x, perm);
}

/** Broadcasts `x` to the run-time shape of `like` (whose shape x broadcasts to). */
export function expandLike(x: Value, like: Value): Value {
  const shape = broadcastShapes('Expand', x.shape, like.shape);
  return single(x.graph, 'Expand', [x, shapeOf(like)], x.dtype, shape);
}

/** Broadcasts `x` to a static shape. */
export function expand(x: Value, dims: readonly number[]): Value {
  const shape = broadcastShapes('Expand', x.shape, dims);
  return single(x.graph, 'Expand', [x, x.graph.int64s(dims)], x.dtype, shape);
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normalizeAxis('Unsqueeze', a, rank)).sort((p, q) => p - q);
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[k++]!);
  return single(x.graph, 'Unsqueeze', [x, x.graph.int64s(norm)], x.dtype, shape);
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const norm = axes.map((a) => normalizeAxis('Squeeze', a, x.rank));
  for (const a of norm) if (x.shape[a] !== 1) throw new RangeError(`Squeeze: axis ${a} of ${x} is not 1`);
  return single(x.graph, 'Squeeze', [x, x.graph.int64s(norm)], x.dtype, x.shape.filter((_, i) => !norm.includes(i)));
}

export interface CumSumOptions {
  /** Sum of the elements strictly before (or after, when reversed) each position. @default false */
  readonly exclusive?: boolean;
  /** Accumulate from the end. @default false */
  readonly reverse?: boolean;
}

export function cumsum(x: Value, axis: number, options: CumSumOptions = {}): Value {
  const ax = normalizeAxis('CumSum', axis, x.rank);
  const axisValue = x.graph.constant({ dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(ax)) });
  return single(x.graph, 'CumSum', [x, axisValue], x.dtype, x.shape, {
    exclusive: attr.int(options.exclusive ? 1 : 0),
    reverse: attr.int(options.reverse ? 1 : 0),
  });
}

/** Layer normalisation over the last axis with scale and bias of that axis's size. */
export function layerNorm(x: Value, scale: Value, bias: Value, epsilon = 1e-5): Value {
  return single(x.graph, 'LayerNormalization', [x, scale, bias], x.dtype, x.shape, {
    axis: attr.int(-1),
    epsilon: attr.float(epsilon),
  });
}

export function cast(x: Value, dtype: DType): Value {
  if (x.dtype === dtype) return x;
  return single(x.graph, 'Cast', [x], dtype, x.shape, { to: attr.int(ONNX_DTYPE[dtype]) });
}

/** The run-time shape of `x` (or dims [start, end)), as int64 [n]. */
export function shapeOf(x: Value, start?: number, end?: number): Value {
  const attrs: Record<string, ReturnType<typeof attr.int>> = {};
  if (start !== undefined) attrs['start'] = attr.int(start);
  if (end !== undefined) attrs['end'] = attr.int(end);
  const n = (end ?? x.rank) - (start ?? 0);
  return single(x.graph, 'Shape', [x], 'int64', [n], attrs);
}

/** Element count of `x` as an int64 scalar. */
export function sizeOf(x: Value): Value {
  return single(x.graph, 'Size', [x], 'int64', []);
}

/** A tensor of run-time shape `shape` (int64 [n]) filled with `value`. */
export function constantOfShape(shape: Value, staticShape: Shape, value: number, dtype: DType): Value {
  return single(shape.graph, 'ConstantOfShape', [shape], dtype, staticShape, { value: attr.tensor({ ...scalarTensor(value, dtype), shape: [1] }) });
}

/** Zeros shaped like `x` at run time. */
export function zerosLike(x: Value): Value {
  return constantOfShape(shapeOf(x), x.shape, 0, x.dtype);
}

/** Pads with zeros; `pads` is int64 [2 * rank] (all begins, then all ends). */
export function padZeros(x: Value, pads: Value, outShape: Shape): Value {
  return single(x.graph, 'Pad', [x, pads], x.dtype, outShape, { mode: attr.string('constant') });
}

/** Largest integer <= x, elementwise, on floats. Piecewise constant, so it carries no gradient. */
export const floor = (x: Value): Value => unary('Floor', x);

function integerBinary(opType: string, a: Operand, b: Operand): Value {
  const g = graphOf(opType, [a, b]);
  const dtype = floatTypeOf([a, b], g);
  if (dtype !== 'int64' && dtype !== 'int32') throw new TypeError(`${opType}: needs int64 or int32 operands, got ${dtype}`);
  return binary(opType, a, b);
}

/** Bitwise AND of integers (int64 or int32), broadcasting. */
export const bitwiseAnd = (a: Operand, b: Operand): Value => integerBinary('BitwiseAnd', a, b);
/** Bitwise XOR of integers (int64 or int32), broadcasting. */
export const bitwiseXor = (a: Operand, b: Operand): Value => integerBinary('BitwiseXor', a, b);
/** Integer remainder (ONNX Mod, fmod 0: the sign follows the divisor), broadcasting. Integers only. */
export const mod = (a: Operand, b: Operand): Value => integerBinary('Mod', a, b);
