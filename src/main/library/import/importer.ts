/**
 * The import orchestrator (the thread that owns the Library): finds the files, skips what is
 * unchanged, feeds batches to `library.import-batch` jobs in a WorkerPool, writes each batch's
 * results with the job's cursor in one transaction, reports progress and honours cancellation.
 * A killed import leaves a `running` job whose owner is gone; `resumeImports` continues it from
 * its cursor, and content-hash dedupe makes a replayed batch change nothing.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ProviderChoice } from '../../../shared/compute';
import { JobCancelledError } from '../../compute/jobs';
import type { JobHandle, WorkerPool } from '../../compute/worker-pool';
import { type EncoderInfo, checkEncoderRecipe } from '../../gmn/embedder';
import type { Library } from '../library';
import type { AssetInput, AssetTagger, LibraryLog } from '../types';
import { type FailedFile, IMPORT_STAGES, type ImportBatchOutput, type ImportBatchJobs, type ImportStage, type StageTimes, emptyStageTimes } from './import-job';
import { findNerfFiles } from './scan';

/** Kind of the import's row in the library's jobs table. */
export const IMPORT_JOB_KIND = 'library.import';

/** What an import job keeps in `jobs.payload`: the files, in order, and how many are written. */
export interface ImportJobPayload {
  readonly files: readonly string[];
  readonly cursor: number;
  /** Absent: the files are catalogued without embeddings. */
  readonly encoderPath?: string;
}

export interface ImportProgress {
  /** Files written (imported, unchanged or failed) of `total`. */
  readonly done: number;
  readonly total: number;
  readonly imported: number;
  readonly failed: number;
  /** The stage a worker reported last, and the file it is on. */
  readonly stage?: ImportStage;
  readonly file?: string;
}

export interface ImportOptions {
  readonly pool: WorkerPool<ImportBatchJobs>;
  /** encoder.onnx, with encoder.json beside it; absent: assets are catalogued without embeddings. */
  readonly encoderPath?: string;
  readonly provider: ProviderChoice;
  /** Files per worker job and per transaction. @default 8 */
  readonly batchSize?: number;
  /** @default 128 */
  readonly thumbnailSize?: number;
  /** @default 64 */
  readonly previewResolution?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Aborting cancels the running batches; the job is left `cancelled` with its cursor. */
  readonly signal?: AbortSignal;
  /** Where each failed file is reported. @default console */
  readonly log?: LibraryLog;
  /**
   * Suggests tags for each new embedding of its model version, and a caption (marked generated)
   * for a file without one. @default no suggestions
   */
  readonly tagger?: AssetTagger;
}

export interface ImportSummary {
  readonly jobId: number;
  readonly total: number;
  /** New assets. */
  readonly created: number;
  /** Files whose content was already an asset (a second location, or a re-read). */
  readonly duplicates: number;
  /** Files skipped because they were imported (or failed) before with the same size and mtime. */
  readonly unchanged: number;
  readonly failed: readonly FailedFile[];
  readonly cancelled: boolean;
  /** Worker time per stage, summed over the files this run processed (workers run in parallel). */
  readonly stageSeconds: StageTimes;
}

/**
 * Reads encoder.json beside encoder.onnx (what the library needs to register the model).
 * @throws {RetiredEncoderError} for an encoder trained with a retired recipe, as `Embedder.load` does.
 */
export async function readEncoderInfo(encoderPath: string): Promise<EncoderInfo> {
  const jsonPath = encoderPath.replace(/\.onnx$/, '.json');
  await stat(encoderPath);
  const info = JSON.parse(await readFile(jsonPath, 'utf8')) as EncoderInfo;
  if (typeof info.version !== 'string' || typeof info.encoder?.embedding !== 'number') throw new Error(`${jsonPath}: not an encoder description`);
  checkEncoderRecipe(info, jsonPath);
  return info;
}

/** Imports files and folders (recursively, known extensions) as one resumable job. */
export async function importPaths(library: Library, paths: readonly string[], options: ImportOptions): Promise<ImportSummary> {
  const log = options.log ?? console;
  const files = await findNerfFiles(
    paths,
    (p, reason) => log.warn(`${p}: cannot read (${reason})`),
    (p, reason) => log.info(`${p}: skipped, ${reason}`),
  );
  const job = library.createJob(IMPORT_JOB_KIND, { files, cursor: 0, encoderPath: options.encoderPath } satisfies ImportJobPayload, files.length);
  return runImportJob(library, job.id, options);
}

/** Continues every import job left queued or orphaned by a process that died. */
export async function resumeImports(library: Library, options: ImportOptions): Promise<ImportSummary[]> {
  const out: ImportSummary[] = [];
  for (const job of library.resumableJobs(IMPORT_JOB_KIND)) out.push(await runImportJob(library, job.id, options));
  return out;
}

interface Batch {
  readonly start: number;
  readonly end: number;
  /** Files of [start, end) that need the worker. */
  readonly pending: readonly string[];
  readonly unchanged: number;
  readonly handle: JobHandle<ImportBatchOutput> | undefined;
}

/** Whether a file was imported, or failed, with this size and mtime already (and needs no work). */
async function isUnchanged(library: Library, file: string, modelVersion: string | undefined): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  if (!info) return false;
  const mtime = Math.round(info.mtimeMs);
  const known = library.fileByPath(file);
  if (known && known.size === info.size && known.mtimeMs === mtime && (modelVersion === undefined || library.embedding(known.assetId, modelVersion))) {
    if (known.status === 'missing') library.markFilesPresent([file]);
    return true;
  }
  const error = library.importErrorOf(file);
  return !!error && error.size === info.size && error.mtimeMs === mtime;
}

/** The tagger's suggestions for a new embedding of its model version; a tagger that fails costs the file its suggestions only. */
function suggestionsFor(tagger: AssetTagger | undefined, embedding: Float32Array | undefined, modelVersion: string | undefined, file: string, log: LibraryLog): ReturnType<AssetTagger['suggest']> | undefined {
  if (!tagger || !embedding || modelVersion !== tagger.modelVersion) return undefined;
  try {
    const suggestions = tagger.suggest(embedding);
    // Any tagger may be plugged in here; the catalogue takes confidences in [0, 1] only.
    return { ...suggestions, tags: suggestions.tags.map((t) => ({ tag: t.tag, confidence: Math.min(1, Math.max(0, t.confidence)) })) };
  } catch (error) {
    log.warn(`import: ${file}: no tag suggestions (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

/** Runs (or continues) the import job `jobId` from its cursor. */
export async function runImportJob(library: Library, jobId: number, options: ImportOptions): Promise<ImportSummary> {
  const log = options.log ?? console;
  const job = library.getJob(jobId);
  if (!job || job.kind !== IMPORT_JOB_KIND) throw new RangeError(`job ${jobId} is not an import job`);
  const payload = job.payload as ImportJobPayload;
  const { files } = payload;
  const total = files.length;
  const info = options.encoderPath === undefined ? undefined : await readEncoderInfo(options.encoderPath);
  if (info) await library.registerModel({ version: info.version, dims: info.encoder.embedding, info: { encoderPath: options.encoderPath } });
  library.updateJob(jobId, { state: 'running', total });

  const batchSize = options.batchSize ?? 8;
  let cursor = Math.min(payload.cursor, total);
  let next = cursor;
  let created = 0;
  let duplicates = 0;
  let unchanged = 0;
  const failed: FailedFile[] = [];
  const stageMs = emptyStageTimes();
  const stageSeconds = (): StageTimes => ({ read: stageMs.read / 1000, thumbnail: stageMs.thumbnail / 1000, preview: stageMs.preview / 1000, embed: stageMs.embed / 1000 });
  const report = (extra: { stage?: ImportStage; file?: string } = {}): void =>
    options.onProgress?.({ done: cursor, total, imported: created + duplicates, failed: failed.length, ...extra });

  const prepare = async (): Promise<Batch> => {
    const start = next;
    const end = Math.min(total, start + batchSize);
    next = end;
    const pending: string[] = [];
    for (const file of files.slice(start, end)) if (!(await isUnchanged(library, file, info?.version))) pending.push(file);
    const handle =
      pending.length === 0
        ? undefined
        : options.pool.startJob(
            'library.import-batch',
            { files: pending, encoderPath: options.encoderPath, provider: options.provider, cacheDir: library.cacheDir, thumbnailSize: options.thumbnailSize, previewResolution: options.previewResolution },
            { onProgress: (p) => report({ stage: p.message as ImportStage, file: pending[Math.min(p.done, pending.length - 1)] }) },
          );
    // Batches wait in `inflight` while an earlier one is awaited; one that fails (or is cancelled)
    // meanwhile must not count as an unhandled rejection, which would end the process.
    handle?.result.catch(() => undefined);
    return { start, end, pending, unchanged: end - start - pending.length, handle };
  };

  const inflight: Batch[] = [];
  const onAbort = (): void => inflight.forEach((b) => b.handle?.cancel());
  options.signal?.addEventListener('abort', onAbort);
  try {
    while (cursor < total) {
      if (options.signal?.aborted) throw new JobCancelledError('import cancelled');
      while (inflight.length < options.pool.size && next < total) inflight.push(await prepare());
      const batch = inflight.shift()!;
      let output: ImportBatchOutput;
      try {
        output = batch.handle ? await batch.handle.result : { results: [] };
      } catch (error) {
        if (error instanceof JobCancelledError || options.signal?.aborted) throw error;
        // A worker that died on a batch: its files fail with the reason, the import goes on.
        const e = error as Error;
        output = { results: batch.pending.map((p) => ({ ok: false, path: p, errorClass: e.name || 'Error', reason: `the import worker failed: ${e.message}` })) };
      }
      for (const stage of IMPORT_STAGES) stageMs[stage] += output.stageMs?.[stage] ?? 0;
      const assets: AssetInput[] = [];
      const errors: FailedFile[] = [];
      for (const r of output.results) {
        if (!r.ok) {
          errors.push(r);
          continue;
        }
        const suggestions = suggestionsFor(options.tagger, r.embedding, r.modelVersion, r.path, log);
        assets.push({
          contentSha256: r.contentSha256,
          name: r.name,
          config: r.config,
          category: r.category,
          caption: r.caption ?? suggestions?.caption,
          captionGenerated: !r.caption && suggestions !== undefined,
          suggestedTags: suggestions?.tags,
          meta: r.meta,
          file: { path: r.path, format: r.format, size: r.size, mtimeMs: r.mtimeMs },
          embeddings: r.modelVersion !== undefined && r.embedding ? [{ modelVersion: r.modelVersion, vector: r.embedding }] : [],
          renditions: r.renditions,
        });
      }
      const results = library.putImportBatch({
        assets,
        errors: errors.map(({ path, errorClass, reason, size, mtimeMs }) => ({ path, errorClass, reason, size, mtimeMs })),
        job: { id: jobId, update: { done: batch.end, payload: { ...payload, cursor: batch.end } satisfies ImportJobPayload } },
      });
      for (const e of errors) log.warn(`import: ${e.path}: ${e.errorClass}: ${e.reason}`);
      for (const r of results) {
        if (r.created) created++;
        else duplicates++;
      }
      unchanged += batch.unchanged;
      failed.push(...errors);
      cursor = batch.end;
      report();
    }
    library.updateJob(jobId, { state: 'done', done: total });
    return { jobId, total, created, duplicates, unchanged, failed, cancelled: false, stageSeconds: stageSeconds() };
  } catch (error) {
    for (const b of inflight.splice(0)) {
      b.handle?.cancel();
      await b.handle?.result.catch(() => undefined);
    }
    if (error instanceof JobCancelledError || options.signal?.aborted) {
      library.updateJob(jobId, { state: 'cancelled' });
      return { jobId, total, created, duplicates, unchanged, failed, cancelled: true, stageSeconds: stageSeconds() };
    }
    library.updateJob(jobId, { state: 'failed', error: (error as Error).message });
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
