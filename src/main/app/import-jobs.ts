/**
 * The app's import jobs: each a `library.import` job row run in the background by the library's
 * importer, with its pace (for an ETA), the files that failed and a way to cancel it. Jobs of
 * other processes, or of an earlier run, are shown from their rows.
 */

import type { JobFileError, JobInfo } from '../../shared/api';
import type { ProviderChoice } from '../../shared/compute';
import type { WorkerPool } from '../compute/worker-pool';
import type { ImportBatchJobs } from '../library/import/import-job';
import type { Library } from '../library/library';
import { IMPORT_JOB_KIND, type ImportJobPayload, type ImportProgress, type ImportSummary, runImportJob } from '../library/import/importer';
import { findNerfFiles } from '../library/import/scan';
import type { AssetTagger, JobRecord, LibraryLog } from '../library/types';

/** Per-file errors kept per job for the jobs panel. */
const MAX_ERRORS_SHOWN = 200;
/** Finished jobs listed besides the running ones. */
const RECENT_JOBS = 20;

/** How imports run: the pool, the encoder (when one is installed) and the rendition sizes. */
export interface ImportSettings {
  readonly pool: WorkerPool<ImportBatchJobs>;
  readonly provider: ProviderChoice;
  /** Read at each start, since an encoder may be installed while the app runs. */
  readonly encoderPath: () => string | undefined;
  /** @default 128 */
  readonly thumbnailSize?: number;
  /** @default 64 */
  readonly previewResolution?: number;
  /** @default 8 */
  readonly batchSize?: number;
  readonly log: LibraryLog;
  /** Read at each start: the automatic tagger, once the text model is loaded. */
  readonly tagger?: () => AssetTagger | undefined;
}

interface RunningJob {
  readonly id: number;
  readonly label: string;
  readonly files: readonly string[];
  readonly controller: AbortController;
  readonly startedAt: number;
  /** Files already done when this run started (a resumed job). */
  readonly doneAtStart: number;
  progress: ImportProgress | undefined;
  /** Files whose errors were looked up, from the start of the job. */
  checked: number;
  readonly errors: JobFileError[];
  readonly finished: Promise<ImportSummary | undefined>;
}

/** A job's state or progress changed; `assets` when it wrote assets to the library since the last change. */
export interface ImportJobChange {
  readonly jobId: number;
  readonly assets: boolean;
}

/** Import jobs of one library. */
export class ImportJobs {
  private readonly running = new Map<number, RunningJob>();
  private readonly labels = new Map<number, string>();
  /** Set by `close()`: no job starts after it. */
  private closed = false;
  /** What this process saw of jobs it ran to the end. */
  private readonly finished = new Map<number, { progress: ImportProgress | undefined; errors: JobFileError[] }>();
  private readonly listeners = new Set<(change: ImportJobChange) => void>();

  constructor(
    private readonly library: Library,
    private readonly settings: ImportSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Finds the NeRF files under `paths` and imports them as one background job. */
  async start(paths: readonly string[], label: string): Promise<JobInfo> {
    const files = await findNerfFiles(paths, (p, reason) => this.settings.log.warn(`${p}: cannot read (${reason})`));
    if (this.closed) throw new Error('the library is closing: no new import starts now');
    const payload: ImportJobPayload = { files, cursor: 0, encoderPath: this.settings.encoderPath() };
    const job = this.library.createJob(IMPORT_JOB_KIND, payload, files.length);
    this.labels.set(job.id, label);
    this.run(job.id, label, files, 0);
    this.notify({ jobId: job.id, assets: false });
    return this.info(job.id);
  }

  /** Calls `listener` on every change of a job this process runs (or cancels); returns the function that stops it. */
  onChange(listener: (change: ImportJobChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Continues import jobs left queued, or running by a process that died. */
  resume(): void {
    for (const job of this.library.resumableJobs(IMPORT_JOB_KIND)) {
      const payload = job.payload as ImportJobPayload;
      this.run(job.id, this.labelOf(job), payload.files, job.done);
    }
  }

  /** Settles when job `id` has stopped running here (at once when it is not running here). */
  async whenStopped(id: number): Promise<void> {
    await this.running.get(id)?.finished;
  }

  /** Settles when every job this process runs has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((job) => job.finished));
  }

  list(): JobInfo[] {
    const rows = this.library.listJobs({ kind: IMPORT_JOB_KIND });
    const active = rows.filter((row) => row.state === 'running' || row.state === 'queued');
    const recent = rows.filter((row) => row.state !== 'running' && row.state !== 'queued').slice(-RECENT_JOBS);
    return [...active.reverse(), ...recent.reverse()].map((row) => this.describe(row));
  }

  info(id: number): JobInfo {
    const row = this.library.getJob(id);
    if (!row || row.kind !== IMPORT_JOB_KIND) throw new RangeError(`no import job ${id}`);
    return this.describe(row);
  }

  /** Cancels a job: a running one stops after its current batch; a queued or orphaned one is marked cancelled. */
  async cancel(id: number): Promise<JobInfo> {
    const job = this.info(id);
    const running = this.running.get(id);
    if (running) {
      running.controller.abort();
      await running.finished;
    } else if (job.state === 'queued' || job.state === 'running') {
      this.library.updateJob(id, { state: 'cancelled' });
      this.notify({ jobId: id, assets: false });
    }
    return this.info(id);
  }

  /**
   * Checkpoints every running job for shutdown: each stops after its current batch (whose results
   * and cursor are committed together) and is left queued, so the next open resumes it.
   */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = [...this.running.keys()];
    for (const job of this.running.values()) job.controller.abort();
    await this.idle();
    for (const id of stopping) {
      if (this.library.getJob(id)?.state === 'cancelled') this.library.updateJob(id, { state: 'queued' });
    }
  }

  private run(id: number, label: string, files: readonly string[], doneAtStart: number): void {
    const controller = new AbortController();
    const job: RunningJob = {
      id,
      label,
      files,
      controller,
      startedAt: this.now(),
      doneAtStart,
      progress: undefined,
      checked: doneAtStart,
      errors: [],
      finished: Promise.resolve(undefined),
    };
    const finished = runImportJob(this.library, id, {
      pool: this.settings.pool,
      provider: this.settings.provider,
      encoderPath: this.settings.encoderPath(),
      thumbnailSize: this.settings.thumbnailSize,
      previewResolution: this.settings.previewResolution,
      batchSize: this.settings.batchSize,
      tagger: this.settings.tagger?.(),
      signal: controller.signal,
      log: this.settings.log,
      onProgress: (progress) => {
        const assets = progress.imported > (job.progress?.imported ?? 0);
        job.progress = progress;
        this.collectErrors(job, progress.done);
        this.notify({ jobId: id, assets });
      },
    })
      .then(
        (summary) => summary,
        (error: unknown) => {
          this.settings.log.warn(`import job ${id} failed: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        },
      )
      .finally(() => {
        this.running.delete(id);
        this.finished.set(id, { progress: job.progress, errors: job.errors });
        this.notify({ jobId: id, assets: false });
      });
    this.running.set(id, Object.assign(job, { finished }));
  }

  private notify(change: ImportJobChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.settings.log.warn(`a job listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Looks up why files written since the last look failed (the importer keeps the latest error per path). */
  private collectErrors(job: RunningJob, done: number): void {
    for (const file of job.files.slice(job.checked, done)) {
      const error = this.library.importErrorOf(file);
      if (error && error.at >= job.startedAt && job.errors.length < MAX_ERRORS_SHOWN) {
        job.errors.push({ path: error.path, errorClass: error.errorClass, reason: error.reason });
      }
    }
    job.checked = Math.max(job.checked, done);
  }

  private labelOf(row: JobRecord): string {
    const known = this.labels.get(row.id);
    if (known !== undefined) return known;
    const files = (row.payload as Partial<ImportJobPayload>).files ?? [];
    return `Import ${files.length} file${files.length === 1 ? '' : 's'}`;
  }

  private describe(row: JobRecord): JobInfo {
    const job = this.running.get(row.id);
    const seen = job ?? this.finished.get(row.id);
    const progress = seen?.progress;
    const done = job ? (progress?.done ?? row.done) : row.done;
    const total = row.total;
    let etaSeconds: number | null = null;
    if (job && total !== null && done > job.doneAtStart) {
      const perFile = (this.now() - job.startedAt) / (done - job.doneAtStart);
      etaSeconds = Math.max(0, Math.round((perFile * (total - done)) / 1000));
    }
    return {
      id: row.id,
      kind: row.kind,
      label: this.labelOf(row),
      state: row.state,
      done,
      total,
      imported: progress?.imported ?? 0,
      failed: progress?.failed ?? seen?.errors.length ?? 0,
      stage: job ? (progress?.stage ?? null) : null,
      currentFile: job ? (progress?.file ?? null) : null,
      etaSeconds,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      error: row.error,
      errors: seen ? [...seen.errors] : [],
    };
  }
}
