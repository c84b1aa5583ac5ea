/**
 * Fine-tuning across an app restart (real ONNX Runtime, SQLite and worker threads, the tiny
 * model): closing the app mid-run checkpoints it and leaves its job row queued; the next open
 * continues it from that checkpoint to a candidate. A run whose base encoder has gone fails
 * with why, and the app still opens.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppLibrary } from '../../src/main/app/app-library';
import { FINE_TUNE_JOB_KIND } from '../../src/main/app/fine-tune';
import type { FineTunePayload } from '../../src/main/app/fine-tune-payload';
import { loadCheckpoint } from '../../src/main/compute/checkpoint';
import { FINE_TUNE_LOG, TRAINING_CHECKPOINT } from '../../src/main/gmn/finetune-job';
import { Library } from '../../src/main/library/library';
import type { JobRecord } from '../../src/main/library/types';
import { readNerfFile, writeNerfFile } from '../../src/main/nerf/formats/native';
import type { FineTuneStatus } from '../../src/shared/models';
import { libraryFixture } from './library-fixture';
import { DEMO, writeTinyModel } from './tiny-model';

const fixture = libraryFixture();
let app: AppLibrary | undefined;

/** The job row of run `id`, read with the app closed. */
async function rowOf(id: number): Promise<JobRecord> {
  const library = await Library.open(fixture.libraryDir, { log: { info: () => undefined, warn: () => undefined } });
  try {
    return library.getJob(id)!;
  } finally {
    await library.close();
  }
}

async function until(check: () => FineTuneStatus, done: (s: FineTuneStatus) => boolean, timeoutMs = 600_000): Promise<FineTuneStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const status = check();
    if (done(status) || Date.now() > end) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  await writeTinyModel(join(fixture.root, 'models'));
  // One object of the user's own in two architectures, so library rows take part.
  for (const architecture of ['mlp-train', 'hash-train']) {
    const nerf = await readNerfFile(join(DEMO, `chair-070002.${architecture}.nerf.safetensors`));
    await writeNerfFile(join(fixture.demoDir, `user-chair.${architecture}.nerf.safetensors`), { ...nerf, meta: { ...nerf.meta, objectId: 'user-chair' } });
  }
  app = await fixture.open();
  await app.jobs.idle();
  await app.embeddingIdle();
}, 600_000);

afterAll(async () => {
  await app?.close();
  await fixture.remove();
});

describe('fine-tuning across a restart', () => {
  it('checkpoints a running run on close, leaves its row queued, and continues it from that step on the next open', async () => {
    const first = app!;
    // 12 steps of parameter graphs with probe features take far longer than a poll (200 ms).
    const started = await first.fineTunes.start({ device: 'cpu', steps: 12 });
    const training = await until(() => first.fineTunes.status(started.id), (s) => s.step >= 2 || s.state !== 'running');
    expect(training.state).toBe('running');
    await first.close();
    app = undefined;

    const row = await rowOf(started.id);
    expect(row).toMatchObject({ kind: FINE_TUNE_JOB_KIND, state: 'queued', total: 12, error: null });
    const payload = row.payload as FineTunePayload;
    expect(payload).toMatchObject({ baseEncoder: fixture.encoderPath, request: 'cpu', device: 'cpu', steps: 12 });
    expect(payload.stage).toMatch(new RegExp(`^interrupted by shutdown at step ${row.done} of 12`));
    expect(row.done).toBeGreaterThanOrEqual(2);
    expect(row.done).toBeLessThan(12);
    const checkpoint = join(payload.folder, TRAINING_CHECKPOINT);
    expect(existsSync(checkpoint)).toBe(true);
    expect((await loadCheckpoint(checkpoint)).optimizer?.step).toBe(row.done);

    const second = await fixture.open();
    app = second;
    const steps: number[] = [];
    second.fineTunes.onChange(({ jobId }) => {
      if (jobId === started.id) steps.push(second.fineTunes.status(jobId).step);
    });
    const resumed = second.fineTunes.status(started.id);
    expect(resumed).toMatchObject({ state: 'running', step: row.done, steps: 12, device: 'cpu' });
    expect(resumed.stage).toMatch(/^resuming after shutdown/);
    // The losses before the restart come back from the run's training log.
    expect(resumed.losses.map((l) => l.step)).toEqual(Array.from({ length: row.done }, (_, i) => i + 1));
    expect(second.fineTunes.jobs()[0]).toMatchObject({ id: started.id, kind: FINE_TUNE_JOB_KIND, state: 'running', total: 12 });

    const done = await until(() => second.fineTunes.status(started.id, 0), (s) => s.state !== 'running');
    expect(done.error).toBeNull();
    expect(done.state).toBe('done');
    // The first step reported after reopening is the one after the checkpoint's.
    expect(steps[0]).toBe(row.done + 1);
    expect(done.losses.map((l) => l.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const folder = join(fixture.modelsDir, done.candidateVersion!);
    expect(existsSync(join(folder, 'encoder.onnx'))).toBe(true);
    // Trained once through: steps after the checkpoint are logged once, none from before it again.
    const logged = readFileSync(join(folder, FINE_TUNE_LOG), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { step: number }).step);
    expect(logged).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(second.library.getJob(started.id)).toMatchObject({ state: 'done', done: 12 });
  }, 1_200_000);

  it('marks a run whose base encoder has gone as failed, with why, and the app still opens', async () => {
    await app?.close();
    app = undefined;
    const library = await Library.open(fixture.libraryDir, { log: { info: () => undefined, warn: () => undefined } });
    const gone = join(fixture.root, 'gone', 'encoder.onnx');
    const payload: FineTunePayload = { base: 'gmn-00000000', baseEncoder: gone, request: 'cpu', device: 'cpu', steps: 5, folder: join(fixture.modelsDir, 'run-gone'), startedAt: 1, stage: 'interrupted by shutdown at step 3 of 5' };
    const row = library.createJob(FINE_TUNE_JOB_KIND, payload, 5);
    await library.close();

    app = await fixture.open();
    const reason = `its base encoder ${gone} is gone, so fine-tuning run ${row.id} cannot continue`;
    expect(app.library.getJob(row.id)).toMatchObject({ state: 'failed', error: reason });
    expect(app.fineTunes.status(row.id)).toMatchObject({ state: 'failed', error: reason, baseVersion: 'gmn-00000000' });
    expect(app.fineTunes.list().filter((r) => r.state === 'running')).toEqual([]);
  }, 300_000);
});
