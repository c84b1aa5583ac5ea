/**
 * The one op-test helper: builds a float64 graph around an op, then checks its forward output
 * against a reference (optional) and its gradients against central finite differences.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { expect } from 'vitest';
import { gradients } from '../../src/main/compute/autodiff';
import { Graph, type Value } from '../../src/main/compute/graph';
import { initialParams, seededRandom } from '../../src/main/compute/init';
import { buildModel } from '../../src/main/compute/model';
import * as op from '../../src/main/compute/ops';

/** The project's seeded PRNG (mulberry32), so every test sees the same numbers. */
export const rng = seededRandom;

/** How inputs are drawn: any in [-1, 1], positive in [0.5, 1.5], or away from zero (|x| >= 0.2). */
export type Domain = 'any' | 'positive' | 'away0';

export interface InputSpec {
  readonly shape: readonly number[];
  readonly domain?: Domain;
}

export function randomArray(n: number, domain: Domain, next: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    if (domain === 'positive') out[i] = 0.5 + u;
    else if (domain === 'away0') out[i] = (u < 0.5 ? -1 : 1) * (0.2 + 0.8 * next());
    else out[i] = 2 * u - 1;
  }
  return out;
}

/**
 * Float64 sessions use basic graph optimisation: ORT's extended fusions (e.g. x * sigmoid(x) into
 * com.microsoft.QuickGelu) have float32 kernels only.
 */
export const FLOAT64_SESSION: InferenceSession.SessionOptions = { graphOptimizationLevel: 'basic' };

export async function run(bytes: Uint8Array, feeds: Record<string, Float64Array>, shapes: Record<string, readonly number[]>): Promise<Record<string, Float64Array>> {
  const session = await InferenceSession.create(bytes, FLOAT64_SESSION);
  const ortFeeds: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new Tensor('float64', v, [...shapes[k]!]);
  const out = await session.run(ortFeeds);
  const result: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(out)) result[k] = Float64Array.from(v.data as Float64Array);
  return result;
}

export interface GradCheckOptions {
  readonly seed?: number;
  /** Finite-difference step. @default 1e-6 */
  readonly step?: number;
  /** Largest accepted relative error, max|analytic - numeric| / max(max|analytic|, max|numeric|). @default 1e-6 */
  readonly tolerance?: number;
  /** Expected forward output for the drawn inputs, computed independently. */
  readonly reference?: (inputs: readonly Float64Array[]) => ArrayLike<number>;
  /** Fixed input values instead of random ones. */
  readonly values?: readonly Float64Array[];
  /**
   * Uniform noise of this size added to the parameters' initial values, so that zero-initialised
   * biases do not put ReLUs exactly on their kink. @default 0
   */
  readonly perturbParams?: number;
}

/** Relative error in the infinity norm, as the gradient tests define it. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!), Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * Checks d sum(w * f(x)) / dx against central differences for every input element, with a fixed
 * random projection w so that every output element matters. Returns the worst relative error.
 */
export async function checkGradients(build: (g: Graph, xs: Value[]) => Value, specs: readonly InputSpec[], options: GradCheckOptions = {}): Promise<number> {
  const next = rng(options.seed ?? 1);
  const g = new Graph('float64');
  const xs = specs.map((s, i) => g.input(`x${i}`, 'float64', s.shape));
  const y = build(g, xs);
  const yShape = y.shape.map((d) => {
    if (typeof d !== 'number') throw new Error(`checkGradients: output shape must be static, got ${String(d)}`);
    return d;
  });
  const n = yShape.reduce((p, d) => p * d, 1);
  const w = g.constant({ dtype: 'float64', shape: yShape, data: randomArray(n, 'any', next) });
  const loss = op.sumAll(op.mul(y, w));
  // Parameters the build declared are checked too, starting from their seeded initial values.
  const initial = initialParams(g, options.seed ?? 1);
  const checked = [...xs, ...g.params.map((p) => p.value)];
  const grads = gradients(loss, checked);
  const outputs: Record<string, Value> = { loss, y };
  grads.forEach((gr, i) => (outputs[`grad${i}`] = gr));
  const bytes = buildModel(g, { outputs });
  const forward = buildModel(g, { outputs: { loss } });

  const values = options.values ? options.values.map((v) => Float64Array.from(v)) : specs.map((s) => randomArray(s.shape.reduce((p, d) => p * d, 1), s.domain ?? 'any', next));
  const feeds: Record<string, Float64Array> = {};
  const shapes: Record<string, readonly number[]> = {};
  const order: string[] = [];
  specs.forEach((s, i) => {
    feeds[`x${i}`] = values[i]!;
    shapes[`x${i}`] = s.shape;
    order.push(`x${i}`);
  });
  for (const p of g.params) {
    const start = Float64Array.from(initial[p.name]!.data as Float64Array);
    for (let j = 0; j < start.length; j++) start[j]! += (2 * next() - 1) * (options.perturbParams ?? 0);
    feeds[p.value.name] = start;
    shapes[p.value.name] = p.value.shape as number[];
    order.push(p.value.name);
  }
  const analytic = await run(bytes, feeds, shapes);
  if (options.reference) {
    const ref = options.reference(values);
    expect(relativeError(analytic['y']!, ref)).toBeLessThan(1e-9);
  }

  const session = await InferenceSession.create(forward, FLOAT64_SESSION);
  const lossAt = async (): Promise<number> => {
    const ortFeeds: Record<string, Tensor> = {};
    for (const k of order) ortFeeds[k] = new Tensor('float64', feeds[k]!, [...shapes[k]!]);
    const out = await session.run(ortFeeds);
    return (out['loss']!.data as Float64Array)[0]!;
  };
  const h = options.step ?? 1e-6;
  let worst = 0;
  for (let i = 0; i < order.length; i++) {
    const x = feeds[order[i]!]!;
    const numeric = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const keep = x[j]!;
      x[j] = keep + h;
      const plus = await lossAt();
      x[j] = keep - h;
      const minus = await lossAt();
      x[j] = keep;
      numeric[j] = (plus - minus) / (2 * h);
    }
    const err = relativeError(analytic[`grad${i}`]!, numeric);
    worst = Math.max(worst, err);
    expect(err, `${order[i]}: relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(options.tolerance ?? 1e-6);
  }
  return worst;
}
