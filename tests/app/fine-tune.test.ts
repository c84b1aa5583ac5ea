/**
 * One-click fine-tuning over the real API (ONNX Runtime, SQLite, worker threads): a run of a few
 * steps on a small library reports its stages and losses and leaves a candidate with held-out
 * metrics; keep re-embeds the library and then switches search to the new version; switching
 * back to the shipped model is immediate; a cancelled run checkpoints, and discard removes it.
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { FINE_TUNE_RECORD } from '../../src/main/app/fine-tune-records';
import { readNerfFile, writeNerfFile } from '../../src/main/nerf/formats/native';
import type { Api } from '../../src/shared/api';
import type { FineTuneStatus } from '../../src/shared/models';
import { libraryFixture } from './library-fixture';
import { DEMO, writeTinyModel } from './tiny-model';

const fixture = libraryFixture();
let app: AppLibrary;
let api: Api;
let shippedVersion: string;
/** The shipped model's held-out metrics as the first run measured them. */
let shippedMetrics: FineTuneStatus['before'];

/** A demo NeRF stored as the user's own object `objectId` (so it is neither an anchor nor held out). */
async function userCopy(name: string, objectId: string): Promise<void> {
  const nerf = await readNerfFile(join(DEMO, `${name}.nerf.safetensors`));
  await writeNerfFile(join(fixture.demoDir, `${objectId}.${nerf.config.architecture}.nerf.safetensors`), { ...nerf, meta: { ...nerf.meta, objectId } });
}

async function until(check: () => Promise<FineTuneStatus>, done: (s: FineTuneStatus) => boolean, timeoutMs = 600_000): Promise<FineTuneStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const status = await check();
    if (done(status) || Date.now() > end) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  const info = await writeTinyModel(join(fixture.root, 'models'));
  shippedVersion = info.version;
  // The user's own objects: one in all three architectures (contrastive pairs), one in one only.
  for (const architecture of ['mlp-train', 'triplane-train', 'hash-train']) await userCopy(`chair-070002.${architecture}`, 'user-chair');
  await userCopy('lamp-070002.mlp-train', 'user-lamp');
  app = await fixture.open();
  await app.jobs.idle();
  await app.embeddingIdle();
  api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
}, 600_000);

afterAll(async () => {
  await app?.close();
  await fixture.remove();
});

describe('fine-tuning in the app', () => {
  it('lists every provider with whether it can start and why', async () => {
    const devices = await api.listDevices();
    expect(devices.map((d) => d.name)).toEqual(['cpu', 'cuda', 'dml', 'coreml', 'webgpu']);
    expect(devices[0]).toMatchObject({ name: 'cpu', available: true });
    for (const d of devices) expect(d.reason.length).toBeGreaterThan(0);
    expect(devices.find((d) => d.name === 'dml')).toMatchObject({ available: false, reason: `not available on ${process.platform}` });
  });

  it('runs a few steps with progress, leaves a candidate with before/after metrics, and keep switches the active model after re-embedding', async () => {
    expect(app.library.activeModel()?.version).toBe(shippedVersion);
    const started = await api.startFineTune({ device: 'cpu', steps: 3 });
    expect(started).toMatchObject({ state: 'running', steps: 3, device: 'cpu', baseVersion: shippedVersion, libraryObjects: 2, anchorObjects: 26 });
    await expect(api.startFineTune({ device: 'cpu', steps: 3 })).rejects.toThrow(`fine-tuning run ${started.id} is still running`);
    const stages = new Set<string>();
    const done = await until(
      async () => {
        const s = await api.fineTuneStatus(started.id, 0);
        stages.add(s.stage);
        return s;
      },
      (s) => s.state !== 'running',
    );
    expect(done.error).toBeNull();
    expect(done.state).toBe('done');
    expect(stages).toContain('measuring the current model on held-out objects');
    expect(done.losses.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of done.losses) {
      expect(Number.isFinite(l.loss)).toBe(true);
      // The shipped recipe (tiny-model.ts) has no rendering loss: SigLIP and the category loss.
      expect(l.rendering).toBeNull();
      expect(l.contrastive).toBeGreaterThan(0);
    }
    expect((await api.fineTuneStatus(started.id, 2)).losses.map((l) => l.step)).toEqual([3]);
    for (const m of [done.before!, done.after!]) {
      expect(m).toMatchObject({ objects: 13, queries: 13 * 6 });
      for (const value of [m.recallAt1, m.recallAt5, m.categoryAccuracy]) expect(value).toBeGreaterThanOrEqual(0);
      expect(m.recallAt5!).toBeGreaterThanOrEqual(m.recallAt1!);
      expect(m.chanceAt1).toBeCloseTo(1 / 13, 6);
      expect(m.chanceAt5).toBeCloseTo(5 / 13, 6);
    }
    shippedMetrics = done.before;
    const version = done.candidateVersion!;
    expect(version).toMatch(/^gmn-[0-9a-f]{8}$/);
    expect(version).not.toBe(shippedVersion);
    const folder = join(fixture.modelsDir, version);
    for (const file of ['encoder.onnx', 'encoder.json', 'encoder.train.safetensors', FINE_TUNE_RECORD]) expect(existsSync(join(folder, file))).toBe(true);
    expect(JSON.parse(await readFile(join(folder, FINE_TUNE_RECORD), 'utf8'))).toMatchObject({ base: shippedVersion, steps: 3, after: done.after });

    // Not used until kept.
    let models = await api.listModels();
    expect(models).toMatchObject([
      { version: shippedVersion, source: 'shipped', selected: true, active: true, embedded: 10, assets: 10, pendingFineTune: null },
      { version, source: 'fine-tuned', selected: false, active: false, embedded: 0, pendingFineTune: started.id, metrics: done.after },
    ]);
    expect(app.encoderPath).toBe(fixture.encoderPath);

    expect((await api.keepFineTuned(started.id)).state).toBe('kept');
    await expect(api.keepFineTuned(started.id)).rejects.toThrow(`fine-tuning run ${started.id} is kept: only a finished run's model can be kept`);
    expect(app.encoderPath).toBe(join(folder, 'encoder.onnx'));
    await app.embeddingIdle();
    await app.jobs.idle();
    await app.embeddingIdle();
    expect(app.library.activeModel()?.version).toBe(version);
    models = await api.listModels();
    expect(models.map((m) => [m.version, m.selected, m.active, m.embedded])).toEqual([
      [shippedVersion, false, false, 10],
      [version, true, true, 10],
    ]);
    expect((await api.findSimilar(1, 3, {})).modelVersion).toBe(version);

    // Back to the shipped model: its embeddings are still there, so search switches at once.
    models = await api.useModel(shippedVersion);
    expect(models.map((m) => [m.version, m.selected, m.active])).toEqual([
      [shippedVersion, true, true],
      [version, false, false],
    ]);
    expect(app.encoderPath).toBe(fixture.encoderPath);
    await expect(api.useModel('gmn-00000000')).rejects.toThrow('no model "gmn-00000000" in the library');

    // A fine-tuned version no longer wanted goes with its embeddings; the shipped one and the one in use stay.
    await expect(api.deleteModel(shippedVersion)).rejects.toThrow(`model ${shippedVersion} is the shipped encoder`);
    expect((await api.deleteModel(version)).map((m) => m.version)).toEqual([shippedVersion]);
    expect(existsSync(folder)).toBe(false);
    expect(app.library.models().map((m) => m.version)).toEqual([shippedVersion]);
  }, 900_000);

  it('cancels a run between steps (it checkpoints), and discard deletes its folder', async () => {
    const started = await api.startFineTune({ device: 'auto', steps: 500 });
    const training = await until(() => api.fineTuneStatus(started.id, 0), (s) => s.step >= 1 || s.state !== 'running');
    expect(training.state).toBe('running');
    expect(training.stage).toMatch(/^step \d+ of 500/);
    // The old model's metrics are shown before training ends; the shipped model's were measured by the first run and are reused.
    expect(training.before).toEqual(shippedMetrics);
    // The run is a job in the jobs panel too, and the panel's Cancel stops it.
    const job = (await api.listJobs())[0]!;
    expect(job).toMatchObject({ id: started.id, kind: 'app.fine-tune', state: 'running', total: 500 });
    expect(job.done).toBeGreaterThanOrEqual(1);
    expect((await api.cancelJob(started.id)).state).toBe('cancelled');
    const cancelled = await api.cancelFineTune(started.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.step).toBeGreaterThanOrEqual(1);
    expect(cancelled.candidateVersion).toBeNull();
    expect(cancelled.before).not.toBeNull();
    await expect(api.keepFineTuned(started.id)).rejects.toThrow(/is cancelled: only a finished run's model can be kept/);
    const runs = (await api.listFineTunes()).map((r) => [r.id, r.state]);
    expect(runs[0]).toEqual([started.id, 'cancelled']);
    const folders = await import('node:fs/promises').then((fs) => fs.readdir(fixture.modelsDir));
    const runFolder = folders.find((f) => f.startsWith(`run-${started.id}-`))!;
    expect(existsSync(join(fixture.modelsDir, runFolder, 'encoder.train.safetensors'))).toBe(true);
    expect((await api.discardFineTuned(started.id)).state).toBe('discarded');
    expect(existsSync(join(fixture.modelsDir, runFolder))).toBe(false);
    await expect(api.discardFineTuned(started.id)).rejects.toThrow(/is discarded/);
    await expect(api.fineTuneStatus(9999, 0)).rejects.toThrow('no fine-tuning run 9999 in this session');
  }, 600_000);

  it('keeps the device and threads in the settings, refuses a device that cannot start, and watches folders', async () => {
    expect(await api.getSettings()).toEqual({ watchedFolders: [], device: 'auto', threads: 0 });
    expect(await api.setSettings({ device: 'cpu', threads: 1 })).toMatchObject({ device: 'cpu', threads: 1 });
    await expect(api.setSettings({ device: 'dml' })).rejects.toThrow(`execution provider 'dml' cannot start: not available on ${process.platform}`);
    await expect(api.setSettings({ addWatchedFolder: 'relative/folder' })).rejects.toThrow(RangeError);
    await expect(api.setSettings({ addWatchedFolder: join(fixture.root, 'nowhere') })).rejects.toThrow('is not a folder on this machine');
    const folder = mkdtempSync(join(tmpdir(), 'nerfdex-watched-'));
    copyFileSync(join(DEMO, 'sofa-070001.triplane-train.nerf.safetensors'), join(folder, 'sofa.nerf.safetensors'));
    const before = app.library.listAssets({ limit: 0 }).total;
    expect((await api.setSettings({ addWatchedFolder: folder })).watchedFolders).toEqual([folder]);
    await app.jobs.idle();
    expect(app.library.listAssets({ limit: 0 }).total).toBe(before + 1);
    expect((await api.setSettings({ removeWatchedFolder: folder })).watchedFolders).toEqual([]);
    await expect(api.setSettings({ removeWatchedFolder: folder })).rejects.toThrow('is not a watched folder');
  }, 300_000);
});
