/**
 * Re-embedding a library with a new encoder version (a model upgrade). The work list is taken
 * from SQLite each time: the assets without an embedding of the new version, through one present
 * file each. Those files go through an ordinary import job (renditions already in the cache are
 * reused, content-hash dedupe makes each file land on its own asset), so the job is resumable
 * from its cursor after a kill and a re-run skips what is embedded. Search stays on the active
 * model throughout; the new version is activated (`Library.activateModel`: its index built
 * first, then one switch) only once every asset has its embedding.
 */
import type { Library } from '../library';
import { type ImportOptions, type ImportSummary, importPaths, readEncoderInfo, resumeImports } from './importer';

export interface ReembedOptions extends ImportOptions {
  /** The new encoder (encoder.onnx with encoder.json beside it). */
  readonly encoderPath: string;
  /** Switch search to the new version once it covers every asset. @default true */
  readonly activate?: boolean;
}

/** An asset the new version could not embed, and why. */
export interface UnembeddedAsset {
  readonly assetId: number;
  readonly reason: string;
}

export interface ReembedSummary {
  readonly modelVersion: string;
  /** Embedded assets of the new version, of all assets, before and after this run. */
  readonly before: { readonly embedded: number; readonly assets: number };
  readonly after: { readonly embedded: number; readonly assets: number };
  /** Import (and earlier re-embed) jobs left interrupted by a dead process, continued first. */
  readonly resumed: readonly ImportSummary[];
  /** The job of this run; absent when nothing was left to embed. */
  readonly job?: ImportSummary;
  /** Assets still without the new version's embedding. */
  readonly unembedded: readonly UnembeddedAsset[];
  /** Whether this run switched search to the new version. */
  readonly activated: boolean;
  /** The version search uses after the run. */
  readonly activeVersion: string | undefined;
  readonly cancelled: boolean;
}

/** Present file paths of the assets lacking `version`'s embedding, and the assets with none. */
export function filesToEmbed(library: Library, version: string): { paths: string[]; withoutFile: number[] } {
  const paths: string[] = [];
  const withoutFile: number[] = [];
  for (let after = 0; ; ) {
    const ids = library.assetsWithoutEmbedding(version, 1000, after);
    if (ids.length === 0) break;
    for (const id of ids) {
      const file = library.assetFiles(id).find((f) => f.status === 'present');
      if (file) paths.push(file.path);
      else withoutFile.push(id);
    }
    after = ids[ids.length - 1]!;
  }
  return { paths, withoutFile };
}

function unembedded(library: Library, version: string, failed: ReadonlyMap<string, string>): UnembeddedAsset[] {
  const out: UnembeddedAsset[] = [];
  for (let after = 0; ; ) {
    const ids = library.assetsWithoutEmbedding(version, 1000, after);
    if (ids.length === 0) return out;
    for (const assetId of ids) {
      const files = library.assetFiles(assetId);
      const present = files.filter((f) => f.status === 'present');
      const reason =
        present.length === 0
          ? files.length === 0
            ? 'the asset has no file to read'
            : `its file is missing from disk: ${files.map((f) => f.path).join(', ')}`
          : (present.map((f) => failed.get(f.path) && `${f.path}: ${failed.get(f.path)}`).find(Boolean) ?? `${present[0]!.path} now holds other content (re-imported as another asset)`);
      out.push({ assetId, reason });
    }
    after = ids[ids.length - 1]!;
  }
}

/**
 * Embeds every asset of `library` with the encoder at `options.encoderPath` (registering its
 * version, not activating it), continuing interrupted jobs first, then activates the version when
 * it covers every asset (unless `activate` is false). Cancelling (`signal`) leaves the finished
 * batches stored; the next run embeds only the rest.
 */
export async function reembedLibrary(library: Library, options: ReembedOptions): Promise<ReembedSummary> {
  const info = await readEncoderInfo(options.encoderPath);
  const version = info.version;
  await library.registerModel({ version, dims: info.encoder.embedding, info: { encoderPath: options.encoderPath } });
  const before = library.modelCoverage(version);
  const resumed = await resumeImports(library, options);
  let job: ImportSummary | undefined;
  let cancelled = resumed.some((s) => s.cancelled);
  if (!cancelled) {
    const { paths } = filesToEmbed(library, version);
    if (paths.length > 0) {
      job = await importPaths(library, paths, options);
      cancelled = job.cancelled;
    }
  }
  const after = library.modelCoverage(version);
  let activated = false;
  const complete = after.embedded === after.assets;
  if (!cancelled && complete && (options.activate ?? true) && library.activeModel()?.version !== version) {
    await library.activateModel(version);
    activated = true;
  }
  const failed = new Map([...resumed, ...(job ? [job] : [])].flatMap((s) => s.failed.map((f) => [f.path, `${f.errorClass}: ${f.reason}`] as const)));
  return {
    modelVersion: version,
    before,
    after,
    resumed,
    ...(job ? { job } : {}),
    unembedded: complete || cancelled ? [] : unembedded(library, version, failed),
    activated,
    activeVersion: library.activeModel()?.version,
    cancelled,
  };
}
