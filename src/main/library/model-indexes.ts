/**
 * The vector indexes of a library, one per model version that is loaded: the active one (which
 * search uses), and a new version's while it is being built for a switch. It keeps them in step
 * with SQLite: after this process's writes, after other processes' writes (`refresh`), and on
 * disk (debounced `flush`).
 */
import type { Database } from 'better-sqlite3';
import { activeModel, coverage, embeddedIds, loadIndexSource, modelRevision, readEmbeddings, requireModel, setActiveModel } from './models';
import type { LibraryLog } from './types';
import { type HnswParams, VectorIndex } from './vector-index';

export interface ModelIndexesOptions {
  readonly log: LibraryLog;
  readonly hnsw?: Partial<HnswParams>;
  readonly exactThreshold?: number;
  /** Milliseconds after the last change before index files are rewritten. @default 5000 */
  readonly flushDelayMs?: number;
}

/** Thrown by `activate` when the new model has not embedded every asset yet. */
export class IncompleteModelError extends Error {
  constructor(
    readonly version: string,
    readonly embedded: number,
    readonly assets: number,
  ) {
    super(`model ${version} has embeddings for ${embedded} of ${assets} assets; embed the rest first (assetsWithoutEmbedding) or activate with allowIncomplete`);
    this.name = 'IncompleteModelError';
  }
}

export class ModelIndexes {
  private readonly loaded = new Map<string, VectorIndex>();
  private readonly loading = new Map<string, Promise<VectorIndex>>();
  private activeIndex: VectorIndex | undefined;
  private dataVersion: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private following: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly dir: string,
    private readonly options: ModelIndexesOptions,
  ) {
    this.dataVersion = this.readDataVersion();
  }

  /** The index search uses (the active model's), if a model is active. */
  get active(): VectorIndex | undefined {
    return this.activeIndex;
  }

  /** Loads the active model's index (at open). */
  async openActive(): Promise<void> {
    const model = activeModel(this.db);
    if (model) this.activeIndex = await this.load(model.version);
  }

  /** The loaded index of `version`, if any. */
  get(version: string): VectorIndex | undefined {
    return this.loaded.get(version);
  }

  /** Loads (or returns) the index of `version` from its stored embeddings. */
  load(version: string): Promise<VectorIndex> {
    const existing = this.loaded.get(version);
    if (existing) return Promise.resolve(existing);
    let pending = this.loading.get(version);
    if (!pending) {
      const model = requireModel(this.db, version);
      pending = loadIndexSource(this.db, model)
        .then((source) => VectorIndex.open({ modelVersion: version, dims: model.dims, dir: this.dir, params: this.options.hnsw, exactThreshold: this.options.exactThreshold, log: this.options.log }, source))
        .then((index) => {
          this.loaded.set(version, index);
          // Writes that landed while the source was read or the file was checked.
          this.reconcile(index);
          return index;
        })
        .finally(() => this.loading.delete(version));
      this.loading.set(version, pending);
    }
    return pending;
  }

  /** Applies committed embedding writes of `version` to its index, if loaded. */
  upserted(version: string, entries: readonly { assetId: number; vector: ArrayLike<number> }[], revision: number): void {
    const index = this.loaded.get(version);
    if (!index) return;
    for (const e of entries) index.upsert(e.assetId, e.vector);
    index.revision = revision;
    this.scheduleFlush();
  }

  /** Applies committed removals (assets or embeddings) to every loaded index. */
  removed(assetIds: readonly number[], revisions: ReadonlyMap<string, number>): void {
    for (const index of this.loaded.values()) {
      for (const id of assetIds) index.remove(id);
      index.revision = revisions.get(index.modelVersion) ?? index.revision;
    }
    this.scheduleFlush();
  }

  /** Revisions of the loaded models as SQLite has them now (read inside a write transaction). */
  revisions(): Map<string, number> {
    return new Map([...this.loaded.keys()].map((v) => [v, modelRevision(this.db, v)]));
  }

  /**
   * Catches up with commits of other connections (another nerfdex process on the same library):
   * embeddings added or removed there, and a change of the active model.
   */
  refresh(): void {
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    for (const index of this.loaded.values()) this.reconcile(index);
    const active = activeModel(this.db)?.version;
    if (active !== this.activeIndex?.modelVersion && !this.following) {
      this.following = this.follow(active).finally(() => (this.following = undefined));
    }
  }

  /**
   * Makes `version` the active model: its index is loaded or built while search goes on with the
   * old one; then, in one synchronous step, completeness is checked again, the flag is set in
   * SQLite and search switches over. The old index is written and released.
   */
  async activate(version: string, allowIncomplete: boolean, write: <T>(fn: () => T) => T): Promise<void> {
    requireModel(this.db, version);
    if (this.activeIndex?.modelVersion === version && activeModel(this.db)?.version === version) return;
    if (!allowIncomplete) this.checkComplete(version);
    const index = await this.load(version);
    await index.ready;
    write(() => {
      if (!allowIncomplete) this.checkComplete(version);
      setActiveModel(this.db, version);
    });
    this.swap(index);
  }

  /** Unloads the index of a version (not the active one). */
  async unload(version: string): Promise<void> {
    const index = this.loaded.get(version);
    if (!index || index === this.activeIndex) return;
    this.loaded.delete(version);
    await index.close();
  }

  /** Writes every loaded index that changed. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await Promise.all([...this.loaded.values()].map((i) => i.flush()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.flushTimer);
    await this.following?.catch(() => undefined);
    await Promise.all([...this.loading.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.loaded.values()].map((i) => i.close()));
    this.loaded.clear();
    this.activeIndex = undefined;
  }

  private checkComplete(version: string): void {
    const { embedded, assets } = coverage(this.db, version);
    if (embedded < assets) throw new IncompleteModelError(version, embedded, assets);
  }

  private swap(index: VectorIndex): void {
    const old = this.activeIndex;
    this.activeIndex = index;
    this.options.log.info(`library: search now uses model ${index.modelVersion} (${index.count} embeddings)`);
    if (old && old !== index) {
      this.loaded.delete(old.modelVersion);
      old.close().catch((error: Error) => this.options.log.warn(`vector index ${old.modelVersion}: close failed: ${error.message}`));
    }
  }

  /** Another process switched the active model: load the new index, then switch search over. */
  private async follow(version: string | undefined): Promise<void> {
    if (version === undefined) return;
    try {
      const index = await this.load(version);
      await index.ready;
      if (!this.closed && activeModel(this.db)?.version === version) this.swap(index);
    } catch (error) {
      this.options.log.warn(`library: cannot follow the switch to model ${version}: ${(error as Error).message}`);
    }
  }

  /** Brings an index's id set in line with SQLite when its revision differs (adds and removals). */
  private reconcile(index: VectorIndex): void {
    const revision = modelRevision(this.db, index.modelVersion);
    if (revision === index.revision) return;
    const ids = embeddedIds(this.db, index.modelVersion);
    const stored = new Set(ids);
    for (const id of [...index.ids()]) if (!stored.has(id)) index.remove(id);
    const added = ids.filter((id) => !index.has(id));
    for (const [id, vector] of readEmbeddings(this.db, index.modelVersion, added)) index.upsert(id, vector);
    index.revision = revision;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch((error: Error) => this.options.log.warn(`library: index flush failed: ${error.message}`));
    }, this.options.flushDelayMs ?? 5000);
    this.flushTimer.unref();
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
