/**
 * The signed-distance primitives of the zoo: their types, local bounds, scaling, and one batched
 * distance kernel per kind (exact, except the ellipsoid, a close bound).
 */

export type Vec3 = readonly [number, number, number];
/** A 3x3 rotation, row-major; maps local directions to world directions. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];
export type Axis = 'x' | 'y' | 'z';

/** Axis-aligned bounds, as min and max corners. */
export interface Bounds {
  min: [number, number, number];
  max: [number, number, number];
}

/**
 * Axis-aligned primitives in their local frame. Primitives with an `axis` measure lengths along
 * it and lay their cross-section in the other two axes, in the order (u, v): axis x -> (z, y),
 * axis y -> (x, z), axis z -> (x, y).
 */
export type Primitive =
  | { readonly kind: 'sphere'; readonly radius: number }
  | { readonly kind: 'box'; readonly halfSize: Vec3 }
  /** A box with rounded edges; `halfSize` is the outer size, `radius` <= the smallest half size. */
  | { readonly kind: 'roundBox'; readonly halfSize: Vec3; readonly radius: number }
  /** A segment from `a` to `b` swept by a sphere whose radius goes from `radiusA` to `radiusB`. */
  | { readonly kind: 'capsule'; readonly a: Vec3; readonly b: Vec3; readonly radiusA: number; readonly radiusB: number }
  | { readonly kind: 'cylinder'; readonly axis: Axis; readonly radius: number; readonly halfLength: number }
  /** A capped cone (frustum) with `radiusA` at -halfLength and `radiusB` at +halfLength. */
  | {
    readonly kind: 'cone';
    readonly axis: Axis;
    readonly radiusA: number;
    readonly radiusB: number;
    readonly halfLength: number;
  }
  /** A ring in the (u, v) plane around `axis`. */
  | { readonly kind: 'torus'; readonly axis: Axis; readonly majorRadius: number; readonly minorRadius: number }
  | { readonly kind: 'ellipsoid'; readonly radii: Vec3 }
  /** A simple polygon in the (u, v) plane, as u0, v0, u1, v1, ..., extruded along `axis`. */
  | { readonly kind: 'prism'; readonly axis: Axis; readonly outline: readonly number[]; readonly halfLength: number };

/** Which local axes hold (u, v, w) for an axis-bearing primitive; w runs along the axis. */
export function axisOrder(axis: Axis): readonly [number, number, number] {
  return axis === 'x' ? [2, 1, 0] : axis === 'y' ? [0, 2, 1] : [0, 1, 2];
}

function fromUvw(axis: Axis, u: number, v: number, w: number): [number, number, number] {
  const order = axisOrder(axis);
  const out: [number, number, number] = [0, 0, 0];
  out[order[0]] = u;
  out[order[1]] = v;
  out[order[2]] = w;
  return out;
}

/** A primitive's bounds in its local frame (fresh arrays, safe to modify). */
export function localBounds(p: Primitive): Bounds {
  const symmetric = (h: [number, number, number]): Bounds => ({ min: [-h[0], -h[1], -h[2]], max: h });
  switch (p.kind) {
    case 'sphere':
      return symmetric([p.radius, p.radius, p.radius]);
    case 'box':
    case 'roundBox':
      return symmetric([...p.halfSize]);
    case 'ellipsoid':
      return symmetric([...p.radii]);
    case 'capsule': {
      const r = Math.max(p.radiusA, p.radiusB);
      return {
        min: [0, 1, 2].map((k) => Math.min(p.a[k]!, p.b[k]!) - r) as [number, number, number],
        max: [0, 1, 2].map((k) => Math.max(p.a[k]!, p.b[k]!) + r) as [number, number, number],
      };
    }
    case 'cylinder':
      return symmetric(fromUvw(p.axis, p.radius, p.radius, p.halfLength));
    case 'cone': {
      const r = Math.max(p.radiusA, p.radiusB);
      return symmetric(fromUvw(p.axis, r, r, p.halfLength));
    }
    case 'torus': {
      const r = p.majorRadius + p.minorRadius;
      return symmetric(fromUvw(p.axis, r, r, p.minorRadius));
    }
    case 'prism': {
      let uMin = Infinity;
      let uMax = -Infinity;
      let vMin = Infinity;
      let vMax = -Infinity;
      for (let i = 0; i < p.outline.length; i += 2) {
        uMin = Math.min(uMin, p.outline[i]!);
        uMax = Math.max(uMax, p.outline[i]!);
        vMin = Math.min(vMin, p.outline[i + 1]!);
        vMax = Math.max(vMax, p.outline[i + 1]!);
      }
      return { min: fromUvw(p.axis, uMin, vMin, -p.halfLength), max: fromUvw(p.axis, uMax, vMax, p.halfLength) };
    }
  }
}

/** The primitive with every length multiplied by `s`. */
export function scalePrimitive(p: Primitive, s: number): Primitive {
  const v = (a: Vec3): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
  switch (p.kind) {
    case 'sphere':
      return { ...p, radius: p.radius * s };
    case 'box':
      return { ...p, halfSize: v(p.halfSize) };
    case 'roundBox':
      return { ...p, halfSize: v(p.halfSize), radius: p.radius * s };
    case 'ellipsoid':
      return { ...p, radii: v(p.radii) };
    case 'capsule':
      return { ...p, a: v(p.a), b: v(p.b), radiusA: p.radiusA * s, radiusB: p.radiusB * s };
    case 'cylinder':
      return { ...p, radius: p.radius * s, halfLength: p.halfLength * s };
    case 'cone':
      return { ...p, radiusA: p.radiusA * s, radiusB: p.radiusB * s, halfLength: p.halfLength * s };
    case 'torus':
      return { ...p, majorRadius: p.majorRadius * s, minorRadius: p.minorRadius * s };
    case 'prism':
      return { ...p, outline: p.outline.map((x) => x * s), halfLength: p.halfLength * s };
  }
}

/** Distances of n local points (x, y, z each) to a primitive, into `out`. */
export function primitiveDistance(p: Primitive, local: Float32Array, out: Float32Array, n: number): void {
  switch (p.kind) {
    case 'sphere':
      for (let i = 0; i < n; i++) out[i] = Math.hypot(local[3 * i]!, local[3 * i + 1]!, local[3 * i + 2]!) - p.radius;
      return;
    case 'box':
      return roundBoxDistance(p.halfSize, 0, local, out, n);
    case 'roundBox':
      return roundBoxDistance(p.halfSize, p.radius, local, out, n);
    case 'capsule':
      return capsuleDistance(p.a, p.b, p.radiusA, p.radiusB, local, out, n);
    case 'cylinder':
      return coneDistance(p.axis, p.radius, p.radius, p.halfLength, local, out, n);
    case 'cone':
      return coneDistance(p.axis, p.radiusA, p.radiusB, p.halfLength, local, out, n);
    case 'torus':
      return torusDistance(p.axis, p.majorRadius, p.minorRadius, local, out, n);
    case 'ellipsoid':
      return ellipsoidDistance(p.radii, local, out, n);
    case 'prism':
      return prismDistance(p.axis, p.outline, p.halfLength, local, out, n);
  }
}

function roundBoxDistance(half: Vec3, radius: number, local: Float32Array, out: Float32Array, n: number): void {
  const bx = half[0] - radius;
  const by = half[1] - radius;
  const bz = half[2] - radius;
  for (let i = 0; i < n; i++) {
    const qx = Math.abs(local[3 * i]!) - bx;
    const qy = Math.abs(local[3 * i + 1]!) - by;
    const qz = Math.abs(local[3 * i + 2]!) - bz;
    const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0), Math.max(qz, 0));
    out[i] = outside + Math.min(Math.max(qx, qy, qz), 0) - radius;
  }
}

/** The round cone of Inigo Quilez (one square root per point); plain capsule when radii match. */
function capsuleDistance(a: Vec3, b: Vec3, r1: number, r2: number, local: Float32Array, out: Float32Array, n: number): void {
  const bax = b[0] - a[0];
  const bay = b[1] - a[1];
  const baz = b[2] - a[2];
  const l2 = bax * bax + bay * bay + baz * baz;
  if (l2 === 0) {
    for (let i = 0; i < n; i++) {
      out[i] = Math.hypot(local[3 * i]! - a[0], local[3 * i + 1]! - a[1], local[3 * i + 2]! - a[2]) - Math.max(r1, r2);
    }
    return;
  }
  if (r1 === r2) {
    for (let i = 0; i < n; i++) {
      const px = local[3 * i]! - a[0];
      const py = local[3 * i + 1]! - a[1];
      const pz = local[3 * i + 2]! - a[2];
      const h = Math.min(Math.max((px * bax + py * bay + pz * baz) / l2, 0), 1);
      out[i] = Math.hypot(px - bax * h, py - bay * h, pz - baz * h) - r1;
    }
    return;
  }
  // The formula needs |r1 - r2| < length; clamp the taper to keep it defined.
  const length = Math.sqrt(l2);
  const rr = Math.sign(r1 - r2) * Math.min(Math.abs(r1 - r2), 0.999 * length);
  const radiusB = r1 - rr;
  const a2 = l2 - rr * rr;
  const il2 = 1 / l2;
  const k = Math.sign(rr) * rr * rr;
  for (let i = 0; i < n; i++) {
    const px = local[3 * i]! - a[0];
    const py = local[3 * i + 1]! - a[1];
    const pz = local[3 * i + 2]! - a[2];
    const y = px * bax + py * bay + pz * baz;
    const z = y - l2;
    const cx = px * l2 - bax * y;
    const cy = py * l2 - bay * y;
    const cz = pz * l2 - baz * y;
    const x2 = cx * cx + cy * cy + cz * cz;
    const y2 = y * y * l2;
    const z2 = z * z * l2;
    const kx = k * x2;
    if (Math.sign(z) * a2 * z2 > kx) out[i] = Math.sqrt(x2 + z2) * il2 - radiusB;
    else if (Math.sign(y) * a2 * y2 < kx) out[i] = Math.sqrt(x2 + y2) * il2 - r1;
    else out[i] = (Math.sqrt(x2 * a2 * il2) + y * rr) * il2 - r1;
  }
}

/** Capped cone of Inigo Quilez along `axis`; a cylinder when the radii match. */
function coneDistance(axis: Axis, r1: number, r2: number, h: number, local: Float32Array, out: Float32Array, n: number): void {
  const [iu, iv, iw] = axisOrder(axis);
  const k2x = r2 - r1;
  const k2y = 2 * h;
  const k2len2 = k2x * k2x + k2y * k2y;
  for (let i = 0; i < n; i++) {
    const qx = Math.hypot(local[3 * i + iu]!, local[3 * i + iv]!);
    const qy = local[3 * i + iw]!;
    const caX = qx - Math.min(qx, qy < 0 ? r1 : r2);
    const caY = Math.abs(qy) - h;
    const t = Math.min(Math.max(((r2 - qx) * k2x + (h - qy) * k2y) / k2len2, 0), 1);
    const cbX = qx - r2 + k2x * t;
    const cbY = qy - h + k2y * t;
    const sign = cbX < 0 && caY < 0 ? -1 : 1;
    out[i] = sign * Math.sqrt(Math.min(caX * caX + caY * caY, cbX * cbX + cbY * cbY));
  }
}

function torusDistance(axis: Axis, major: number, minor: number, local: Float32Array, out: Float32Array, n: number): void {
  const [iu, iv, iw] = axisOrder(axis);
  for (let i = 0; i < n; i++) {
    const q = Math.hypot(local[3 * i + iu]!, local[3 * i + iv]!) - major;
    out[i] = Math.hypot(q, local[3 * i + iw]!) - minor;
  }
}

/** The ellipsoid bound of Inigo Quilez: exact on the surface, close nearby. */
function ellipsoidDistance(radii: Vec3, local: Float32Array, out: Float32Array, n: number): void {
  const [rx, ry, rz] = radii;
  const smallest = Math.min(rx, ry, rz);
  for (let i = 0; i < n; i++) {
    const x = local[3 * i]!;
    const y = local[3 * i + 1]!;
    const z = local[3 * i + 2]!;
    const k0 = Math.hypot(x / rx, y / ry, z / rz);
    const k1 = Math.hypot(x / (rx * rx), y / (ry * ry), z / (rz * rz));
    out[i] = k1 > 0 ? (k0 * (k0 - 1)) / k1 : -smallest;
  }
}

/** A simple polygon's exact 2D distance (winding by crossing), extruded along `axis`. */
function prismDistance(
  axis: Axis,
  outline: readonly number[],
  h: number,
  local: Float32Array,
  out: Float32Array,
  n: number,
): void {
  const [iu, iv, iw] = axisOrder(axis);
  const count = outline.length >> 1;
  for (let i = 0; i < n; i++) {
    const pu = local[3 * i + iu]!;
    const pv = local[3 * i + iv]!;
    let du = pu - outline[0]!;
    let dv = pv - outline[1]!;
    let best = du * du + dv * dv;
    let sign = 1;
    for (let a = 0, b = count - 1; a < count; b = a, a++) {
      const au = outline[2 * a]!;
      const av = outline[2 * a + 1]!;
      const eu = outline[2 * b]! - au;
      const ev = outline[2 * b + 1]! - av;
      const wu = pu - au;
      const wv = pv - av;
      const t = Math.min(Math.max((wu * eu + wv * ev) / (eu * eu + ev * ev), 0), 1);
      du = wu - eu * t;
      dv = wv - ev * t;
      best = Math.min(best, du * du + dv * dv);
      const c1 = pv >= av;
      const c2 = pv < outline[2 * b + 1]!;
      const c3 = eu * wv > ev * wu;
      if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) sign = -sign;
    }
    const d2 = sign * Math.sqrt(best);
    const dw = Math.abs(local[3 * i + iw]!) - h;
    out[i] = Math.min(Math.max(d2, dw), 0) + Math.hypot(Math.max(d2, 0), Math.max(dw, 0));
  }
}
