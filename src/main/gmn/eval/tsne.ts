/**
 * Exact t-SNE (van der Maaten and Hinton, 2008) in two dimensions: O(n^2) per iteration, which is
 * a few seconds for the ~1,000 test embeddings of a zoo. Deterministic for a seed. Optimiser
 * settings follow scikit-learn: early exaggeration 12 for 250 iterations, momentum 0.5 then 0.8,
 * per-coordinate gains, learning rate max(n / 12 / 4, 50).
 */
import { normal, seededRandom } from '../../compute/init';

/** Options of `tsne`. */
export interface TsneOptions {
  /** Effective number of neighbours; capped at (n - 1) / 3 for small inputs. @default 30 */
  readonly perplexity?: number;
  /** Gradient steps. @default 1000 */
  readonly iterations?: number;
  /** Seed of the initial layout. @default 0 */
  readonly seed?: number;
}

/** A 2D layout: point i at (points[2i], points[2i+1]), and the final KL(P || Q). */
export interface TsneResult {
  readonly points: Float64Array;
  readonly klDivergence: number;
  readonly perplexity: number;
}

const EXAGGERATION = 12;
const EXAGGERATION_ITERATIONS = 250;

function squaredDistances(rows: readonly Float32Array[]): Float64Array {
  const n = rows.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = rows[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = rows[j]!;
      let sum = 0;
      for (let d = 0; d < a.length; d++) {
        const t = a[d]! - b[d]!;
        sum += t * t;
      }
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}

/** Row i of P(j|i) with the Gaussian precision found by bisection to match log(perplexity). */
function conditionalRow(distances: Float64Array, n: number, i: number, perplexity: number, out: Float64Array): void {
  const target = Math.log(perplexity);
  let beta = 1;
  let lo = 0;
  let hi = Infinity;
  const row = distances.subarray(i * n, (i + 1) * n);
  // Shifting by the nearest distance keeps exp() from underflowing for far-apart inputs.
  let nearest = Infinity;
  for (let j = 0; j < n; j++) if (j !== i) nearest = Math.min(nearest, row[j]!);
  for (let attempt = 0; attempt < 100; attempt++) {
    let sum = 0;
    let weighted = 0;
    for (let j = 0; j < n; j++) {
      const p = j === i ? 0 : Math.exp(-(row[j]! - nearest) * beta);
      out[j] = p;
      sum += p;
      weighted += p * (row[j]! - nearest);
    }
    const entropy = Math.log(sum) + (beta * weighted) / sum;
    for (let j = 0; j < n; j++) out[j] = out[j]! / sum;
    const gap = entropy - target;
    if (Math.abs(gap) < 1e-5) return;
    if (gap > 0) {
      lo = beta;
      beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
}

/** Embeds `rows` (any width, Euclidean distances) in 2D. */
export function tsne(rows: readonly Float32Array[], options: TsneOptions = {}): TsneResult {
  const n = rows.length;
  const iterations = options.iterations ?? 1000;
  if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`tsne: iterations must be an integer >= 0, got ${iterations}`);
  const requested = options.perplexity ?? 30;
  if (!(requested > 0)) throw new RangeError(`tsne: perplexity must be > 0, got ${requested}`);
  const perplexity = Math.max(1, Math.min(requested, (n - 1) / 3));
  const points = new Float64Array(2 * n);
  if (n < 2) return { points, klDivergence: 0, perplexity };

  const distances = squaredDistances(rows);
  const conditional = new Float64Array(n * n);
  for (let i = 0; i < n; i++) conditionalRow(distances, n, i, perplexity, conditional.subarray(i * n, (i + 1) * n));
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) p[i * n + j] = Math.max((conditional[i * n + j]! + conditional[j * n + i]!) / (2 * n), 1e-12);
  }

  const next = seededRandom(options.seed ?? 0);
  for (let i = 0; i < 2 * n; i++) points[i] = 1e-4 * normal(next);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const gradient = new Float64Array(2 * n);
  const kernel = new Float64Array(n * n);
  const learningRate = Math.max(n / EXAGGERATION / 4, 50);
  for (let t = 0; t < iterations; t++) {
    const exaggeration = t < EXAGGERATION_ITERATIONS ? EXAGGERATION : 1;
    const momentum = t < EXAGGERATION_ITERATIONS ? 0.5 : 0.8;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = points[2 * i]! - points[2 * j]!;
        const dy = points[2 * i + 1]! - points[2 * j + 1]!;
        const k = 1 / (1 + dx * dx + dy * dy);
        kernel[i * n + j] = k;
        kernel[j * n + i] = k;
        total += 2 * k;
      }
    }
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      let gx = 0;
      let gy = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const k = kernel[i * n + j]!;
        const force = (exaggeration * p[i * n + j]! - k / total) * k;
        gx += force * (points[2 * i]! - points[2 * j]!);
        gy += force * (points[2 * i + 1]! - points[2 * j + 1]!);
      }
      gradient[2 * i] = 4 * gx;
      gradient[2 * i + 1] = 4 * gy;
    }
    for (let c = 0; c < 2 * n; c++) {
      const g = gradient[c]!;
      gains[c] = g * update[c]! < 0 ? gains[c]! + 0.2 : Math.max(gains[c]! * 0.8, 0.01);
      update[c] = momentum * update[c]! - learningRate * gains[c]! * g;
      points[c] = points[c]! + update[c]!;
    }
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += points[2 * i]!;
      my += points[2 * i + 1]!;
    }
    for (let i = 0; i < n; i++) {
      points[2 * i] = points[2 * i]! - mx / n;
      points[2 * i + 1] = points[2 * i + 1]! - my / n;
    }
  }
  return { points, klDivergence: klDivergence(p, points, n), perplexity };
}

function klDivergence(p: Float64Array, points: Float64Array, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = points[2 * i]! - points[2 * j]!;
      const dy = points[2 * i + 1]! - points[2 * j + 1]!;
      total += 1 / (1 + dx * dx + dy * dy);
    }
  }
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = points[2 * i]! - points[2 * j]!;
      const dy = points[2 * i + 1]! - points[2 * j + 1]!;
      const q = Math.max(1 / (1 + dx * dx + dy * dy) / total, 1e-12);
      const pij = p[i * n + j]!;
      kl += pij * Math.log(pij / q);
    }
  }
  return kl;
}
