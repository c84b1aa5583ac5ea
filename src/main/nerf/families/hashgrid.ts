/**
 * The hash-grid family: tiny-cuda-nn's multiresolution HashGrid (3-D, linear interpolation,
 * coherent prime hash), levels concatenated, then a ReLU MLP -> 4 raw outputs. The table layout
 * is tcnn's own (`hashGridLevels`), so instant-ngp tables read in unchanged.
 *
 * Per level, as tcnn's kernel_grid does it: pos = scale * x + 0.5, cell = floor(pos), frac =
 * pos - cell; corner c (bit d of c set: +1 along axis d) has weight prod_d (frac_d or 1 - frac_d)
 * and index x + y R + z R^2 on dense levels, (x * 1 ^ y * 2654435761 ^ z * 805459861) in uint32
 * on hashed ones, then modulo the level size. uint32 arithmetic runs in int64: products of
 * coordinates <= 2^20 + 1 (see checkConfig) and 32-bit primes stay far below 2^63, their low 32
 * bits are the uint32 products, and XOR acts bit by bit, so masking with 0xFFFFFFFF afterwards
 * gives tcnn's hash.
 *
 * nerfstudio's torch HashEncoding (`gridIndexing: 'nerfstudio-torch'`) is the same kernel with
 * other levels: scale floor(base * perLevelScale^l), no half-vertex shift, every level hashed
 * (int64 products, XOR, modulo 2^log2TableSize: the same low bits as tcnn's uint32 hash), each
 * level its own 2^log2TableSize rows. A `gridAabb` maps the aabb's unit cube into a window of the
 * grid's (a contracted nerfacto scene's inner box is [0.25, 0.75]^3 of its grid).
 *
 * One deliberate difference: positions are clamped to the aabb ([0, 1] after normalisation)
 * before encoding. tcnn does not clamp; instant-ngp only samples inside its aabb, where the two
 * agree, and clamping keeps grid coordinates non-negative so no uint32 wrap of a negative floor
 * is ever needed.
 */
import type { Dim, ParamInit, Value } from '../../compute/graph';
import * as op from '../../compute/ops';
import { HASH_PRIMES, decoderWidths, gridWindow, hashGridLevels } from '../layout';
import type { HashGridConfig } from '../types';
import { decoder, decoderInits, floatConstant, gatherWeighted, int64Constant, unitPositions } from './blocks';

export { hashGridLevels, type HashGridLevel } from '../layout';

/** tiny-cuda-nn initialises hash tables uniformly in +-1e-4. */
export const HASH_TABLE_INIT_BOUND = 1e-4;

/** Table rows and trilinear weights of the 8 corners of each point on each level. */
export interface HashGridCorners {
  /** int64 [B, N, L, 8]: row of each corner in one NeRF's `encoding/table` (level offset included). */
  readonly rows: Value;
  /** [B, N, L, 8]: trilinear weights; the 8 of each level sum to 1. */
  readonly weights: Value;
}

/**
 * Slices `axis` of per-axis pairs [B, N, L, 2, 3] and puts its pair on dimension 5 - axis of
 * [B, N, L, z, y, x], so that combining x, y and z by broadcasting gives [B, N, L, 2, 2, 2] whose
 * flat corner index 4 z + 2 y + x is tcnn's corner order (bit d set: upper vertex along axis d).
 */
function cornerAxis(pairs: Value, axis: number): Value {
  const [B, N, L] = pairs.shape as [Dim, Dim, Dim];
  const shape: Dim[] = [B, N, L, 1, 1, 1];
  shape[5 - axis] = 2;
  return op.reshape(op.slice(pairs, 4, axis, axis + 1), shape);
}

/**
 * Corners of points `unit` [B, N, 3] (normalised to [0, 1], clamped here) on every level at once.
 * Both the dense and the hashed index are formed for every level and the level's kind picks one;
 * the per-axis terms are computed on vertex pairs [B, N, L, 2, 3] and combined by broadcasting.
 */
export function hashGridCorners(config: HashGridConfig, unit: Value): HashGridCorners {
  const g = unit.graph;
  const levels = hashGridLevels(config);
  const L = levels.length;
  const [B, N] = unit.shape as [Dim, Dim];
  const perLevel = (values: readonly number[]): Value => int64Constant(g, [L, 1, 1, 1], values);
  const scales = floatConstant(g, [L, 1], levels.map((l) => l.scale));
  const clipped = op.clip(unit, 0, 1);
  const { start, span } = gridWindow(config);
  const windowed = config.gridAabb ? op.add(op.mul(clipped, floatConstant(g, [3], span)), floatConstant(g, [3], start)) : clipped;
  const shifts = levels.every((l) => l.shift === 0.5) ? 0.5 : floatConstant(g, [L, 1], levels.map((l) => l.shift));
  const pos = op.add(op.mul(op.unsqueeze(windowed, [2]), scales), shifts);
  const cellFloat = op.floor(pos);
  const frac = op.sub(pos, cellFloat);
  // Lower and upper vertex along each axis: [B, N, L, 2, 3].
  const vertices = op.add(op.unsqueeze(op.cast(cellFloat, 'int64'), [3]), int64Constant(g, [2, 1], [0, 1]));
  const strides = int64Constant(g, [L, 1, 3], levels.flatMap((l) => [1, l.resolution, l.resolution * l.resolution]));
  const denseTerms = op.mul(vertices, strides);
  const hashTerms = op.mul(vertices, int64Constant(g, [3], HASH_PRIMES));
  const [dx, dy, dz] = [0, 1, 2].map((a) => cornerAxis(denseTerms, a));
  const [hx, hy, hz] = [0, 1, 2].map((a) => cornerAxis(hashTerms, a));
  const dense = op.add(op.add(dz!, dy!), dx!);
  const hashed = op.bitwiseAnd(op.bitwiseXor(op.bitwiseXor(hz!, hy!), hx!), 0xffffffff);
  const isDense = g.constant({ dtype: 'bool', shape: [L, 1, 1, 1], data: Uint8Array.from(levels.map((l) => (l.dense ? 1 : 0))) });
  const index = op.mod(op.where(isDense, dense, hashed), perLevel(levels.map((l) => l.size)));
  const rows = op.add(index, perLevel(levels.map((l) => l.offset)));
  // Weight pairs (1 - frac, frac) along each axis, multiplied out over the 8 corners.
  const pairs = op.concat([op.unsqueeze(op.sub(1, frac), [3]), op.unsqueeze(frac, [3])], 3);
  const [wx, wy, wz] = [0, 1, 2].map((a) => cornerAxis(pairs, a));
  const weights = op.mul(op.mul(wz!, wy!), wx!);
  return { rows: op.reshape(rows, [B, N, L, 8]), weights: op.reshape(weights, [B, N, L, 8]) };
}

/** Encoded points [B, N, L F] (level-major: level 0's F features first); table [B, entries, F]. */
export function hashGridEncoding(config: HashGridConfig, unit: Value, table: Value): Value {
  const { rows, weights } = hashGridCorners(config, unit);
  const perLevel = gatherWeighted(table, rows, weights, 3);
  return op.reshape(perLevel, [unit.shape[0]!, unit.shape[1]!, config.levels * config.featuresPerLevel]);
}

/** Raw outputs [B, N, 4] of B hash-grid NeRFs at points [B, N, 3]. */
export function buildHashGridField(config: HashGridConfig, points: Value, params: Readonly<Record<string, Value>>): Value {
  const table = params['encoding/table'];
  if (!table) throw new RangeError('hashgrid field: missing parameter encoding/table');
  const features = hashGridEncoding(config, unitPositions(points, config.aabb), table);
  return decoder(features, params, config.hidden.length + 1, 'relu');
}

/** How each parameter of a hash-grid NeRF starts. */
export function hashGridInits(config: HashGridConfig): Record<string, ParamInit> {
  return { 'encoding/table': { kind: 'uniform', bound: HASH_TABLE_INIT_BOUND }, ...decoderInits(decoderWidths(config), 'relu') };
}
