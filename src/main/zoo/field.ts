/**
 * The ground-truth radiance field of a zoo shape, and the points a NeRF fitter supervises on.
 *
 * Density is a soft step across the surface, sigmaMax * sigmoid(-sdf / softness): sigmaMax deep
 * inside, sigmaMax / 2 on the surface, ~0 a few softness widths outside. With the defaults
 * (sigmaMax 60, softness 0.01 in unit-box units) a ray crossing 0.05 of solid reaches opacity
 * 1 - e^-3 ≈ 0.95, and the density falls to 1 % of sigmaMax 0.046 outside the surface. Colour is
 * the nearest part's colour, not view-dependent.
 */

import { normal } from '../compute/init';
import { type Shape, evaluateShape } from './sdf';

/** How the SDF becomes a density. */
export interface FieldOptions {
  /** Density deep inside the shape. @default 60 */
  sigmaMax?: number;
  /** Width of the soft surface, in unit-box units. @default 0.01 */
  softness?: number;
}

/** The defaults of `FieldOptions`. */
export const FIELD_DEFAULTS: Readonly<Required<FieldOptions>> = { sigmaMax: 60, softness: 0.01 };

/** Where a field writes: `density` has N entries, `rgb` 3N. */
export interface FieldSamples {
  density: Float32Array;
  rgb: Float32Array;
}

/** A batched field: reads N points (x, y, z each) and writes their density and colour. */
export type GroundTruthField = (points: Float32Array, out: FieldSamples) => void;

/** The ground-truth radiance field of `shape`. */
export function groundTruthField(shape: Shape, options: FieldOptions = {}): GroundTruthField {
  const sigmaMax = options.sigmaMax ?? FIELD_DEFAULTS.sigmaMax;
  const softness = options.softness ?? FIELD_DEFAULTS.softness;
  if (!(sigmaMax > 0)) throw new RangeError(`sigmaMax must be positive, got ${sigmaMax}`);
  if (!(softness > 0)) throw new RangeError(`softness must be positive, got ${softness}`);
  let sdf = new Float32Array(0);
  return (points, out) => {
    const n = Math.floor(points.length / 3);
    if (sdf.length < n) sdf = new Float32Array(n);
    evaluateShape(shape, points, { sdf, rgb: out.rgb });
    const density = out.density;
    for (let i = 0; i < n; i++) density[i] = sigmaMax / (1 + Math.exp(sdf[i]! / softness));
  };
}

/** How `sampleTrainingPoints` mixes its points. */
export interface TrainingPointOptions extends FieldOptions {
  /** Share of points drawn near the surface; the rest are uniform in [-1, 1]^3. @default 0.5 */
  surfaceFraction?: number;
  /** Standard deviation of the Gaussian offset of surface points from the surface. @default 0.02 */
  surfaceJitter?: number;
}

/** Supervision for a NeRF fitter: N points, their target density and colour. */
export interface TrainingPoints {
  points: Float32Array;
  density: Float32Array;
  rgb: Float32Array;
  /** 1 where the point was drawn near the surface, 0 where uniform. */
  nearSurface: Uint8Array;
}

/** Points within this distance of the surface count as on it after projection. */
const ON_SURFACE = 0.005;

/**
 * `n` training points in shuffled order: a `surfaceFraction` share drawn near the surface
 * (uniform points projected onto it by two Newton steps on the SDF, then offset by Gaussian
 * noise of `surfaceJitter`), the rest uniform in [-1, 1]^3, with ground-truth targets.
 */
export function sampleTrainingPoints(shape: Shape, n: number, next: () => number, options: TrainingPointOptions = {}): TrainingPoints {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const fraction = options.surfaceFraction ?? 0.5;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`surfaceFraction must be in [0, 1], got ${fraction}`);
  const jitter = options.surfaceJitter ?? 0.02;
  const surfaceCount = Math.round(n * fraction);
  const points = new Float32Array(3 * n);
  const nearSurface = new Uint8Array(n);
  const uniformCount = n - surfaceCount;
  for (let i = 0; i < 3 * uniformCount; i++) points[i] = 2 * next() - 1;
  let filled = surfaceSamples(shape, surfaceCount, next, points.subarray(3 * uniformCount));
  // A shape too thin to be hit fills its remaining share with uniform points.
  for (; filled < surfaceCount; filled++) for (let k = 0; k < 3; k++) points[3 * (uniformCount + filled) + k] = 2 * next() - 1;
  for (let i = uniformCount; i < n; i++) {
    nearSurface[i] = 1;
    for (let k = 0; k < 3; k++) {
      const j = 3 * i + k;
      points[j] = Math.min(1, Math.max(-1, points[j]! + jitter * normal(next)));
    }
  }
  shuffle(points, nearSurface, next);
  const density = new Float32Array(n);
  const rgb = new Float32Array(3 * n);
  groundTruthField(shape, options)(points, { density, rgb });
  return { points, density, rgb, nearSurface };
}

/** Fills `out` with up to out.length / 3 points on the surface; returns how many it found. */
function surfaceSamples(shape: Shape, count: number, next: () => number, out: Float32Array): number {
  let found = 0;
  for (let round = 0; round < 20 && found < count; round++) {
    const m = Math.max(1024, 2 * (count - found));
    const p = new Float32Array(3 * m);
    for (let i = 0; i < 3 * m; i++) p[i] = 1.8 * next() - 0.9;
    const sdf = new Float32Array(m);
    for (let step = 0; step < 2; step++) newtonStep(shape, p, sdf);
    evaluateShape(shape, p, { sdf });
    for (let i = 0; i < m && found < count; i++) {
      if (Math.abs(sdf[i]!) > ON_SURFACE) continue;
      out.set(p.subarray(3 * i, 3 * i + 3), 3 * found);
      found++;
    }
  }
  return found;
}

/** p <- p - sdf(p) * grad sdf(p) / |grad|^2, the gradient by forward differences. */
function newtonStep(shape: Shape, p: Float32Array, sdf: Float32Array): void {
  const m = sdf.length;
  const h = 1e-3;
  const probe = new Float32Array(p.length);
  const shifted = new Float32Array(m);
  const grad = new Float32Array(3 * m);
  evaluateShape(shape, p, { sdf });
  for (let k = 0; k < 3; k++) {
    probe.set(p);
    for (let i = 0; i < m; i++) probe[3 * i + k] = p[3 * i + k]! + h;
    evaluateShape(shape, probe, { sdf: shifted });
    for (let i = 0; i < m; i++) grad[3 * i + k] = (shifted[i]! - sdf[i]!) / h;
  }
  for (let i = 0; i < m; i++) {
    const g2 = grad[3 * i]! ** 2 + grad[3 * i + 1]! ** 2 + grad[3 * i + 2]! ** 2;
    if (!(g2 > 1e-6) || !Number.isFinite(sdf[i]!)) continue;
    const s = sdf[i]! / g2;
    for (let k = 0; k < 3; k++) p[3 * i + k] = p[3 * i + k]! - s * grad[3 * i + k]!;
  }
}

function shuffle(points: Float32Array, flags: Uint8Array, next: () => number): void {
  for (let i = flags.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    for (let k = 0; k < 3; k++) {
      const t = points[3 * i + k]!;
      points[3 * i + k] = points[3 * j + k]!;
      points[3 * j + k] = t;
    }
    const f = flags[i]!;
    flags[i] = flags[j]!;
    flags[j] = f;
  }
}
