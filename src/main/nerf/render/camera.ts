/**
 * Pinhole cameras and ray/box intersection. World space is right-handed with +y up; images are
 * row-major with row 0 at the top, so image-up is the camera's up.
 */
import type { Aabb } from '../types';

export type Vec3 = readonly [number, number, number];

/** A pinhole camera looking from `position` at `target`. */
export interface Camera {
  readonly position: Vec3;
  readonly target: Vec3;
  /** World direction that appears upwards in the image; need not be orthogonal to the view. */
  readonly up: Vec3;
  /** Vertical field of view in degrees, in (0, 180). */
  readonly fovYDeg: number;
  /** Image size in pixels (positive integers). */
  readonly width: number;
  readonly height: number;
}

/** An orthonormal camera frame: `forward` looks into the scene, `right` x `up` = -`forward`. */
export interface CameraBasis {
  readonly forward: Vec3;
  readonly right: Vec3;
  readonly up: Vec3;
}

/** Rays of every pixel, pixel (x, y) at index y * width + x; directions are unit length. */
export interface CameraRays {
  readonly origins: Float32Array;
  readonly directions: Float32Array;
}

/** A ray's parameter interval inside a box: points origin + t * direction with near <= t <= far. */
export interface RayInterval {
  readonly near: number;
  readonly far: number;
}

/** Default vertical field of view of {@link orbitCamera}, in degrees. */
export const DEFAULT_FOV_Y_DEG = 40;

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const length = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];

/** `RangeError` quoting the bad value when the camera cannot form an image. */
export function checkCamera(camera: Camera): void {
  const { width, height, fovYDeg } = camera;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`camera size must be positive integers, got ${width} x ${height}`);
  }
  if (!(fovYDeg > 0 && fovYDeg < 180)) throw new RangeError(`camera fovYDeg must be in (0, 180), got ${fovYDeg}`);
  for (const key of ['position', 'target', 'up'] as const) {
    if (!camera[key].every(Number.isFinite)) throw new RangeError(`camera ${key} must be finite, got [${camera[key].join(', ')}]`);
  }
  if (length(sub(camera.target, camera.position)) === 0) {
    throw new RangeError(`camera target equals its position [${camera.position.join(', ')}]`);
  }
}

/**
 * The camera's orthonormal frame. When `up` is parallel to the view direction (looking straight
 * down or up), the frame falls back to world -z or +x as up so it is always defined.
 */
export function cameraBasis(camera: Camera): CameraBasis {
  const view = sub(camera.target, camera.position);
  const forward = scale(view, 1 / length(view));
  for (const up of [camera.up, [0, 0, -1] as Vec3, [1, 0, 0] as Vec3]) {
    const side = cross(forward, up);
    const n = length(side);
    if (n > 1e-9 * Math.max(1, length(up))) {
      const right = scale(side, 1 / n);
      return { forward, right, up: cross(right, forward) };
    }
  }
  throw new RangeError('camera basis is undefined'); // unreachable: -z and +x are never both parallel to forward
}

/**
 * One ray per pixel through the pixel centre. Row 0 is the top of the image.
 */
export function cameraRays(camera: Camera): CameraRays {
  checkCamera(camera);
  const { width, height } = camera;
  const { forward, right, up } = cameraBasis(camera);
  const tanY = Math.tan((camera.fovYDeg * Math.PI) / 360);
  const tanX = (tanY * width) / height;
  const count = width * height;
  const origins = new Float32Array(count * 3);
  const directions = new Float32Array(count * 3);
  const [px, py, pz] = camera.position;
  for (let y = 0; y < height; y++) {
    const v = (1 - (2 * (y + 0.5)) / height) * tanY;
    for (let x = 0; x < width; x++) {
      const u = ((2 * (x + 0.5)) / width - 1) * tanX;
      const dx = forward[0] + u * right[0] + v * up[0];
      const dy = forward[1] + u * right[1] + v * up[1];
      const dz = forward[2] + u * right[2] + v * up[2];
      const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
      const o = 3 * (y * width + x);
      origins[o] = px;
      origins[o + 1] = py;
      origins[o + 2] = pz;
      directions[o] = dx * inv;
      directions[o + 1] = dy * inv;
      directions[o + 2] = dz * inv;
    }
  }
  return { origins, directions };
}

/**
 * A camera on a sphere around the box, looking at its centre with +y up. Azimuth 0 looks from
 * +z towards -z, azimuth 90 from +x; elevation 90 looks straight down. At `distanceFactor` 1 the
 * box's bounding sphere exactly fills the narrower image dimension.
 * @param distanceFactor how far out, in units of the framing distance. @default 1.1
 * @param size image size in pixels, square when a number. @default 128
 * @param fovYDeg vertical field of view in degrees. @default 40
 */
export function orbitCamera(
  aabb: Aabb,
  azimuthDeg: number,
  elevationDeg: number,
  distanceFactor = 1.1,
  size: number | { readonly width: number; readonly height: number } = 128,
  fovYDeg = DEFAULT_FOV_Y_DEG,
): Camera {
  const [lo, hi] = aabb;
  if (!(distanceFactor > 0)) throw new RangeError(`orbitCamera distanceFactor must be positive, got ${distanceFactor}`);
  const width = typeof size === 'number' ? size : size.width;
  const height = typeof size === 'number' ? size : size.height;
  const centre: Vec3 = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
  const radius = length(sub(hi, lo)) / 2;
  // The sphere fits the narrower of the two fields of view.
  const halfY = (fovYDeg * Math.PI) / 360;
  const halfX = Math.atan((Math.tan(halfY) * width) / height);
  const distance = (distanceFactor * radius) / Math.sin(Math.min(halfX, halfY));
  const az = (azimuthDeg * Math.PI) / 180;
  const el = (elevationDeg * Math.PI) / 180;
  const position: Vec3 = [
    centre[0] + distance * Math.cos(el) * Math.sin(az),
    centre[1] + distance * Math.sin(el),
    centre[2] + distance * Math.cos(el) * Math.cos(az),
  ];
  const camera: Camera = { position, target: centre, up: [0, 1, 0], fovYDeg, width, height };
  checkCamera(camera);
  return camera;
}

/**
 * Slab test of one ray against a box, the interval clipped to t >= 0. Null when the ray misses
 * (or only grazes: the interval would have zero length).
 */
export function intersectAabb(origin: Vec3, direction: Vec3, aabb: Aabb): RayInterval | null {
  const out = new Float64Array(2);
  return slab(origin, 0, direction, 0, aabb, out) ? { near: out[0]!, far: out[1]! } : null;
}

/**
 * Slab test of many rays (origins and directions [N*3]) against a box, writing each ray's
 * interval, clipped to t >= 0, into `near` and `far` [N]. A ray hits when far > near; misses get
 * near = far = 0. Returns the number of hits.
 */
export function intersectRays(
  origins: Float32Array,
  directions: Float32Array,
  aabb: Aabb,
  near: Float32Array,
  far: Float32Array,
): number {
  const count = near.length;
  if (origins.length < count * 3 || directions.length < count * 3 || far.length < count) {
    throw new RangeError(`intersectRays: ${count} rays need origins/directions of ${count * 3} and far of ${count}`);
  }
  const out = new Float64Array(2);
  let hits = 0;
  for (let i = 0; i < count; i++) {
    if (slab(origins, 3 * i, directions, 3 * i, aabb, out) && Math.fround(out[1]!) > Math.fround(out[0]!)) {
      near[i] = out[0]!;
      far[i] = out[1]!;
      hits++;
    } else {
      near[i] = 0;
      far[i] = 0;
    }
  }
  return hits;
}

/** The slab test proper; axis-parallel rays are handled without dividing by 0. */
function slab(o: ArrayLike<number>, oi: number, d: ArrayLike<number>, di: number, aabb: Aabb, out: Float64Array): boolean {
  const [lo, hi] = aabb;
  let tNear = 0;
  let tFar = Infinity;
  for (let a = 0; a < 3; a++) {
    const origin = o[oi + a]!;
    const dir = d[di + a]!;
    const min = lo[a]!;
    const max = hi[a]!;
    if (dir === 0) {
      if (origin < min || origin > max) return false;
      continue;
    }
    const t0 = (min - origin) / dir;
    const t1 = (max - origin) / dir;
    tNear = Math.max(tNear, Math.min(t0, t1));
    tFar = Math.min(tFar, Math.max(t0, t1));
  }
  out[0] = tNear;
  out[1] = tFar;
  return tFar > tNear;
}
