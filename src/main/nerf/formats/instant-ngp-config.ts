/**
 * The network of an instant-ngp NeRF snapshot, read from the JSON config saved beside the weights
 * ("encoding", "network", "dir_encoding", "rgb_network", "snapshot"."nerf"), with the defaults and
 * paddings that instant-ngp's Testbed::reset_network and NerfNetwork apply and tiny-cuda-nn's
 * constructors compute. Untrusted input: every field is checked, `TypeError`/`RangeError` quoting
 * the bad value; the reader wraps them in `InstantNgpError`.
 *
 * NerfNetwork (instant-ngp nerf_network.h), in evaluation order:
 *   x in [0, 1]^3 (relative to the aabb) -> hash grid (L F features, zero-padded to a multiple of 16
 *   for a FullyFusedMLP density network, 8 otherwise) -> density MLP -> 16 outputs h, h[0] = raw
 *   density; d (unit view direction) -> direction encoding e -> rgb MLP on [h, e] -> 3 raw rgb.
 * params_binary holds density MLP, rgb MLP, grid table, direction encoding, in this order
 * (NerfNetwork::set_params_impl). An MLP's matrices are [out, in] row-major, first layer, hidden
 * layers, output layer padded to a multiple of 16 rows (FullyFusedMLP / CutlassMLP constructors);
 * no biases.
 */
import { hashGridEntries } from '../layout';
import type { HashGridConfig } from '../types';

/** tiny-cuda-nn's FullyFusedMLP and CutlassMLP pad their output (and expect their input) to 16. */
export const TCNN_ALIGNMENT = 16;
/** Upper bounds beyond which a snapshot is refused as absurd before any allocation. */
export const INSTANT_NGP_LIMITS = { levels: 64, log2TableSize: 24, neurons: 1024, hiddenLayers: 64, baseResolution: 1 << 20 } as const;
/** The finest grid resolution instant-ngp aims for over the unit cube (Testbed::reset_network). */
const DESIRED_RESOLUTION = 2048;
/** instant-ngp's NERF_CASCADES(): aabb_scale is a power of two up to 2^(8 - 1). */
export const MAX_AABB_SCALE = 128;

const f32 = Math.fround;
const nextMultiple = (n: number, of: number): number => Math.ceil(n / of) * of;

/** One tiny-cuda-nn MLP as NerfNetwork instantiates it. */
export interface TcnnMlp {
  /** `FullyFusedMLP` or `CutlassMLP` (tcnn's select_network; MegakernelMLP and MLP are aliases). */
  readonly kind: 'FullyFusedMLP' | 'CutlassMLP';
  readonly neurons: number;
  readonly hiddenLayers: number;
  /** n_input_dims as NerfNetwork sets it (already padded). */
  readonly inputWidth: number;
  readonly outputWidth: number;
  /** Rows of the output matrix: outputWidth rounded up to 16. */
  readonly paddedOutputWidth: number;
}

/** One piece of the direction encoding, in output order. */
export type DirectionPiece =
  | { readonly kind: 'sphericalHarmonics'; readonly degree: number; /** Ones written before the degree^2 values (tcnn's kernel_sh). */ readonly padFront: number }
  | { readonly kind: 'identity'; readonly dims: number; readonly scale: number; readonly offset: number; /** Ones written after the values. */ readonly padBack: number };

export interface DirectionEncoding {
  readonly pieces: readonly DirectionPiece[];
  /** padded_output_width: the number of rgb-network inputs after the density outputs. */
  readonly width: number;
}

/** The whole instant-ngp NeRF network of one snapshot. */
export interface InstantNgpModel {
  readonly grid: Pick<HashGridConfig, 'levels' | 'featuresPerLevel' | 'log2TableSize' | 'baseResolution' | 'perLevelScale'>;
  readonly aabbScale: number;
  /** Width of the (padded) grid encoding: the density MLP's input. */
  readonly positionWidth: number;
  readonly density: TcnnMlp;
  readonly direction: DirectionEncoding;
  /** Extra inputs appended to the direction (learned latents); instant-ngp's n_extra_dims. */
  readonly extraDims: number;
  readonly rgb: TcnnMlp;
  /** Parameters of each part, in params_binary order. */
  readonly counts: { readonly density: number; readonly rgb: number; readonly grid: number; readonly total: number };
}

type Json = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** JSON.stringify for messages: short, and never throws. */
export function quote(value: unknown): string {
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function record(parent: Json, key: string, where: string): Json {
  const v = parent[key];
  if (!isRecord(v)) throw new TypeError(`${where}${key} must be an object, got ${quote(v)}`);
  return v;
}

function optionalInteger(r: Json, key: string, where: string, fallback: number, min: number, max: number): number {
  const v = r[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`${where}${key} must be an integer, got ${quote(v)}`);
  if (v < min || v > max) throw new RangeError(`${where}${key} must be in [${min}, ${max}], got ${v}`);
  return v;
}

function optionalString(r: Json, key: string, where: string, fallback: string): string {
  const v = r[key] ?? fallback;
  if (typeof v !== 'string') throw new TypeError(`${where}${key} must be a string, got ${quote(v)}`);
  return v;
}

function optionalNumber(r: Json, key: string, where: string, fallback: number): number {
  const v = r[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}${key} must be a finite number, got ${quote(v)}`);
  return v;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Requires `r[key]` (default `fallback`) to name `expected`, case-insensitively as tcnn compares. */
function requireOption(r: Json, key: string, where: string, fallback: string, expected: string): void {
  const v = optionalString(r, key, where, fallback);
  if (!same(v, expected)) throw new RangeError(`${where}${key} ${quote(v)} is not supported (only ${quote(expected)})`);
}

/** aabb_scale: snapshot.nerf.aabb_scale, else the saved dataset's, else instant-ngp's default 1. */
function aabbScaleOf(snapshot: Json): number {
  const nerf = isRecord(snapshot['nerf']) ? snapshot['nerf'] : {};
  const dataset = isRecord(nerf['dataset']) ? nerf['dataset'] : {};
  const scale = nerf['aabb_scale'] ?? dataset['aabb_scale'] ?? 1;
  if (typeof scale !== 'number' || !Number.isSafeInteger(scale) || scale < 1 || scale > MAX_AABB_SCALE || (scale & (scale - 1)) !== 0) {
    throw new RangeError(`snapshot.nerf.aabb_scale must be a power of two in [1, ${MAX_AABB_SCALE}], got ${quote(scale)}`);
  }
  return scale;
}

/** The hash grid as tcnn's create_grid_encoding reads it, after Testbed::reset_network's defaults. */
function parseGrid(encoding: Json, aabbScale: number): InstantNgpModel['grid'] {
  const where = 'encoding.';
  const otype = optionalString(encoding, 'otype', where, 'OneBlob');
  if (!['hashgrid', 'grid'].includes(otype.toLowerCase())) throw new RangeError(`encoding.otype must be "HashGrid", got ${quote(otype)}`);
  requireOption(encoding, 'type', where, 'Hash', 'Hash');
  requireOption(encoding, 'hash', where, 'CoherentPrime', 'CoherentPrime');
  requireOption(encoding, 'interpolation', where, 'Linear', 'Linear');
  if (encoding['fixed_point_pos'] !== undefined && encoding['fixed_point_pos'] !== false) throw new RangeError(`encoding.fixed_point_pos ${quote(encoding['fixed_point_pos'])} is not supported`);
  if ((encoding['n_pos_dims'] ?? 3) !== 3) throw new RangeError(`encoding.n_pos_dims must be 3, got ${quote(encoding['n_pos_dims'])}`);
  const featuresPerLevel = optionalInteger(encoding, 'n_features_per_level', where, 2, 1, 8);
  if (![1, 2, 4, 8].includes(featuresPerLevel)) throw new RangeError(`encoding.n_features_per_level must be 1, 2, 4 or 8, got ${featuresPerLevel}`);
  const featuresKey = encoding['n_features'] !== undefined ? 'n_features' : encoding['n_grid_features'] !== undefined ? 'n_grid_features' : undefined;
  let levels: number;
  if (featuresKey) {
    if (encoding['n_levels'] !== undefined) throw new RangeError(`encoding gives both ${featuresKey} and n_levels`);
    const features = optionalInteger(encoding, featuresKey, where, 0, 1, INSTANT_NGP_LIMITS.levels * 8);
    if (features % featuresPerLevel !== 0) throw new RangeError(`encoding.${featuresKey} ${features} is not a multiple of n_features_per_level ${featuresPerLevel}`);
    levels = features / featuresPerLevel;
    if (levels < 1 || levels > INSTANT_NGP_LIMITS.levels) throw new RangeError(`encoding.${featuresKey} gives ${levels} levels, must be in [1, ${INSTANT_NGP_LIMITS.levels}]`);
  } else {
    levels = optionalInteger(encoding, 'n_levels', where, 16, 1, INSTANT_NGP_LIMITS.levels);
  }
  // tcnn's table size defaults to 2^19; reset_network's base-resolution default reads it with 15.
  const log2TableSize = optionalInteger(encoding, 'log2_hashmap_size', where, 19, 3, INSTANT_NGP_LIMITS.log2TableSize);
  const baseDefault = 1 << Math.floor(optionalInteger(encoding, 'log2_hashmap_size', where, 15, 3, INSTANT_NGP_LIMITS.log2TableSize) / 3);
  const base = optionalInteger(encoding, 'base_resolution', where, 0, 0, INSTANT_NGP_LIMITS.baseResolution);
  const baseResolution = base === 0 ? baseDefault : base;
  if (baseResolution < 2) throw new RangeError(`encoding.base_resolution must be at least 2, got ${baseResolution}`);
  let perLevelScale = optionalNumber(encoding, 'per_level_scale', where, 0);
  if (perLevelScale <= 0) {
    // Testbed::reset_network, in float: exp(log(2048 * aabb_scale / base) / (levels - 1)); tcnn's default 2 for one level.
    perLevelScale = levels > 1 ? f32(Math.exp(f32(f32(Math.log(f32(f32(DESIRED_RESOLUTION * aabbScale) / baseResolution))) / (levels - 1)))) : 2;
  }
  if (perLevelScale < 1) throw new RangeError(`encoding.per_level_scale must be >= 1, got ${perLevelScale}`);
  return { levels, featuresPerLevel, log2TableSize, baseResolution, perLevelScale: f32(perLevelScale) };
}

/** One MLP config as tcnn's create_network reads it, with the widths NerfNetwork gives it. */
function parseMlp(config: Json, key: string, inputWidth: number, outputWidth: number): TcnnMlp {
  const where = `${key}.`;
  const otype = optionalString(config, 'otype', where, 'MLP');
  const fused = same(otype, 'FullyFusedMLP') || same(otype, 'MegakernelMLP');
  if (!fused && !same(otype, 'CutlassMLP') && !same(otype, 'MLP')) throw new RangeError(`${key}.otype ${quote(otype)} is not supported (FullyFusedMLP or CutlassMLP)`);
  requireOption(config, 'activation', where, 'ReLU', 'ReLU');
  requireOption(config, 'output_activation', where, 'None', 'None');
  const neurons = optionalInteger(config, 'n_neurons', where, 128, 1, INSTANT_NGP_LIMITS.neurons);
  const hiddenLayers = optionalInteger(config, 'n_hidden_layers', where, 5, 0, INSTANT_NGP_LIMITS.hiddenLayers);
  if (fused && ![16, 32, 64, 128].includes(neurons)) throw new RangeError(`${key}.n_neurons must be 16, 32, 64 or 128 for a FullyFusedMLP, got ${neurons}`);
  if (fused && hiddenLayers < 1) throw new RangeError(`${key}.n_hidden_layers must be at least 1 for a FullyFusedMLP, got ${hiddenLayers}`);
  return { kind: fused ? 'FullyFusedMLP' : 'CutlassMLP', neurons, hiddenLayers, inputWidth, outputWidth, paddedOutputWidth: nextMultiple(outputWidth, TCNN_ALIGNMENT) };
}

/** [rows (out), cols (in)] of each weight matrix of `mlp`, in parameter order. */
export function mlpMatrixShapes(mlp: TcnnMlp): [rows: number, cols: number][] {
  if (mlp.hiddenLayers === 0) return [[mlp.paddedOutputWidth, mlp.inputWidth]];
  const shapes: [number, number][] = [[mlp.neurons, mlp.inputWidth]];
  for (let i = 1; i < mlp.hiddenLayers; i++) shapes.push([mlp.neurons, mlp.neurons]);
  shapes.push([mlp.paddedOutputWidth, mlp.neurons]);
  return shapes;
}

export function mlpParameterCount(mlp: TcnnMlp): number {
  return mlpMatrixShapes(mlp).reduce((n, [rows, cols]) => n + rows * cols, 0);
}

/** One nested encoding of the direction: SphericalHarmonics on the 3 direction dims, or Identity. */
function parsePiece(config: Json, dims: number, where: string): DirectionPiece {
  const otype = optionalString(config, 'otype', where, 'OneBlob');
  if (same(otype, 'SphericalHarmonics')) {
    if (dims !== 3) throw new RangeError(`${where}otype "SphericalHarmonics" must encode 3 dims, got ${dims}`);
    return { kind: 'sphericalHarmonics', degree: optionalInteger(config, 'degree', where, 4, 1, 8), padFront: 0 };
  }
  if (same(otype, 'Identity')) return { kind: 'identity', dims, scale: optionalNumber(config, 'scale', where, 1), offset: optionalNumber(config, 'offset', where, 0), padBack: 0 };
  throw new RangeError(`${where}otype ${quote(otype)} is not supported (SphericalHarmonics, Identity, or a Composite of them)`);
}

const pieceWidth = (p: DirectionPiece): number => (p.kind === 'sphericalHarmonics' ? p.degree * p.degree + p.padFront : p.dims + p.padBack);

function padded(p: DirectionPiece, width: number): DirectionPiece {
  return p.kind === 'sphericalHarmonics' ? { ...p, padFront: width - p.degree * p.degree } : { ...p, padBack: width - p.dims };
}

/**
 * The direction encoding over 3 + extraDims inputs, padded to 16 outputs as NerfNetwork's
 * create_encoding(..., rgb alignment) does: a single encoding pads itself; a Composite pads its
 * last nested encoding (its nested encodings need alignment 1, so none in between).
 */
function parseDirection(config: Json, extraDims: number): DirectionEncoding {
  const dims = 3 + extraDims;
  let pieces: DirectionPiece[];
  const otype = optionalString(config, 'otype', 'dir_encoding.', 'OneBlob');
  if (same(otype, 'Composite')) {
    const reduction = optionalString(config, 'reduction', 'dir_encoding.', 'Concatenation');
    if (!same(reduction, 'Concatenation')) throw new RangeError(`dir_encoding.reduction ${quote(reduction)} is not supported`);
    const nested = config['nested'];
    if (!Array.isArray(nested) || nested.length === 0 || nested.length > 8 || !nested.every(isRecord)) throw new TypeError(`dir_encoding.nested must be an array of encodings, got ${quote(nested)}`);
    if (nested.some((c) => c['dims_to_encode_begin'] !== undefined)) throw new RangeError('dir_encoding: dims_to_encode_begin is not supported');
    const given = nested.map((c, i) => (c['n_dims_to_encode'] === undefined ? undefined : optionalInteger(c, 'n_dims_to_encode', `dir_encoding.nested[${i}].`, 0, 0, dims)));
    const total = given.reduce<number>((n, d) => n + (d ?? 0), 0);
    if (total > dims) throw new RangeError(`dir_encoding: nested encodings encode ${total} dims, more than the ${dims} inputs`);
    if (given.filter((d) => d === undefined).length > 1) throw new RangeError('dir_encoding: only one nested encoding may leave n_dims_to_encode out');
    // Nested encodings take consecutive inputs; the one without n_dims_to_encode takes the rest.
    pieces = [];
    nested.forEach((c, i) => {
      const n = given[i] ?? dims - total;
      if (n > 0) pieces.push(parsePiece(c, n, `dir_encoding.nested[${i}].`));
    });
  } else {
    pieces = [parsePiece(config, dims, 'dir_encoding.')];
  }
  if (pieces[0]?.kind !== 'sphericalHarmonics') throw new RangeError('dir_encoding: the view direction must be encoded first, by SphericalHarmonics');
  const unpadded = pieces.reduce((n, p) => n + pieceWidth(p), 0);
  const width = nextMultiple(unpadded, TCNN_ALIGNMENT);
  const last = pieces.length - 1;
  pieces[last] = padded(pieces[last]!, pieceWidth(pieces[last]!) + width - unpadded);
  return { pieces, width };
}

/**
 * Reads the network of a snapshot. `root` is the whole msgpack document, `snapshot` its
 * "snapshot" object.
 */
export function parseInstantNgpModel(root: Json, snapshot: Json): InstantNgpModel {
  const aabbScale = aabbScaleOf(snapshot);
  const grid = parseGrid(record(root, 'encoding', ''), aabbScale);
  const densityConfig = record(root, 'network', '');
  const densityOtype = densityConfig['otype'];
  // NerfNetwork aligns the grid output to 16 for a (Fully Fused / Megakernel) density MLP, else 8.
  const positionAlignment = typeof densityOtype === 'string' && (same(densityOtype, 'FullyFusedMLP') || same(densityOtype, 'MegakernelMLP')) ? 16 : 8;
  const positionWidth = nextMultiple(grid.levels * grid.featuresPerLevel, positionAlignment);
  const density = parseMlp(densityConfig, 'network', positionWidth, optionalInteger(densityConfig, 'n_output_dims', 'network.', 16, 1, INSTANT_NGP_LIMITS.neurons));
  const nerf = isRecord(snapshot['nerf']) ? snapshot['nerf'] : {};
  const dataset = isRecord(nerf['dataset']) ? nerf['dataset'] : {};
  const extraDims = optionalInteger(dataset, 'n_extra_learnable_dims', 'snapshot.nerf.dataset.', 0, 0, 1024);
  const direction = parseDirection(record(root, 'dir_encoding', ''), extraDims);
  const rgbInput = nextMultiple(direction.width + density.paddedOutputWidth, TCNN_ALIGNMENT);
  const rgb = parseMlp(record(root, 'rgb_network', ''), 'rgb_network', rgbInput, 3);
  const counts = { density: mlpParameterCount(density), rgb: mlpParameterCount(rgb), grid: 0, total: 0 };
  const config: HashGridConfig = { family: 'hashgrid', architecture: 'instant-ngp', aabb: [[0, 0, 0], [1, 1, 1]], densityActivation: 'truncExp', hidden: [], ...grid };
  counts.grid = hashGridEntries(config) * grid.featuresPerLevel;
  counts.total = counts.density + counts.rgb + counts.grid;
  return { grid, aabbScale, positionWidth, density, direction, extraDims, rgb, counts };
}
