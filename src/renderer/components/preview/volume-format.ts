/**
 * The renderer's reader of baked preview volumes (`.ndxv`, version 1). The format is defined by the
 * baker in src/main/nerf/render/bake.ts, which the renderer may not import; this reader checks the
 * same things and gives the same messages, and tests/renderer checks it against the baker.
 *
 *   offset  0  4 bytes   magic "NDXV"
 *   offset  4  u32       version (1)
 *   offset  8  u32       resolution R (1..512)
 *   offset 12  6 x f32   aabb: minX minY minZ maxX maxY maxZ
 *   offset 36  f32       density scale s (world length, > 0)
 *   offset 40  R^3 x 4   RGBA8 voxels, x fastest, then y, then z
 *
 * Alpha A of a voxel is 1 - exp(-density * s): the opacity of a length s of the field.
 */

export const PREVIEW_VOLUME_MAGIC = 'NDXV';
export const PREVIEW_VOLUME_VERSION = 1;
export const PREVIEW_VOLUME_HEADER_BYTES = 40;
export const PREVIEW_VOLUME_MAX_RESOLUTION = 512;

/** Axis-aligned box as [min, max]. */
export type PreviewAabb = readonly [readonly [number, number, number], readonly [number, number, number]];

/** A decoded preview volume; `voxels` is RGBA8 [R^3 * 4], x fastest (texImage3D's layout). */
export interface PreviewVolume {
  readonly resolution: number;
  readonly aabb: PreviewAabb;
  /** World length s the alpha channel is measured over. */
  readonly densityScale: number;
  readonly voxels: Uint8Array;
}

/** Bytes that are not a readable preview volume; the message names the source and the reason. */
export class PreviewVolumeError extends Error {
  override readonly name = 'PreviewVolumeError';
  constructor(
    /** Where the bytes came from (a file name, an asset id). */
    readonly source: string,
    /** What was wrong, without the source. */
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

/**
 * Reads and validates a preview volume; throws {@link PreviewVolumeError} naming `source` when the
 * bytes are truncated, have a bad magic or version, or declare an impossible header. The voxels
 * are a view into `bytes`, not a copy.
 */
export function decodePreviewVolume(bytes: Uint8Array | ArrayBuffer, source: string): PreviewVolume {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new TypeError(`${source}: expected a Uint8Array or ArrayBuffer, got ${describe(bytes)}`);
  }
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const fail = (reason: string): never => {
    throw new PreviewVolumeError(source, reason);
  };
  if (data.length < PREVIEW_VOLUME_HEADER_BYTES) {
    fail(`truncated: ${data.length} bytes, the header alone is ${PREVIEW_VOLUME_HEADER_BYTES}`);
  }
  const magic = String.fromCharCode(...data.subarray(0, 4));
  if (magic !== PREVIEW_VOLUME_MAGIC) fail(`bad magic ${JSON.stringify(magic)} (expected "${PREVIEW_VOLUME_MAGIC}")`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint32(4, true);
  if (version !== PREVIEW_VOLUME_VERSION) fail(`unsupported version ${version} (expected ${PREVIEW_VOLUME_VERSION})`);
  const resolution = view.getUint32(8, true);
  if (resolution < 1 || resolution > PREVIEW_VOLUME_MAX_RESOLUTION) {
    fail(`absurd resolution ${resolution} (expected 1..${PREVIEW_VOLUME_MAX_RESOLUTION})`);
  }
  const f = Array.from({ length: 7 }, (_, i) => view.getFloat32(12 + 4 * i, true));
  const aabb: PreviewAabb = [
    [f[0]!, f[1]!, f[2]!],
    [f[3]!, f[4]!, f[5]!],
  ];
  if (!f.slice(0, 6).every(Number.isFinite) || ![0, 1, 2].every((a) => aabb[1][a]! > aabb[0][a]!)) {
    fail(`bad aabb ${JSON.stringify(aabb)} (expected finite min < max)`);
  }
  const densityScale = f[6]!;
  if (!(densityScale > 0 && Number.isFinite(densityScale))) fail(`bad density scale ${densityScale} (expected > 0)`);
  const expected = PREVIEW_VOLUME_HEADER_BYTES + resolution ** 3 * 4;
  if (data.length < expected) fail(`truncated: ${data.length} bytes, resolution ${resolution} needs ${expected}`);
  if (data.length > expected) fail(`${data.length - expected} unexpected bytes after the voxels`);
  return { resolution, aabb, densityScale, voxels: data.subarray(PREVIEW_VOLUME_HEADER_BYTES, expected) };
}

/** Density an opacity per length s stands for: the inverse of A = 1 - exp(-density * s), A < 1. */
export function opacityToDensity(opacity: number, densityScale: number): number {
  return -Math.log(1 - Math.min(opacity, 254.5 / 255)) / densityScale;
}

/** Opacity over a length s of a field of this density: 1 - exp(-density * s). */
export function densityToOpacity(density: number, densityScale: number): number {
  return density > 0 ? 1 - Math.exp(-density * densityScale) : 0;
}

/** Fraction of voxels whose alpha is at least `threshold` (0..1), for "nothing left" hints. */
export function occupiedFraction(volume: PreviewVolume, threshold: number): number {
  const cut = Math.max(1, Math.ceil(threshold * 255 - 1e-9));
  const { voxels } = volume;
  let count = 0;
  for (let i = 3; i < voxels.length; i += 4) if (voxels[i]! >= cut) count++;
  return count / (voxels.length / 4);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
