/**
 * Analytic fields for the render tests: coloured SDF shapes with density 60 * sigmoid(-sdf / 0.01)
 * and colour lit by a fixed light from above front left, so renders show shape and orientation.
 */
import type { Aabb, FieldFunction } from '../../src/main/nerf/types';

export type Vec3 = readonly [number, number, number];

export const UNIT_AABB: Aabb = [
  [-1, -1, -1],
  [1, 1, 1],
];

export type Shape =
  | { readonly kind: 'sphere'; readonly centre: Vec3; readonly radius: number; readonly colour: Vec3 }
  | { readonly kind: 'box'; readonly centre: Vec3; readonly half: Vec3; readonly colour: Vec3 };

/** Light direction (unit, pointing towards the light): above, in front (+z), to the left (-x). */
const LIGHT: Vec3 = (() => {
  const l = [-0.4, 0.8, 0.45];
  const n = Math.hypot(l[0]!, l[1]!, l[2]!);
  return [l[0]! / n, l[1]! / n, l[2]! / n] as const;
})();

function shapeSdf(s: Shape, x: number, y: number, z: number): number {
  const px = x - s.centre[0];
  const py = y - s.centre[1];
  const pz = z - s.centre[2];
  if (s.kind === 'sphere') return Math.sqrt(px * px + py * py + pz * pz) - s.radius;
  const qx = Math.abs(px) - s.half[0];
  const qy = Math.abs(py) - s.half[1];
  const qz = Math.abs(pz) - s.half[2];
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0), Math.max(qz, 0));
  return outside + Math.min(Math.max(qx, qy, qz), 0);
}

/** Options of {@link sdfField}. */
export interface SdfFieldOptions {
  /** Density deep inside. @default 60 */
  peak?: number;
  /** Width of the sigmoid shell. @default 0.01 */
  sharpness?: number;
  /** Lambert shading from the fixed light; off gives flat colours. @default true */
  shaded?: boolean;
}

/** The union of `shapes` as a field; colour of the nearest shape, shaded by its normal. */
export function sdfField(shapes: readonly Shape[], options: SdfFieldOptions = {}): FieldFunction {
  const peak = options.peak ?? 60;
  const sharpness = options.sharpness ?? 0.01;
  const shaded = options.shaded ?? true;
  const e = 1e-3;
  return async (points) => {
    const n = points.length / 3;
    const density = new Float32Array(n);
    const rgb = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const x = points[3 * i]!;
      const y = points[3 * i + 1]!;
      const z = points[3 * i + 2]!;
      let best = Infinity;
      let nearest = shapes[0]!;
      for (const s of shapes) {
        const d = shapeSdf(s, x, y, z);
        if (d < best) {
          best = d;
          nearest = s;
        }
      }
      density[i] = peak / (1 + Math.exp(best / sharpness));
      let light = 1;
      if (shaded) {
        const gx = shapeSdf(nearest, x + e, y, z) - shapeSdf(nearest, x - e, y, z);
        const gy = shapeSdf(nearest, x, y + e, z) - shapeSdf(nearest, x, y - e, z);
        const gz = shapeSdf(nearest, x, y, z + e) - shapeSdf(nearest, x, y, z - e);
        const g = Math.hypot(gx, gy, gz) || 1;
        light = 0.3 + 0.7 * Math.max(0, (gx * LIGHT[0] + gy * LIGHT[1] + gz * LIGHT[2]) / g);
      }
      rgb[3 * i] = nearest.colour[0] * light;
      rgb[3 * i + 1] = nearest.colour[1] * light;
      rgb[3 * i + 2] = nearest.colour[2] * light;
    }
    return { density, rgb };
  };
}

/** A red sphere (left), a blue box (right, lower) and a small yellow sphere on top (+y). */
export function sceneField(options?: SdfFieldOptions): FieldFunction {
  return sdfField(
    [
      { kind: 'sphere', centre: [-0.35, -0.1, 0], radius: 0.45, colour: [0.9, 0.2, 0.15] },
      { kind: 'box', centre: [0.45, -0.35, 0.05], half: [0.3, 0.3, 0.35], colour: [0.2, 0.35, 0.9] },
      { kind: 'sphere', centre: [0, 0.65, 0], radius: 0.2, colour: [0.95, 0.85, 0.1] },
    ],
    options,
  );
}

export function sphereField(radius = 0.6, options?: SdfFieldOptions): FieldFunction {
  return sdfField([{ kind: 'sphere', centre: [0, 0, 0], radius, colour: [0.9, 0.3, 0.2] }], options);
}

export function boxField(half = 0.5, options?: SdfFieldOptions): FieldFunction {
  return sdfField([{ kind: 'box', centre: [0, 0, 0], half: [half, half, half], colour: [0.2, 0.4, 0.9] }], options);
}

/** The same density and colour everywhere. */
export function constantField(sigma: number, colour: Vec3): FieldFunction {
  return async (points) => {
    const n = points.length / 3;
    const rgb = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) rgb.set(colour, 3 * i);
    return { density: new Float32Array(n).fill(sigma), rgb };
  };
}

/** Wraps a field, counting calls and points. */
export function countingField(field: FieldFunction): { field: FieldFunction; calls: number; points: number } {
  const counter = {
    calls: 0,
    points: 0,
    field: (async (points: Float32Array) => {
      counter.calls++;
      counter.points += points.length / 3;
      return field(points);
    }) as FieldFunction,
  };
  return counter;
}
