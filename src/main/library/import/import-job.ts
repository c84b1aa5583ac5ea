/**
 * The `library.import-batch` job (a worker thread): reads, validates, hashes, renders and embeds a
 * batch of NeRF files, writing renditions into the library's cache folder (an instant-ngp
 * snapshot's masked by its occupancy grid, as instant-ngp renders it). Each file is stat'ed once,
 * read once and parsed once: the hash, the NeRF and the format's extras come from the same bytes.
 * It never touches the database: the orchestrator writes what it returns. A bad file becomes a
 * typed error and the batch goes on.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderChoice } from '../../../shared/compute';
import type { JobContext } from '../../compute/jobs';
import { type EmbedOptions, Embedder } from '../../gmn/embedder';
import { nerfField } from '../../nerf/field-runtime';
import { NerfFileError } from '../../nerf/formats/errors';
import { type NerfExtras, importableExtensions, openNerfBytes, readNerfBytes, registeredFormats } from '../../nerf/formats/registry';
import { type BakedVolume, bakeVolume, decodeVolume, encodeVolume } from '../../nerf/render/bake';
import { occupancyOf, skipEmptySpace } from '../../nerf/render/empty-space';
import { renderThumbnail } from '../../nerf/render/thumbnail';
import type { Nerf, NerfConfig } from '../../nerf/types';
import { renditionPath } from '../cache-paths';
import { maskByOccupancy } from './occupancy';
import type { ImportErrorInput, Provenance, RenditionInput } from '../types';

/** Extension of preview volumes in the cache (the `NDXV` format of nerf/render/bake). */
export const PREVIEW_EXTENSION = 'ndxv';

export interface ImportBatchInput {
  /** Absolute paths. */
  readonly files: readonly string[];
  /** encoder.onnx (with encoder.json beside it); absent: no embeddings (none is installed yet). */
  readonly encoderPath?: string;
  readonly provider: ProviderChoice;
  /** The library's cache folder; renditions are written under it. */
  readonly cacheDir: string;
  /** @default 128 */
  readonly thumbnailSize?: number;
  /** @default 64 */
  readonly previewResolution?: number;
  /** Parameter graphs per encoder run. @default 8 */
  readonly embedBatch?: number;
}

/** One file that imported: everything `Library.putImportBatch` needs. */
export interface ImportedFile {
  readonly ok: true;
  readonly path: string;
  readonly format: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly contentSha256: string;
  readonly name: string;
  readonly config: NerfConfig;
  readonly category?: string;
  readonly caption?: string;
  readonly meta: Provenance;
  readonly renditions: readonly RenditionInput[];
  /** Absent when the batch ran without an encoder. */
  readonly modelVersion?: string;
  readonly embedding?: Float32Array;
}

export type FailedFile = { readonly ok: false } & Required<Pick<ImportErrorInput, 'path' | 'errorClass' | 'reason'>> & Pick<ImportErrorInput, 'size' | 'mtimeMs'>;

export type ImportFileResult = ImportedFile | FailedFile;

/** Stages a file goes through, as reported in progress messages. */
export const IMPORT_STAGES = ['read', 'preview', 'thumbnail', 'embed'] as const;
export type ImportStage = (typeof IMPORT_STAGES)[number];

/** Milliseconds a worker spent in each stage (read includes validation and the sha256). */
export type StageTimes = Record<ImportStage, number>;

export function emptyStageTimes(): StageTimes {
  return { read: 0, thumbnail: 0, preview: 0, embed: 0 };
}

export interface ImportBatchOutput {
  /** One result per input file, in order. */
  readonly results: ImportFileResult[];
  /** Time the batch spent per stage (absent from outputs made up by the orchestrator). */
  readonly stageMs?: StageTimes;
}

/** The job kind this module's handler runs, for a pool's types. */
export interface ImportBatchJobs {
  'library.import-batch': { input: ImportBatchInput; output: ImportBatchOutput };
}

const embedders = new Map<string, Promise<Embedder>>();

/** The encoder at a path, loaded once per version of the file (it may be replaced by a newer one). */
export async function loadEmbedder(encoderPath: string): Promise<Embedder> {
  const info = await stat(encoderPath);
  const key = `${encoderPath}\0${info.mtimeMs}\0${info.size}`;
  let e = embedders.get(key);
  if (!e) {
    e = Embedder.load(encoderPath);
    e.catch(() => embedders.delete(key));
    embedders.set(key, e);
  }
  return e;
}

/**
 * The name a format gives the file (a nerfstudio run's checkpoint
 * `outputs/poster/nerfacto/2024-05-01_120000/nerfstudio_models/step-000029999.ckpt` is
 * `poster.nerfacto.2024-05-01_120000`), else the file name without its longest registered
 * extension: `chair-1.mlp-train.nerf.safetensors` -> `chair-1.mlp-train`.
 */
export function assetNameOf(filePath: string): string {
  for (const format of registeredFormats()) {
    const name = format.assetName?.(filePath);
    if (name) return name.slice(0, 200);
  }
  const base = path.basename(filePath);
  const extension = importableExtensions()
    .filter((ext) => base.toLowerCase().endsWith(ext))
    .reduce((longest, ext) => (ext.length > longest.length ? ext : longest), '');
  const stripped = base.slice(0, base.length - extension.length);
  return (stripped || base).slice(0, 200);
}

function failure(filePath: string, error: unknown, size?: number, mtimeMs?: number): FailedFile {
  if (error instanceof NerfFileError) return { ok: false, path: filePath, errorClass: error.name, reason: error.reason, size, mtimeMs };
  const e = error instanceof Error ? error : new Error(String(error));
  return { ok: false, path: filePath, errorClass: e.name || 'Error', reason: e.message, size, mtimeMs };
}

/** Writes through a temporary file and a rename, so a reader never sees half a rendition. */
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

async function exists(file: string): Promise<number | undefined> {
  return stat(file).then(
    (s) => s.size,
    () => undefined,
  );
}

interface Opened {
  readonly path: string;
  readonly nerf: Nerf;
  /** The format's extras: instant-ngp's occupancy grid masks its renditions. */
  readonly extras: NerfExtras;
  readonly format: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha: string;
}

/**
 * Thumbnail and preview of one NeRF, reusing cache files that already exist (they are named by
 * content). The preview is baked first: the thumbnail's rays then skip the space it shows empty
 * (nerf/render/empty-space.ts), which most of a thumbnail's samples are.
 */
async function renditionsOf(file: Opened, input: ImportBatchInput, ctx: JobContext, report: (stage: ImportStage) => void, times: StageTimes): Promise<RenditionInput[]> {
  const thumb = renditionPath(input.cacheDir, file.sha, 'thumbnail', 'png');
  const preview = renditionPath(input.cacheDir, file.sha, 'preview', PREVIEW_EXTENSION);
  const raw = nerfField(file.nerf, ctx.sessions, input.provider);
  const grid = file.extras.densityGrid;
  const field = grid ? maskByOccupancy(raw, grid) : raw;
  const aabb = file.nerf.config.aabb;
  report('preview');
  let started = performance.now();
  let previewBytes = await exists(preview.absolute);
  let volume: BakedVolume | undefined;
  if (previewBytes === undefined) {
    volume = await bakeVolume(field, aabb, { resolution: input.previewResolution ?? 64 });
    const bytes = encodeVolume(volume);
    await writeAtomic(preview.absolute, bytes);
    previewBytes = bytes.length;
  }
  times.preview += performance.now() - started;
  ctx.throwIfCancelled();
  report('thumbnail');
  started = performance.now();
  let thumbBytes = await exists(thumb.absolute);
  if (thumbBytes === undefined) {
    volume ??= decodeVolume(await readFile(preview.absolute), preview.absolute);
    const png = await renderThumbnail(skipEmptySpace(field, occupancyOf(volume)), aabb, { size: input.thumbnailSize ?? 128 });
    await writeAtomic(thumb.absolute, png);
    thumbBytes = png.length;
  }
  times.thumbnail += performance.now() - started;
  return [
    { kind: 'thumbnail', path: thumb.relative, bytes: thumbBytes },
    { kind: 'preview', path: preview.relative, bytes: previewBytes },
  ];
}

/**
 * Embeds the batch in one go; when that fails, file by file, so one bad graph fails one file.
 * `indices` are the files' places in the batch, for the progress of a distillation.
 */
async function embedAll(embedder: Embedder, nerfs: readonly Nerf[], indices: readonly number[], input: ImportBatchInput, ctx: JobContext): Promise<(Float32Array | Error)[]> {
  const total = input.files.length;
  const options = (offset: number): EmbedOptions => ({
    onDistillProgress: (i) => ctx.progress({ done: indices[offset + i] ?? total, total, message: 'embed' }),
    shouldStop: () => ctx.cancelled,
  });
  try {
    return await embedder.embed(nerfs, ctx.sessions, input.provider, input.embedBatch ?? 8, options(0));
  } catch (error) {
    if (ctx.cancelled) throw error;
    const out: (Float32Array | Error)[] = [];
    for (const [i, n] of nerfs.entries()) {
      try {
        out.push((await embedder.embed([n], ctx.sessions, input.provider, 1, options(i)))[0]!);
      } catch (e) {
        if (ctx.cancelled) throw e;
        out.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
    return out;
  }
}

export async function importBatchJob(input: ImportBatchInput, ctx: JobContext): Promise<ImportBatchOutput> {
  const embedder = input.encoderPath === undefined ? undefined : await loadEmbedder(input.encoderPath);
  const total = input.files.length;
  const results: (ImportFileResult | undefined)[] = new Array(total);
  const opened: { index: number; file: Opened; renditions: RenditionInput[] }[] = [];
  const times = emptyStageTimes();
  for (let i = 0; i < total; i++) {
    ctx.throwIfCancelled();
    const filePath = input.files[i]!;
    const report = (stage: ImportStage): void => ctx.progress({ done: i, total, message: stage });
    report('read');
    let size: number | undefined;
    let mtimeMs: number | undefined;
    const started = performance.now();
    try {
      const info = await stat(filePath);
      size = info.size;
      mtimeMs = info.mtimeMs;
      const bytes = await readNerfBytes(filePath, info);
      // Hashed before the reader sees the bytes: the catalogue's hash is of the file as read.
      const sha = createHash('sha256').update(bytes).digest('hex');
      const { nerf, extras, format } = openNerfBytes(bytes, filePath);
      const file: Opened = { path: filePath, nerf, extras, format, size, mtimeMs, sha };
      times.read += performance.now() - started;
      opened.push({ index: i, file, renditions: await renditionsOf(file, input, ctx, report, times) });
    } catch (error) {
      if (ctx.cancelled) throw error;
      results[i] = failure(filePath, error, size, mtimeMs);
    }
  }
  ctx.throwIfCancelled();
  ctx.progress({ done: total, total, message: 'embed' });
  const nerfs = opened.map((o) => o.file.nerf);
  const embedStarted = performance.now();
  const vectors: (Float32Array | Error | undefined)[] = embedder ? await embedAll(embedder, nerfs, opened.map((o) => o.index), input, ctx) : nerfs.map(() => undefined);
  times.embed += performance.now() - embedStarted;
  opened.forEach(({ index, file, renditions }, j) => {
    const vector = vectors[j]!;
    if (vector instanceof Error) {
      results[index] = failure(file.path, new Error(`the encoder could not embed it: ${vector.message}`), file.size, file.mtimeMs);
      return;
    }
    const meta = file.nerf.meta;
    results[index] = {
      ok: true,
      path: file.path,
      format: file.format,
      size: file.size,
      mtimeMs: file.mtimeMs,
      contentSha256: file.sha,
      name: assetNameOf(file.path),
      config: file.nerf.config,
      category: meta.category,
      caption: meta.caption,
      meta: { ...(meta.provenance ?? {}), ...(meta.objectId === undefined ? {} : { objectId: meta.objectId }) },
      renditions,
      ...(embedder && vector ? { modelVersion: embedder.info.version, embedding: vector } : {}),
    };
  });
  return { results: results.map((r, i) => r ?? failure(input.files[i]!, new Error('not processed'))), stageMs: times };
}
