/**
 * Zoo shapes: parts placed by rigid transforms, their bounds, normalisation and batched evaluation.
 *
 * A shape is a union of parts; each part is a primitive placed by a rigid transform and painted
 * one colour. Distances are exact for single primitives (the ellipsoid is a close bound), the
 * union takes the minimum and the colour of the nearest part. Evaluation runs part by part over
 * the whole batch, with one kind-specific loop per primitive and no allocation per point.
 */

import { type ColourName, type Rgb, rgbOf } from '../vocabulary/colours';
import { type Bounds, type Mat3, type Primitive, type Vec3, localBounds, primitiveDistance, scalePrimitive } from './primitives';

export type { Axis, Bounds, Mat3, Primitive, Vec3 } from './primitives';

/** Places a part: world = rotation * local + position. */
export interface Transform {
  readonly position: Vec3;
  readonly rotation: Mat3;
}

/**
 * Keeps only the part of a primitive inside the local box min <= p <= max (per axis; a missing
 * corner or an infinite component leaves that side open). The cut distance is a bound, exact on
 * the cut face: enough for sphere tracing and for occupancy.
 */
export interface Clip {
  readonly min?: Vec3;
  readonly max?: Vec3;
}

/** One coloured, named piece of a shape. */
export interface Part {
  readonly name: string;
  readonly primitive: Primitive;
  readonly transform: Transform;
  readonly colour: ColourName;
  readonly rgb: Rgb;
  readonly clip?: Clip;
}

/** A union of parts. */
export interface Shape {
  readonly parts: readonly Part[];
}

/** Where `evaluateShape` writes: `sdf` has N entries, `rgb` (optional) 3N. */
export interface ShapeSamples {
  sdf: Float32Array;
  rgb?: Float32Array;
}

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Rotation by `angle` radians about x (right-handed). */
export function rotationX(angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [1, 0, 0, 0, c, -s, 0, s, c];
}

/** Rotation by `angle` radians about y (right-handed). */
export function rotationY(angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [c, 0, s, 0, 1, 0, -s, 0, c];
}

/** Rotation by `angle` radians about z (right-handed). */
export function rotationZ(angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/** The product a * b (apply b first). */
export function multiply(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
    }
  }
  return out as unknown as Mat3;
}

/** Rotation about x, then y, then z (angles in radians). */
export function euler(x: number, y: number, z: number): Mat3 {
  return multiply(rotationZ(z), multiply(rotationY(y), rotationX(x)));
}

/** A part from a primitive, a position, an optional rotation and a palette colour. */
export function makePart(
  name: string,
  primitive: Primitive,
  colour: ColourName,
  position: Vec3 = [0, 0, 0],
  rotation: Mat3 = IDENTITY,
  clip?: Clip,
): Part {
  const part: Part = { name, primitive, transform: { position, rotation }, colour, rgb: rgbOf(colour) };
  return clip ? { ...part, clip } : part;
}

/** World-space axis-aligned bounds of a part (conservative for rotated parts). */
export function partBounds(part: Part): Bounds {
  const local = localBounds(part.primitive);
  for (let k = 0; k < 3; k++) {
    local.min[k] = Math.max(local.min[k]!, part.clip?.min?.[k] ?? -Infinity);
    local.max[k] = Math.min(local.max[k]!, part.clip?.max?.[k] ?? Infinity);
  }
  const { position: p, rotation: r } = part.transform;
  const out: Bounds = { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] };
  for (let corner = 0; corner < 8; corner++) {
    const x = corner & 1 ? local.max[0] : local.min[0];
    const y = corner & 2 ? local.max[1] : local.min[1];
    const z = corner & 4 ? local.max[2] : local.min[2];
    for (let k = 0; k < 3; k++) {
      const w = r[k * 3]! * x + r[k * 3 + 1]! * y + r[k * 3 + 2]! * z + p[k]!;
      out.min[k] = Math.min(out.min[k]!, w);
      out.max[k] = Math.max(out.max[k]!, w);
    }
  }
  return out;
}

/** World-space bounds of a whole shape. */
export function shapeBounds(shape: Shape): Bounds {
  const out: Bounds = { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] };
  for (const part of shape.parts) {
    const b = partBounds(part);
    for (let k = 0; k < 3; k++) {
      out.min[k] = Math.min(out.min[k]!, b.min[k]!);
      out.max[k] = Math.max(out.max[k]!, b.max[k]!);
    }
  }
  return out;
}
/** The shape scaled by `scale` about the origin, then moved by `offset`; distances scale exactly. */
export function scaleShape(shape: Shape, scale: number, offset: Vec3 = [0, 0, 0]): Shape {
  return {
    parts: shape.parts.map((part) => {
      const { position, rotation } = part.transform;
      const moved: Part = {
        ...part,
        primitive: scalePrimitive(part.primitive, scale),
        transform: {
          rotation,
          position: [position[0] * scale + offset[0], position[1] * scale + offset[1], position[2] * scale + offset[2]],
        },
      };
      if (!part.clip) return moved;
      const clip: { min?: Vec3; max?: Vec3 } = {};
      if (part.clip.min) clip.min = [part.clip.min[0] * scale, part.clip.min[1] * scale, part.clip.min[2] * scale];
      if (part.clip.max) clip.max = [part.clip.max[0] * scale, part.clip.max[1] * scale, part.clip.max[2] * scale];
      return { ...moved, clip };
    }),
  };
}

/**
 * Centres the shape's bounds on the origin and scales it, keeping its aspect, so that its
 * largest half extent is `halfExtent`.
 * @param halfExtent the half extent of the largest side after scaling. @default 0.85
 */
export function normalizeShape(shape: Shape, halfExtent = 0.85): Shape {
  const b = shapeBounds(shape);
  const centre = [0, 1, 2].map((k) => (b.min[k]! + b.max[k]!) / 2);
  const largest = Math.max(...[0, 1, 2].map((k) => (b.max[k]! - b.min[k]!) / 2));
  if (!(largest > 0) || !Number.isFinite(largest)) throw new RangeError(`shape has degenerate bounds ${JSON.stringify(b)}`);
  const s = halfExtent / largest;
  return scaleShape(shape, s, [-centre[0]! * s, -centre[1]! * s, -centre[2]! * s]);
}

let scratchLocal = new Float32Array(0);
let scratchDistance = new Float32Array(0);
let scratchIndex = new Int32Array(0);

/** Each part's world bounds as [minX, minY, minZ, maxX, maxY, maxZ, diagonal], cached per part. */
const cachedBounds = new WeakMap<Part, readonly number[]>();

function boundsOf(part: Part): readonly number[] {
  let box = cachedBounds.get(part);
  if (!box) {
    const { min, max } = partBounds(part);
    box = [...min, ...max, Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2])];
    cachedBounds.set(part, box);
  }
  return box;
}

const sortedParts = new WeakMap<Shape, readonly Part[]>();

/** The shape's parts by decreasing size: big parts first make the culling effective. */
function largestFirst(shape: Shape): readonly Part[] {
  let parts = sortedParts.get(shape);
  if (!parts) {
    parts = [...shape.parts].sort((a, b) => boundsOf(b)[6]! - boundsOf(a)[6]!);
    sortedParts.set(shape, parts);
  }
  return parts;
}

/**
 * Evaluates the union of the shape's parts at N points (`points` holds x, y, z per point): the
 * signed distance into `out.sdf` (negative inside) and, if given, the nearest part's RGB into
 * `out.rgb`. A shape without parts gives +Infinity everywhere. A part is skipped at a point when
 * its bounds show it cannot beat the best distance so far, which leaves the result unchanged
 * (on exact ties the larger part's colour wins).
 */
export function evaluateShape(shape: Shape, points: Float32Array, out: ShapeSamples): void {
  const n = Math.floor(points.length / 3);
  if (out.sdf.length < n) throw new RangeError(`out.sdf holds ${out.sdf.length} values, need ${n}`);
  if (out.rgb && out.rgb.length < 3 * n) throw new RangeError(`out.rgb holds ${out.rgb.length} values, need ${3 * n}`);
  if (scratchIndex.length < n) {
    scratchLocal = new Float32Array(3 * n);
    scratchDistance = new Float32Array(n);
    scratchIndex = new Int32Array(n);
  }
  const local = scratchLocal;
  const distance = scratchDistance;
  const index = scratchIndex;
  const sdf = out.sdf;
  const rgb = out.rgb;
  sdf.fill(Infinity, 0, n);
  if (rgb) rgb.fill(0, 0, 3 * n);
  for (const part of largestFirst(shape)) {
    // The distance to a part's bounds is a lower bound on its distance: skip points it cannot improve.
    const [x0, y0, z0, x1, y1, z1] = boundsOf(part) as [number, number, number, number, number, number];
    let m = 0;
    for (let i = 0; i < n; i++) {
      const best = sdf[i]!;
      const x = points[3 * i]!;
      const y = points[3 * i + 1]!;
      const z = points[3 * i + 2]!;
      const dx = Math.max(x0 - x, 0, x - x1);
      const dy = Math.max(y0 - y, 0, y - y1);
      const dz = Math.max(z0 - z, 0, z - z1);
      const gap = dx * dx + dy * dy + dz * dz;
      if (best > 0 ? gap < best * best : gap === 0) index[m++] = i;
    }
    if (m === 0) continue;
    toLocal(part.transform, points, index, m, local);
    primitiveDistance(part.primitive, local, distance, m);
    if (part.clip) applyClip(part.clip, local, distance, m);
    const [r, g, b] = part.rgb;
    for (let j = 0; j < m; j++) {
      const d = distance[j]!;
      const i = index[j]!;
      if (d < sdf[i]!) {
        sdf[i] = d;
        if (rgb) {
          rgb[3 * i] = r;
          rgb[3 * i + 1] = g;
          rgb[3 * i + 2] = b;
        }
      }
    }
  }
}

function applyClip(clip: Clip, local: Float32Array, distance: Float32Array, n: number): void {
  const [x0, y0, z0] = clip.min ?? [-Infinity, -Infinity, -Infinity];
  const [x1, y1, z1] = clip.max ?? [Infinity, Infinity, Infinity];
  for (let i = 0; i < n; i++) {
    const x = local[3 * i]!;
    const y = local[3 * i + 1]!;
    const z = local[3 * i + 2]!;
    distance[i] = Math.max(distance[i]!, x - x1, x0 - x, y - y1, y0 - y, z - z1, z0 - z);
  }
}

/** local[j] = rotation^T (points[index[j]] - position), for the m listed points. */
function toLocal(t: Transform, points: Float32Array, index: Int32Array, m: number, local: Float32Array): void {
  const [px, py, pz] = t.position;
  const [a, b, c, d, e, f, g, h, k] = t.rotation;
  for (let j = 0; j < m; j++) {
    const i = index[j]!;
    const x = points[3 * i]! - px;
    const y = points[3 * i + 1]! - py;
    const z = points[3 * i + 2]! - pz;
    local[3 * j] = a * x + d * y + g * z;
    local[3 * j + 1] = b * x + e * y + h * z;
    local[3 * j + 2] = c * x + f * y + k * z;
  }
}
