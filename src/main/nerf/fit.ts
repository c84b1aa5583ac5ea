/**
 * Fitting many NeRFs of one architecture at once: one train-step graph holds B NeRFs (parameters
 * with a leading B axis), supervised by a ground-truth field at sampled points. The loss is a sum
 * of per-NeRF losses and AdamW is elementwise, so the B fits are independent of each other.
 *
 * Supervision: opacity alpha = 1 - exp(-density * delta) at the renderer's step length delta
 * (what a render sees of a density), plus colour weighted by the target opacity (colour matters
 * where there is something to see) with a small unweighted term so empty space stays tame.
 */
import { Graph } from '../compute/graph';
import * as op from '../compute/ops';
import { type TrainStepModel, buildTrainStep } from '../compute/optim';
import { seededRandom } from '../compute/init';
import { JobCancelledError, type JobContext } from '../compute/jobs';
import type { SessionCache } from '../compute/session';
import type { HostTensor } from '../compute/tensor';
import { runTraining, trainState } from '../compute/train-driver';
import type { ProviderChoice } from '../../shared/compute';
import { buildFieldGraph, declareFieldParams, initParams, stackParams } from './field-graph';
import { parameterLayout } from './layout';
import type { Aabb, NerfConfig } from './types';

/** Ground truth at sampled points of one object: points [n*3], density [n], rgb [n*3]. */
export interface FitSamples {
  readonly points: Float32Array;
  readonly density: Float32Array;
  readonly rgb: Float32Array;
}

export interface FitOptions {
  /** @default 500 */
  readonly steps?: number;
  /** Points per NeRF per step. @default 4096 */
  readonly pointsPerStep?: number;
  /** Peak learning rate of the cosine schedule. @default 1e-2 */
  readonly lr?: number;
  /** Seed of parameter init and point sampling. @default 0 */
  readonly seed?: number;
  /** Renderer step length the opacity is computed at. @default aabb diagonal / 64 */
  readonly delta?: number;
  /** Called every `progressEvery` steps with the mean loss per NeRF. */
  readonly onProgress?: (step: number, steps: number, loss: number) => void;
  /** @default 25 */
  readonly progressEvery?: number;
  /** Checked between steps; returning true stops the fit early (the state reached is returned). */
  readonly shouldStop?: () => boolean;
}

export interface FitResult {
  /** Parameters of each NeRF, in the order of the samples given. */
  readonly params: Record<string, HostTensor>[];
  /** Mean per-NeRF loss of the last step. */
  readonly finalLoss: number;
  readonly steps: number;
  readonly stopped: boolean;
}

export function defaultDelta(aabb: Aabb): number {
  const [lo, hi] = aabb;
  return Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 64;
}

const stepModels = new Map<string, TrainStepModel>();

/** The train step fitting `batch` NeRFs of `config` at once (cached per config, batch, delta). */
export function fitStepModel(config: NerfConfig, batch: number, delta: number): TrainStepModel {
  const key = `${JSON.stringify(config)}|${batch}|${delta}`;
  let model = stepModels.get(key);
  if (model) return model;
  const g = new Graph('float32');
  const params = declareFieldParams(g, config, batch);
  const points = g.input('points', 'float32', [batch, 'N', 3]);
  const targetAlpha = g.input('target_alpha', 'float32', [batch, 'N']);
  const targetRgb = g.input('target_rgb', 'float32', [batch, 'N', 3]);
  const { density, rgb } = buildFieldGraph(g, config, points, params);
  const alpha = op.sub(1, op.exp(op.mul(density, -delta)));
  const alphaError = op.sub(alpha, targetAlpha);
  const rgbError = op.reduceSum(op.mul(op.sub(rgb, targetRgb), op.sub(rgb, targetRgb)), [2]);
  const weights = op.add(targetAlpha, 0.05);
  const perPoint = op.add(op.mul(alphaError, alphaError), op.mul(rgbError, weights));
  const perNerf = op.reduceMean(perPoint, [1]);
  const loss = op.reduceSum(perNerf, [0]);
  model = buildTrainStep({ graph: g, loss, metrics: { mean_loss: op.div(loss, batch) }, optimizer: { weightDecay: 0, beta2: 0.99 } });
  stepModels.set(key, model);
  return model;
}

/** Fits one NeRF of `config` per entry of `samples`, all in one batched graph. */
export async function fitNerfs(config: NerfConfig, samples: readonly FitSamples[], sessions: SessionCache, provider: ProviderChoice, options: FitOptions = {}): Promise<FitResult> {
  const batch = samples.length;
  if (batch === 0) throw new RangeError('fitNerfs: no samples');
  const steps = options.steps ?? 500;
  const n = options.pointsPerStep ?? 4096;
  const lrMax = options.lr ?? 1e-2;
  const delta = options.delta ?? defaultDelta(config.aabb);
  const seed = options.seed ?? 0;
  const next = seededRandom(seed ^ 0x5bd1e995);
  const model = fitStepModel(config, batch, delta);
  const session = await sessions.get(model.bytes, provider);

  const state = trainState(stackParams(config, samples.map((_, b) => initParams(config, seed * 1009 + b))));
  const points = new Float32Array(batch * n * 3);
  const alpha = new Float32Array(batch * n);
  const rgb = new Float32Array(batch * n * 3);
  let finalLoss = NaN;
  const progressEvery = options.progressEvery ?? 25;
  const result = await runTraining(
    {
      job: `fitNerfs (${config.architecture})`,
      session,
      state,
      steps,
      // Cosine decay to 1 % after a short linear warm-up.
      schedule: { kind: 'cosine', lr: lrMax, floor: 0.01, warmupFraction: 0.03 },
      batch: () => {
        samples.forEach((s, b) => {
          const available = s.density.length;
          for (let i = 0; i < n; i++) {
            const j = Math.floor(next() * available);
            const k = b * n + i;
            points[3 * k] = s.points[3 * j]!;
            points[3 * k + 1] = s.points[3 * j + 1]!;
            points[3 * k + 2] = s.points[3 * j + 2]!;
            alpha[k] = 1 - Math.exp(-s.density[j]! * delta);
            rgb[3 * k] = s.rgb[3 * j]!;
            rgb[3 * k + 1] = s.rgb[3 * j + 1]!;
            rgb[3 * k + 2] = s.rgb[3 * j + 2]!;
          }
        });
        return {
          points: { dtype: 'float32', shape: [batch, n, 3], data: points },
          target_alpha: { dtype: 'float32', shape: [batch, n], data: alpha },
          target_rgb: { dtype: 'float32', shape: [batch, n, 3], data: rgb },
        };
      },
      report: ({ index, metrics }) => {
        finalLoss = metrics['mean_loss']!;
        const step = index + 1;
        return step % progressEvery === 0 || step === steps ? { done: step, total: steps, metrics: { loss: finalLoss } } : undefined;
      },
    },
    fitContext(sessions, options),
  );
  const params: Record<string, HostTensor>[] = samples.map(() => ({}));
  for (const { name, shape } of parameterLayout(config)) {
    const t = state.params[name]!;
    const size = shape.reduce((a, d) => a * d, 1);
    params.forEach((p, b) => {
      p[name] = { dtype: 'float32', shape: [...shape], data: (t.data as Float32Array).slice(b * size, (b + 1) * size) };
    });
  }
  return { params, finalLoss, steps: result.steps, stopped: result.cancelled };
}

/** The fit's options as the JobContext the training driver reports to and checks for cancellation. */
function fitContext(sessions: SessionCache, options: FitOptions): JobContext {
  return {
    progress: (p) => options.onProgress?.(p.done, p.total, p.metrics!['loss']!),
    get cancelled() {
      return options.shouldStop?.() ?? false;
    },
    throwIfCancelled() {
      if (this.cancelled) throw new JobCancelledError();
    },
    sessions,
  };
}
