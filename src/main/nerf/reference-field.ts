/**
 * An independent evaluation of each family in plain TypeScript: float64 loops, no ONNX Runtime,
 * one NeRF at a time. Tests hold the field graphs against it; the GMN's probe features (a few dozen
 * points per NeRF) come from `referenceActivations`. Far too slow for rendering or fitting.
 */
import type { HostTensor } from '../compute/tensor';
import { FIELD_OUTPUTS, HASH_PRIMES, type HashGridLevel, TRIPLANE_AXES, gridWindow, hashGridLevels, parameterLayout } from './layout';
import type { DensityActivation, NerfConfig } from './types';

/** Outputs of the reference for N points. */
export interface ReferenceOutputs {
  /** [N] density after the config's activation. */
  readonly density: Float64Array;
  /** [N * 3] sigmoid colour. */
  readonly rgb: Float64Array;
  /** [N * 4] raw density and rgb. */
  readonly raw: Float64Array;
}

type Params = Readonly<Record<string, HostTensor>>;

function values(params: Params, name: string): Float64Array {
  const t = params[name];
  if (!t) throw new RangeError(`reference field: missing parameter "${name}"`);
  return Float64Array.from(t.data as ArrayLike<number>);
}

/** [x, then per k: sin(2^k pi x) for xyz, cos(2^k pi x) for xyz]. */
export function referenceFrequencyEncoding(x: readonly number[], frequencies: number): number[] {
  const out = [...x];
  for (let k = 0; k < frequencies; k++) {
    const f = 2 ** k * Math.PI;
    for (const v of x) out.push(Math.sin(f * v));
    for (const v of x) out.push(Math.cos(f * v));
  }
  return out;
}

/** The row of vertex `corner` (grid coordinates) within its level, as tcnn's grid_index computes it. */
export function referenceHashGridIndex(level: HashGridLevel, corner: readonly [number, number, number]): number {
  const [x, y, z] = corner;
  if (level.dense) return (x + y * level.resolution + z * level.resolution * level.resolution) % level.size;
  // Math.imul multiplies modulo 2^32; >>> 0 reads the bits as uint32.
  const hash = (Math.imul(x, HASH_PRIMES[0]) ^ Math.imul(y, HASH_PRIMES[1]) ^ Math.imul(z, HASH_PRIMES[2])) >>> 0;
  return hash % level.size;
}

function activate(raw: number, activation: DensityActivation): number {
  switch (activation) {
    case 'relu':
      return Math.max(raw, 0);
    case 'softplus':
      return Math.max(raw, 0) + Math.log1p(Math.exp(-Math.abs(raw)));
    case 'truncExp':
      return Math.exp(Math.min(raw, 15));
  }
}

const clamp01 = (v: number): number => Math.min(Math.max(v, 0), 1);

interface Layer {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly inputs: number;
  readonly outputs: number;
}

function decoderLayers(config: NerfConfig, params: Params): Layer[] {
  const layers: Layer[] = [];
  for (const { name, shape } of parameterLayout(config)) {
    if (!name.endsWith('/weight')) continue;
    const prefix = name.slice(0, -'/weight'.length);
    layers.push({ weight: values(params, name), bias: values(params, `${prefix}/bias`), inputs: shape[0]!, outputs: shape[1]! });
  }
  return layers;
}

function runDecoder(x: number[], layers: readonly Layer[], sine: boolean, record?: number[][]): number[] {
  let h = x;
  record?.push(h);
  layers.forEach((layer, l) => {
    const y = Array.from(layer.bias);
    for (let i = 0; i < layer.inputs; i++) {
      const xi = h[i]!;
      for (let j = 0; j < layer.outputs; j++) y[j]! += xi * layer.weight[i * layer.outputs + j]!;
    }
    const hidden = l + 1 < layers.length;
    h = hidden ? y.map((v) => (sine ? Math.sin(v) : Math.max(v, 0))) : y;
    record?.push(h);
  });
  return h;
}

function triplaneFeatures(unit: readonly number[], planes: Float64Array, R: number, C: number): number[] {
  const cell: number[] = [];
  const frac: number[] = [];
  for (const u of unit) {
    const t = clamp01(u) * (R - 1);
    const c = Math.min(Math.max(Math.floor(t), 0), R - 2);
    cell.push(c);
    frac.push(t - c);
  }
  const out = new Array<number>(C).fill(0);
  TRIPLANE_AXES.forEach(([a, b], p) => {
    for (const di of [0, 1]) {
      for (const dj of [0, 1]) {
        const w = (di ? frac[a]! : 1 - frac[a]!) * (dj ? frac[b]! : 1 - frac[b]!);
        const row = p * R * R + (cell[a]! + di) * R + (cell[b]! + dj);
        for (let c = 0; c < C; c++) out[c]! += w * planes[row * C + c]!;
      }
    }
  });
  return out;
}

function hashGridFeatures(unit: readonly number[], table: Float64Array, levels: readonly HashGridLevel[], F: number, window: ReturnType<typeof gridWindow>): number[] {
  const out: number[] = [];
  for (const level of levels) {
    const cell: number[] = [];
    const frac: number[] = [];
    for (const [a, u] of unit.entries()) {
      const pos = (window.start[a]! + window.span[a]! * clamp01(u)) * level.scale + level.shift;
      const c = Math.floor(pos);
      cell.push(c);
      frac.push(pos - c);
    }
    const features = new Array<number>(F).fill(0);
    for (let corner = 0; corner < 8; corner++) {
      let w = 1;
      const at: number[] = [];
      for (let d = 0; d < 3; d++) {
        const bit = (corner >> d) & 1;
        w *= bit ? frac[d]! : 1 - frac[d]!;
        at.push(cell[d]! + bit);
      }
      const row = level.offset + referenceHashGridIndex(level, at as [number, number, number]);
      for (let f = 0; f < F; f++) features[f]! += w * table[row * F + f]!;
    }
    out.push(...features);
  }
  return out;
}

/** The decoder's input at one point: the family's encoding of it (grid features first). */
function decoderInput(config: NerfConfig, unit: readonly number[], grid: { planes?: Float64Array; table?: Float64Array; levels: readonly HashGridLevel[] }): number[] {
  const signed = unit.map((u) => 2 * u - 1);
  switch (config.family) {
    case 'mlp':
      return referenceFrequencyEncoding(signed, config.frequencies);
    case 'triplane':
      return [...triplaneFeatures(unit, grid.planes!, config.resolution, config.channels), ...referenceFrequencyEncoding(signed, config.frequencies)];
    case 'hashgrid':
      return hashGridFeatures(unit, grid.table!, grid.levels, config.featuresPerLevel, gridWindow(config));
  }
}

function gridOf(config: NerfConfig, params: Params): { planes?: Float64Array; table?: Float64Array; levels: readonly HashGridLevel[] } {
  return {
    ...(config.family === 'triplane' ? { planes: values(params, 'planes') } : {}),
    ...(config.family === 'hashgrid' ? { table: values(params, 'encoding/table') } : {}),
    levels: config.family === 'hashgrid' ? hashGridLevels(config) : [],
  };
}

/**
 * Every decoder neuron's value at `points` [N * 3] (world coordinates): entry k is [N * width_k]
 * for decoder layer k (decoderWidths order), point-major. Layer 0 holds the decoder's input (the
 * encoding, grid features first), hidden layers their activations, the last layer the raw outputs.
 */
export function referenceActivations(config: NerfConfig, params: Params, points: ArrayLike<number>): Float64Array[] {
  const n = Math.floor(points.length / 3);
  const layers = decoderLayers(config, params);
  const grid = gridOf(config, params);
  const [lo, hi] = config.aabb;
  let out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const unit = [0, 1, 2].map((a) => (points[3 * i + a]! - lo[a]!) / (hi[a]! - lo[a]!));
    const record: number[][] = [];
    runDecoder(decoderInput(config, unit, grid), layers, config.family === 'triplane', record);
    if (i === 0) out = record.map((r) => new Float64Array(n * r.length));
    record.forEach((r, k) => out[k]!.set(r, i * r.length));
  }
  return out;
}

/**
 * Evaluates one NeRF of `config` with parameters `params` (layout shapes, no batch axis) at
 * `points` [N * 3] in world coordinates.
 */
export function referenceField(config: NerfConfig, params: Params, points: ArrayLike<number>): ReferenceOutputs {
  const n = Math.floor(points.length / 3);
  const layers = decoderLayers(config, params);
  const grid = gridOf(config, params);
  const [lo, hi] = config.aabb;
  const raw = new Float64Array(n * FIELD_OUTPUTS);
  const density = new Float64Array(n);
  const rgb = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const unit = [0, 1, 2].map((a) => (points[3 * i + a]! - lo[a]!) / (hi[a]! - lo[a]!));
    const out = runDecoder(decoderInput(config, unit, grid), layers, config.family === 'triplane');
    raw.set(out, i * FIELD_OUTPUTS);
    density[i] = activate(out[0]!, config.densityActivation);
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = 1 / (1 + Math.exp(-out[1 + c]!));
  }
  return { density, rgb, raw };
}

/** The config's density activation applied to raw density `raw`. */
export function activateDensity(raw: number, activation: DensityActivation): number {
  return activate(raw, activation);
}
