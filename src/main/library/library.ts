/**
 * The library: one folder holding `library.sqlite` (the truth), `index-<model>.hnsw` + `.json`
 * (vector indexes, derived) and `cache/` (thumbnails, preview volumes). `Library` is the API the
 * importer, the app and the CLI use. Every write is one IMMEDIATE transaction; the in-memory
 * indexes follow only after it commits.
 *
 * Threading: better-sqlite3 is synchronous and queries here take milliseconds, so a `Library`
 * lives on the thread that orchestrates (Electron main, the CLI); parsing and embedding run in
 * worker threads and hand their results to `putAssets`.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import * as catalogue from './catalogue';
import { type IntegrityReport, type MigrationReport, integrityCheck, openDatabase } from './db';
import { renditionPath } from './cache-paths';
import { NotFoundError } from './errors';
import type { Migration } from './migrations';
import { ModelIndexes } from './model-indexes';
import * as models from './models';
import * as organise from './organise';
import type { SemanticTextSearch } from '../text/semantic-search';
import { type SimilarQuery, type SimilarResults, type TextSearchOptions, type TextSearchResults, searchText, similar } from './search';
import * as state from './state';
import type {
  AssetInput,
  AssetPatch,
  AssetRecord,
  AssetSummary,
  CollectionRecord,
  FileRecord,
  ImportErrorInput,
  ImportErrorRecord,
  JobRecord,
  JobState,
  LibraryLog,
  ListAssetsOptions,
  ModelRecord,
  PutAssetResult,
  RenditionInput,
  SuggestedTag,
  TagRecord,
} from './types';
import type { GraphState, HnswParams } from './vector-index';

/** File name of the database inside a library folder. */
export const LIBRARY_DATABASE = 'library.sqlite';
/** Folder (inside the library folder) of thumbnails and preview volumes. */
export const CACHE_FOLDER = 'cache';

export interface LibraryOptions {
  /** Where rebuilds and repairs are reported. @default console */
  log?: LibraryLog;
  /** HNSW graph parameters. @default DEFAULT_HNSW_PARAMS */
  hnsw?: Partial<HnswParams>;
  /** Below this many embeddings search is exact and no graph is built. @default EXACT_SEARCH_THRESHOLD */
  exactThreshold?: number;
  /** Milliseconds after the last change before index files are rewritten. @default 5000 */
  flushDelayMs?: number;
  /** Semantic matches for text search (the text encoder). @default none */
  semantic?: SemanticTextSearch;
  /** Schema steps (tests). @default MIGRATIONS */
  migrations?: readonly Migration[];
  /** Clock, in ms since the epoch (tests). @default Date.now */
  now?: () => number;
}

export class Library {
  /** The database file. */
  readonly file: string;
  readonly cacheDir: string;
  private readonly indexes: ModelIndexes;
  private semantic: SemanticTextSearch | undefined;
  private readonly now: () => number;
  private readonly log: LibraryLog;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly db: Database,
    /** Schema versions before and after this open (from 0 for a new library). */
    readonly migration: MigrationReport,
    options: LibraryOptions,
  ) {
    this.file = path.join(dir, LIBRARY_DATABASE);
    this.cacheDir = path.join(dir, CACHE_FOLDER);
    this.log = options.log ?? console;
    this.now = options.now ?? Date.now;
    this.semantic = options.semantic;
    this.indexes = new ModelIndexes(db, dir, { log: this.log, hnsw: options.hnsw, exactThreshold: options.exactThreshold, flushDelayMs: options.flushDelayMs });
  }

  /**
   * Opens (creating if needed) the library in `dir`: upgrades an older schema in place, refuses a
   * newer one (`LibraryVersionError`), and loads the active model's index, rebuilding it in the
   * background when its file is missing, stale or corrupt (search is exact meanwhile).
   */
  static async open(dir: string, options: LibraryOptions = {}): Promise<Library> {
    const folder = path.resolve(dir);
    mkdirSync(path.join(folder, CACHE_FOLDER), { recursive: true });
    const file = path.join(folder, LIBRARY_DATABASE);
    const { db, migration } = openDatabase(file, { migrations: options.migrations });
    const library = new Library(folder, db, migration, options);
    if (migration.from !== migration.to && migration.from > 0) library.log.info(`${file}: upgraded the schema from version ${migration.from} to ${migration.to}`);
    try {
      await library.indexes.openActive();
    } catch (error) {
      db.close();
      throw error;
    }
    return library;
  }

  /** Settles when the active index has no graph build running. */
  async indexReady(): Promise<void> {
    await this.indexes.active?.ready;
  }

  /** The active index as search sees it. */
  indexStatus(): { modelVersion: string; count: number; graph: GraphState; exactThreshold: number } | undefined {
    const index = this.indexes.active;
    return index && { modelVersion: index.modelVersion, count: index.count, graph: index.state, exactThreshold: index.exactThreshold };
  }

  // --- assets and files -------------------------------------------------------------------

  /** Adds one asset (see `putAssets`). */
  putAsset(input: AssetInput): PutAssetResult {
    return this.putAssets([input])[0]!;
  }

  /**
   * Adds assets with their file, renditions, suggested tags and embeddings, all in one transaction.
   * Idempotent by content: the same content again (from the same or another path) is the same
   * asset, with one file row per path; the asset's edited fields are kept.
   */
  putAssets(inputs: readonly AssetInput[]): PutAssetResult[] {
    return this.putAssetsWith(inputs, () => undefined);
  }

  /** `putAssets` with more writes (`also`) in the same transaction. */
  private putAssetsWith(inputs: readonly AssetInput[], also: () => void): PutAssetResult[] {
    for (const input of inputs) catalogue.checkAssetInput(input);
    const byVersion = new Map<string, { assetId: number; vector: ArrayLike<number> }[]>();
    const { results, revisions } = this.write(() => {
      const now = this.now();
      const modelCache = new Map<string, ModelRecord>();
      const results = inputs.map((input) => {
        const result = catalogue.writeAsset(this.db, input, now);
        for (const e of input.embeddings ?? []) {
          let model = modelCache.get(e.modelVersion);
          if (!model) modelCache.set(e.modelVersion, (model = models.requireModel(this.db, e.modelVersion)));
          models.writeEmbedding(this.db, model, result.assetId, e.vector, now);
          let list = byVersion.get(e.modelVersion);
          if (!list) byVersion.set(e.modelVersion, (list = []));
          list.push({ assetId: result.assetId, vector: e.vector });
        }
        return result;
      });
      also();
      return { results, revisions: new Map([...byVersion.keys()].map((v) => [v, models.modelRevision(this.db, v)])) };
    });
    for (const [version, entries] of byVersion) this.indexes.upserted(version, entries, revisions.get(version)!);
    return results;
  }

  /**
   * One import batch in one transaction: the assets (as `putAssets`), the files that failed (as
   * `recordImportError`) and, when given, the import job's progress and cursor.
   */
  putImportBatch(batch: {
    assets: readonly AssetInput[];
    errors: readonly ImportErrorInput[];
    job?: { id: number; update: state.JobUpdate };
  }): PutAssetResult[] {
    return this.putAssetsWith(batch.assets, () => {
      const now = this.now();
      for (const e of batch.errors) catalogue.recordImportError(this.db, e, now);
      if (batch.job) state.updateJob(this.db, batch.job.id, batch.job.update, now);
    });
  }

  updateAsset(id: number, patch: AssetPatch): AssetRecord {
    this.write(() => catalogue.updateAsset(this.db, id, patch, this.now()));
    return this.getAsset(id)!;
  }

  /** Deletes an asset with its files, tags, embeddings and cache files. */
  async removeAsset(id: number): Promise<void> {
    const { renditions, revisions } = this.write(() => ({ renditions: catalogue.deleteAsset(this.db, id), revisions: this.indexes.revisions() }));
    this.indexes.removed([id], revisions);
    await Promise.all(renditions.map((r) => rm(path.join(this.cacheDir, r), { force: true })));
  }

  getAsset(id: number): AssetRecord | undefined {
    return catalogue.getAsset(this.db, id);
  }

  assetByContent(contentSha256: string): AssetRecord | undefined {
    return catalogue.assetByContent(this.db, contentSha256);
  }

  /** A page of the gallery: sorted, filtered, with the total the filters let through. */
  listAssets(options: ListAssetsOptions = {}): { items: AssetSummary[]; total: number } {
    return catalogue.listAssets(this.db, options, this.cacheDir);
  }

  /** How many assets have each family, architecture and category (null: none), most first: the gallery's filter choices. */
  facets(): Record<'family' | 'architecture' | 'category', { value: string | null; count: number }[]> {
    const count = (column: string) => this.db.prepare(`SELECT ${column} AS value, count(*) AS count FROM assets GROUP BY ${column} ORDER BY count DESC, value`).all() as { value: string | null; count: number }[];
    return { family: count('family'), architecture: count('architecture'), category: count('category') };
  }

  assetFiles(assetId: number): FileRecord[] {
    return catalogue.assetFiles(this.db, assetId);
  }

  fileByPath(filePath: string): FileRecord | undefined {
    return catalogue.fileByPath(this.db, filePath);
  }

  /** Known files under a folder (recursively), for a scan to compare with what is on disk. */
  filesUnder(folder: string): FileRecord[] {
    return catalogue.filesUnder(this.db, folder);
  }

  /** Marks files as gone from disk (the assets stay); returns how many changed. */
  markFilesMissing(paths: readonly string[]): number {
    return this.write(() => catalogue.setFileStatus(this.db, paths, 'missing', this.now()));
  }

  /** Marks files as present again (seen now); returns how many changed. */
  markFilesPresent(paths: readonly string[]): number {
    return this.write(() => catalogue.setFileStatus(this.db, paths, 'present', this.now()));
  }

  /** Forgets a file location (the asset stays, possibly with no file left). */
  removeFile(filePath: string): boolean {
    return this.write(() => catalogue.removeFile(this.db, filePath));
  }

  /** Where a rendition of some content goes in the cache: `<kind>s/<2 hex>/<sha256>.<extension>`. */
  cachePath(contentSha256: string, kind: string, extension: string): { relative: string; absolute: string } {
    return renditionPath(this.cacheDir, contentSha256, kind, extension);
  }

  setRendition(assetId: number, rendition: RenditionInput): void {
    this.write(() => {
      if (!this.getAsset(assetId)) throw new NotFoundError('asset', assetId);
      catalogue.setRendition(this.db, assetId, rendition.kind, rendition.path, rendition.bytes, this.now());
    });
  }

  renditions(assetId: number): { kind: string; path: string; bytes: number }[] {
    return catalogue.renditions(this.db, assetId);
  }

  /** Records why a file could not be imported (the latest reason per path). */
  recordImportError(error: ImportErrorInput): void {
    this.write(() => catalogue.recordImportError(this.db, error, this.now()));
  }

  /** Import errors, newest first. */
  importErrors(limit = 100, offset = 0): ImportErrorRecord[] {
    return catalogue.importErrors(this.db, limit, offset);
  }

  /** The latest import error of a path, if any. */
  importErrorOf(filePath: string): ImportErrorRecord | undefined {
    return catalogue.importErrorOf(this.db, filePath);
  }

  // --- tags and collections ---------------------------------------------------------------

  addTags(assetId: number, tags: readonly string[]): void {
    this.write(() => organise.addTags(this.db, assetId, tags, this.now()));
  }

  /** Removes tags; a removed suggestion is remembered as rejected. */
  removeTags(assetId: number, tags: readonly string[]): void {
    this.write(() => organise.removeTags(this.db, assetId, tags));
  }

  /** Adds or updates suggestions (a tagger's output); user and rejected tags are kept as they are. */
  suggestTags(assetId: number, tags: readonly SuggestedTag[]): void {
    this.write(() => {
      if (!this.getAsset(assetId)) throw new NotFoundError('asset', assetId);
      for (const t of tags) catalogue.suggestTag(this.db, assetId, t.tag, t.confidence, this.now());
    });
  }

  acceptSuggestedTag(assetId: number, tag: string): boolean {
    return this.write(() => organise.acceptSuggestedTag(this.db, assetId, tag));
  }

  tags(assetId: number): TagRecord[] {
    return organise.tagsOf(this.db, assetId);
  }

  /** Tags in use with their asset counts, most used first. */
  allTags(limit = 1000): { tag: string; count: number }[] {
    return organise.allTags(this.db, limit);
  }

  createCollection(name: string, description?: string): number {
    return this.write(() => organise.createCollection(this.db, name, description, this.now()));
  }

  renameCollection(id: number, name: string): void {
    this.write(() => organise.renameCollection(this.db, id, name, this.now()));
  }

  deleteCollection(id: number): void {
    this.write(() => organise.deleteCollection(this.db, id));
  }

  addToCollection(id: number, assetIds: readonly number[]): void {
    this.write(() => organise.addToCollection(this.db, id, assetIds, this.now()));
  }

  removeFromCollection(id: number, assetIds: readonly number[]): void {
    this.write(() => organise.removeFromCollection(this.db, id, assetIds, this.now()));
  }

  collections(): CollectionRecord[] {
    return organise.collections(this.db);
  }

  collectionsOf(assetId: number): number[] {
    return organise.collectionsOf(this.db, assetId);
  }

  // --- models and embeddings --------------------------------------------------------------

  /**
   * Registers an encoder version (idempotent). The first model registered becomes the active one;
   * later ones become active through `activateModel`.
   */
  async registerModel(model: { version: string; dims: number; info?: Readonly<Record<string, unknown>> }): Promise<ModelRecord> {
    const record = this.write(() => models.registerModel(this.db, model.version, model.dims, model.info ?? {}, this.now()));
    if (record.active && !this.indexes.active) await this.indexes.openActive();
    return record;
  }

  models(): ModelRecord[] {
    return models.listModels(this.db);
  }

  activeModel(): ModelRecord | undefined {
    return models.activeModel(this.db);
  }

  /** Stores embeddings of one model version (a re-embed job's batch), in one transaction. */
  setEmbeddings(version: string, entries: readonly { assetId: number; vector: Float32Array | readonly number[] }[]): void {
    const revision = this.write(() => {
      const model = models.requireModel(this.db, version);
      const now = this.now();
      for (const e of entries) {
        if (!this.getAsset(e.assetId)) throw new NotFoundError('asset', e.assetId);
        models.writeEmbedding(this.db, model, e.assetId, e.vector, now);
      }
      return models.modelRevision(this.db, version);
    });
    this.indexes.upserted(version, entries, revision);
  }

  /** The stored embedding of an asset (as the encoder gave it). @default version: the active model */
  embedding(assetId: number, version = this.activeModel()?.version): Float32Array | undefined {
    return version === undefined ? undefined : models.readEmbedding(this.db, version, assetId);
  }

  /** How many assets a model has embedded, of how many there are. */
  modelCoverage(version: string): { embedded: number; assets: number } {
    models.requireModel(this.db, version);
    return models.coverage(this.db, version);
  }

  /** Up to `limit` ids (ascending, after `afterId`) of assets lacking an embedding for `version`. */
  assetsWithoutEmbedding(version: string, limit = 256, afterId = 0): number[] {
    return models.assetsWithoutEmbedding(this.db, version, limit, afterId);
  }

  /**
   * Switches search to another model version. Its index is loaded or built first while search
   * keeps using the current one; the switch itself is one step. Unless `allowIncomplete`, every
   * asset must have an embedding for the version (`IncompleteModelError` otherwise).
   */
  async activateModel(version: string, options: { allowIncomplete?: boolean } = {}): Promise<void> {
    await this.indexes.activate(version, options.allowIncomplete ?? false, (fn) => this.write(fn));
  }

  /** Deletes a model version that is not active, with its embeddings and index files. */
  async dropModel(version: string): Promise<void> {
    const model = models.requireModel(this.db, version);
    if (model.active) throw new RangeError(`model ${version} is the active model; activate another one first`);
    await this.indexes.unload(version);
    this.write(() => models.deleteModel(this.db, version));
    await Promise.all(['hnsw', 'json'].map((ext) => rm(path.join(this.dir, `index-${version}.${ext}`), { force: true })));
  }

  // --- search -----------------------------------------------------------------------------

  /**
   * Assets whose shape embedding is nearest to an asset's (itself excluded) or to a vector, in
   * the active model's space: cosine scores, best first, filtered, paginated.
   */
  findSimilar(query: SimilarQuery): SimilarResults {
    this.indexes.refresh();
    const index = this.indexes.active;
    if (!index) throw new NotFoundError('model', '(active)');
    let vector: ArrayLike<number>;
    let exclude: Set<number> | undefined;
    if (query.assetId !== undefined) {
      const stored = index.vector(query.assetId);
      if (!stored) {
        if (!this.getAsset(query.assetId)) throw new NotFoundError('asset', query.assetId);
        throw new RangeError(`asset ${query.assetId} has no embedding for model ${index.modelVersion} yet`);
      }
      vector = stored;
      exclude = new Set([query.assetId]);
    } else {
      vector = query.vector;
    }
    return similar(this.db, this.cacheDir, index, vector, { k: query.k ?? 10, offset: query.offset ?? 0, filters: query.filters, exclude, exact: query.exact });
  }

  /** Text search: FTS5 matches (text, tags) fused with semantic matches (shape) when the hook is set. */
  async searchText(text: string, options: TextSearchOptions = {}): Promise<TextSearchResults> {
    this.indexes.refresh();
    return searchText(this.db, this.cacheDir, text, options, { hook: this.semantic, index: this.indexes.active, activeVersion: this.indexes.active?.modelVersion });
  }

  /** Sets (or clears) the semantic text-search hook. */
  setSemanticSearch(hook: SemanticTextSearch | undefined): void {
    this.semantic = hook;
  }

  // --- jobs, settings, watched folders ----------------------------------------------------

  createJob(kind: string, payload: unknown = {}, total?: number): JobRecord {
    return this.write(() => state.createJob(this.db, kind, payload, total, this.now()));
  }

  updateJob(id: number, update: state.JobUpdate): JobRecord {
    return this.write(() => state.updateJob(this.db, id, update, this.now()));
  }

  getJob(id: number): JobRecord | undefined {
    return state.getJob(this.db, id);
  }

  listJobs(filter: { state?: JobState; kind?: string } = {}): JobRecord[] {
    return state.listJobs(this.db, filter);
  }

  /** Queued jobs, and running ones whose process died: what to resume at start-up. */
  resumableJobs(kind?: string): JobRecord[] {
    return state.resumableJobs(this.db, kind);
  }

  getSetting<T>(key: string): T | undefined {
    return state.getSetting<T>(this.db, key);
  }

  /** Stores a JSON value; `undefined` deletes the key. */
  setSetting(key: string, value: unknown): void {
    this.write(() => state.setSetting(this.db, key, value, this.now()));
  }

  addWatchedFolder(folder: string, recursive = true): state.WatchedFolder {
    return this.write(() => state.addWatchedFolder(this.db, folder, recursive, this.now()));
  }

  removeWatchedFolder(folder: string): boolean {
    return this.write(() => state.removeWatchedFolder(this.db, folder));
  }

  markFolderScanned(folder: string): void {
    this.write(() => state.markFolderScanned(this.db, folder, this.now()));
  }

  watchedFolders(): state.WatchedFolder[] {
    return state.watchedFolders(this.db);
  }

  // --- maintenance ------------------------------------------------------------------------

  /** SQLite's integrity and foreign-key checks and the FTS5 index check. */
  integrityCheck(): IntegrityReport {
    return integrityCheck(this.db);
  }

  /** Writes changed index files now (they are otherwise written a few seconds after changes). */
  async flush(): Promise<void> {
    await this.indexes.flush();
  }

  /** Writes the indexes, checkpoints the WAL and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.indexes.close();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.log.warn(`${this.file}: WAL checkpoint at close failed: ${(error as Error).message}`);
    }
    this.db.close();
  }

  /** Runs `fn` in an IMMEDIATE transaction, after catching up with other processes' commits. */
  private write<T>(fn: () => T): T {
    if (this.closed) throw new Error(`${this.file}: the library is closed`);
    return this.db
      .transaction(() => {
        this.indexes.refresh();
        return fn();
      })
      .immediate();
  }
}
