/**
 * The library the app (and serve mode) shows: where it lives, opening it with its worker pool,
 * the demo library imported on first run, interrupted imports resumed, and assets embedded once
 * an encoder model is installed. Plain Node: no Electron here.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProviderChoice, ProviderRequest } from '../../shared/compute';
import { chooseProvider, parseProviderRequest } from '../compute/providers';
import { JobPool } from './job-pool';
import { RetiredEncoderError, checkEncoderRecipe } from '../gmn/embedder';
import { readEncoderInfo } from '../library/import/importer';
import { Library } from '../library/library';
import type { AssetTagger, LibraryLog } from '../library/types';
import { tagLibrary } from './auto-tags';
import { TextEmbedder, TextSearchHook } from '../text/text-model-file';
import { FineTunes } from './fine-tune';
import { ImportJobs } from './import-jobs';
import { DEVICE_SETTING, ENCODER_SETTING, THREADS_SETTING } from './settings-keys';
import { WatchedFolders } from './watched-folders';

/** Setting that records the first-run demo import, so a library emptied on purpose stays empty. */
const DEMO_SETTING = 'app.demoImported';
/** Setting that records the text model whose tagger has suggested tags for the assets already there. */
const AUTO_TAGGED_SETTING = 'app.autoTaggedWith';

/** The platform's per-user application data folder (what Electron calls appData). */
export function userDataRoot(platform = process.platform, env = process.env, home = os.homedir()): string {
  if (platform === 'win32') return env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  return env['XDG_CONFIG_HOME'] || path.join(home, '.config');
}

/** The app's library, shared with the `nerfdex` CLI: $NERFDEX_LIBRARY, else `<user data>/nerfdex/library`. */
export function defaultLibraryDir(env = process.env, platform = process.platform): string {
  return env['NERFDEX_LIBRARY'] || path.join(userDataRoot(platform, env), 'nerfdex', 'library');
}

/**
 * The shipped resources folder (`resources/` of the repository, or beside the built app): the
 * first folder holding `resources/demo` above this module.
 */
export function defaultResourcesDir(from = import.meta.dirname): string {
  let dir = from;
  for (let up = 0; up < 6; up++) {
    const candidate = path.join(dir, 'resources');
    if (existsSync(path.join(candidate, 'demo'))) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(from, '../../resources');
}

export interface AppLibraryOptions {
  /** The library folder. @default defaultLibraryDir() */
  readonly dir?: string;
  /** Shipped resources. @default defaultResourcesDir() */
  readonly resourcesDir?: string;
  /** Imported into an empty library on its first open; null for none. @default <resources>/demo */
  readonly demoDir?: string | null;
  /** The shipped encoder model; it may appear while the app runs. @default <resources>/models/encoder.onnx */
  readonly encoderPath?: string;
  /** Where fine-tuned encoder versions are kept, one folder each. @default <user data>/nerfdex/models */
  readonly modelsDir?: string;
  /** The text model, for shape matches in text search; it may appear while the app runs. @default <resources>/models/text.onnx */
  readonly textModelPath?: string;
  /** @default the library's device and threads settings, else chooseProvider('auto') */
  readonly provider?: ProviderChoice;
  /** Worker threads for imports and exports. @default JobPool's default */
  readonly poolSize?: number;
  /** @default 128 */
  readonly thumbnailSize?: number;
  /** @default 64 */
  readonly previewResolution?: number;
  /** @default 8 */
  readonly batchSize?: number;
  /** @default console */
  readonly log?: LibraryLog;
}

/** The provider of the library's device and threads settings; `auto` when they are unset or cannot start. */
async function settingsProvider(library: Library, log: LibraryLog): Promise<ProviderChoice> {
  const threads = library.getSetting<number>(THREADS_SETTING) ?? 0;
  let device: ProviderRequest = 'auto';
  try {
    device = parseProviderRequest(library.getSetting<string>(DEVICE_SETTING) ?? 'auto');
    return await chooseProvider(device, { threads: Number.isInteger(threads) && threads >= 0 ? threads : 0 });
  } catch (error) {
    log.warn(`the device setting (${device}) cannot be used, so the best available provider runs: ${error instanceof Error ? error.message : String(error)}`);
    return chooseProvider('auto');
  }
}

/** An open library with what runs on it. */
export class AppLibrary {
  private embedding: Promise<void> | undefined;
  /** Encoder versions this process has already started embedding with (once each, so a file that fails is not retried in a loop). */
  private readonly embeddedWith = new Set<string>();
  private textModel: Promise<void> | undefined;
  /** The text model's automatic tagger once it is loaded: imports suggest tags with it. */
  private tagger: AssetTagger | undefined;
  /** Set by `close()`: no new embedding job starts after it. */
  private closing = false;
  /** Another encoder was selected while embedding ran: look again once it stops. */
  private embedAgain = false;
  /** Why each encoder.json read so far cannot be used (undefined: it can), as of its mtime. */
  private readonly encoderProblems = new Map<string, { readonly mtimeMs: number; readonly problem: string | undefined }>();
  /** Set once the constructor's caller has built the import jobs. */
  jobs!: ImportJobs;
  /** One-click fine-tuning of the encoder on this library. */
  readonly fineTunes = new FineTunes(this);
  /** The watched folders followed while the app runs. */
  readonly watched = new WatchedFolders(this);

  private constructor(
    readonly library: Library,
    readonly pool: JobPool,
    readonly provider: ProviderChoice,
    /** Where the shipped encoder model is expected. */
    readonly shippedEncoderPath: string,
    /** Where the text model is expected. */
    readonly textModelPath: string,
    /** Fine-tuned encoder versions, one folder each. */
    readonly modelsDir: string,
    /** The shipped resources (the demo zoo there anchors and measures fine-tuning). */
    readonly resourcesDir: string,
    private readonly log: LibraryLog,
  ) {}

  /**
   * The encoder the app embeds with: the one chosen in the settings, else the shipped one. A
   * chosen encoder this build cannot run (trained with a retired recipe) gives way to the shipped one.
   */
  get encoderPath(): string {
    const chosen = this.library.getSetting<string | null>(ENCODER_SETTING);
    return typeof chosen === 'string' && this.unusableEncoderReason(chosen) === undefined ? chosen : this.shippedEncoderPath;
  }

  /**
   * Why the encoder at `encoderPath` cannot be used (its encoder.json is of a retired recipe, see
   * `RetiredEncoderError`), or undefined when it can or is not there. Each one found is logged
   * once; the answer is kept until encoder.json changes.
   */
  unusableEncoderReason(encoderPath: string): string | undefined {
    const jsonPath = encoderPath.replace(/\.onnx$/, '.json');
    let mtimeMs: number;
    try {
      mtimeMs = statSync(jsonPath).mtimeMs;
    } catch {
      return undefined;
    }
    const known = this.encoderProblems.get(jsonPath);
    if (known?.mtimeMs === mtimeMs) return known.problem;
    let problem: string | undefined;
    try {
      checkEncoderRecipe(JSON.parse(readFileSync(jsonPath, 'utf8')) as object, jsonPath);
    } catch (error) {
      // Other faults (an unreadable file) surface where the encoder is loaded, as before.
      if (error instanceof RetiredEncoderError) problem = error.message;
    }
    this.encoderProblems.set(jsonPath, { mtimeMs, problem });
    if (problem !== undefined) this.log.warn(`the encoder ${encoderPath} cannot be used${encoderPath === this.shippedEncoderPath ? '' : ', so the app uses the shipped one'}: ${problem}`);
    return problem;
  }

  /**
   * Opens the library, resumes interrupted imports and fine-tuning, starts the demo import on the first open of
   * an empty library, and starts embedding when an encoder is installed but assets lack it.
   */
  static async open(options: AppLibraryOptions = {}): Promise<AppLibrary> {
    const log = options.log ?? console;
    const resourcesDir = options.resourcesDir ?? defaultResourcesDir();
    const encoderPath = options.encoderPath ?? path.join(resourcesDir, 'models', 'encoder.onnx');
    const library = await Library.open(options.dir ?? defaultLibraryDir(), { log });
    const provider = options.provider ?? (await settingsProvider(library, log));
    const pool = new JobPool(options.poolSize === undefined ? {} : { size: options.poolSize });
    const textModelPath = options.textModelPath ?? path.join(resourcesDir, 'models', 'text.onnx');
    const modelsDir = options.modelsDir ?? path.join(userDataRoot(), 'nerfdex', 'models');
    const app = new AppLibrary(library, pool, provider, encoderPath, textModelPath, modelsDir, resourcesDir, log);
    const jobs = new ImportJobs(library, {
      pool,
      provider,
      encoderPath: () => (app.encoderInstalled() ? app.encoderPath : undefined),
      thumbnailSize: options.thumbnailSize,
      previewResolution: options.previewResolution,
      batchSize: options.batchSize,
      log,
      tagger: () => app.tagger,
    });
    app.jobs = jobs;
    // Before any import runs, so that the first ones already suggest tags.
    await app.useTextModelWhenPresent();
    jobs.resume();
    await app.fineTunes.resume();
    app.watched.resume();
    const demoDir = options.demoDir === undefined ? path.join(resourcesDir, 'demo') : options.demoDir;
    if (demoDir !== null) await app.importDemoOnFirstRun(demoDir);
    app.embedWhenEncoderAppears();
    return app;
  }

  /** Whether the encoder the app embeds with is there and can be run. */
  encoderInstalled(): boolean {
    const encoderPath = this.encoderPath;
    return existsSync(encoderPath) && this.unusableEncoderReason(encoderPath) === undefined;
  }

  /**
   * When an encoder is installed and some assets lack its embedding (they were imported before it
   * was there), re-imports their files as a job: renditions are reused, only embedding runs.
   */
  embedWhenEncoderAppears(): void {
    if (this.closing || this.embedding !== undefined || !this.encoderInstalled()) return;
    this.embedding = this.embedMissing()
      .catch((error: unknown) => this.log.warn(`embedding with ${this.encoderPath} failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.embedding = undefined;
        if (this.embedAgain) {
          this.embedAgain = false;
          this.embedWhenEncoderAppears();
        }
      });
  }

  /**
   * Makes `encoderPath` (null: the shipped encoder) the encoder the app embeds with, and keeps
   * the choice in the library's settings. Search switches to it at once when it has embedded
   * every asset already; otherwise the assets it lacks are embedded as a job (search keeps using
   * the active version meanwhile) and it becomes active when that job has covered them all.
   */
  async selectEncoder(encoderPath: string | null): Promise<void> {
    const target = encoderPath ?? this.shippedEncoderPath;
    const { version } = await readEncoderInfo(target);
    this.library.setSetting(ENCODER_SETTING, encoderPath);
    this.embeddedWith.delete(version);
    const known = this.library.models().some((m) => m.version === version);
    if (known) {
      const { embedded, assets } = this.library.modelCoverage(version);
      if (embedded === assets) {
        if (this.library.activeModel()?.version !== version) await this.library.activateModel(version);
        return;
      }
    }
    if (this.embedding !== undefined) this.embedAgain = true;
    else this.embedWhenEncoderAppears();
  }

  /** Settles when no embedding pass is running or due. */
  async embeddingIdle(): Promise<void> {
    while (this.embedding !== undefined) await this.embedding;
  }

  /**
   * Loads the text model once it is installed and gives text search its shape matches (used
   * while the library's active encoder is the one the text model was aligned to), and imports
   * its automatic tagger. Assets already in the library get their suggestions once per text model.
   */
  useTextModelWhenPresent(): Promise<void> {
    if (this.textModel === undefined && existsSync(this.textModelPath)) {
      this.textModel = TextEmbedder.load(this.textModelPath)
        .then((embedder) => {
          this.library.setSemanticSearch(new TextSearchHook(embedder));
          const { tagger } = embedder;
          if (!tagger) return;
          const modelVersion = embedder.info.encoderVersion;
          this.tagger = { modelVersion, suggest: (embedding) => tagger.suggest(embedding) };
          if (this.library.getSetting<string>(AUTO_TAGGED_SETTING) === embedder.info.version) return;
          const tagged = tagLibrary(this.library, tagger, modelVersion);
          this.library.setSetting(AUTO_TAGGED_SETTING, embedder.info.version);
          if (tagged > 0) this.log.info(`suggested tags for ${tagged} assets with the text model ${embedder.info.version}`);
        })
        // A text model that cannot be loaded or used costs text search its shape matches, never the app.
        .catch((error: unknown) => this.log.warn(`the text model ${this.textModelPath} could not be loaded: ${error instanceof Error ? error.message : String(error)}`));
    }
    return this.textModel ?? Promise.resolve();
  }

  /**
   * Closes the library for shutdown: running imports and embedding stop after their current batch
   * and stay queued for the next open (see `ImportJobs.close`), a fine-tuning run checkpoints and
   * stays queued too (see `FineTunes.close`), then the workers and the database close.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.watched.close();
    await this.fineTunes.close();
    await this.jobs.close();
    await this.embedding;
    await this.textModel;
    await this.pool.close();
    await this.library.close();
  }

  private async importDemoOnFirstRun(demoDir: string): Promise<void> {
    if (this.library.getSetting<boolean>(DEMO_SETTING) === true || !existsSync(demoDir)) return;
    if (this.library.listAssets({ limit: 1 }).total > 0) return;
    this.library.setSetting(DEMO_SETTING, true);
    await this.jobs.start([demoDir], 'Import the demo library');
  }

  private async embedMissing(): Promise<void> {
    const { version } = await readEncoderInfo(this.encoderPath);
    if (this.embeddedWith.has(version) || this.jobs.list().some((job) => job.state === 'running' || job.state === 'queued')) return;
    this.embeddedWith.add(version);
    const paths: string[] = [];
    for (let after = 0; ; ) {
      const ids = this.library.assetsWithoutEmbedding(version, 1000, after);
      if (ids.length === 0) break;
      for (const id of ids) {
        const file = this.library.assetFiles(id).find((f) => f.status === 'present');
        if (file) paths.push(file.path);
      }
      after = ids[ids.length - 1]!;
    }
    if (paths.length > 0 && !this.closing) {
      const job = await this.jobs.start(paths, `Embed ${paths.length} assets with encoder ${version}`);
      await this.jobs.whenStopped(job.id);
    }
    // A newer encoder replaces the active one once it has embedded every asset.
    const active = this.library.activeModel();
    if (active && active.version !== version && this.library.models().some((m) => m.version === version)) {
      const { embedded, assets } = this.library.modelCoverage(version);
      if (embedded === assets) await this.library.activateModel(version);
    }
  }
}
