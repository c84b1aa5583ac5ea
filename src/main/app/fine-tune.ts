/**
 * One-click fine-tuning in the app: gathers the library's NeRFs into objects, splits the demo zoo
 * into anchors and held-out objects, runs the `gmn.finetune` job on the chosen device, follows its
 * losses, ETA and stage, and turns its result into a candidate encoder folder
 * (`<models>/<version>/`) that the user keeps (the app's encoder from then on) or discards.
 */

import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobInfo, JobStateName } from '../../shared/api';
import type { ProviderName, ProviderRequest } from '../../shared/compute';
import type { FineTuneLossPoint, FineTuneMetrics, FineTuneRequest, FineTuneState, FineTuneStatus } from '../../shared/models';
import { JobCancelledError } from '../compute/jobs';
import { chooseProvider } from '../compute/providers';
import type { JobHandle } from '../compute/worker-pool';
import { loadZoo } from '../gmn/dataset';
import { type FineTuneObject, libraryTrainingObjects, splitDemo } from '../gmn/finetune-data';
import type { HeldOutMetrics } from '../gmn/finetune-eval';
import { FINE_TUNE_STAGES, type GmnFineTuneOutput, beforeMetricsOf } from '../gmn/finetune-job';
import { readEncoderInfo } from '../library/import/importer';
import type { AppLibrary } from './app-library';
import type { ImportJobChange } from './import-jobs';
import { THREADS_SETTING } from './settings-keys';

/** Kind of a fine-tuning run's row in the library's jobs table. */
export const FINE_TUNE_JOB_KIND = 'app.fine-tune';
/** Written into a candidate's folder: how it was made and what it scored. */
export const FINE_TUNE_RECORD = 'finetune.json';

/** What `finetune.json` holds. */
export interface FineTuneRecord {
  readonly base: string;
  readonly steps: number;
  readonly device: ProviderName;
  readonly before: FineTuneMetrics | null;
  readonly after: FineTuneMetrics | null;
  readonly libraryObjects: number;
  readonly anchorObjects: number;
  readonly finished: string;
}

interface Run {
  readonly id: number;
  state: FineTuneState;
  stage: string;
  readonly device: ProviderName;
  step: number;
  readonly steps: number;
  readonly losses: FineTuneLossPoint[];
  readonly baseVersion: string;
  candidateVersion: string | null;
  /** The run's folder: its checkpoint, later the candidate encoder. */
  folder: string;
  readonly libraryObjects: number;
  readonly anchorObjects: number;
  before: FineTuneMetrics | null;
  after: FineTuneMetrics | null;
  error: string | null;
  readonly startedAt: number;
  /** Time and step of the first and the latest training step, for the ETA. */
  firstStep: { at: number; step: number } | undefined;
  lastStep: { at: number; step: number } | undefined;
  handle: JobHandle<GmnFineTuneOutput> | undefined;
  finished: Promise<void>;
}

/** The training checkpoint that belongs to an encoder: `<name>.train.safetensors` beside `<name>.onnx`. */
export function trainingCheckpointOf(encoderPath: string): string {
  return encoderPath.replace(/\.onnx$/, '.train.safetensors');
}

/** Metrics as the contract carries them (JSON has no NaN). */
export function contractMetrics(m: HeldOutMetrics | undefined): FineTuneMetrics | null {
  if (!m) return null;
  const value = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    recallAt1: value(m.recallAt1),
    recallAt5: value(m.recallAt5),
    chanceAt1: value(m.chanceAt1),
    chanceAt5: value(m.chanceAt5),
    categoryAccuracy: value(m.categoryAccuracy),
    objects: m.objects,
    queries: m.queries,
  };
}

/** The library's assets as fine-tuning objects: assets with the same object id (NeRF metadata) are one object. */
export function libraryObjects(app: AppLibrary): FineTuneObject[] {
  const { library } = app;
  const objects = new Map<string, { category: string | null; nerfs: FineTuneObject['nerfs'][number][] }>();
  for (let offset = 0; ; ) {
    const page = library.listAssets({ offset, limit: 1000, sort: 'created', order: 'asc' });
    for (const summary of page.items) {
      const record = library.getAsset(summary.id);
      const file = library.assetFiles(summary.id).find((f) => f.status === 'present');
      if (!record || !file) continue;
      const objectId = typeof record.meta['objectId'] === 'string' ? record.meta['objectId'] : `asset-${record.id}`;
      const entry = objects.get(objectId) ?? { category: record.category, nerfs: [] };
      if (!entry.nerfs.some((n) => n.architecture === record.architecture)) {
        entry.nerfs.push({ file: file.path, architecture: record.architecture, targets: path.join(library.cacheDir, 'targets', `${record.contentSha256}.targets.f32`) });
      }
      objects.set(objectId, entry);
    }
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) break;
  }
  return [...objects].map(([id, o]) => ({ id, category: o.category, nerfs: o.nerfs }));
}

/** How a run shows in the jobs panel: kept and discarded runs are done jobs. */
const JOB_STATES: Readonly<Record<FineTuneState, JobStateName>> = { running: 'running', done: 'done', kept: 'done', discarded: 'done', failed: 'failed', cancelled: 'cancelled' };

/**
 * The fine-tuning runs of one open library (one at a time). Also a job source for the jobs panel
 * (`info`, `onChange`), like the import jobs.
 */
export class FineTunes {
  private readonly runs = new Map<number, Run>();
  private readonly listeners = new Set<(change: ImportJobChange) => void>();

  constructor(private readonly app: AppLibrary) {}

  /** Calls `listener` on every change of a run; returns the function that stops it. */
  onChange(listener: (change: ImportJobChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A run as the jobs panel shows it. */
  info(id: number): JobInfo {
    const run = this.get(id);
    const status = this.describe(run, run.steps);
    return {
      id: run.id,
      kind: FINE_TUNE_JOB_KIND,
      label: `Fine-tune ${run.baseVersion} on the library`,
      state: JOB_STATES[run.state],
      done: run.step,
      total: run.steps,
      imported: 0,
      failed: 0,
      stage: run.stage,
      currentFile: null,
      etaSeconds: status.etaSeconds,
      createdAt: run.startedAt,
      updatedAt: run.lastStep?.at ?? run.startedAt,
      error: run.error,
      errors: [],
    };
  }

  /** Every run of this process as jobs, newest first. */
  jobs(): JobInfo[] {
    return [...this.runs.keys()].reverse().map((id) => this.info(id));
  }

  private notify(run: Run): void {
    for (const listener of [...this.listeners]) {
      try {
        listener({ jobId: run.id, assets: false });
      } catch (error) {
        console.warn(`a fine-tuning listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /**
   * Starts a run from the selected encoder's training checkpoint. Rejects (`RangeError`) while
   * another run is going, without an encoder or its checkpoint, or without the demo zoo; an
   * explicit device that cannot start rejects with why.
   */
  async start(request: FineTuneRequest): Promise<FineTuneStatus> {
    const { app } = this;
    const running = [...this.runs.values()].find((r) => r.state === 'running');
    if (running) throw new RangeError(`fine-tuning run ${running.id} is still running; cancel it or wait for it to end`);
    const encoderPath = app.encoderPath;
    if (!existsSync(encoderPath)) throw new RangeError(`no encoder model installed (${encoderPath}): fine-tuning starts from a trained encoder`);
    const checkpoint = trainingCheckpointOf(encoderPath);
    if (!existsSync(checkpoint)) throw new RangeError(`the encoder ${encoderPath} has no training checkpoint (${checkpoint}), so it cannot be fine-tuned`);
    const base = await readEncoderInfo(encoderPath);
    const demoDir = path.join(app.resourcesDir, 'demo');
    if (!existsSync(path.join(demoDir, 'manifest.json'))) throw new RangeError(`the demo zoo ${demoDir} is missing: fine-tuning takes its anchor and held-out objects from it`);
    const threads = app.library.getSetting<number>(THREADS_SETTING) ?? 0;
    const provider = await chooseProvider(request.device as ProviderRequest, { threads });
    const demo = loadZoo(demoDir);
    const split = splitDemo(demo, path.join(app.library.cacheDir, 'targets'));
    // Held-out metrics depend on the encoder and the demo's split only: measured once per pair.
    const metricsOf = (version: string): string => path.join(app.library.cacheDir, 'held-out-metrics', `${version}-${demo.manifestHash.slice(0, 16)}.json`);
    const known = await readHeldOutMetrics(metricsOf(base.version));
    const library = libraryTrainingObjects(libraryObjects(app), split);
    const row = app.library.createJob(FINE_TUNE_JOB_KIND, { base: base.version, device: provider.name, steps: request.steps }, request.steps);
    app.library.updateJob(row.id, { state: 'running' });
    const folder = path.join(app.modelsDir, `run-${row.id}-${Date.now()}`);
    const run: Run = {
      id: row.id,
      state: 'running',
      stage: FINE_TUNE_STAGES.before,
      device: provider.name,
      step: 0,
      steps: request.steps,
      losses: [],
      baseVersion: base.version,
      candidateVersion: null,
      folder,
      libraryObjects: library.length,
      anchorObjects: split.anchors.length,
      before: null,
      after: null,
      error: null,
      startedAt: Date.now(),
      firstStep: undefined,
      lastStep: undefined,
      handle: undefined,
      finished: Promise.resolve(),
    };
    this.runs.set(run.id, run);
    const handle = app.pool.startJob(
      'gmn.finetune',
      { checkpoint, baseEncoder: encoderPath, out: folder, provider, library, anchors: split.anchors, heldOut: split.heldOut, steps: request.steps, ...(known ? { before: known } : {}) },
      {
        onProgress: (p) => {
          if (p.message) run.stage = p.message;
          const before = beforeMetricsOf(p.metrics);
          if (before) run.before = contractMetrics(before);
          const loss = p.metrics?.['loss'];
          if (loss === undefined) return;
          run.step = p.done;
          run.losses.push({ step: p.done, loss, rendering: p.metrics?.['rendering'] ?? null, contrastive: p.metrics?.['contrastive'] ?? null });
          const now = Date.now();
          run.firstStep ??= { at: now, step: p.done };
          run.lastStep = { at: now, step: p.done };
          app.library.updateJob(run.id, { done: p.done });
          this.notify(run);
        },
      },
    );
    run.handle = handle;
    run.finished = handle.result.then(
      async (output) => {
        if (output.before && !known) await writeHeldOutMetrics(metricsOf(run.baseVersion), output.before);
        if (output.after && output.version) await writeHeldOutMetrics(metricsOf(output.version), output.after);
        await this.finish(run, output);
      },
      (error: unknown) => {
        run.state = error instanceof JobCancelledError ? 'cancelled' : 'failed';
        run.error = run.state === 'failed' ? (error instanceof Error ? error.message : String(error)) : null;
        run.stage = run.state;
        app.library.updateJob(run.id, { state: run.state, error: run.error });
      },
    ).finally(() => this.notify(run));
    this.notify(run);
    return this.describe(run, 0);
  }

  private async finish(run: Run, output: GmnFineTuneOutput): Promise<void> {
    run.before = contractMetrics(output.before);
    run.after = contractMetrics(output.after);
    run.step = output.steps;
    if (output.cancelled || !output.encoder || !output.version) {
      run.state = 'cancelled';
      run.stage = output.steps > 0 ? `cancelled at step ${output.steps}; its checkpoint stays until discarded` : 'cancelled';
      this.app.library.updateJob(run.id, { state: 'cancelled', done: output.steps });
      return;
    }
    // The candidate's folder is named by its version, as every model folder is.
    const named = path.join(this.app.modelsDir, output.version);
    if (!existsSync(named)) {
      await rename(run.folder, named);
      run.folder = named;
    }
    run.candidateVersion = output.version;
    const record: FineTuneRecord = {
      base: run.baseVersion,
      steps: output.steps,
      device: run.device,
      before: run.before,
      after: run.after,
      libraryObjects: run.libraryObjects,
      anchorObjects: run.anchorObjects,
      finished: new Date().toISOString(),
    };
    await writeFile(path.join(run.folder, FINE_TUNE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
    run.state = 'done';
    run.stage = 'done: keep the new model or discard it';
    this.app.library.updateJob(run.id, { state: 'done', done: output.steps });
  }

  status(id: number, fromStep = 0): FineTuneStatus {
    return this.describe(this.get(id), fromStep);
  }

  /** Runs of this process, newest first, without losses. */
  list(): FineTuneStatus[] {
    return [...this.runs.values()].reverse().map((run) => this.describe(run, run.steps));
  }

  has(id: number): boolean {
    return this.runs.has(id);
  }

  /** Stops a running run (it checkpoints after its current step) and waits for it. */
  async cancel(id: number): Promise<FineTuneStatus> {
    const run = this.get(id);
    if (run.state === 'running') {
      run.handle?.cancel();
      await run.finished;
    }
    return this.describe(run, run.steps);
  }

  /** The candidate becomes the app's encoder; the library re-embeds with it and then searches with it. */
  async keep(id: number): Promise<FineTuneStatus> {
    const run = this.get(id);
    if (run.state !== 'done') throw new RangeError(`fine-tuning run ${id} is ${run.state}: only a finished run's model can be kept`);
    await this.app.selectEncoder(path.join(run.folder, 'encoder.onnx'));
    run.state = 'kept';
    run.stage = 'kept: the library is re-embedded with the new model';
    this.notify(run);
    return this.describe(run, run.steps);
  }

  /** Deletes the run's folder (its candidate, or the checkpoint of a cancelled run). */
  async discard(id: number): Promise<FineTuneStatus> {
    const run = this.get(id);
    if (run.state === 'running' || run.state === 'kept' || run.state === 'discarded') throw new RangeError(`fine-tuning run ${id} is ${run.state}: only a finished, cancelled or failed run can be discarded`);
    await rm(run.folder, { recursive: true, force: true });
    run.state = 'discarded';
    run.stage = 'discarded';
    this.notify(run);
    return this.describe(run, run.steps);
  }

  /** Marks a run's candidate as kept when the user selects it from the model list. */
  markKept(folder: string): void {
    for (const run of this.runs.values()) {
      if (run.state === 'done' && path.resolve(run.folder) === path.resolve(folder)) {
        run.state = 'kept';
        run.stage = 'kept: the library is re-embedded with the new model';
      }
    }
  }

  /** The run waiting for keep or discard whose candidate lives in `folder`, if any. */
  pendingIn(folder: string): number | null {
    for (const run of this.runs.values()) if (run.state === 'done' && path.resolve(run.folder) === path.resolve(folder)) return run.id;
    return null;
  }

  /** Cancels a running run and waits for it (shutdown). */
  async close(): Promise<void> {
    for (const run of this.runs.values()) if (run.state === 'running') run.handle?.cancel();
    await Promise.all([...this.runs.values()].map((run) => run.finished));
  }

  private get(id: number): Run {
    const run = this.runs.get(id);
    if (!run) throw new RangeError(`no fine-tuning run ${id} in this session`);
    return run;
  }

  private describe(run: Run, fromStep: number): FineTuneStatus {
    let etaSeconds: number | null = null;
    if (run.state === 'running' && run.firstStep && run.lastStep && run.lastStep.step > run.firstStep.step) {
      const perStep = (run.lastStep.at - run.firstStep.at) / (run.lastStep.step - run.firstStep.step);
      etaSeconds = Math.max(0, Math.round((perStep * (run.steps - run.lastStep.step)) / 1000));
    }
    return {
      id: run.id,
      state: run.state,
      stage: run.stage,
      device: run.device,
      step: run.step,
      steps: run.steps,
      etaSeconds,
      losses: run.losses.filter((l) => l.step > fromStep),
      baseVersion: run.baseVersion,
      candidateVersion: run.candidateVersion,
      libraryObjects: run.libraryObjects,
      anchorObjects: run.anchorObjects,
      before: run.before,
      after: run.after,
      error: run.error,
      startedAt: run.startedAt,
    };
  }
}

/** Held-out metrics cached as JSON (which writes NaN as null). */
async function readHeldOutMetrics(file: string): Promise<HeldOutMetrics | undefined> {
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<keyof HeldOutMetrics, number | null>;
    return Object.fromEntries(Object.entries(stored).map(([key, value]) => [key, value ?? NaN])) as unknown as HeldOutMetrics;
  } catch {
    return undefined;
  }
}

async function writeHeldOutMetrics(file: string, metrics: HeldOutMetrics): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(metrics)}\n`);
}

/** The record of a fine-tuned model folder, or undefined when it has none (or it is unreadable). */
export async function readFineTuneRecord(folder: string): Promise<FineTuneRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(folder, FINE_TUNE_RECORD), 'utf8')) as FineTuneRecord;
  } catch {
    return undefined;
  }
}
