/**
 * instant-ngp NeRF snapshots: `.msgpack` (raw msgpack) and `.ingp` (msgpack through a zstr stream:
 * gzip as instant-ngp writes it, stored blocks when its "Compress" box is off; zstr's reader also
 * takes zlib and uncompressed bytes, and so does this one, by sniffing).
 * The document is instant-ngp's network config with the trained state under "snapshot"
 * (Testbed::save_snapshot, tcnn's Trainer::serialize): "params_type" ("__half" or "float"),
 * "params_binary" (every network parameter, see instant-ngp-config.ts for the order),
 * "density_grid_binary" (see instant-ngp-density-grid.ts), "nerf"."aabb_scale", ...
 *
 * The in-memory NeRF is a `hashgrid` NeRF with instant-ngp's grid and table unchanged (tcnn's
 * table layout is nerfdex's) and a decoder folded from instant-ngp's density and rgb networks
 * (instant-ngp-field.ts): density exactly as instant-ngp computes it, colour exactly as instant-ngp
 * computes it for one view direction, [0, 0, 1] unless asked otherwise, which is the direction
 * instant-ngp's own RGBA volume export uses. The field box is instant-ngp's: 0.5 +- aabb_scale / 2.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { float16BitsToNumber } from '../../compute/tensor';
import { parameterLayout } from '../layout';
import type { Aabb, HashGridConfig, Nerf, NerfMeta } from '../types';
import { NerfFileError } from './errors';
import { type InstantNgpModel, isRecord, parseInstantNgpModel, quote } from './instant-ngp-config';
import { type InstantNgpDensityGrid, INSTANT_NGP_GRID_SIZE, decodeDensityGrid } from './instant-ngp-density-grid';
import { encodeDirection, foldDecoder, mlpMatrices } from './instant-ngp-field';
import type { NerfFormat } from './registry';

/** An instant-ngp snapshot that cannot be read. */
export class InstantNgpError extends NerfFileError {
  constructor(file: string, reason: string) {
    super(file, reason, 'instant-ngp');
    this.name = 'InstantNgpError';
  }
}

export const INSTANT_NGP_EXTENSIONS: readonly string[] = ['.msgpack', '.ingp'];
/** Largest decompressed snapshot read: a compressed file that inflates beyond it is refused. @default 1 GiB */
export const MAX_INSTANT_NGP_DECOMPRESSED_BYTES = 1024 ** 3;
/** The view direction of the colour: instant-ngp's "Save RGBA PNG sequence" uses it too (testbed.cu). */
export const INSTANT_NGP_VIEW_DIRECTION: readonly [number, number, number] = [0, 0, 1];

export interface OpenInstantNgpOptions {
  /** Refuse a snapshot whose msgpack is larger than this, decompressed. @default MAX_INSTANT_NGP_DECOMPRESSED_BYTES */
  readonly maxDecompressedBytes?: number;
  /** Direction (normalised here) from which the colour is seen. @default INSTANT_NGP_VIEW_DIRECTION */
  readonly viewDirection?: readonly [number, number, number];
}

/**
 * How the decoder's colour relates to instant-ngp's: `exact` at the view direction; `approximate`
 * for HDR snapshots (instant-ngp reads raw rgb through exp, nerfdex through sigmoid) or learned
 * per-image latents (taken as 0); `none` when the direction encoding is beyond what this reader
 * evaluates (raw rgb 0).
 */
export type InstantNgpColour = 'exact' | 'approximate' | 'none';

export interface InstantNgpSnapshot {
  readonly nerf: Nerf;
  /** Cascade 0 of instant-ngp's occupancy grid; absent when the snapshot has none (untrained). */
  readonly densityGrid?: InstantNgpDensityGrid;
  readonly colour: InstantNgpColour;
}

type Compression = 'gzip' | 'zlib' | 'none';

/** How the bytes are packed: gzip or zlib magic, or a msgpack map; undefined for anything else. */
export function sniffCompression(head: Uint8Array): Compression | undefined {
  const [a, b] = [head[0], head[1]];
  if (a === undefined || b === undefined) return undefined;
  if (a === 0x1f && b === 0x8b) return 'gzip';
  // RFC 1950: deflate (CM 8), window <= 32 KiB, header check multiple of 31.
  if ((a & 0x0f) === 8 && a >> 4 <= 7 && ((a << 8) | b) % 31 === 0) return 'zlib';
  if ((a & 0xf0) === 0x80 || a === 0xde || a === 0xdf) return 'none';
  return undefined;
}

/** Cheap sniff, never throws: an instant-ngp extension and gzip, zlib or msgpack-map bytes. */
export function matchInstantNgp(head: Uint8Array, path: string): boolean {
  const lower = path.toLowerCase();
  return INSTANT_NGP_EXTENSIONS.some((e) => lower.endsWith(e)) && sniffCompression(head) !== undefined;
}

function decompress(bytes: Uint8Array, compression: Compression, limit: number, file: string): Uint8Array {
  if (compression === 'none') {
    if (bytes.length > limit) throw new InstantNgpError(file, `the snapshot is ${bytes.length} bytes, more than the ${limit} read`);
    return bytes;
  }
  try {
    return compression === 'gzip' ? gunzipSync(bytes, { maxOutputLength: limit }) : inflateSync(bytes, { maxOutputLength: limit });
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    if (error.code === 'ERR_BUFFER_TOO_LARGE') throw new InstantNgpError(file, `the ${compression} stream decompresses to more than ${limit} bytes`);
    throw new InstantNgpError(file, `corrupt ${compression} stream (${error.message})`);
  }
}

let halfTable: Float32Array | undefined;

/** float16 bits -> value, through a 64 Ki table built once. */
function half(bits: number): number {
  halfTable ??= Float32Array.from({ length: 65536 }, (_, h) => float16BitsToNumber(h));
  return halfTable[bits]!;
}

/** The parameters as float32 (little-endian bytes, as CUDA wrote them). */
function decodeParams(bytes: Uint8Array, type: '__half' | 'float'): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 'float') return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = half(view.getUint16(2 * i, true));
  return out;
}

function unitVector(d: readonly number[]): [number, number, number] {
  const norm = Math.hypot(...d);
  if (d.length !== 3 || !Number.isFinite(norm) || norm === 0) throw new RangeError(`openInstantNgp: viewDirection must be a finite non-zero 3-vector, got ${quote(d)}`);
  return [d[0]! / norm, d[1]! / norm, d[2]! / norm];
}

/** Reads the msgpack document and finds its "snapshot" object. */
function readDocument(bytes: Uint8Array, file: string, limit: number): { root: Record<string, unknown>; snapshot: Record<string, unknown> } {
  const compression = sniffCompression(bytes);
  if (!compression) throw new InstantNgpError(file, `not msgpack, gzip or zlib (first bytes ${quote(Array.from(bytes.subarray(0, 4)))})`);
  const packed = decompress(bytes, compression, limit, file);
  let root: unknown;
  try {
    root = decodeMsgpack(packed, { maxBinLength: limit, maxExtLength: limit, maxStrLength: 1 << 24, maxArrayLength: 1 << 20, maxMapLength: 1 << 16 });
  } catch (e) {
    throw new InstantNgpError(file, `not a msgpack document (${(e as Error).message})`);
  }
  if (!isRecord(root)) throw new InstantNgpError(file, `not an instant-ngp snapshot (the msgpack document is ${quote(root)}, not a map)`);
  const snapshot = root['snapshot'];
  if (snapshot === undefined) throw new InstantNgpError(file, `not an instant-ngp snapshot (no "snapshot" key; keys ${quote(Object.keys(root))})`);
  if (!isRecord(snapshot)) throw new InstantNgpError(file, `"snapshot" must be a map, got ${quote(snapshot)}`);
  return { root, snapshot };
}

/** Checks what instant-ngp's load_snapshot checks before the weights: version, mode, grid size. */
function checkSnapshot(snapshot: Record<string, unknown>, file: string): void {
  const version = snapshot['version'] ?? 0;
  if (typeof version !== 'number' || version < 1) throw new InstantNgpError(file, `snapshot version ${quote(version)} predates format version 1, which instant-ngp itself no longer loads`);
  const mode = snapshot['mode'] ?? (snapshot['nerf'] !== undefined ? 'Nerf' : undefined);
  if (typeof mode !== 'string' || mode.toLowerCase() !== 'nerf') throw new InstantNgpError(file, `not a NeRF snapshot (mode ${quote(mode)})`);
  if (snapshot['density_grid_size'] !== INSTANT_NGP_GRID_SIZE) throw new InstantNgpError(file, `density_grid_size must be ${INSTANT_NGP_GRID_SIZE}, got ${quote(snapshot['density_grid_size'])}`);
}

/** The parameters, checked against the count the config implies, decoded to float32. */
function readParams(snapshot: Record<string, unknown>, model: InstantNgpModel, file: string): Float32Array {
  const type = snapshot['params_type'] ?? '__half';
  if (type !== '__half' && type !== 'float') throw new InstantNgpError(file, `params_type must be "__half" or "float", got ${quote(type)}`);
  const size = type === '__half' ? 2 : 4;
  const expected = model.counts.total;
  const declared = snapshot['n_params'];
  if (declared !== undefined && declared !== expected) throw new InstantNgpError(file, `n_params is ${quote(declared)}, the config implies ${expected} parameters`);
  const binary = snapshot['params_binary'];
  if (!(binary instanceof Uint8Array)) throw new InstantNgpError(file, `params_binary must be binary, got ${quote(binary)}`);
  if (binary.length !== expected * size) {
    throw new InstantNgpError(file, `params_binary holds ${binary.length / size} ${type} values (${binary.length} bytes), the config implies ${expected} parameters (${expected * size} bytes)`);
  }
  const params = decodeParams(binary, type);
  const bad = params.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const part = bad < model.counts.density ? 'density network' : bad < model.counts.density + model.counts.rgb ? 'rgb network' : 'hash grid';
    throw new InstantNgpError(file, `params_binary holds ${params[bad]} at parameter ${bad} (${part})`);
  }
  return params;
}

function provenance(snapshot: Record<string, unknown>, model: InstantNgpModel, colour: InstantNgpColour, view: readonly number[], grid?: InstantNgpDensityGrid): NerfMeta['provenance'] {
  const out: Record<string, string | number | boolean> = {
    source: 'instant-ngp',
    snapshotVersion: snapshot['version'] as number,
    paramsType: (snapshot['params_type'] as string | undefined) ?? '__half',
    aabbScale: model.aabbScale,
    colour,
    viewDirection: view.join(','),
    densityActivation: 'instant-ngp exp(x), read as exp(min(x, 15))',
  };
  for (const [key, name] of [['training_step', 'trainingStep'], ['loss', 'loss']] as const) {
    const v = snapshot[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[name] = v;
  }
  if (grid) out['densityGridCascades'] = grid.cascades;
  return out;
}

/**
 * Parses and validates an instant-ngp snapshot into a nerfdex NeRF plus instant-ngp's density
 * grid; throws InstantNgpError naming `file` and quoting what was wrong.
 */
export function openInstantNgp(bytes: Uint8Array, file: string, options: OpenInstantNgpOptions = {}): InstantNgpSnapshot {
  const limit = options.maxDecompressedBytes ?? MAX_INSTANT_NGP_DECOMPRESSED_BYTES;
  const view = unitVector(options.viewDirection ?? INSTANT_NGP_VIEW_DIRECTION);
  const { root, snapshot } = readDocument(bytes, file, limit);
  checkSnapshot(snapshot, file);
  let model: InstantNgpModel;
  try {
    model = parseInstantNgpModel(root, snapshot);
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new InstantNgpError(file, e.message);
    throw e;
  }
  const params = readParams(snapshot, model, file);
  const direction = encodeDirection(model.direction, view);
  const hdr = isRecord(snapshot['nerf']) && isRecord(snapshot['nerf']['dataset']) && snapshot['nerf']['dataset']['is_hdr'] === true;
  const colour: InstantNgpColour = !direction ? 'none' : hdr || model.extraDims > 0 ? 'approximate' : 'exact';
  const density = mlpMatrices(params, 0, model.density);
  const rgb = mlpMatrices(params, model.counts.density, model.rgb);
  const decoder = foldDecoder(model, density, rgb, direction);
  const s = model.aabbScale / 2;
  const aabb: Aabb = [[0.5 - s, 0.5 - s, 0.5 - s], [0.5 + s, 0.5 + s, 0.5 + s]];
  const { levels, featuresPerLevel: F, log2TableSize } = model.grid;
  const config: HashGridConfig = { family: 'hashgrid', architecture: `instant-ngp-L${levels}-F${F}-T${log2TableSize}`, aabb, densityActivation: 'truncExp', ...model.grid, hidden: decoder.hidden };
  let layout;
  try {
    layout = parameterLayout(config);
  } catch (e) {
    throw new InstantNgpError(file, (e as Error).message);
  }
  const tableStart = model.counts.density + model.counts.rgb;
  const table = params.slice(tableStart, tableStart + model.counts.grid);
  const tensors = { 'encoding/table': { dtype: 'float32' as const, shape: [model.counts.grid / F, F], data: table }, ...decoder.params };
  for (const spec of layout) {
    const t = tensors[spec.name as keyof typeof tensors];
    if (!t || t.shape.join() !== spec.shape.join()) throw new Error(`instant-ngp reader: built "${spec.name}" as [${t?.shape.join(', ')}], the layout needs [${spec.shape.join(', ')}]`);
    const bad = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InstantNgpError(file, `folding the networks overflows float32 in "${spec.name}" at index ${bad}`);
  }
  let densityGrid: InstantNgpDensityGrid | undefined;
  const gridBytes = snapshot['density_grid_binary'];
  if (gridBytes !== undefined) {
    if (!(gridBytes instanceof Uint8Array)) throw new InstantNgpError(file, `density_grid_binary must be binary, got ${quote(gridBytes)}`);
    try {
      densityGrid = decodeDensityGrid(gridBytes, half);
    } catch (e) {
      throw new InstantNgpError(file, (e as Error).message);
    }
  }
  const nerf: Nerf = { config, params: tensors, meta: { provenance: provenance(snapshot, model, colour, view, densityGrid) } };
  return { nerf, colour, ...(densityGrid ? { densityGrid } : {}) };
}

/** The instant-ngp format for the registry: the NeRF, with the density grid and the colour's fidelity as extras. */
export const instantNgpFormat: NerfFormat = {
  name: 'instant-ngp',
  label: 'instant-ngp snapshots',
  extensions: INSTANT_NGP_EXTENSIONS,
  match: matchInstantNgp,
  open: (bytes, path) => {
    const { nerf, densityGrid, colour } = openInstantNgp(bytes, path);
    return { nerf, extras: { colour, ...(densityGrid ? { densityGrid } : {}) } };
  },
};
