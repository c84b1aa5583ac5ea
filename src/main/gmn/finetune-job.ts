/**
 * The `gmn.finetune` job: fine-tunes a trained GMN (encoder, decoder and SigLIP, one AdamW step
 * per session run) on a user's library, starting from the model's training checkpoint, with
 * the checkpoint's own losses (recipe v2: SigLIP on each object's two architectures and the
 * category loss where the category is known). Batches mix library objects with anchor objects
 * from the demo zoo, so the space does not drift. Before and after, the old and the new encoder are measured on held-out demo objects.
 * Cancelling checkpoints and returns; a run started again on the same `out` resumes from that
 * checkpoint. The new encoder is written to `out` and used by no one until the app keeps it.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderChoice } from '../../shared/compute';
import { CheckpointError, type LoadedCheckpoint, loadCheckpoint } from '../compute/checkpoint';
import { seededRandom } from '../compute/init';
import type { JobContext } from '../compute/jobs';
import type { HostTensor } from '../compute/tensor';
import { runTraining, trainState } from '../compute/train-driver';
import { readNerfFile } from '../nerf/formats/native';
import type { Nerf } from '../nerf/types';
import { Embedder, writeEncoder } from './embedder';
import { type FineTuneBatch, type FineTuneObject, FineTuneSampler, cachedTargets, nerfIn } from './finetune-data';
import { type HeldOutMetrics, heldOutMetrics } from './finetune-eval';
import { DEFAULT_VALUE_NORMALIZATION } from './normalize';
import type { RayTargets } from './targets';
import { type GmnTrainConfig, buildGmnTrainStep, checkTrainRecipe } from './train-graph';
import { batchFeeds } from './train-job';

export interface GmnFineTuneInput {
  /** Training checkpoint of the model to fine-tune (params of encoder, decoder and SigLIP; metadata `nerfdex.gmn.config`). */
  readonly checkpoint: string;
  /** The same model's encoder.onnx, measured before training. */
  readonly baseEncoder: string;
  /**
   * The candidate's folder: checkpoint, training log (`train-log.jsonl`), encoder.onnx +
   * encoder.json. When it already holds this run's checkpoint (fine-tuned from `checkpoint`), the
   * run resumes from it.
   */
  readonly out: string;
  readonly provider: ProviderChoice;
  /** The library's objects (held-out and anchor objects already taken out). */
  readonly library: readonly FineTuneObject[];
  /** Demo objects mixed into every batch. */
  readonly anchors: readonly FineTuneObject[];
  /** Demo objects never trained on, for the before/after metrics. */
  readonly heldOut: readonly FineTuneObject[];
  /** The base encoder's metrics on `heldOut`, when measured before (they are then not measured again). */
  readonly before?: HeldOutMetrics;
  readonly steps: number;
  /** Peak learning rate of the one-cycle schedule. @default 1e-4 */
  readonly lr?: number;
  /** Share of each batch's objects drawn from the library. @default 0.5 */
  readonly libraryShare?: number;
  /** @default 0 */
  readonly seed?: number;
  /** @default 25 */
  readonly checkpointEvery?: number;
}

export interface GmnFineTuneOutput {
  readonly steps: number;
  readonly totalSteps: number;
  readonly cancelled: boolean;
  /** Absent when cancelled before the first step. */
  readonly checkpoint?: string;
  /** The new encoder.onnx (not when cancelled). */
  readonly encoder?: string;
  readonly version?: string;
  readonly before?: HeldOutMetrics;
  readonly after?: HeldOutMetrics;
  readonly lastLoss: number;
}

/** Progress messages of the stages around the training steps (steps report loss metrics instead). */
export const FINE_TUNE_STAGES = {
  before: 'measuring the current model on held-out objects',
  training: 'training',
  export: 'writing the new encoder',
  after: 'measuring the new model on held-out objects',
} as const;

/** File name of a model's training checkpoint beside its encoder.onnx. */
export const TRAINING_CHECKPOINT = 'encoder.train.safetensors';
/** One JSON line per training step in the run's folder: step, architecture pair and the step's metrics. */
export const FINE_TUNE_LOG = 'train-log.jsonl';

/** Metadata of a fine-tuning checkpoint that says which run wrote it. */
const FINE_TUNE_KEY = 'nerfdex.gmn.finetune';
const INIT_KEY = 'nerfdex.gmn.init';

/** Prefix of the progress metrics that carry the old model's held-out metrics, reported once measured. */
export const BEFORE_PREFIX = 'before.';

function beforeMetrics(m: HeldOutMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([key, value]) => [`${BEFORE_PREFIX}${key}`, value]));
}

/** The old model's metrics from a progress report's metrics, when it carries them. */
export function beforeMetricsOf(metrics: Readonly<Record<string, number>> | undefined): HeldOutMetrics | undefined {
  if (metrics?.[`${BEFORE_PREFIX}recallAt1`] === undefined) return undefined;
  return Object.fromEntries(Object.entries(metrics).filter(([key]) => key.startsWith(BEFORE_PREFIX)).map(([key, value]) => [key.slice(BEFORE_PREFIX.length), value])) as unknown as HeldOutMetrics;
}

/**
 * The checkpoint this run left in `checkpointPath` (fine-tuned from `baseCheckpoint` with the
 * configuration `configText`), or undefined when there is none.
 * @throws {CheckpointError} when the file was written by another run or with another configuration.
 */
async function ownCheckpoint(checkpointPath: string, baseCheckpoint: string, configText: string): Promise<LoadedCheckpoint | undefined> {
  if (!existsSync(checkpointPath)) return undefined;
  const saved = await loadCheckpoint(checkpointPath, { dtype: 'float32' });
  const init = saved.metadata[INIT_KEY];
  if (saved.metadata[FINE_TUNE_KEY] !== 'library' || init !== baseCheckpoint) {
    throw new CheckpointError(checkpointPath, `is not a checkpoint of a fine-tuning run from ${baseCheckpoint} (it starts from ${init ?? 'nothing recorded'}); use another folder or delete it`);
  }
  if (saved.metadata['nerfdex.gmn.config'] !== configText) throw new CheckpointError(checkpointPath, `was trained with another configuration than ${baseCheckpoint}; use another folder or delete it`);
  return saved;
}

export async function gmnFineTuneJob(input: GmnFineTuneInput, ctx: JobContext): Promise<GmnFineTuneOutput> {
  if (!Number.isInteger(input.steps) || input.steps < 1) throw new RangeError(`gmn.finetune: steps must be an integer >= 1, got ${input.steps}`);
  const state = await loadCheckpoint(input.checkpoint, { dtype: 'float32' });
  const configText = state.metadata['nerfdex.gmn.config'];
  if (!configText) throw new Error(`${input.checkpoint}: not a GMN training checkpoint (no nerfdex.gmn.config)`);
  const config = JSON.parse(configText) as GmnTrainConfig;
  checkTrainRecipe(config, input.checkpoint);
  const seed = input.seed ?? 0;
  const total = input.steps;
  const sampler = new FineTuneSampler(input.library, input.anchors, config.objectsPerBatch, input.libraryShare ?? 0.5, seed);
  const checkpointPath = join(input.out, TRAINING_CHECKPOINT);
  const resumed = await ownCheckpoint(checkpointPath, input.checkpoint, configText);
  const startStep = resumed?.optimizer?.step ?? 0;
  // The batches continue where the run was (the ray draws within them are seeded by the step instead).
  for (let i = 0; i < startStep; i++) sampler.nextBatch();
  mkdirSync(input.out, { recursive: true });
  const files = new Map<string, Promise<Nerf>>();
  const load = (file: string): Promise<Nerf> => {
    let nerf = files.get(file);
    if (!nerf) files.set(file, (nerf = readNerfFile(file)));
    return nerf;
  };
  const stopped = (): boolean => ctx.cancelled;
  const cancelledEarly = (before?: HeldOutMetrics): GmnFineTuneOutput => ({
    steps: startStep,
    totalSteps: total,
    cancelled: true,
    lastLoss: NaN,
    ...(resumed ? { checkpoint: checkpointPath } : {}),
    ...(before ? { before } : {}),
  });

  ctx.progress({ done: startStep, total, message: FINE_TUNE_STAGES.before });
  const base = await Embedder.load(input.baseEncoder);
  const before = input.before ?? (await heldOutMetrics(base, input.heldOut, input.anchors, load, ctx.sessions, input.provider, stopped));
  if (!before) return cancelledEarly();
  if (ctx.cancelled) return cancelledEarly(before);

  ctx.progress({ done: startStep, total, message: FINE_TUNE_STAGES.training, metrics: beforeMetrics(before) });
  const model = buildGmnTrainStep(config);
  const session = await ctx.sessions.get(model.bytes, input.provider, { variableShapes: true });
  const start = resumed ?? state;
  const startFile = resumed ? checkpointPath : input.checkpoint;
  const initial: Record<string, HostTensor> = {};
  for (const p of model.graph.params) {
    const t = start.params[p.name];
    if (!t) throw new Error(`${startFile}: has no parameter ${p.name}`);
    initial[p.name] = t;
  }
  const training = trainState(initial, resumed?.optimizer ?? {});
  const targets = new Map<string, RayTargets>();
  const next = seededRandom(seed * 7919 + 17 + startStep);
  let batch: FineTuneBatch | undefined;
  const result = await runTraining(
    {
      job: 'gmn.finetune',
      session,
      state: training,
      steps: Math.max(0, total - training.optimizer.step),
      schedule: { kind: 'one-cycle', lr: input.lr ?? 1e-4, offset: training.optimizer.step, totalSteps: total },
      batch: async () => {
        const drawn = (batch = sampler.nextBatch());
        const side = (architecture: string) => drawn.rows.map((r) => nerfIn(r.object, architecture));
        const entries = [...side(drawn.pair[0]), ...side(drawn.pair[1])];
        const nerfs = await Promise.all(entries.map((e) => load(e.file)));
        let rayTargets: RayTargets[] | null = null;
        if (config.loss !== 'con') {
          rayTargets = [];
          for (let i = 0; i < entries.length; i++) {
            let t = targets.get(entries[i]!.targets);
            if (!t) targets.set(entries[i]!.targets, (t = await cachedTargets(entries[i]!.targets, nerfs[i]!, ctx.sessions, input.provider)));
            rayTargets.push(t);
          }
        }
        // Rows of a known category (demo anchors, library NeRFs that say theirs) keep the category loss.
        return batchFeeds(nerfs, rayTargets, config, next, nerfs.slice(0, drawn.rows.length).map((n) => n.meta.category));
      },
      report: ({ step: done, lr, metrics: stepMetrics }) => {
        const { pair, rows } = batch!;
        const metrics: Record<string, number> = { ...stepMetrics, lr, libraryRows: rows.filter((r) => r.source === 'library').length };
        appendFileSync(join(input.out, FINE_TUNE_LOG), `${JSON.stringify({ step: done, pair, ...metrics })}\n`);
        return { done, total, message: `step ${done} of ${total} (${pair.join(' + ')})`, metrics };
      },
      checkpoint: {
        path: checkpointPath,
        every: input.checkpointEvery ?? 25,
        metadata: { 'nerfdex.gmn.config': configText, 'nerfdex.gmn.seed': String(seed), [INIT_KEY]: input.checkpoint, [FINE_TUNE_KEY]: 'library' },
      },
    },
    ctx,
  );
  const done = training.optimizer.step;
  const lastLoss = result.losses.at(-1) ?? NaN;
  if (result.cancelled) return { steps: done, totalSteps: total, cancelled: true, ...(done > 0 ? { checkpoint: checkpointPath } : {}), before, lastLoss };

  ctx.progress({ done, total, message: FINE_TUNE_STAGES.export });
  const encoderPath = join(input.out, 'encoder.onnx');
  const info = await writeEncoder(encoderPath, training.params, {
    encoder: config.encoder,
    normalization: DEFAULT_VALUE_NORMALIZATION,
    command: `fine-tuned in the app for ${done} steps from ${base.info.version}`,
    ...(base.info.zooManifest ? { zooManifest: base.info.zooManifest } : {}),
    created: new Date().toISOString(),
  });

  ctx.progress({ done, total, message: FINE_TUNE_STAGES.after });
  // Measured even when cancelled now: the run is trained, only its report would be missing.
  const after = await heldOutMetrics(await Embedder.load(encoderPath), input.heldOut, input.anchors, load, ctx.sessions, input.provider);
  if (!existsSync(checkpointPath)) throw new Error(`gmn.finetune: ${checkpointPath} vanished`);
  return { steps: done, totalSteps: total, cancelled: false, checkpoint: checkpointPath, encoder: encoderPath, version: info.version, before, ...(after ? { after } : {}), lastLoss };
}
