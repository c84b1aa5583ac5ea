/**
 * Gallery thumbnails: every NeRF rendered from the same canonical 3/4 view, encoded as PNG.
 */
import { encode } from 'fast-png';
import type { Aabb, FieldFunction } from '../types';
import { orbitCamera } from './camera';
import type { ChunkOptions } from './field-eval';
import { renderImage } from './volume';

/** The gallery's canonical view: from the front right, a little above. */
export const THUMBNAIL_AZIMUTH_DEG = 35;
export const THUMBNAIL_ELEVATION_DEG = 25;

/** Options of {@link renderThumbnail}. */
export interface ThumbnailOptions extends ChunkOptions {
  /** Width and height in pixels. @default 128 */
  size?: number;
  /** Degrees around +y, 0 looking from +z. @default 35 */
  azimuth?: number;
  /** Degrees above the horizon. @default 25 */
  elevation?: number;
  /** Samples per ray. @default 64 */
  samples?: number;
  /** Camera distance in units of the distance that just frames the box. @default 1.1 */
  distanceFactor?: number;
  /** Opaque background colour, RGB in [0, 1]; ignored when `transparent`. @default [1, 1, 1] */
  background?: readonly [number, number, number];
  /** A transparent background: straight (not premultiplied) alpha from the field's opacity. @default false */
  transparent?: boolean;
}

/** PNG bytes of an RGBA8 image, row 0 at the top. `RangeError` when the sizes disagree. */
export function encodePng(rgba8: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`encodePng: size must be positive integers, got ${width} x ${height}`);
  }
  if (rgba8.length !== width * height * 4) {
    throw new RangeError(`encodePng: ${width} x ${height} RGBA needs ${width * height * 4} bytes, got ${rgba8.length}`);
  }
  return encode({ width, height, data: rgba8, channels: 4, depth: 8 });
}

/**
 * Renders the canonical view of a field and returns it as PNG bytes.
 */
export async function renderThumbnail(field: FieldFunction, aabb: Aabb, options: ThumbnailOptions = {}): Promise<Uint8Array> {
  const size = options.size ?? 128;
  const camera = orbitCamera(
    aabb,
    options.azimuth ?? THUMBNAIL_AZIMUTH_DEG,
    options.elevation ?? THUMBNAIL_ELEVATION_DEG,
    options.distanceFactor ?? 1.1,
    size,
  );
  const transparent = options.transparent ?? false;
  const image = await renderImage(field, aabb, camera, {
    samples: options.samples ?? 64,
    background: transparent ? [0, 0, 0] : (options.background ?? [1, 1, 1]),
    chunkPoints: options.chunkPoints,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  const rgba8 = new Uint8Array(size * size * 4);
  const { rgba } = image;
  for (let p = 0; p < size * size; p++) {
    const alpha = rgba[4 * p + 3]!;
    // Over black the RGB is colour * alpha; dividing gives straight alpha.
    const unpremultiply = transparent ? (alpha > 0 ? 1 / alpha : 0) : 1;
    for (let c = 0; c < 3; c++) rgba8[4 * p + c] = quantise(rgba[4 * p + c]! * unpremultiply);
    rgba8[4 * p + 3] = transparent ? quantise(alpha) : 255;
  }
  return encodePng(rgba8, size, size);
}

function quantise(v: number): number {
  return v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0;
}
