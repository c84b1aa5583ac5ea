/**
 * Volume rendering of any FieldFunction from any camera (the NeRF quadrature). Per ray, the
 * segment inside the box is cut into S equal strata of width w with one sample in each, at the
 * stratum's middle or at a seeded random point in it. Sample i stands for its whole stratum:
 *   alpha_i = 1 - exp(-density_i * w),  T_i = prod_{j<i} (1 - alpha_j),
 *   colour = sum_i T_i alpha_i rgb_i + T_S * background,  image alpha = 1 - T_S.
 * So a constant density sigma gives T_S = exp(-sigma * L) exactly, jittered or not.
 */
import type { Aabb, FieldFunction } from '../types';
import { type Camera, cameraRays, intersectRays } from './camera';
import { type ChunkOptions, callField, chunkPointsOption } from './field-eval';

/** A float image, row-major with row 0 at the top, four channels per pixel. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** RGBA [height * width * 4]; RGB has the background composited in, A = accumulated opacity. */
  readonly rgba: Float32Array;
}

/** A rendered image, with expected depth when asked for. */
export interface RenderedImage extends RgbaImage {
  /**
   * Expected distance from the camera along each pixel's ray, among the light that stopped
   * (sum T_i alpha_i t_i / (1 - T_S)) [height * width]; Infinity where opacity is below 1e-4.
   */
  readonly depth?: Float32Array;
}

/** Options of {@link renderImage}. */
export interface RenderOptions extends ChunkOptions {
  /** Samples per ray between the ray's entry into and exit from the box. @default 64 */
  samples?: number;
  /** Colour behind the field, RGB in [0, 1]. @default [1, 1, 1] */
  background?: readonly [number, number, number];
  /**
   * Seed of the jitter inside each stratum; the same seed gives the same image. Without it each
   * sample sits at its stratum's middle.
   * @default undefined (no jitter)
   */
  jitterSeed?: number;
  /** Also return expected depth. @default false */
  depth?: boolean;
}

/** Opacity below which a pixel's depth is reported as Infinity. */
const DEPTH_MIN_OPACITY = 1e-4;

/**
 * Renders `field` inside `aabb` as seen by `camera`. Only rays that hit the box are evaluated,
 * `chunkPoints / samples` rays per field call. Progress counts rays that hit the box.
 */
export async function renderImage(
  field: FieldFunction,
  aabb: Aabb,
  camera: Camera,
  options: RenderOptions = {},
): Promise<RenderedImage> {
  const samples = options.samples ?? 64;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer, got ${samples}`);
  const background = options.background ?? [1, 1, 1];
  if (background.length !== 3 || !background.every(Number.isFinite)) {
    throw new RangeError(`background must be three finite numbers, got [${background.join(', ')}]`);
  }
  const { jitterSeed } = options;
  if (jitterSeed !== undefined && !Number.isFinite(jitterSeed)) throw new RangeError(`jitterSeed must be finite, got ${jitterSeed}`);
  const chunkRays = Math.max(1, Math.floor(chunkPointsOption(options.chunkPoints) / samples));

  const { width, height } = camera;
  const pixels = width * height;
  const { origins, directions } = cameraRays(camera);
  const near = new Float32Array(pixels);
  const far = new Float32Array(pixels);
  const hitCount = intersectRays(origins, directions, aabb, near, far);
  const hits = new Int32Array(hitCount);
  for (let i = 0, h = 0; i < pixels; i++) if (far[i]! > near[i]!) hits[h++] = i;

  const rgba = new Float32Array(pixels * 4);
  const [bgR, bgG, bgB] = background;
  for (let i = 0; i < pixels; i++) {
    rgba[4 * i] = bgR;
    rgba[4 * i + 1] = bgG;
    rgba[4 * i + 2] = bgB;
  }
  const depth = options.depth ? new Float32Array(pixels).fill(Infinity) : undefined;

  // Sample distances of the current chunk; ours, so it is reused between chunks.
  const ts = new Float32Array(Math.min(chunkRays, hitCount) * samples);
  let rng = jitterSeed === undefined ? 0 : hashSeed(jitterSeed);
  for (let start = 0; start < hitCount; start += chunkRays) {
    options.signal?.throwIfAborted();
    const rays = Math.min(chunkRays, hitCount - start);
    const count = rays * samples;
    const points = new Float32Array(count * 3);
    for (let r = 0; r < rays; r++) {
      const ray = hits[start + r]!;
      const t0 = near[ray]!;
      const w = (far[ray]! - t0) / samples;
      const ox = origins[3 * ray]!;
      const oy = origins[3 * ray + 1]!;
      const oz = origins[3 * ray + 2]!;
      const dx = directions[3 * ray]!;
      const dy = directions[3 * ray + 1]!;
      const dz = directions[3 * ray + 2]!;
      for (let k = 0, s = r * samples; k < samples; k++, s++) {
        let u = 0.5;
        if (jitterSeed !== undefined) {
          // mulberry32: one uint32 of state, uniform in [0, 1).
          rng = (rng + 0x6d2b79f5) | 0;
          let z = Math.imul(rng ^ (rng >>> 15), 1 | rng);
          z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z;
          u = ((z ^ (z >>> 14)) >>> 0) / 4294967296;
        }
        const t = t0 + (k + u) * w;
        ts[s] = t;
        points[3 * s] = ox + t * dx;
        points[3 * s + 1] = oy + t * dy;
        points[3 * s + 2] = oz + t * dz;
      }
    }
    const { density, rgb } = await callField(field, points, count);
    for (let r = 0; r < rays; r++) {
      const ray = hits[start + r]!;
      const w = (far[ray]! - near[ray]!) / samples;
      let transmittance = 1;
      let red = 0;
      let green = 0;
      let blue = 0;
      let distance = 0;
      for (let k = 0, s = r * samples; k < samples; k++, s++) {
        const sigma = density[s]!;
        if (!(sigma > 0)) continue; // zero, negative and NaN densities are empty space
        const keep = Math.exp(-sigma * w);
        const weight = transmittance * (1 - keep);
        red += weight * rgb[3 * s]!;
        green += weight * rgb[3 * s + 1]!;
        blue += weight * rgb[3 * s + 2]!;
        distance += weight * ts[s]!;
        transmittance *= keep;
      }
      const opacity = 1 - transmittance;
      rgba[4 * ray] = red + transmittance * bgR;
      rgba[4 * ray + 1] = green + transmittance * bgG;
      rgba[4 * ray + 2] = blue + transmittance * bgB;
      rgba[4 * ray + 3] = opacity;
      if (depth && opacity >= DEPTH_MIN_OPACITY) depth[ray] = distance / opacity;
    }
    options.onProgress?.(start + rays, hitCount);
  }
  return depth ? { width, height, rgba, depth } : { width, height, rgba };
}

/** Spreads a seed over all 32 bits so nearby seeds start far apart. */
function hashSeed(seed: number): number {
  let h = Math.imul(Math.trunc(seed) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Peak signal-to-noise ratio in dB over the RGB channels of two images with values in [0, 1]:
 * 10 log10(1 / MSE). Identical images give Infinity. Alpha is ignored (RGB already holds the
 * background), so compare renders made with the same background.
 */
export function psnr(a: RgbaImage, b: RgbaImage): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`psnr: image sizes differ (${a.width} x ${a.height} vs ${b.width} x ${b.height})`);
  }
  const pixels = a.width * a.height;
  if (a.rgba.length < pixels * 4 || b.rgba.length < pixels * 4) throw new RangeError('psnr: rgba shorter than width * height * 4');
  let sum = 0;
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) {
      const d = a.rgba[4 * i + c]! - b.rgba[4 * i + c]!;
      sum += d * d;
    }
  }
  const mse = sum / (pixels * 3);
  return mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
}

/**
 * 8-bit RGBA of a float image: round(255 * clamp(v, 0, 1)). The alpha channel is 255 everywhere
 * (the RGB has the background composited in) unless `keepAlpha`.
 * @param keepAlpha copy the image's alpha instead of writing 255. @default false
 */
export function toRgba8(image: RgbaImage, keepAlpha = false): Uint8Array {
  const n = image.width * image.height * 4;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = image.rgba[i]!;
    out[i] = !keepAlpha && (i & 3) === 3 ? 255 : v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0;
  }
  return out;
}
