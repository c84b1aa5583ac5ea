/**
 * Rendering targets of the GMN's rendering loss, computed once per NeRF: rays through the input
 * NeRF's own renders, each with its premultiplied colour and opacity. Foreground rays hit
 * something (opacity > 0.5), background rays see nothing (opacity < 0.01); where a NeRF has no
 * such rays, its most and least opaque tenth stand in. Composited over any
 * background colour b, a target pixel is colour + (1 - opacity) b, so the random background of
 * each batch needs no re-render.
 */
import { seededRandom } from '../compute/init';
import { cameraRays, intersectRays, orbitCamera } from '../nerf/render/camera';
import { renderImage } from '../nerf/render/volume';
import type { Aabb, FieldFunction } from '../nerf/types';

export interface RayTargets {
  /** Foreground rays first, then background rays. */
  readonly foreground: number;
  readonly background: number;
  /** [R * 3] */
  readonly origins: Float32Array;
  /** [R * 3], unit length. */
  readonly directions: Float32Array;
  /** Entry and exit of the box along each ray. [R] */
  readonly near: Float32Array;
  readonly far: Float32Array;
  /** Premultiplied colour [R * 3] and opacity [R] of the input NeRF along each ray. */
  readonly colour: Float32Array;
  readonly opacity: Float32Array;
}

export interface TargetOptions {
  /** Renders per NeRF, from random orbit views. @default 4 */
  readonly views?: number;
  /** Side of each render. @default 48 */
  readonly size?: number;
  /** Foreground rays kept per NeRF. @default 512 */
  readonly foreground?: number;
  /** Background rays kept per NeRF. @default 128 */
  readonly background?: number;
  /** Samples per ray of the target renders. @default 64 */
  readonly samples?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** Renders `field` from random views and keeps foreground and background rays with their targets. */
export async function computeRayTargets(field: FieldFunction, aabb: Aabb, options: TargetOptions = {}): Promise<RayTargets> {
  const views = options.views ?? 4;
  const size = options.size ?? 48;
  const wantFg = options.foreground ?? 512;
  const wantBg = options.background ?? 128;
  const next = seededRandom(options.seed ?? 0);
  const all: number[][] = [];
  for (let v = 0; v < views; v++) {
    const camera = orbitCamera(aabb, 360 * next(), -10 + 50 * next(), 1.1, size);
    const image = await renderImage(field, aabb, camera, { samples: options.samples ?? 64, background: [0, 0, 0] });
    const rays = cameraRays(camera);
    const n = size * size;
    const near = new Float32Array(n);
    const far = new Float32Array(n);
    intersectRays(rays.origins, rays.directions, aabb, near, far);
    for (let i = 0; i < n; i++) {
      if (!(far[i]! > near[i]!)) continue;
      const a = image.rgba[4 * i + 3]!;
      const row = [
        rays.origins[3 * i]!, rays.origins[3 * i + 1]!, rays.origins[3 * i + 2]!,
        rays.directions[3 * i]!, rays.directions[3 * i + 1]!, rays.directions[3 * i + 2]!,
        near[i]!, far[i]!,
        image.rgba[4 * i]!, image.rgba[4 * i + 1]!, image.rgba[4 * i + 2]!, a,
      ];
      all.push(row);
    }
  }
  if (all.length === 0) throw new RangeError('computeRayTargets: no ray of any view hits the box');
  let fg = all.filter((row) => row[11]! > 0.5);
  let bg = all.filter((row) => row[11]! < 0.01);
  // A NeRF that is fog everywhere (or nearly empty) still trains: the most and the least opaque
  // tenth of its rays stand in for foreground and background.
  const byOpacity = [...all].sort((p, q) => p[11]! - q[11]!);
  const tenth = Math.max(1, Math.floor(all.length / 10));
  if (fg.length === 0) fg = byOpacity.slice(-tenth);
  if (bg.length === 0) bg = byOpacity.slice(0, tenth);
  // Draw with replacement when a NeRF shows fewer rays than wanted (small objects).
  const pick = (pool: number[][], count: number): number[][] => Array.from({ length: count }, () => pool[Math.floor(next() * pool.length)]!);
  const rows = [...pick(fg, wantFg), ...pick(bg, wantBg)];
  const r = rows.length;
  const out = {
    foreground: wantFg,
    background: wantBg,
    origins: new Float32Array(r * 3),
    directions: new Float32Array(r * 3),
    near: new Float32Array(r),
    far: new Float32Array(r),
    colour: new Float32Array(r * 3),
    opacity: new Float32Array(r),
  };
  rows.forEach((row, i) => {
    out.origins.set(row.slice(0, 3), 3 * i);
    out.directions.set(row.slice(3, 6), 3 * i);
    out.near[i] = row[6]!;
    out.far[i] = row[7]!;
    out.colour.set(row.slice(8, 11), 3 * i);
    out.opacity[i] = row[11]!;
  });
  return out;
}

/**
 * Sample points [R * S * 3] and step lengths [R * S] along the rays: S strata between entry and
 * exit, one jittered point per stratum (`next` draws the jitter; midpoints when omitted).
 */
export function sampleRays(t: RayTargets, samples: number, next?: () => number): { points: Float32Array; deltas: Float32Array } {
  const rays = t.near.length;
  const points = new Float32Array(rays * samples * 3);
  const deltas = new Float32Array(rays * samples);
  for (let r = 0; r < rays; r++) {
    const step = (t.far[r]! - t.near[r]!) / samples;
    for (let s = 0; s < samples; s++) {
      const u = next ? next() : 0.5;
      const tt = t.near[r]! + (s + u) * step;
      const k = r * samples + s;
      points[3 * k] = t.origins[3 * r]! + tt * t.directions[3 * r]!;
      points[3 * k + 1] = t.origins[3 * r + 1]! + tt * t.directions[3 * r + 1]!;
      points[3 * k + 2] = t.origins[3 * r + 2]! + tt * t.directions[3 * r + 2]!;
      deltas[k] = step;
    }
  }
  return { points, deltas };
}

const FIELDS = ['origins', 'directions', 'near', 'far', 'colour', 'opacity'] as const;

/** Packs targets into one Float32Array (for a cache file): [foreground, background, ...arrays]. */
export function packRayTargets(t: RayTargets): Float32Array {
  const total = 2 + FIELDS.reduce((n, f) => n + t[f].length, 0);
  const out = new Float32Array(total);
  out[0] = t.foreground;
  out[1] = t.background;
  let at = 2;
  for (const f of FIELDS) {
    out.set(t[f], at);
    at += t[f].length;
  }
  return out;
}

/** Inverse of packRayTargets; RangeError when the sizes do not add up. */
export function unpackRayTargets(data: Float32Array, source: string): RayTargets {
  const foreground = data[0] ?? -1;
  const background = data[1] ?? -1;
  if (!Number.isInteger(foreground) || !Number.isInteger(background) || foreground < 1 || background < 0) throw new RangeError(`${source}: bad ray-target header`);
  const r = foreground + background;
  const sizes = { origins: 3 * r, directions: 3 * r, near: r, far: r, colour: 3 * r, opacity: r };
  if (data.length !== 2 + 12 * r) throw new RangeError(`${source}: ${data.length} values for ${r} rays (expected ${2 + 12 * r})`);
  let at = 2;
  const arrays = {} as Record<(typeof FIELDS)[number], Float32Array>;
  for (const f of FIELDS) {
    arrays[f] = data.slice(at, at + sizes[f]);
    at += sizes[f];
  }
  return { foreground, background, ...arrays };
}
