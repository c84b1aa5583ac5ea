/**
 * gmn.train and gmn.finetune give the losses recorded before the training driver, step by step,
 * for a run straight through and for one cancelled and resumed part-way.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/main/compute/checkpoint';
import { seededRandom } from '../../src/main/compute/init';
import { SessionCache } from '../../src/main/compute/session';
import { trainState, trainStep } from '../../src/main/compute/train-driver';
import { NerfCache } from '../../src/main/gmn/dataset';
import { loadZoo } from '../../src/main/gmn/dataset';
import { splitDemo } from '../../src/main/gmn/finetune-data';
import { FINE_TUNE_LOG, gmnFineTuneJob } from '../../src/main/gmn/finetune-job';
import { type GmnTrainConfig, buildGmnTrainStep } from '../../src/main/gmn/train-graph';
import { batchFeeds, gmnTrainJob } from '../../src/main/gmn/train-job';
import type { ProviderChoice } from '../../src/shared/compute';
import { DEMO, TINY_CONFIG, writeTinyModel } from '../app/tiny-model';
import { expectRecordedLosses, recordingContext } from '../compute/recorded-losses';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 1 };
const sessions = new SessionCache();
const root = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-losses-'));
const zoo = join(root, 'zoo');
afterAll(() => sessions.dispose());

/** Four demo objects as a train split, in the three training architectures. */
beforeAll(() => {
  mkdirSync(zoo);
  const manifest = JSON.parse(readFileSync(join(DEMO, 'manifest.json'), 'utf8')) as { objects: { id: string; split: string }[]; fits: { id: string; file: string }[] };
  const ids = ['airplane-070000', 'chair-070000', 'car-070000', 'lamp-070000'];
  manifest.objects = manifest.objects.filter((o) => ids.includes(o.id)).map((o) => ({ ...o, split: 'train' }));
  manifest.fits = manifest.fits.filter((f) => ids.includes(f.id));
  for (const f of manifest.fits) copyFileSync(join(DEMO, f.file), join(zoo, f.file));
  writeFileSync(join(zoo, 'manifest.json'), JSON.stringify(manifest));
});

const logLosses = (file: string): number[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { loss: number }).loss);
const trainSteps = (progress: readonly { metrics?: Record<string, number> }[]): number => progress.filter((p) => p.metrics?.['loss'] !== undefined).length;

const config: GmnTrainConfig = { ...TINY_CONFIG, categories: undefined, categoryWeight: 0.5, loss: 'rec+con', foregroundRays: 4, backgroundRays: 2, samples: 4 };

describe('gmn.train losses for a fixed seed', () => {
  it('gives the recorded losses straight through and when cancelled and resumed', async () => {
    const straight = join(root, 'straight');
    await gmnTrainJob({ zoo, out: straight, provider: cpu, config, epochs: 2, seed: 2, warmupSteps: 1, checkpointEvery: 3 }, recordingContext(sessions).ctx);
    expectRecordedLosses(logLosses(join(straight, 'train-log.jsonl')), RECORDED_TRAIN);

    const resumed = join(root, 'resumed');
    const stopped = await gmnTrainJob({ zoo, out: resumed, provider: cpu, config, epochs: 2, seed: 2, warmupSteps: 1, checkpointEvery: 3 }, recordingContext(sessions, (p) => p.length >= 2).ctx);
    expect(stopped).toMatchObject({ steps: 2, cancelled: true });
    await gmnTrainJob({ zoo, out: resumed, provider: cpu, config, epochs: 2, seed: 2, warmupSteps: 1, checkpointEvery: 3 }, recordingContext(sessions).ctx);
    expectRecordedLosses(logLosses(join(resumed, 'train-log.jsonl')), RECORDED_TRAIN_RESUMED);
  }, 300_000);
});

describe('gmn.finetune losses for a fixed seed', () => {
  it('gives the recorded losses straight through and when cancelled and resumed', async () => {
    await writeTinyModel(join(root, 'base'));
    const split = splitDemo(loadZoo(DEMO), join(root, 'targets'));
    const before = { recallAt1: 0.5, recallAt5: 1, chanceAt1: 0.5, chanceAt5: 1, categoryAccuracy: 0.5, objects: 2, queries: 12 };
    const input = {
      checkpoint: join(root, 'base', 'encoder.train.safetensors'),
      baseEncoder: join(root, 'base', 'encoder.onnx'),
      provider: cpu,
      library: split.anchors.slice(3, 5),
      anchors: split.anchors.slice(0, 3),
      heldOut: split.heldOut.slice(0, 2),
      before,
      steps: 4,
      seed: 1,
      checkpointEvery: 3,
    };
    const straight = join(root, 'finetune-straight');
    await gmnFineTuneJob({ ...input, out: straight }, recordingContext(sessions).ctx);
    expectRecordedLosses(logLosses(join(straight, FINE_TUNE_LOG)), RECORDED_FINETUNE);

    const resumed = join(root, 'finetune-resumed');
    const stopped = await gmnFineTuneJob({ ...input, out: resumed }, recordingContext(sessions, (p) => trainSteps(p) >= 2).ctx);
    expect(stopped).toMatchObject({ steps: 2, cancelled: true });
    await gmnFineTuneJob({ ...input, out: resumed }, recordingContext(sessions).ctx);
    expectRecordedLosses(logLosses(join(resumed, FINE_TUNE_LOG)), RECORDED_FINETUNE_RESUMED);
  }, 300_000);
});

describe('checkpoints written before the training driver', () => {
  // The shipped encoder's training checkpoint (fine-tuning starts from it; parameters only) and
  // the GMN v2 run's (parameters and AdamW state at step 980) continue on the driver.
  it.each(['resources/models/encoder.train.safetensors', 'runs/gmn-v2/checkpoint.safetensors'])('%s takes a step from its saved state', async (file) => {
    const saved = await loadCheckpoint(file, { dtype: 'float32' });
    const config = JSON.parse(saved.metadata['nerfdex.gmn.config']!) as GmnTrainConfig;
    const model = buildGmnTrainStep(config);
    const session = await sessions.get(model.bytes, cpu, { variableShapes: true });
    const state = trainState(Object.fromEntries(model.graph.params.map((p) => [p.name, saved.params[p.name]!])), saved.optimizer ?? {});
    const savedStep = saved.optimizer?.step ?? 0;
    const demo = loadZoo(DEMO);
    const objects = demo.manifest.objects.slice(0, config.objectsPerBatch);
    const nerfs = new NerfCache(demo);
    const batch = [...(await Promise.all(objects.map((o) => nerfs.get(o.id, 'mlp-train')))), ...(await Promise.all(objects.map((o) => nerfs.get(o.id, 'hash-train'))))];
    const feeds = await batchFeeds(batch, null, config, seededRandom(0), objects.map((o) => o.category));
    const { loss } = await trainStep(session, feeds, state, 1e-4, 'resume');
    expect(Number.isFinite(loss)).toBe(true);
    expect(state.optimizer.step).toBe(savedStep + 1);
    if (file.startsWith('runs/')) expect(savedStep).toBe(980);
  }, 120_000);
});

const RECORDED_TRAIN = [2.524141311645508, 1.5983946323394775, 1.4155304431915283, 1.5274767875671387];
/** The ray draws of a resumed run are seeded by the step it resumes at, so its later rendering losses differ. */
const RECORDED_TRAIN_RESUMED = [2.524141311645508, 1.5983946323394775, 1.4106462001800537, 1.5102500915527344];
const RECORDED_FINETUNE = [2.3576884269714355, 2.8069615364074707, 2.840367555618286, 5.2060065269470215];
/** No rendering loss (the tiny model's recipe), so a resumed run repeats the one straight through. */
const RECORDED_FINETUNE_RESUMED = RECORDED_FINETUNE;
