/**
 * Baked preview volumes: density and colour on a regular grid over the box, for the viewer's
 * ray-marcher (one RGBA8 3D texture).
 *
 * Binary format (`.ndxv`, little-endian), version 1:
 *   offset  0  4 bytes   magic "NDXV"
 *   offset  4  u32       version (1)
 *   offset  8  u32       resolution R (1..512); the grid is R x R x R
 *   offset 12  6 x f32   aabb: minX minY minZ maxX maxY maxZ
 *   offset 36  f32       density scale s (world length, > 0)
 *   offset 40  R^3 x 4   RGBA8 voxels, x fastest, then y, then z
 *                        (index (z * R + y) * R + x: texImage3D's layout with width = x)
 * Voxel (x, y, z) holds the field at the cell centre min + (i + 0.5) * (max - min) / R.
 * RGB = round(255 * clamp(rgb, 0, 1)), straight (not premultiplied).
 * A   = round(255 * (1 - exp(-density * s))): the opacity of a length s of the field, with s the
 *       longest cell edge. Inverse: density = -ln(1 - A / 255) / s (A = 255 means "at least
 *       ln(510) / s"; clamp A to 254.5 before inverting). A shader stepping ds in world units
 *       takes the step's opacity as 1 - (1 - A / 255)^(ds / s).
 */
import type { Aabb, FieldFunction } from '../types';
import { type ChunkOptions, evaluateField } from './field-eval';

export const VOLUME_MAGIC = 'NDXV';
export const VOLUME_VERSION = 1;
export const VOLUME_HEADER_BYTES = 40;
/** Largest resolution a volume may declare: 512^3 RGBA8 is 512 MiB already. */
export const VOLUME_MAX_RESOLUTION = 512;

/** A baked volume; `voxels` is RGBA8 [R^3 * 4] in the order the format describes. */
export interface BakedVolume {
  readonly resolution: number;
  readonly aabb: Aabb;
  /** World length s the alpha channel is measured over (see the format above). */
  readonly densityScale: number;
  readonly voxels: Uint8Array;
}

/** Options of {@link bakeVolume}. */
export interface BakeOptions extends ChunkOptions {
  /** Voxels along each axis. @default 64 */
  resolution?: number;
}

/** A volume file that cannot be read; the message names the source and the reason. */
export class VolumeFormatError extends Error {
  override readonly name = 'VolumeFormatError';
  constructor(
    /** The file (or other source) the bytes came from. */
    readonly source: string,
    /** What was wrong, without the source. */
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

/** Evaluates the field at every voxel centre and quantises it as the format says. */
export async function bakeVolume(field: FieldFunction, aabb: Aabb, options: BakeOptions = {}): Promise<BakedVolume> {
  const resolution = options.resolution ?? 64;
  if (!Number.isInteger(resolution) || resolution < 1 || resolution > VOLUME_MAX_RESOLUTION) {
    throw new RangeError(`resolution must be an integer in 1..${VOLUME_MAX_RESOLUTION}, got ${resolution}`);
  }
  const [lo, hi] = aabb;
  const cell = [0, 1, 2].map((a) => (hi[a]! - lo[a]!) / resolution) as [number, number, number];
  if (!cell.every((c) => c > 0 && Number.isFinite(c))) throw new RangeError(`aabb must have positive finite extent, got ${JSON.stringify(aabb)}`);
  const densityScale = Math.fround(Math.max(...cell));
  const count = resolution ** 3;
  const points = new Float32Array(count * 3);
  for (let z = 0, i = 0; z < resolution; z++) {
    const pz = lo[2] + (z + 0.5) * cell[2];
    for (let y = 0; y < resolution; y++) {
      const py = lo[1] + (y + 0.5) * cell[1];
      for (let x = 0; x < resolution; x++, i += 3) {
        points[i] = lo[0] + (x + 0.5) * cell[0];
        points[i + 1] = py;
        points[i + 2] = pz;
      }
    }
  }
  const { density, rgb } = await evaluateField(field, points, options);
  const voxels = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    voxels[4 * i] = unit8(rgb[3 * i]!);
    voxels[4 * i + 1] = unit8(rgb[3 * i + 1]!);
    voxels[4 * i + 2] = unit8(rgb[3 * i + 2]!);
    const sigma = density[i]!;
    voxels[4 * i + 3] = sigma > 0 ? unit8(1 - Math.exp(-sigma * densityScale)) : 0;
  }
  return { resolution, aabb: float32Aabb(aabb), densityScale, voxels };
}

/** Density a voxel's alpha byte stands for (the inverse of the quantisation, A clamped to 254.5). */
export function voxelDensity(alpha: number, densityScale: number): number {
  return -Math.log(1 - Math.min(alpha, 254.5) / 255) / densityScale;
}

/** The volume's bytes in the format above. */
export function encodeVolume(volume: BakedVolume): Uint8Array {
  const { resolution, aabb, densityScale, voxels } = volume;
  if (!Number.isInteger(resolution) || resolution < 1 || resolution > VOLUME_MAX_RESOLUTION) {
    throw new RangeError(`resolution must be an integer in 1..${VOLUME_MAX_RESOLUTION}, got ${resolution}`);
  }
  if (voxels.length !== resolution ** 3 * 4) {
    throw new RangeError(`resolution ${resolution} needs ${resolution ** 3 * 4} voxel bytes, got ${voxels.length}`);
  }
  const bytes = new Uint8Array(VOLUME_HEADER_BYTES + voxels.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = VOLUME_MAGIC.charCodeAt(i);
  view.setUint32(4, VOLUME_VERSION, true);
  view.setUint32(8, resolution, true);
  [...aabb[0], ...aabb[1]].forEach((v, i) => view.setFloat32(12 + 4 * i, v, true));
  view.setFloat32(36, densityScale, true);
  bytes.set(voxels, VOLUME_HEADER_BYTES);
  return bytes;
}

/**
 * Reads a volume, checking everything; `VolumeFormatError` naming `source` otherwise. The voxels
 * are copied out of `bytes`.
 */
export function decodeVolume(bytes: Uint8Array, source: string): BakedVolume {
  const fail = (reason: string): never => {
    throw new VolumeFormatError(source, reason);
  };
  if (bytes.length < VOLUME_HEADER_BYTES) fail(`truncated: ${bytes.length} bytes, the header alone is ${VOLUME_HEADER_BYTES}`);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== VOLUME_MAGIC) fail(`bad magic ${JSON.stringify(magic)} (expected "${VOLUME_MAGIC}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VOLUME_VERSION) fail(`unsupported version ${version} (expected ${VOLUME_VERSION})`);
  const resolution = view.getUint32(8, true);
  if (resolution < 1 || resolution > VOLUME_MAX_RESOLUTION) fail(`absurd resolution ${resolution} (expected 1..${VOLUME_MAX_RESOLUTION})`);
  const f = Array.from({ length: 7 }, (_, i) => view.getFloat32(12 + 4 * i, true));
  const aabb: Aabb = [
    [f[0]!, f[1]!, f[2]!],
    [f[3]!, f[4]!, f[5]!],
  ];
  if (!f.every(Number.isFinite) || ![0, 1, 2].every((a) => aabb[1][a]! > aabb[0][a]!)) {
    fail(`bad aabb ${JSON.stringify(aabb)} (expected finite min < max)`);
  }
  const densityScale = f[6]!;
  if (!(densityScale > 0 && Number.isFinite(densityScale))) fail(`bad density scale ${densityScale} (expected > 0)`);
  const expected = VOLUME_HEADER_BYTES + resolution ** 3 * 4;
  if (bytes.length < expected) fail(`truncated: ${bytes.length} bytes, resolution ${resolution} needs ${expected}`);
  if (bytes.length > expected) fail(`${bytes.length - expected} unexpected bytes after the voxels`);
  return { resolution, aabb, densityScale, voxels: bytes.slice(VOLUME_HEADER_BYTES, expected) };
}

function unit8(v: number): number {
  return v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0;
}

/** The box as the file stores it (float32), so a decoded volume equals the baked one. */
function float32Aabb(aabb: Aabb): Aabb {
  const f = Math.fround;
  return [
    [f(aabb[0][0]), f(aabb[0][1]), f(aabb[0][2])],
    [f(aabb[1][0]), f(aabb[1][1]), f(aabb[1][2])],
  ];
}
