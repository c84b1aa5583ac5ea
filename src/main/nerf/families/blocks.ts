/**
 * Graph pieces the three families share: position normalisation, the frequency encoding, the
 * per-NeRF row offsets of a batched table lookup and the decoder MLP. Every tensor carries a
 * leading batch axis B (one NeRF each) and a point axis N: points are [B, N, 3].
 */
import type { Graph, ParamInit, Value } from '../../compute/graph';
import * as op from '../../compute/ops';
import type { Aabb } from '../types';

/** A constant of the graph's float type. */
export function floatConstant(g: Graph, shape: readonly number[], values: readonly number[]): Value {
  const data = g.floatType === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  return g.constant({ dtype: g.floatType, shape: [...shape], data });
}

/** An int64 constant of any shape. */
export function int64Constant(g: Graph, shape: readonly number[], values: readonly number[]): Value {
  return g.constant({ dtype: 'int64', shape: [...shape], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
}

/** World points [B, N, 3] -> (p - aabb.min) / (aabb.max - aabb.min): the aabb maps to [0, 1]^3. */
export function unitPositions(points: Value, aabb: Aabb): Value {
  const g = points.graph;
  const [lo, hi] = aabb;
  const min = floatConstant(g, [3], lo);
  const inverseExtent = floatConstant(g, [3], [0, 1, 2].map((a) => 1 / (hi[a]! - lo[a]!)));
  return op.mul(op.sub(points, min), inverseExtent);
}

/**
 * [x, sin(2^k pi x), cos(2^k pi x) for k < frequencies] of x [B, N, 3], laid out as
 * x, y, z, then per k: sin of x, y, z, then cos of x, y, z. Width 3 (1 + 2 frequencies).
 *
 * 2^k x is wrapped into [-1, 1] by subtracting an even integer before multiplying by pi: both
 * steps are exact in floating point, so float32 graphs keep ~1e-7 accuracy at high k instead of
 * the ~1e-5 that rounding pi 2^k x (up to ~100) would cost. The wrap is piecewise constant, so
 * gradients see d/dx = 2^k pi as they should.
 */
export function frequencyEncoding(x: Value, frequencies: number): Value {
  if (frequencies === 0) return x;
  const g = x.graph;
  const last = x.rank - 1;
  const bands = floatConstant(g, [frequencies, 1], Array.from({ length: frequencies }, (_, k) => 2 ** k));
  const turns = op.mul(op.unsqueeze(x, [last]), bands);
  const wrapped = op.sub(turns, op.mul(op.floor(op.add(op.mul(turns, 0.5), 0.5)), 2));
  const scaled = op.mul(wrapped, Math.PI);
  const pairs = op.concat([op.unsqueeze(op.sin(scaled), [last + 1]), op.unsqueeze(op.cos(scaled), [last + 1])], last + 1);
  const flat = op.reshape(pairs, [...x.shape.slice(0, last), 6 * frequencies]);
  return op.concat([x, flat], last);
}

/**
 * b * entries for each NeRF b of the batch, shaped [B, 1, ..., 1] (rank `rank`), to add to row
 * indices into a table flattened from [B, entries, F] to [B * entries, F].
 */
export function batchRowOffsets(table: Value, entries: number, rank: number): Value {
  const g = table.graph;
  const batch = table.shape[0]!;
  const shape = [batch, ...new Array<number>(rank - 1).fill(1)];
  if (typeof batch === 'number') {
    return int64Constant(g, shape as number[], Array.from({ length: batch }, (_, b) => b * entries));
  }
  const ones = op.constantOfShape(op.shapeOf(table, 0, 1), [batch], 1, 'int64');
  const index = op.cumsum(ones, 0, { exclusive: true });
  return op.reshape(op.mul(index, entries), [-1, ...shape.slice(1).map(() => 1)]);
}

/**
 * Weighted sum of table rows over the corner axis `cornerAxis`: `table` [B, entries, F], rows
 * int64 [B, N, ...] (rows of each NeRF's own table), weights of the same shape -> rows' shape
 * without the corner axis, plus F. Gradients reach the table through the Gather rule (a row
 * scatter-add).
 */
export function gatherWeighted(table: Value, rows: Value, weights: Value, cornerAxis: number): Value {
  const entries = table.shape[1];
  const features = table.shape[2];
  if (typeof entries !== 'number' || typeof features !== 'number') throw new RangeError(`gatherWeighted: table ${table} needs static entries and features`);
  const flat = op.reshape(table, [-1, features]);
  const picked = op.gather(flat, op.add(rows, batchRowOffsets(table, entries, rows.rank)));
  const weighted = op.mul(picked, op.unsqueeze(weights, [weights.rank]));
  return op.reduceSum(weighted, [cornerAxis]);
}

/** Hidden-layer activation of a decoder. */
export type HiddenActivation = 'relu' | 'sine';

/**
 * The decoder MLP on x [B, N, in]: hidden layers act(x W + b), a linear last layer. Weights are
 * params `layers/<i>/weight` [B, in, out] and `layers/<i>/bias` [B, out].
 */
export function decoder(x: Value, params: Readonly<Record<string, Value>>, layerCount: number, activation: HiddenActivation): Value {
  let h = x;
  for (let i = 0; i < layerCount; i++) {
    const weight = params[`layers/${i}/weight`];
    const bias = params[`layers/${i}/bias`];
    if (!weight || !bias) throw new RangeError(`decoder: missing parameter layers/${i}/weight or layers/${i}/bias`);
    h = op.add(op.matmul(h, weight), op.unsqueeze(bias, [1]));
    if (i + 1 < layerCount) h = activation === 'relu' ? op.relu(h) : op.sin(h);
  }
  return h;
}

/**
 * Initial values of the decoder: hidden weights uniform in +-sqrt(6 / in) (He for ReLU; for sine
 * layers SIREN's hidden-layer rule, which keeps pre-activations near unit variance), the last
 * layer Glorot; biases zero, except sine layers, which draw them in +-1 / sqrt(in) so units start
 * at different phases.
 */
export function decoderInits(widths: readonly number[], activation: HiddenActivation): Record<string, ParamInit> {
  const inits: Record<string, ParamInit> = {};
  for (let i = 0; i + 1 < widths.length; i++) {
    const fanIn = widths[i]!;
    const last = i + 2 === widths.length;
    inits[`layers/${i}/weight`] = last ? { kind: 'glorot' } : { kind: 'uniform', bound: Math.sqrt(6 / fanIn) };
    inits[`layers/${i}/bias`] = !last && activation === 'sine' ? { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) } : { kind: 'constant', value: 0 };
  }
  return inits;
}
