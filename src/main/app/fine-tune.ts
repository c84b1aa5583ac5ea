/**
 * One-click fine-tuning in the app: gathers the library's NeRFs into objects, splits the demo zoo
 * into anchors and held-out objects, runs the `gmn.finetune` job on the chosen device, follows its
 * losses, ETA and stage, and turns its result into a candidate encoder folder
 * (`<models>/<version>/`) that the user keeps (the app's encoder from then on) or discards.
 * A run interrupted by shutdown (or by a process that died) continues from its checkpoint on the
 * next open.
 */

import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JobInfo, JobStateName } from '../../shared/api';
import type { ProviderChoice, ProviderName, ProviderRequest } from '../../shared/compute';
import type { FineTuneLossPoint, FineTuneMetrics, FineTuneRequest, FineTuneState, FineTuneStatus } from '../../shared/models';
import { JobCancelledError } from '../compute/jobs';
import { chooseProvider } from '../compute/providers';
import type { JobHandle } from '../compute/worker-pool';
import { loadZoo } from '../gmn/dataset';
import { type DemoSplit, type FineTuneObject, libraryTrainingObjects, splitDemo } from '../gmn/finetune-data';
import type { HeldOutMetrics } from '../gmn/finetune-eval';
import { FINE_TUNE_STAGES, type GmnFineTuneOutput, beforeMetricsOf } from '../gmn/finetune-job';
import { readEncoderInfo } from '../library/import/importer';
import type { JobRecord } from '../library/types';
import type { AppLibrary } from './app-library';
import { type FineTunePayload, fineTunePayloadOf, readLossLog } from './fine-tune-payload';
import { FINE_TUNE_RECORD, type FineTuneRecord, contractMetrics, readHeldOutMetrics, writeHeldOutMetrics } from './fine-tune-records';
import type { ImportJobChange } from './import-jobs';
import { THREADS_SETTING } from './settings-keys';

/** Kind of a fine-tuning run's row in the library's jobs table. */
export const FINE_TUNE_JOB_KIND = 'app.fine-tune';
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
  /** What the job row keeps for a restart. */
  readonly payload: FineTunePayload;
  /** Why the run was asked to stop: the user's cancel ends it, shutdown leaves it queued. */
  stopping: 'cancel' | 'shutdown' | undefined;
}

/** What a run's job needs besides its base model, computed from the library and the demo zoo at each (re)start. */
interface RunData {
  readonly library: FineTuneObject[];
  readonly split: DemoSplit;
  /** The base encoder's held-out metrics when measured before. */
  readonly known: HeldOutMetrics | undefined;
  /** Where an encoder version's held-out metrics are cached. */
  readonly metricsOf: (version: string) => string;
}

/** The training checkpoint that belongs to an encoder: `<name>.train.safetensors` beside `<name>.onnx`. */
export function trainingCheckpointOf(encoderPath: string): string {
  return encoderPath.replace(/\.onnx$/, '.train.safetensors');
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

  /** Every run of this process (started or resumed here) as jobs, newest first. */
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
    const data = await this.runData(base.version);
    const provider = await this.provider(request.device);
    const startedAt = Date.now();
    const row = app.library.createJob(FINE_TUNE_JOB_KIND, {}, request.steps);
    const payload: FineTunePayload = {
      base: base.version,
      baseEncoder: encoderPath,
      request: request.device,
      device: provider.name,
      steps: request.steps,
      folder: path.join(app.modelsDir, `run-${row.id}-${startedAt}`),
      startedAt,
    };
    app.library.updateJob(row.id, { state: 'running', payload });
    const run = this.newRun(row.id, payload, provider.name, data, FINE_TUNE_STAGES.before, 0, []);
    this.launch(run, provider, data);
    return this.describe(run, 0);
  }

  /**
   * Restarts the runs that shutdown left queued, or that a process which died left running: each
   * resumes from its folder's checkpoint (from the start when it has none). A run that cannot
   * restart (its base encoder or training checkpoint is gone, the demo zoo is missing, its device
   * cannot start) is marked failed with why, and listed so that its folder can be discarded. Runs
   * one at a time, like `start`: when rows of several runs are left, the others stay queued for a
   * later open.
   */
  async resume(): Promise<void> {
    for (const row of this.app.library.resumableJobs(FINE_TUNE_JOB_KIND)) {
      if ([...this.runs.values()].some((r) => r.state === 'running')) return;
      try {
        await this.restart(row);
      } catch (error) {
        this.failRestart(row, error instanceof Error ? error.message : String(error));
      }
    }
  }

  private async restart(row: JobRecord): Promise<void> {
    const payload = fineTunePayloadOf(row);
    if (!existsSync(payload.baseEncoder)) throw new RangeError(`its base encoder ${payload.baseEncoder} is gone, so fine-tuning run ${row.id} cannot continue`);
    const checkpoint = trainingCheckpointOf(payload.baseEncoder);
    if (!existsSync(checkpoint)) throw new RangeError(`the training checkpoint ${checkpoint} of its base encoder is gone, so fine-tuning run ${row.id} cannot continue`);
    const base = await readEncoderInfo(payload.baseEncoder);
    const data = await this.runData(base.version);
    const provider = await this.provider(payload.request);
    // Losses come from the run folder's training log; without one (a run that never trained) the chart starts empty.
    const losses = await readLossLog(payload.folder);
    const resumed: FineTunePayload = { base: base.version, baseEncoder: payload.baseEncoder, request: payload.request, device: provider.name, steps: payload.steps, folder: payload.folder, startedAt: payload.startedAt };
    this.app.library.updateJob(row.id, { state: 'running', error: null, payload: resumed });
    const stage = `resuming after ${payload.stage === undefined ? 'the app stopped' : 'shutdown'}: ${FINE_TUNE_STAGES.before}`;
    const run = this.newRun(row.id, resumed, provider.name, data, stage, row.done, losses);
    this.launch(run, provider, data);
  }

  /** Marks a run that cannot restart as failed, in its row and (when its row says enough) in the list. */
  private failRestart(row: JobRecord, reason: string): void {
    this.app.library.updateJob(row.id, { state: 'failed', error: reason });
    let payload: FineTunePayload;
    try {
      payload = fineTunePayloadOf(row);
    } catch {
      return;
    }
    const run = this.newRun(row.id, payload, payload.device, undefined, 'failed', row.done, []);
    run.state = 'failed';
    run.error = reason;
  }

  /** The library's objects, the demo's split and the base encoder's cached metrics, as a run (re)starts with them. */
  private async runData(baseVersion: string): Promise<RunData> {
    const { app } = this;
    const demoDir = path.join(app.resourcesDir, 'demo');
    if (!existsSync(path.join(demoDir, 'manifest.json'))) throw new RangeError(`the demo zoo ${demoDir} is missing: fine-tuning takes its anchor and held-out objects from it`);
    const demo = loadZoo(demoDir);
    const split = splitDemo(demo, path.join(app.library.cacheDir, 'targets'));
    // Held-out metrics depend on the encoder and the demo's split only: measured once per pair.
    const metricsOf = (version: string): string => path.join(app.library.cacheDir, 'held-out-metrics', `${version}-${demo.manifestHash.slice(0, 16)}.json`);
    const known = await readHeldOutMetrics(metricsOf(baseVersion));
    return { library: libraryTrainingObjects(libraryObjects(app), split), split, known, metricsOf };
  }

  private async provider(device: ProviderRequest): Promise<ProviderChoice> {
    const threads = this.app.library.getSetting<number>(THREADS_SETTING) ?? 0;
    return chooseProvider(device, { threads });
  }

  private newRun(id: number, payload: FineTunePayload, device: ProviderName, data: RunData | undefined, stage: string, step: number, losses: FineTuneLossPoint[]): Run {
    const run: Run = {
      id,
      state: 'running',
      stage,
      device,
      step,
      steps: payload.steps,
      losses,
      baseVersion: payload.base,
      candidateVersion: null,
      folder: payload.folder,
      libraryObjects: data?.library.length ?? 0,
      anchorObjects: data?.split.anchors.length ?? 0,
      before: null,
      after: null,
      error: null,
      startedAt: payload.startedAt,
      firstStep: undefined,
      lastStep: undefined,
      handle: undefined,
      finished: Promise.resolve(),
      payload,
      stopping: undefined,
    };
    this.runs.set(id, run);
    return run;
  }

  /** Starts a run's `gmn.finetune` job (which resumes from the checkpoint in the run's folder, if any) and follows it. */
  private launch(run: Run, provider: ProviderChoice, data: RunData): void {
    const { app } = this;
    const { known, metricsOf, split, library } = data;
    const checkpoint = trainingCheckpointOf(run.payload.baseEncoder);
    const handle = app.pool.startJob(
      'gmn.finetune',
      { checkpoint, baseEncoder: run.payload.baseEncoder, out: run.folder, provider, library, anchors: split.anchors, heldOut: split.heldOut, steps: run.steps, ...(known ? { before: known } : {}) },
      {
        onProgress: (p) => {
          if (p.message) run.stage = p.message;
          // Every report carries the step reached (a resumed run's first one, its checkpoint's step).
          run.step = p.done;
          const before = beforeMetricsOf(p.metrics);
          if (before) run.before = contractMetrics(before);
          const loss = p.metrics?.['loss'];
          if (loss === undefined) return;
          // Steps trained again after a restart (those past the last checkpoint) replace their old losses.
          while (run.losses.length > 0 && run.losses[run.losses.length - 1]!.step >= p.done) run.losses.pop();
          run.losses.push({ step: p.done, loss, rendering: p.metrics?.['rendering'] ?? null, contrastive: p.metrics?.['contrastive'] ?? null, category: p.metrics?.['category'] ?? null });
          const now = Date.now();
          run.firstStep ??= { at: now, step: p.done };
          run.lastStep = { at: now, step: p.done };
          app.library.updateJob(run.id, { done: p.done });
          this.notify(run);
        },
      },
    );
    run.handle = handle;
    run.finished = handle.result
      .then(
        async (output) => {
          if (output.before && !known) await writeHeldOutMetrics(metricsOf(run.baseVersion), output.before);
          if (output.after && output.version) await writeHeldOutMetrics(metricsOf(output.version), output.after);
          await this.finish(run, output);
        },
        (error: unknown) => {
          if (error instanceof JobCancelledError && run.stopping === 'shutdown') return this.leaveQueued(run, run.step);
          run.state = error instanceof JobCancelledError ? 'cancelled' : 'failed';
          run.error = run.state === 'failed' ? (error instanceof Error ? error.message : String(error)) : null;
          run.stage = run.state;
          app.library.updateJob(run.id, { state: run.state, error: run.error });
        },
      )
      .finally(() => this.notify(run));
    this.notify(run);
  }

  /**
   * A run stopped by shutdown: its row goes back to queued at the checkpoint's step, for `resume`
   * on the next open. In memory it reads as cancelled (this object closes with the library).
   */
  private leaveQueued(run: Run, steps: number): void {
    run.state = 'cancelled';
    run.stage = `interrupted by shutdown at step ${steps} of ${run.steps}; it continues from its checkpoint when the app opens again`;
    this.app.library.updateJob(run.id, { state: 'queued', done: steps, payload: { ...run.payload, stage: run.stage } });
  }

  private async finish(run: Run, output: GmnFineTuneOutput): Promise<void> {
    run.before = contractMetrics(output.before);
    run.after = contractMetrics(output.after);
    run.step = output.steps;
    if (output.cancelled && run.stopping === 'shutdown') return this.leaveQueued(run, output.steps);
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
      run.stopping ??= 'cancel';
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

  /** Stops a running run at a checkpoint and waits for it (shutdown); its row stays queued for `resume`. */
  async close(): Promise<void> {
    for (const run of this.runs.values()) {
      if (run.state !== 'running') continue;
      run.stopping ??= 'shutdown';
      run.handle?.cancel();
    }
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
