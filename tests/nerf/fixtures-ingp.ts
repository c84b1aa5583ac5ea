/**
 * instant-ngp snapshots written by the tests, in instant-ngp's layout (Testbed::save_snapshot,
 * tcnn's Trainer::serialize, NerfNetwork::set_params_impl), and an independent plain-TypeScript
 * evaluation of instant-ngp's own field from those weights. Nothing here uses the reader's code:
 * sizes are worked out again from tiny-cuda-nn's rules, written out below.
 *   params_binary = density MLP | rgb MLP | hash-grid table (| direction encoding: none for SH)
 *   MLP (FullyFusedMLP / CutlassMLP) = W_in [neurons, in] | (hidden - 1) x [neurons, neurons] |
 *     W_out [16, neurons], row-major [out, in], no biases; 0 hidden layers: one [16, in] matrix
 *   density input = L F grid features zero-padded to 16 (FullyFusedMLP); output 16
 *   rgb input = [16 density outputs, SH(d) padded to 16 with leading ones]; outputs 0..2 = rgb
 */
import { gzipSync, deflateSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { seededRandom } from '../../src/main/compute/init';
import { float16BitsToNumber, numberToFloat16Bits } from '../../src/main/compute/tensor';
import { hashGridLevels } from '../../src/main/nerf/layout';
import { referenceHashGridIndex } from '../../src/main/nerf/reference-field';
import type { HashGridConfig } from '../../src/main/nerf/types';

/** instant-ngp writes .ingp through zstr::ostream: gzip, level 0 ("stored") when "Compress" is off. */
export type Compression = 'none' | 'gzip' | 'gzip-stored' | 'zlib';

export interface IngpFixtureOptions {
  readonly seed?: number;
  readonly paramsType?: '__half' | 'float';
  readonly levels?: number;
  readonly featuresPerLevel?: number;
  readonly log2TableSize?: number;
  readonly baseResolution?: number;
  /** Omitted: instant-ngp derives it from aabb_scale (finest level 2048 aabb_scale). */
  readonly perLevelScale?: number;
  readonly aabbScale?: number;
  readonly neurons?: number;
  readonly densityHidden?: number;
  readonly rgbHidden?: number;
  readonly rgbOtype?: string;
  readonly shDegree?: number;
  readonly isHdr?: boolean;
  /** Cascades of the density grid; 0 writes an empty grid. */
  readonly cascades?: number;
}

/** What the fixture wrote, as numbers the reference evaluates. */
export interface IngpFixture {
  /** The msgpack document (a plain object; binaries as Uint8Array). */
  readonly document: Record<string, unknown>;
  readonly grid: HashGridConfig;
  /** Exactly the parameter values stored (after fp16 or fp32 rounding), in params_binary order. */
  readonly params: Float64Array;
  readonly densityMatrices: readonly Mat[];
  readonly rgbMatrices: readonly Mat[];
  /** [entries * F] the grid table. */
  readonly table: Float64Array;
  readonly aabb: readonly [readonly number[], readonly number[]];
  readonly shDegree: number;
  /** Stored density-grid value of cell (x, y, z) of cascade 0. */
  readonly gridValue: (x: number, y: number, z: number) => number;
}

export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;
const half = (v: number): number => float16BitsToNumber(numberToFloat16Bits(v));

/** tcnn's morton3D, bit by bit. */
export function morton(x: number, y: number, z: number): number {
  let code = 0;
  for (let bit = 0; bit < 7; bit++) code += (((x >> bit) & 1) << (3 * bit)) + (((y >> bit) & 1) << (3 * bit + 1)) + (((z >> bit) & 1) << (3 * bit + 2));
  return code;
}

/** Matrix shapes [out, in] of a tcnn MLP. */
function mlpShapes(inputs: number, neurons: number, hidden: number): [number, number][] {
  if (hidden === 0) return [[16, inputs]];
  return [[neurons, inputs], ...Array.from({ length: hidden - 1 }, (): [number, number] => [neurons, neurons]), [16, neurons]];
}

/** Builds a snapshot document with seeded weights. */
export function makeIngpFixture(options: IngpFixtureOptions = {}): IngpFixture {
  const next = seededRandom(options.seed ?? 1);
  const type = options.paramsType ?? '__half';
  const round = type === '__half' ? half : Math.fround;
  const L = options.levels ?? 2;
  const F = options.featuresPerLevel ?? 2;
  const log2T = options.log2TableSize ?? 8;
  const base = options.baseResolution ?? 4;
  const aabbScale = options.aabbScale ?? 1;
  const neurons = options.neurons ?? 64;
  const densityHidden = options.densityHidden ?? 1;
  const rgbHidden = options.rgbHidden ?? 2;
  const shDegree = options.shDegree ?? 4;
  const f = Math.fround;
  const perLevelScale = options.perLevelScale ?? f(Math.exp(f(f(Math.log(f(f(2048 * aabbScale) / base))) / (L - 1))));
  const s = aabbScale / 2;
  const aabb = [[0.5 - s, 0.5 - s, 0.5 - s], [0.5 + s, 0.5 + s, 0.5 + s]] as const;
  const grid: HashGridConfig = { family: 'hashgrid', architecture: 'fixture', aabb, densityActivation: 'truncExp', levels: L, log2TableSize: log2T, featuresPerLevel: F, baseResolution: base, perLevelScale, hidden: [] };
  const entries = hashGridLevels(grid).reduce((n, l) => n + l.size, 0);
  const shWidth = roundUp(shDegree * shDegree, 16);

  const matrices = (shapes: [number, number][]): Mat[] =>
    shapes.map(([rows, cols]) => {
      const bound = Math.sqrt(6 / (rows + cols)) * 1.5;
      return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => round((2 * next() - 1) * bound)) };
    });
  const densityMatrices = matrices(mlpShapes(roundUp(L * F, 16), neurons, densityHidden));
  const rgbMatrices = matrices(mlpShapes(16 + shWidth, neurons, rgbHidden));
  const table = Float64Array.from({ length: entries * F }, () => round(next() - 0.5));
  const params = Float64Array.from([...densityMatrices.flatMap((m) => [...m.data]), ...rgbMatrices.flatMap((m) => [...m.data]), ...table]);

  const binary = new Uint8Array(params.length * (type === '__half' ? 2 : 4));
  const view = new DataView(binary.buffer);
  params.forEach((v, i) => (type === '__half' ? view.setUint16(2 * i, numberToFloat16Bits(v), true) : view.setFloat32(4 * i, v, true)));

  const cascades = options.cascades ?? 1;
  const gridValue = (x: number, y: number, z: number): number => half(((x + 3 * y + 7 * z) % 101) / 50 - 0.5);
  const R = 128;
  const densityGrid = new Uint8Array(R * R * R * cascades * 2);
  const gridView = new DataView(densityGrid.buffer);
  if (cascades > 0) {
    for (let z = 0; z < R; z++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) gridView.setUint16(2 * morton(x, y, z), numberToFloat16Bits(gridValue(x, y, z)), true);
    for (let i = R * R * R; i < R * R * R * cascades; i++) gridView.setUint16(2 * i, numberToFloat16Bits(-1), true);
  }

  const encoding: Record<string, unknown> = { otype: 'HashGrid', n_levels: L, n_features_per_level: F, log2_hashmap_size: log2T, base_resolution: base };
  if (options.perLevelScale !== undefined) encoding['per_level_scale'] = options.perLevelScale;
  const document: Record<string, unknown> = {
    loss: { otype: 'Huber' },
    optimizer: { otype: 'Ema', decay: 0.95, nested: { otype: 'Adam', learning_rate: 1e-2 } },
    encoding,
    network: { otype: 'FullyFusedMLP', activation: 'ReLU', output_activation: 'None', n_neurons: neurons, n_hidden_layers: densityHidden },
    dir_encoding: { otype: 'Composite', nested: [{ n_dims_to_encode: 3, otype: 'SphericalHarmonics', degree: shDegree }, { otype: 'Identity' }] },
    rgb_network: { otype: options.rgbOtype ?? 'FullyFusedMLP', activation: 'ReLU', output_activation: 'None', n_neurons: neurons, n_hidden_layers: rgbHidden },
    snapshot: {
      n_params: params.length,
      params_type: type,
      params_binary: binary,
      version: 1,
      mode: 'Nerf',
      density_grid_size: R,
      density_grid_binary: densityGrid,
      nerf: { aabb_scale: aabbScale, rgb: { rays_per_batch: 4096, measured_batch_size: 0, measured_batch_size_before_compaction: 0 }, dataset: { aabb_scale: aabbScale, is_hdr: options.isHdr ?? false, n_extra_learnable_dims: 0 } },
      training_step: 3000,
      loss: 0.0125,
      aabb: { min: [...aabb[0]], max: [...aabb[1]] },
      render_aabb: { min: [...aabb[0]], max: [...aabb[1]] },
      up_dir: [0, 1, 0],
      camera: { matrix: [[1, 0, 0, 0.5], [0, -1, 0, 0.5], [0, 0, -1, 0.5]], scale: 1.5 },
    },
  };
  return { document, grid, params, densityMatrices, rgbMatrices, table, aabb, shDegree, gridValue };
}

/** msgpack-encodes (keys sorted, as nlohmann's std::map writes them) and compresses. */
export function encodeIngp(document: unknown, compression: Compression = 'gzip'): Uint8Array {
  const packed = encode(document, { sortKeys: true });
  if (compression === 'gzip') return gzipSync(packed);
  if (compression === 'gzip-stored') return gzipSync(packed, { level: 0 });
  if (compression === 'zlib') return deflateSync(packed);
  return packed;
}

function apply(m: Mat, x: readonly number[]): number[] {
  const y = new Array<number>(m.rows).fill(0);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) y[r]! += m.data[r * m.cols + c]! * (x[c] ?? 0);
  return y;
}

function mlp(matrices: readonly Mat[], x: readonly number[]): number[] {
  let h = [...x];
  matrices.forEach((m, i) => {
    h = apply(m, h);
    if (i + 1 < matrices.length) h = h.map((v) => Math.max(v, 0));
  });
  return h;
}

/** tcnn's sh_enc up to degree 4 (common_device.h), written out again; zeros beyond (no colour check there). */
function sphericalHarmonics(degree: number, [x, y, z]: readonly number[]): number[] {
  if (degree > 4) return new Array<number>(degree * degree).fill(0);
  const all = [
    0.28209479177387814, -0.48860251190291987 * y!, 0.48860251190291987 * z!, -0.48860251190291987 * x!,
    1.0925484305920792 * x! * y!, -1.0925484305920792 * y! * z!, 0.94617469575755997 * z! * z! - 0.31539156525251999, -1.0925484305920792 * x! * z!,
    0.54627421529603959 * x! * x! - 0.54627421529603959 * y! * y!, 0.59004358992664352 * y! * (-3 * x! * x! + y! * y!), 2.8906114426405538 * x! * y! * z!,
    0.45704579946446572 * y! * (1 - 5 * z! * z!), 0.3731763325901154 * z! * (5 * z! * z! - 3), 0.45704579946446572 * x! * (1 - 5 * z! * z!),
    1.4453057213202769 * z! * (x! * x! - y! * y!), 0.59004358992664352 * x! * (-x! * x! + 3 * y! * y!),
  ];
  return all.slice(0, degree * degree);
}

export interface IngpReferenceOutputs {
  /** [N] raw density (density network output 0). */
  readonly rawDensity: Float64Array;
  /** [N] exp(raw): instant-ngp's density activation. */
  readonly density: Float64Array;
  /** [N * 3] raw rgb (rgb network outputs 0..2). */
  readonly rawRgb: Float64Array;
}

/**
 * instant-ngp's field at world points [N * 3] seen along unit direction `d`: grid features
 * (tcnn's kernel_grid, trilinear), density MLP, SH(d), rgb MLP, in float64.
 */
export function referenceInstantNgp(fixture: IngpFixture, points: ArrayLike<number>, d: readonly number[]): IngpReferenceOutputs {
  const n = points.length / 3;
  const levels = hashGridLevels(fixture.grid);
  const F = fixture.grid.featuresPerLevel;
  const shWidth = roundUp(fixture.shDegree * fixture.shDegree, 16);
  const direction = [...new Array<number>(shWidth - fixture.shDegree * fixture.shDegree).fill(1), ...sphericalHarmonics(fixture.shDegree, d)];
  const out = { rawDensity: new Float64Array(n), density: new Float64Array(n), rawRgb: new Float64Array(n * 3) };
  const [lo, hi] = fixture.aabb;
  for (let i = 0; i < n; i++) {
    const unit = [0, 1, 2].map((a) => (points[3 * i + a]! - lo[a]!) / (hi[a]! - lo[a]!));
    const features: number[] = [];
    for (const level of levels) {
      const pos = unit.map((u) => u * level.scale + 0.5);
      const cell = pos.map(Math.floor);
      const acc = new Array<number>(F).fill(0);
      for (let corner = 0; corner < 8; corner++) {
        let w = 1;
        const at = [0, 1, 2].map((a) => {
          const up = (corner >> a) & 1;
          w *= up ? pos[a]! - cell[a]! : 1 - (pos[a]! - cell[a]!);
          return cell[a]! + up;
        }) as [number, number, number];
        const row = level.offset + referenceHashGridIndex(level, at);
        for (let c = 0; c < F; c++) acc[c]! += w * fixture.table[row * F + c]!;
      }
      features.push(...acc);
    }
    const h = mlp(fixture.densityMatrices, features);
    const rgb = mlp(fixture.rgbMatrices, [...h, ...direction]);
    out.rawDensity[i] = h[0]!;
    out.density[i] = Math.exp(h[0]!);
    out.rawRgb.set(rgb.slice(0, 3), 3 * i);
  }
  return out;
}
