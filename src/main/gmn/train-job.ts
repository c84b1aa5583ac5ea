/**
 * The `gmn.train` job: trains the GMN encoder (with decoder and/or SigLIP) on a zoo's train
 * split, one AdamW step per session run, checkpointing so a killed run resumes where it was, and
 * writes encoder.onnx + encoder.json at the end. Cancelling checkpoints and returns.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderChoice } from '../../shared/compute';
import { loadCheckpoint } from '../compute/checkpoint';
import { initialParams, seededRandom } from '../compute/init';
import type { JobContext } from '../compute/jobs';
import type { HostTensor } from '../compute/tensor';
import { type TrainState, runTraining, trainState } from '../compute/train-driver';
import { TRAINING_ARCHITECTURES } from '../nerf/architectures';
import type { Nerf } from '../nerf/types';
import { nerfBatchFeeds } from './batch';
import { NerfCache, ensureTargets, loadZoo } from './dataset';
import { writeEncoder } from './embedder';
import { DEFAULT_VALUE_NORMALIZATION } from './normalize';
import { PairSampler } from './sampler';
import { type RayTargets, sampleRays } from './targets';
import { CATEGORY_HEAD_PREFIX, DEFAULT_TRAIN, type GmnTrainConfig, buildGmnTrainStep, checkTrainRecipe } from './train-graph';

export interface GmnTrainInput {
  readonly zoo: string;
  /** Checkpoints, the training log and the final encoder go here. */
  readonly out: string;
  readonly provider: ProviderChoice;
  readonly config?: GmnTrainConfig;
  /** Passes over the train split's objects. @default 10 */
  readonly epochs?: number;
  /** Peak learning rate of the schedule. @default 1e-3 */
  readonly lr?: number;
  /** @default 'cosine' */
  readonly schedule?: 'constant' | 'cosine' | 'one-cycle';
  /** Linear warm-up steps of a constant or cosine schedule. @default 50 */
  readonly warmupSteps?: number;
  /** @default 0 */
  readonly seed?: number;
  /** @default 50 */
  readonly checkpointEvery?: number;
  /** Recorded in encoder.json. */
  readonly command?: string;
  /**
   * A checkpoint (of any GMN run with the same encoder and decoder sizes) whose weights start
   * this run instead of a random initialisation; the optimiser state starts afresh. Ignored when
   * `out` already holds this run's own checkpoint (resuming wins).
   */
  readonly init?: string;
}

export interface GmnTrainOutput {
  readonly steps: number;
  readonly totalSteps: number;
  readonly cancelled: boolean;
  readonly checkpoint: string;
  readonly encoder?: string;
  readonly lastLoss: number;
}

const CHECKPOINT = 'checkpoint.safetensors';

/** Feeds of one batch: the 2K parameter graphs and, for the rendering loss, their rays. */
export async function batchFeeds(nerfs: readonly Nerf[], targets: readonly RayTargets[] | null, config: GmnTrainConfig, next: () => number, categories?: readonly (string | undefined)[]): Promise<Record<string, HostTensor>> {
  const feeds: Record<string, HostTensor> = nerfBatchFeeds(nerfs, config.encoder, DEFAULT_VALUE_NORMALIZATION);
  if ((config.categoryWeight ?? 0) > 0) feeds['category'] = categoryFeed(config, categories);
  if (!targets) return feeds;
  const g = nerfs.length;
  const rays = config.foregroundRays + config.backgroundRays;
  const s = config.samples;
  const points = new Float32Array(g * rays * s * 3);
  const deltas = new Float32Array(g * rays * s);
  const colour = new Float32Array(g * rays * 3);
  const opacity = new Float32Array(g * rays);
  targets.forEach((t, b) => {
    // Draw this batch's rays from the cached ones: foreground from the first part, background from the rest.
    const pick = (i: number): number => (i < config.foregroundRays ? Math.floor(next() * t.foreground) : t.foreground + Math.floor(next() * t.background));
    const chosen = Array.from({ length: rays }, (_, i) => pick(i));
    const sub: RayTargets = {
      foreground: config.foregroundRays,
      background: config.backgroundRays,
      origins: Float32Array.from(chosen.flatMap((r) => [t.origins[3 * r]!, t.origins[3 * r + 1]!, t.origins[3 * r + 2]!])),
      directions: Float32Array.from(chosen.flatMap((r) => [t.directions[3 * r]!, t.directions[3 * r + 1]!, t.directions[3 * r + 2]!])),
      near: Float32Array.from(chosen, (r) => t.near[r]!),
      far: Float32Array.from(chosen, (r) => t.far[r]!),
      colour: Float32Array.from(chosen.flatMap((r) => [t.colour[3 * r]!, t.colour[3 * r + 1]!, t.colour[3 * r + 2]!])),
      opacity: Float32Array.from(chosen, (r) => t.opacity[r]!),
    };
    const sampled = sampleRays(sub, s, next);
    // The decoder sees points in [-1, 1]^3 of the NeRF's own box.
    const [lo, hi] = nerfs[b]!.config.aabb;
    for (let i = 0; i < sampled.points.length; i += 3) {
      for (let a = 0; a < 3; a++) sampled.points[i + a] = (2 * (sampled.points[i + a]! - lo[a]!)) / (hi[a]! - lo[a]!) - 1;
    }
    points.set(sampled.points, b * rays * s * 3);
    deltas.set(sampled.deltas, b * rays * s);
    colour.set(sub.colour, b * rays * 3);
    opacity.set(sub.opacity, b * rays);
  });
  feeds['points'] = { dtype: 'float32', shape: [g, rays * s, 3], data: points };
  feeds['deltas'] = { dtype: 'float32', shape: [g, rays, s], data: deltas };
  feeds['target_colour'] = { dtype: 'float32', shape: [g, rays, 3], data: colour };
  feeds['target_opacity'] = { dtype: 'float32', shape: [g, rays], data: opacity };
  feeds['background'] = { dtype: 'float32', shape: [3], data: Float32Array.of(next(), next(), next()) };
  return feeds;
}

/**
 * One-hot rows [2K, C] of the batch's categories (the K objects' categories, twice). An object
 * whose category is unknown or not one of the head's (a library NeRF being fine-tuned on) gets a
 * zero row, so it adds nothing to the category loss.
 */
function categoryFeed(config: GmnTrainConfig, categories: readonly (string | undefined)[] | undefined): HostTensor {
  const classes = config.categories ?? [];
  const k = config.objectsPerBatch;
  if (!categories || categories.length !== k) throw new RangeError(`batchFeeds: a category loss needs the batch's ${k} categories, got ${categories?.length ?? 'none'}`);
  const data = new Float32Array(2 * k * classes.length);
  categories.forEach((c, i) => {
    const j = c === undefined ? -1 : classes.indexOf(c);
    if (j < 0) return;
    data[i * classes.length + j] = 1;
    data[(k + i) * classes.length + j] = 1;
  });
  return { dtype: 'float32', shape: [2 * k, classes.length], data };
}

/**
 * Writes encoder.onnx + encoder.json into `out` from the checkpoint there, without training: a
 * run stopped part-way (or still running) can be evaluated and shipped as it stands. A
 * checkpoint of a retired recipe is refused.
 */
export async function exportCheckpointEncoder(out: string, command?: string): Promise<{ encoder: string; step: number }> {
  const checkpointPath = join(out, CHECKPOINT);
  if (!existsSync(checkpointPath)) throw new Error(`${checkpointPath}: no checkpoint to export (train first)`);
  const state = await loadCheckpoint(checkpointPath);
  const configText = state.metadata['nerfdex.gmn.config'];
  if (!configText) throw new Error(`${checkpointPath}: not a GMN training checkpoint (no nerfdex.gmn.config)`);
  const config = JSON.parse(configText) as GmnTrainConfig;
  checkTrainRecipe(config, checkpointPath);
  const encoderPath = join(out, 'encoder.onnx');
  const step = state.optimizer?.step ?? 0;
  await writeEncoder(encoderPath, state.params, {
    encoder: config.encoder,
    normalization: DEFAULT_VALUE_NORMALIZATION,
    ...(command ? { command: `${command} (exported at step ${step})` } : {}),
    ...(state.metadata['nerfdex.gmn.zoo'] ? { zooManifest: state.metadata['nerfdex.gmn.zoo'] } : {}),
    created: new Date().toISOString(),
  });
  return { encoder: encoderPath, step };
}

/** The weights of checkpoint `path` for a model whose freshly initialised parameters are `fresh`. */
async function weightsFrom(path: string, fresh: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const state = await loadCheckpoint(path);
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(fresh)) {
    const w = state.params[name];
    if (!w && name.startsWith(CATEGORY_HEAD_PREFIX)) {
      // A run that adds the category loss to a checkpoint trained without it: a fresh head.
      out[name] = t;
      continue;
    }
    if (!w) throw new Error(`${path}: has no parameter ${name}; it was trained with another encoder or decoder`);
    if (w.shape.join('x') !== t.shape.join('x')) throw new Error(`${path}: ${name} is ${w.shape.join('x')}, this model needs ${t.shape.join('x')}`);
    out[name] = w;
  }
  return out;
}

export async function gmnTrainJob(input: GmnTrainInput, ctx: JobContext): Promise<GmnTrainOutput> {
  const seed = input.seed ?? 0;
  const zoo = loadZoo(input.zoo);
  const categoryOf = new Map(zoo.manifest.objects.map((o) => [o.id, o.category as string]));
  const requested = input.config ?? DEFAULT_TRAIN;
  // The category head's classes: the train split's categories, sorted, unless given.
  const config: GmnTrainConfig = (requested.categoryWeight ?? 0) > 0 && !requested.categories ? { ...requested, categories: [...new Set(zoo.manifest.objects.filter((o) => o.split === 'train').map((o) => o.category as string))].sort() } : requested;
  mkdirSync(input.out, { recursive: true });
  const objects = zoo.manifest.objects.filter((o) => o.split === 'train').map((o) => ({ id: o.id, architectures: o.architectures.filter((a) => zoo.files.has(`${o.id}|${a}`)) }));
  const archs = TRAINING_ARCHITECTURES.filter((a) => objects.some((o) => o.architectures.includes(a)));
  const sampler = new PairSampler(objects, archs, config.objectsPerBatch, seed);
  const perEpoch = Math.max(1, Math.ceil(objects.length / config.objectsPerBatch));
  const total = (input.epochs ?? 10) * perEpoch;
  const model = buildGmnTrainStep(config);
  const session = await ctx.sessions.get(model.bytes, input.provider, { variableShapes: true });
  const nerfs = new NerfCache(zoo);
  const targetCache = new Map<string, RayTargets>();
  const checkpointPath = join(input.out, CHECKPOINT);
  const configText = JSON.stringify(config);

  let state: TrainState;
  if (existsSync(checkpointPath)) {
    const saved = await loadCheckpoint(checkpointPath);
    if (saved.metadata['nerfdex.gmn.config'] !== configText) throw new Error(`${checkpointPath}: was trained with another configuration; use another --out or delete it`);
    state = trainState(saved.params, saved.optimizer ?? {});
    for (let i = 0; i < state.optimizer.step; i++) sampler.nextBatch();
  } else {
    const fresh = initialParams(model.graph, seed);
    state = trainState(input.init ? await weightsFrom(input.init, fresh) : fresh);
  }

  const startStep = state.optimizer.step;
  const next = seededRandom(seed * 7919 + startStep);
  const schedule = input.schedule ?? 'cosine';
  let pair: readonly [string, string] | undefined;
  const started = performance.now();
  const result = await runTraining(
    {
      job: 'gmn.train',
      session,
      state,
      steps: Math.max(0, total - startStep),
      schedule: { kind: schedule, lr: input.lr ?? 1e-3, ...(schedule !== 'one-cycle' ? { warmupSteps: Math.min(input.warmupSteps ?? 50, total) } : {}), offset: startStep, totalSteps: total },
      batch: async () => {
        const batch = sampler.nextBatch();
        pair = batch.pair;
        const batchNerfs = [...(await Promise.all(batch.objects.map((id) => nerfs.get(id, batch.pair[0])))), ...(await Promise.all(batch.objects.map((id) => nerfs.get(id, batch.pair[1]))))];
        let targets: RayTargets[] | null = null;
        if (config.loss !== 'con') {
          const ids = [...batch.objects.map((id) => [id, batch.pair[0]] as const), ...batch.objects.map((id) => [id, batch.pair[1]] as const)];
          targets = [];
          for (let i = 0; i < ids.length; i++) {
            const file = nerfs.file(ids[i]![0], ids[i]![1]);
            let t = targetCache.get(file);
            if (!t) {
              t = await ensureTargets(zoo.dir, file, batchNerfs[i]!, ctx.sessions, input.provider, { seed: i });
              targetCache.set(file, t);
            }
            targets.push(t);
          }
        }
        return batchFeeds(batchNerfs, targets, config, next, batch.objects.map((id) => categoryOf.get(id)!));
      },
      report: ({ step: done, lr, metrics: stepMetrics }) => {
        const metrics: Record<string, number> = { ...stepMetrics, lr };
        const seconds = (performance.now() - started) / 1000;
        appendFileSync(join(input.out, 'train-log.jsonl'), `${JSON.stringify({ step: done, epoch: done / perEpoch, seconds, pair, ...metrics })}\n`);
        return { done, total, message: `epoch ${(done / perEpoch).toFixed(2)}, ${((seconds / Math.max(1, done - startStep)) * 1000).toFixed(0)} ms/step`, metrics };
      },
      checkpoint: {
        path: checkpointPath,
        every: input.checkpointEvery ?? 50,
        metadata: { 'nerfdex.gmn.config': configText, 'nerfdex.gmn.zoo': zoo.manifestHash, 'nerfdex.gmn.seed': String(seed), ...(input.init ? { 'nerfdex.gmn.init': input.init } : {}) },
      },
    },
    ctx,
  );
  const steps = state.optimizer.step;
  const lastLoss = result.losses.at(-1) ?? NaN;
  if (result.cancelled) return { steps, totalSteps: total, cancelled: true, checkpoint: checkpointPath, lastLoss };
  const encoderPath = join(input.out, 'encoder.onnx');
  await writeEncoder(encoderPath, state.params, {
    encoder: config.encoder,
    normalization: DEFAULT_VALUE_NORMALIZATION,
    ...(input.command ? { command: input.command } : {}),
    zooManifest: zoo.manifestHash,
    created: new Date().toISOString(),
  });
  return { steps, totalSteps: total, cancelled: false, checkpoint: checkpointPath, encoder: encoderPath, lastLoss };
}
