/**
 * NeRF fields as graphs, batched over B NeRFs of one architecture so a fitter trains many NeRFs
 * in one session run. Every parameter carries a leading B axis (weight [B, in, out], bias
 * [B, out], planes [B, 3, R, R, C], encoding/table [B, entries, F]); points are [B, N, 3] in
 * world coordinates. Only differentiable ops lie between parameters and outputs; index
 * arithmetic (floor, hashing, clamping) is int64 and carries no gradient.
 */
import type { Dim, Graph, ParamInit, Value } from '../compute/graph';
import { fillParam, seededRandom } from '../compute/init';
import * as op from '../compute/ops';
import { shapeString } from '../compute/shape';
import type { HostTensor } from '../compute/tensor';
import { isFloat } from '../compute/tensor';
import { softplus } from '../compute/functions';
import { buildHashGridField, hashGridInits } from './families/hashgrid';
import { buildMlpField, mlpInits } from './families/mlp';
import { buildTriplaneField, triplaneInits } from './families/triplane';
import { FIELD_OUTPUTS, parameterLayout } from './layout';
import type { DensityActivation, NerfConfig } from './types';

/** Outputs of a batched field. */
export interface FieldOutputs {
  /** [B, N]: density after the config's activation. */
  readonly density: Value;
  /** [B, N, 3]: sigmoid colour. */
  readonly rgb: Value;
  /** [B, N, 4]: raw density and raw rgb, before activations. */
  readonly raw: Value;
}

/** Cap of `truncExp`: density = exp(min(raw, 15)). */
export const TRUNC_EXP_MAX = 15;

/** Density from raw density: relu, softplus, or exp(min(x, 15)). */
export function densityFromRaw(raw: Value, activation: DensityActivation): Value {
  switch (activation) {
    case 'relu':
      return op.relu(raw);
    case 'softplus':
      return softplus(raw);
    case 'truncExp':
      return op.exp(op.clip(raw, undefined, TRUNC_EXP_MAX));
  }
}

function checkParams(config: NerfConfig, points: Value, params: Readonly<Record<string, Value>>): void {
  let batch: Dim | undefined;
  for (const { name, shape } of parameterLayout(config)) {
    const p = params[name];
    if (!p) throw new RangeError(`buildFieldGraph: missing parameter "${name}" of ${config.architecture}`);
    const expected = [p.shape[0]!, ...shape];
    if (p.rank !== shape.length + 1 || shape.some((d, i) => p.shape[i + 1] !== d)) {
      throw new RangeError(`buildFieldGraph: parameter "${name}" must be [B, ${shape.join(', ')}], got ${shapeString(p.shape)}`);
    }
    if (p.dtype !== points.dtype) throw new TypeError(`buildFieldGraph: parameter "${name}" is ${p.dtype}, points are ${points.dtype}`);
    if (batch === undefined) batch = expected[0];
    else if (p.shape[0] !== batch) throw new RangeError(`buildFieldGraph: parameter "${name}" has batch ${String(p.shape[0])}, others ${String(batch)}`);
  }
  if (batch !== undefined && typeof batch === 'number' && typeof points.shape[0] === 'number' && points.shape[0] !== batch) {
    throw new RangeError(`buildFieldGraph: points ${shapeString(points.shape)} do not match the parameters' batch ${batch}`);
  }
}

/**
 * Appends the field of B NeRFs of `config` to `g`. Positions are normalised from the aabb to
 * [0, 1]^3 (grids; clamped there) or [-1, 1]^3 (frequency encodings).
 * @param points float [B, N, 3], world coordinates.
 * @param params each layout parameter with a leading batch axis B.
 */
export function buildFieldGraph(g: Graph, config: NerfConfig, points: Value, params: Readonly<Record<string, Value>>): FieldOutputs {
  if (points.graph !== g) throw new Error('buildFieldGraph: points belong to another graph');
  if (!isFloat(points.dtype) || points.rank !== 3 || points.shape[2] !== 3) throw new TypeError(`buildFieldGraph: points must be float [B, N, 3], got ${points}`);
  checkParams(config, points, params);
  const raw = g.scope(`field/${config.family}`, () => {
    switch (config.family) {
      case 'mlp':
        return buildMlpField(config, points, params);
      case 'triplane':
        return buildTriplaneField(config, points, params);
      case 'hashgrid':
        return buildHashGridField(config, points, params);
    }
  });
  const density = densityFromRaw(op.squeeze(op.slice(raw, 2, 0, 1), [2]), config.densityActivation);
  const rgb = op.sigmoid(op.slice(raw, 2, 1, FIELD_OUTPUTS));
  return { density, rgb, raw };
}

/** How each parameter of `config` starts (see the family modules for the reasons). */
export function parameterInits(config: NerfConfig): Record<string, ParamInit> {
  switch (config.family) {
    case 'mlp':
      return mlpInits(config);
    case 'triplane':
      return triplaneInits(config);
    case 'hashgrid':
      return hashGridInits(config);
  }
}

/**
 * Declares the parameters of B NeRFs of `config` on `g` as `<prefix><name>` [batch, ...shape],
 * with the family's inits, and returns them keyed by layout name for `buildFieldGraph`.
 * @param prefix prepended to each graph parameter name. @default ''
 */
export function declareFieldParams(g: Graph, config: NerfConfig, batch: number, prefix = ''): Record<string, Value> {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`declareFieldParams: batch must be an integer >= 1, got ${batch}`);
  const inits = parameterInits(config);
  const out: Record<string, Value> = {};
  for (const { name, shape } of parameterLayout(config)) out[name] = g.param(`${prefix}${name}`, [batch, ...shape], inits[name]);
  return out;
}

/** Initial float32 parameters of one NeRF of `config` (layout shapes, no batch axis), from `seed`. */
export function initParams(config: NerfConfig, seed: number): Record<string, HostTensor> {
  const next = seededRandom(seed);
  const inits = parameterInits(config);
  const out: Record<string, HostTensor> = {};
  for (const { name, shape } of parameterLayout(config)) {
    const data = new Float32Array(shape.reduce((a, d) => a * d, 1));
    fillParam(inits[name] ?? { kind: 'glorot' }, shape, data, next);
    out[name] = { dtype: 'float32', shape: [...shape], data };
  }
  return out;
}

/**
 * Stacks the parameters of several NeRFs of `config` into batched tensors [B, ...shape] keyed by
 * layout name, in `dtype`. @default dtype 'float32'
 */
export function stackParams(config: NerfConfig, nerfs: readonly Readonly<Record<string, HostTensor>>[], dtype: 'float32' | 'float64' = 'float32'): Record<string, HostTensor> {
  if (nerfs.length === 0) throw new RangeError('stackParams: needs at least one NeRF');
  const out: Record<string, HostTensor> = {};
  for (const { name, shape } of parameterLayout(config)) {
    const size = shape.reduce((a, d) => a * d, 1);
    const data = dtype === 'float64' ? new Float64Array(size * nerfs.length) : new Float32Array(size * nerfs.length);
    nerfs.forEach((nerf, b) => {
      const t = nerf[name];
      if (!t) throw new RangeError(`stackParams: NeRF ${b} has no parameter "${name}"`);
      if (t.data.length !== size || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new RangeError(`stackParams: NeRF ${b} parameter "${name}" is [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new TypeError(`stackParams: NeRF ${b} parameter "${name}" is ${t.dtype}, expected float32 or float64`);
      data.set(t.data as Float32Array | Float64Array, b * size);
    });
    out[name] = { dtype, shape: [nerfs.length, ...shape], data };
  }
  return out;
}
