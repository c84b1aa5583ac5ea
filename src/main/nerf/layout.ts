/**
 * Parameter names and shapes of each NeRF family, and the sizes derived from a config: decoder
 * widths, frequency-encoding width, tiny-cuda-nn's hash-grid levels. Pure TypeScript, no graph:
 * the field graphs, the plain-TS reference, the file formats and the GMN parameter graphs all
 * read their layout from here.
 *
 * Names (deterministic order):
 * - mlp:      layers/<i>/weight [in, out], layers/<i>/bias [out], i = 0 .. hidden.length
 * - triplane: planes [3, R, R, C], then layers/<i>/...
 * - hashgrid: encoding/table [totalEntries, F], then layers/<i>/...
 *
 * Tri-plane texel convention: planes[p][i][j][c] is channel c of plane p = xy, xz, yz (in this
 * order) at the texel whose first named axis has normalised coordinate i / (R - 1) and whose
 * second named axis has j / (R - 1). Rows index the first axis, columns the second: planes[0] is
 * indexed [x][y], planes[1] [x][z], planes[2] [y][z]; texel centres sit on the aabb faces and
 * corners (align_corners = True).
 *
 * Hash-grid table convention: tiny-cuda-nn's, entry `level.offset + index` holds the F features
 * of grid vertex `index` of that level (see `hashGridLevels`); rows are entries, columns features.
 */
import type { HashGridConfig, NerfConfig } from './types';

/** One parameter tensor of a NeRF. */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Raw outputs of every field: density, then red, green, blue (before activations). */
export const FIELD_OUTPUTS = 4;

/** Plane p samples axes TRIPLANE_AXES[p] = [first (row) axis, second (column) axis]: xy, xz, yz. */
export const TRIPLANE_AXES: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
];

/** tiny-cuda-nn's coherent prime hash factors for x, y, z (x's factor 1 keeps x-neighbours close). */
export const HASH_PRIMES: readonly [number, number, number] = [1, 2654435761, 805459861];

/** Width of [x, sin(2^k pi x), cos(2^k pi x) for k < frequencies] over xyz. */
export function frequencyEncodingWidth(frequencies: number): number {
  return 3 * (1 + 2 * frequencies);
}

/** Width of the decoder MLP's input: the family's encoding of a point. */
export function encodedWidth(config: NerfConfig): number {
  switch (config.family) {
    case 'mlp':
      return frequencyEncodingWidth(config.frequencies);
    case 'triplane':
      return config.channels + frequencyEncodingWidth(config.frequencies);
    case 'hashgrid':
      return config.levels * config.featuresPerLevel;
  }
}

/** Neuron counts of the decoder MLP from input to output: [encodedWidth, ...hidden, 4]. */
export function decoderWidths(config: NerfConfig): number[] {
  return [encodedWidth(config), ...config.hidden, FIELD_OUTPUTS];
}

/** One level of a tiny-cuda-nn hash grid. */
export interface HashGridLevel {
  /** Vertices per axis: ceil(scale) + 1. */
  readonly resolution: number;
  /** tcnn: float32 `exp2(level * log2(perLevelScale)) * baseResolution - 1`; nerfstudio-torch: `floor(baseResolution * perLevelScale^level)`. */
  readonly scale: number;
  /** A point x in [0, 1] sits at grid coordinate scale * x + shift: 0.5 for tcnn, 0 for nerfstudio-torch. */
  readonly shift: number;
  /** Entries of this level: min(next multiple of 8 of resolution^3, 2^log2TableSize). */
  readonly size: number;
  /** First entry of this level in `encoding/table`. */
  readonly offset: number;
  /** True when resolution^3 <= size: vertices are indexed x + y R + z R^2 (mod size), not hashed. */
  readonly dense: boolean;
}

const f32 = Math.fround;

/**
 * The levels of a hash grid exactly as tiny-cuda-nn's GridEncodingTemplated constructor lays them
 * out (grid.h / common_device.h: grid_scale, grid_resolution, params_in_level, offset table),
 * with the scale computed in float32 as tcnn does on the host and the device.
 */
export function hashGridLevels(config: HashGridConfig): HashGridLevel[] {
  const tableSize = 2 ** config.log2TableSize;
  if (config.gridIndexing === 'nerfstudio-torch') {
    // HashEncoding: scalings = floor(min_res * growth_factor ** levels), in torch's float32;
    // hash_offset = level * hash_table_size; every level hashed (hash_fn), no dense levels.
    const growth = f32(config.perLevelScale);
    return Array.from({ length: config.levels }, (_, level) => {
      const scale = Math.floor(f32(config.baseResolution * f32(growth ** level)));
      return { resolution: scale + 1, scale, shift: 0, size: tableSize, offset: level * tableSize, dense: false };
    });
  }
  const log2Scale = f32(Math.log2(f32(config.perLevelScale)));
  const maxParams = Math.floor(0xffffffff / 2);
  const levels: HashGridLevel[] = [];
  let offset = 0;
  for (let level = 0; level < config.levels; level++) {
    const scale = f32(f32(f32(2 ** f32(level * log2Scale)) * config.baseResolution) - 1);
    const resolution = Math.ceil(scale) + 1;
    const vertices = resolution ** 3;
    const capped = vertices > maxParams ? maxParams : vertices;
    const size = Math.min(Math.ceil(capped / 8) * 8, tableSize);
    levels.push({ resolution, scale, shift: 0.5, size, offset, dense: vertices <= size });
    offset += size;
  }
  return levels;
}

/**
 * Where the aabb's unit cube lies in the grid's unit cube, per axis: grid = start + span * unit.
 * Identity (0, 1) unless the config has a gridAabb.
 */
export function gridWindow(config: HashGridConfig): { readonly start: readonly number[]; readonly span: readonly number[] } {
  const [lo, hi] = config.aabb;
  const [glo, ghi] = config.gridAabb ?? config.aabb;
  return {
    start: [0, 1, 2].map((a) => (lo[a]! - glo[a]!) / (ghi[a]! - glo[a]!)),
    span: [0, 1, 2].map((a) => (hi[a]! - lo[a]!) / (ghi[a]! - glo[a]!)),
  };
}

/** Rows of `encoding/table`: the sum of the level sizes. */
export function hashGridEntries(config: HashGridConfig): number {
  return hashGridLevels(config).reduce((n, level) => n + level.size, 0);
}

function checkPositiveInteger(what: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${what} must be an integer >= ${min}, got ${value}`);
}

/**
 * Checks a config's sizes: `RangeError` quoting the bad value. Called by the layout, so a config
 * that passes has a layout, a graph and a reference.
 */
export function checkConfig(config: NerfConfig): void {
  const where = `${config.family} config "${config.architecture}"`;
  config.hidden.forEach((w, i) => checkPositiveInteger(`${where}: hidden[${i}]`, w));
  const [lo, hi] = config.aabb;
  if (![0, 1, 2].every((a) => Number.isFinite(lo[a]) && Number.isFinite(hi[a]) && hi[a]! > lo[a]!)) {
    throw new RangeError(`${where}: aabb must have finite min < max on every axis, got ${JSON.stringify(config.aabb)}`);
  }
  switch (config.family) {
    case 'mlp':
      checkPositiveInteger(`${where}: frequencies`, config.frequencies, 0);
      return;
    case 'triplane':
      checkPositiveInteger(`${where}: frequencies`, config.frequencies, 0);
      checkPositiveInteger(`${where}: resolution`, config.resolution, 2);
      checkPositiveInteger(`${where}: channels`, config.channels);
      return;
    case 'hashgrid':
      checkPositiveInteger(`${where}: levels`, config.levels);
      checkPositiveInteger(`${where}: featuresPerLevel`, config.featuresPerLevel);
      checkPositiveInteger(`${where}: baseResolution`, config.baseResolution, 2);
      if (!Number.isInteger(config.log2TableSize) || config.log2TableSize < 3 || config.log2TableSize > 30) {
        throw new RangeError(`${where}: log2TableSize must be an integer in [3, 30], got ${config.log2TableSize}`);
      }
      if (!Number.isFinite(config.perLevelScale) || config.perLevelScale < 1) {
        throw new RangeError(`${where}: perLevelScale must be a finite number >= 1, got ${config.perLevelScale}`);
      }
      if (config.gridIndexing !== undefined && config.gridIndexing !== 'tcnn' && config.gridIndexing !== 'nerfstudio-torch') {
        throw new RangeError(`${where}: gridIndexing must be "tcnn" or "nerfstudio-torch", got ${JSON.stringify(config.gridIndexing)}`);
      }
      if (config.gridAabb) {
        const [glo, ghi] = config.gridAabb;
        if (![0, 1, 2].every((a) => Number.isFinite(glo[a]) && Number.isFinite(ghi[a]) && glo[a]! <= lo[a]! && ghi[a]! >= hi[a]! && ghi[a]! > glo[a]!)) {
          throw new RangeError(`${where}: gridAabb must be a finite box holding the aabb, got ${JSON.stringify(config.gridAabb)}`);
        }
      }
      // Hashing multiplies vertex coordinates by 32-bit primes in int64: keep them below 2^31.
      if (hashGridLevels(config).some((l) => l.resolution > 2 ** 20)) throw new RangeError(`${where}: finest resolution exceeds 2^20`);
  }
}

/** The parameters of the decoder MLP, layer by layer: weight [in, out], bias [out]. */
function decoderLayout(config: NerfConfig): ParameterSpec[] {
  const widths = decoderWidths(config);
  const specs: ParameterSpec[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    specs.push({ name: `layers/${i}/weight`, shape: [widths[i]!, widths[i + 1]!] });
    specs.push({ name: `layers/${i}/bias`, shape: [widths[i + 1]!] });
  }
  return specs;
}

/** Parameter names and shapes of one NeRF of `config`, in a fixed order (see the file comment). */
export function parameterLayout(config: NerfConfig): ParameterSpec[] {
  checkConfig(config);
  switch (config.family) {
    case 'mlp':
      return decoderLayout(config);
    case 'triplane':
      return [{ name: 'planes', shape: [3, config.resolution, config.resolution, config.channels] }, ...decoderLayout(config)];
    case 'hashgrid':
      return [{ name: 'encoding/table', shape: [hashGridEntries(config), config.featuresPerLevel] }, ...decoderLayout(config)];
  }
}

/** Number of scalar parameters of one NeRF of `config`. */
export function parameterCount(config: NerfConfig): number {
  return parameterLayout(config).reduce((n, p) => n + p.shape.reduce((a, d) => a * d, 1), 0);
}
