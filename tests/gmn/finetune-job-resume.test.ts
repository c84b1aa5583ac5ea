/**
 * The `gmn.finetune` job started again on its own folder: it resumes from the checkpoint it left
 * (step, parameters, AdamW state, the sampler's position) and refuses a checkpoint of another run.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../../src/main/compute/checkpoint';
import { JobCancelledError, type JobContext, type JobProgress } from '../../src/main/compute/jobs';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { loadZoo } from '../../src/main/gmn/dataset';
import { FineTuneSampler, splitDemo } from '../../src/main/gmn/finetune-data';
import type { HeldOutMetrics } from '../../src/main/gmn/finetune-eval';
import { FINE_TUNE_LOG, type GmnFineTuneInput, TRAINING_CHECKPOINT, gmnFineTuneJob } from '../../src/main/gmn/finetune-job';
import type { ProviderChoice } from '../../src/shared/compute';
import { DEMO, TINY_CONFIG, writeTinyModel } from '../app/tiny-model';

const root = mkdtempSync(join(tmpdir(), 'nerfdex-finetune-resume-'));
const sessions = new SessionCache();
let provider: ProviderChoice;
let base: Pick<GmnFineTuneInput, 'checkpoint' | 'baseEncoder' | 'library' | 'anchors' | 'heldOut' | 'before'>;

/** Stands in for the base model's measured metrics, so that the test measures nothing. */
const BEFORE: HeldOutMetrics = { recallAt1: 0.5, recallAt5: 1, chanceAt1: 0.5, chanceAt5: 1, categoryAccuracy: 0.5, objects: 2, queries: 12 };

/** A context whose job is cancelled once it has reported `cancelAfterSteps` training steps. */
function context(cancelAfterSteps: number): { ctx: JobContext; progress: JobProgress[] } {
  const progress: JobProgress[] = [];
  const ctx: JobContext = {
    progress: (p) => progress.push(p),
    get cancelled() {
      return progress.filter((p) => p.metrics?.['loss'] !== undefined).length >= cancelAfterSteps;
    },
    throwIfCancelled() {
      if (this.cancelled) throw new JobCancelledError();
    },
    sessions,
  };
  return { ctx, progress };
}

/** A scalar parameter, to mark the saved parameters with. */
const TEMPERATURE = 'siglip/log_temperature';

const stepsOf = (progress: readonly JobProgress[]): number[] => progress.filter((p) => p.metrics?.['loss'] !== undefined).map((p) => p.done);

beforeAll(async () => {
  await writeTinyModel(join(root, 'base'));
  provider = await chooseProvider('cpu', { threads: 1 });
  const split = splitDemo(loadZoo(DEMO), join(root, 'targets'));
  base = {
    checkpoint: join(root, 'base', 'encoder.train.safetensors'),
    baseEncoder: join(root, 'base', 'encoder.onnx'),
    library: [],
    anchors: split.anchors.slice(0, 3),
    heldOut: split.heldOut.slice(0, 2),
    before: BEFORE,
  };
}, 120_000);

afterAll(async () => {
  await sessions.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('gmn.finetune resumed from its own checkpoint', () => {
  it('starts at the saved step with the saved optimiser state and continues the batches where they were', async () => {
    const out = join(root, 'run');
    const first = context(2);
    const stopped = await gmnFineTuneJob({ ...base, provider, out, steps: 10 }, first.ctx);
    expect(stopped).toMatchObject({ steps: 2, totalSteps: 10, cancelled: true, checkpoint: join(out, TRAINING_CHECKPOINT) });
    expect(stepsOf(first.progress)).toEqual([1, 2]);
    const saved = await loadCheckpoint(join(out, TRAINING_CHECKPOINT));
    expect(saved.optimizer?.step).toBe(2);
    // A marker in the saved parameters: the resumed run must start from them, not from the base model's.
    const marked = (saved.params[TEMPERATURE]!.data as Float32Array)[0]! + 0.25;
    await saveCheckpoint(join(out, TRAINING_CHECKPOINT), { ...saved, params: { ...saved.params, [TEMPERATURE]: { ...saved.params[TEMPERATURE]!, data: Float32Array.of(marked) } } });

    const second = context(2);
    const resumed = await gmnFineTuneJob({ ...base, provider, out, steps: 10 }, second.ctx);
    // Every report carries the resumed step, the stage reports before training too.
    expect(second.progress[0]!.done).toBe(2);
    expect(stepsOf(second.progress)).toEqual([3, 4]);
    expect(resumed).toMatchObject({ steps: 4, totalSteps: 10, cancelled: true });
    const after = await loadCheckpoint(join(out, TRAINING_CHECKPOINT));
    expect(after.optimizer?.step).toBe(4);
    expect((after.params[TEMPERATURE]!.data as Float32Array)[0]).toBeCloseTo(marked, 2);
    // AdamW's second moments carry on: v after two more steps is at least beta2^2 times v saved,
    // everywhere (moments started from zero would fall below it where the first gradients were larger).
    for (const [name, v] of Object.entries(saved.optimizer!.v)) {
      const next = after.optimizer!.v[name]!.data as Float32Array;
      (v.data as Float32Array).forEach((x, i) => {
        if (next[i]! < 0.999 ** 2 * x * (1 - 1e-4)) expect.fail(`adam_v/${name}[${i}] fell from ${x} to ${next[i]}`);
      });
    }

    // The architecture pairs of steps 1 to 4 are those of one uninterrupted sampler (3 pairs cycle, so a restart at step 1 would show).
    const sampler = new FineTuneSampler(base.library, base.anchors, TINY_CONFIG.objectsPerBatch, 0.5, 0);
    const expected = Array.from({ length: 4 }, () => sampler.nextBatch().pair);
    const log = readFileSync(join(out, FINE_TUNE_LOG), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { step: number; pair: string[] });
    expect(log.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(log.map((l) => l.pair)).toEqual(expected);
  }, 300_000);

  it('refuses a checkpoint trained with another configuration, or by a run from another model, naming the file', async () => {
    const own = await loadCheckpoint(join(root, 'run', TRAINING_CHECKPOINT));
    const other = join(root, 'other-config');
    mkdirSync(other);
    await saveCheckpoint(join(other, TRAINING_CHECKPOINT), { ...own, metadata: { ...own.metadata, 'nerfdex.gmn.config': JSON.stringify({ ...TINY_CONFIG, objectsPerBatch: 3 }) } });
    const refused = gmnFineTuneJob({ ...base, provider, out: other, steps: 10 }, context(1).ctx);
    await expect(refused).rejects.toThrow(CheckpointError);
    await expect(refused).rejects.toThrow(`${join(other, TRAINING_CHECKPOINT)}: was trained with another configuration than ${base.checkpoint}`);

    const foreign = join(root, 'other-run');
    mkdirSync(foreign);
    await saveCheckpoint(join(foreign, TRAINING_CHECKPOINT), { ...own, metadata: { ...own.metadata, 'nerfdex.gmn.init': '/elsewhere/encoder.train.safetensors' } });
    await expect(gmnFineTuneJob({ ...base, provider, out: foreign, steps: 10 }, context(1).ctx)).rejects.toThrow(
      `${join(foreign, TRAINING_CHECKPOINT)}: is not a checkpoint of a fine-tuning run from ${base.checkpoint} (it starts from /elsewhere/encoder.train.safetensors)`,
    );
  }, 120_000);
});
