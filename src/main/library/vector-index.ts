/**
 * The nearest-neighbour index of one model version: exact search over the in-memory vectors
 * below `exactThreshold` assets, an HNSW graph (hnswlib-node, inner product on unit vectors =
 * cosine) above it. The graph is a cache of SQLite's embeddings, persisted beside the database as
 * `index-<model>.hnsw` with a JSON stamp `index-<model>.json`; at open a missing, stale or corrupt
 * file is rebuilt from the vectors it is given, never trusted blindly.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import hnswlib from 'hnswlib-node';
import { type IndexStamp, STAMP_FORMAT, fileSha256, fsyncFile, idsSha256, indexPaths, removeStaleTemporaries, staleReason } from './index-file';
import type { LibraryLog } from './types';
import { VectorStore } from './vector-store';
import { type VectorHit, compareHits, normalized } from './vectors';

export { type IndexStamp, idsSha256, indexPaths } from './index-file';

type HierarchicalNSW = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** Parameters of the HNSW graph. */
export interface HnswParams {
  /** Links per node (hnswlib's M). @default 16 */
  readonly m: number;
  /** Candidate list while inserting. @default 100 */
  readonly efConstruction: number;
  /** Candidate list while searching (raised to k when k is larger). @default 64 */
  readonly efSearch: number;
  /** Seed of the level generator, so a rebuild gives the same graph. @default 100 */
  readonly seed: number;
}

export const DEFAULT_HNSW_PARAMS: HnswParams = Object.freeze({ m: 16, efConstruction: 100, efSearch: 64, seed: 100 });

/**
 * Below this many vectors search is exact (brute-force cosine) and no graph is kept: at 256 dims
 * an exact query over 5,000 vectors takes about a millisecond (bench/library.ts), which the UI
 * cannot tell from HNSW, and it is always right and costs no build.
 * @default 5000
 */
export const EXACT_SEARCH_THRESHOLD = 5000;

/**
 * Most ids a filter may pass for find-similar to go exact over them rather than over-fetch from
 * HNSW. Exact costs one dot product per passing id; over-fetching costs a graph search with
 * ef ~ k n / passing, each candidate several dot products: exact wins while
 * passing^2 < 16 k n (constant from bench/library.ts: at 100k, a 1% filter is exact in ~1 ms,
 * where HNSW would need ef ~1500).
 */
export function subsetSearchLimit(k: number, n: number): number {
  return Math.max(k, Math.sqrt(16 * k * n));
}

/** The vectors SQLite holds for the model, which the index must reflect. */
export interface IndexSource {
  readonly ids: ArrayLike<number>;
  /** Row-major, `ids.length * dims` values (normalised here). */
  readonly vectors: Float32Array;
  readonly revision: number;
}

export interface VectorIndexOptions {
  readonly modelVersion: string;
  readonly dims: number;
  /** Folder for the graph and stamp files; undefined keeps the index in memory only. */
  readonly dir?: string;
  /** @default DEFAULT_HNSW_PARAMS */
  readonly params?: Partial<HnswParams>;
  /** @default EXACT_SEARCH_THRESHOLD */
  readonly exactThreshold?: number;
  /** @default console */
  readonly log?: LibraryLog;
}

/** How a search was answered. */
export type SearchMethod = 'exact' | 'hnsw' | 'hnsw+exact';

/**
 * A filter on ids, resolved lazily: HNSW candidates are checked in batches, and the full set is
 * only asked for when the search goes exact over it.
 */
export interface IndexFilter {
  /** How many ids pass (an estimate is enough: it sizes the over-fetch and picks the path). */
  readonly count: number;
  /** The ids among `candidates` that pass. */
  check(candidates: readonly number[]): ReadonlySet<number>;
  /** Every id that passes. */
  all(): ReadonlySet<number>;
}

/** An `IndexFilter` over a set of ids held in memory. */
export function setFilter(ids: ReadonlySet<number>): IndexFilter {
  return { count: ids.size, check: (candidates) => new Set(candidates.filter((id) => ids.has(id))), all: () => ids };
}

export interface IndexSearchOptions {
  /** Only ids passing this filter may be returned. */
  readonly filter?: IndexFilter;
  /** Ids never returned (the query asset itself). */
  readonly exclude?: ReadonlySet<number>;
  /** Force exact search. @default false */
  readonly exact?: boolean;
}

/** State of the graph: none (exact only), being built, or ready. */
export type GraphState = 'none' | 'building' | 'ready';

export class VectorIndex {
  readonly modelVersion: string;
  readonly dims: number;
  readonly params: HnswParams;
  readonly exactThreshold: number;
  /** `models.revision` the vectors held correspond to. */
  revision: number;
  /** Candidate list while searching; changing it needs no rebuild. @default params.efSearch */
  efSearch: number;
  private readonly store: VectorStore;
  private readonly dir: string | undefined;
  private readonly log: LibraryLog;
  private graph: HierarchicalNSW | undefined;
  private graphState: GraphState = 'none';
  /** Labels marked deleted in the graph. */
  private readonly deleted = new Set<number>();
  /** Ids changed while a build ran on a snapshot; applied to the graph when it is done. */
  private changedDuringBuild = new Set<number>();
  private building: Promise<void> | undefined;
  private dirty = false;
  private closed = false;
  /** Set by close(): a running build stops at its next yield. */
  private stopping = false;
  private writing: Promise<void> = Promise.resolve();

  private constructor(options: VectorIndexOptions, revision: number, capacity: number) {
    this.modelVersion = options.modelVersion;
    this.dims = options.dims;
    this.params = { ...DEFAULT_HNSW_PARAMS, ...options.params };
    this.efSearch = this.params.efSearch;
    this.exactThreshold = options.exactThreshold ?? EXACT_SEARCH_THRESHOLD;
    this.dir = options.dir;
    this.log = options.log ?? console;
    this.revision = revision;
    this.store = new VectorStore(this.dims, capacity);
  }

  /**
   * An index over `source`. With a `dir`, a graph file whose stamp matches the source is loaded;
   * otherwise (missing, stale, corrupt) the graph is rebuilt in the background and searches are
   * exact until `ready` settles.
   */
  static async open(options: VectorIndexOptions, source: IndexSource): Promise<VectorIndex> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(options.modelVersion)) throw new RangeError(`model version "${options.modelVersion}" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    if (!Number.isInteger(options.dims) || options.dims < 1) throw new RangeError(`dims must be a positive integer, got ${options.dims}`);
    if (source.vectors.length !== source.ids.length * options.dims) throw new RangeError(`source has ${source.ids.length} ids but ${source.vectors.length} values (expected ${source.ids.length * options.dims})`);
    const index = new VectorIndex(options, source.revision, source.ids.length + 1024);
    for (let i = 0; i < source.ids.length; i++) {
      index.store.upsert(source.ids[i]!, source.vectors.subarray(i * options.dims, (i + 1) * options.dims));
      if (i % 16384 === 16383) await new Promise((resolve) => setImmediate(resolve));
    }
    if (index.dir) await removeStaleTemporaries(index.dir, options.modelVersion);
    if (index.store.count >= index.exactThreshold) {
      const why = index.dir ? await index.tryLoad() : 'kept in memory only';
      if (why !== undefined) {
        if (index.dir) index.log.warn(`${indexPaths(index.dir, index.modelVersion).graph}: rebuilding from ${index.store.count} stored embeddings (${why})`);
        index.startBuild();
      }
    }
    return index;
  }

  get count(): number {
    return this.store.count;
  }

  get state(): GraphState {
    return this.graphState;
  }

  /** Settles when no graph build is running (at once when none is). */
  get ready(): Promise<void> {
    return this.building ?? Promise.resolve();
  }

  has(id: number): boolean {
    return this.store.has(id);
  }

  ids(): readonly number[] {
    return this.store.ids();
  }

  /** The stored unit vector of `id` (a copy). */
  vector(id: number): Float32Array | undefined {
    return this.store.vector(id)?.slice();
  }

  /** Adds or replaces the vector of `id`. */
  upsert(id: number, vector: ArrayLike<number>): void {
    this.assertOpen();
    if (vector.length !== this.dims) throw new RangeError(`vector has ${vector.length} values, index ${this.modelVersion} has ${this.dims} dims`);
    this.store.upsert(id, vector);
    if (this.graphState === 'building') this.changedDuringBuild.add(id);
    else if (this.graphState === 'ready') this.graphAdd(id);
    else if (this.store.count >= this.exactThreshold) this.startBuild();
    this.dirty = true;
  }

  /** Removes `id` (a no-op when absent). */
  remove(id: number): void {
    this.assertOpen();
    if (!this.store.remove(id)) return;
    if (this.graphState === 'building') this.changedDuringBuild.add(id);
    else if (this.graphState === 'ready') this.graphRemove(id);
    this.dirty = true;
  }

  /**
   * The `k` nearest ids to `query` by cosine similarity, best first, scores computed exactly from
   * the stored vectors on every path. With a filter: when few ids pass (`subsetSearchLimit`) the
   * search is exact over them; otherwise HNSW over-fetches by the inverse of the filter's
   * selectivity (x4 per retry) and the candidates are checked, and when too few survive the
   * search falls back to exact over every passing id.
   */
  search(query: ArrayLike<number>, k: number, options: IndexSearchOptions = {}): { hits: VectorHit[]; method: SearchMethod } {
    this.assertOpen();
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
    if (query.length !== this.dims) throw new RangeError(`query has ${query.length} values, index ${this.modelVersion} has ${this.dims} dims`);
    const q = normalized(query);
    const n = this.store.count;
    if (k === 0 || n === 0) return { hits: [], method: 'exact' };
    const { filter, exclude } = options;
    const notExcluded = exclude && exclude.size > 0 ? (id: number) => !exclude.has(id) : undefined;
    const useGraph = this.graph !== undefined && this.graphState === 'ready' && n >= this.exactThreshold && !options.exact;
    if (!useGraph || (filter && filter.count <= subsetSearchLimit(k, n))) return { hits: this.exactOver(q, k, filter, notExcluded), method: 'exact' };
    const selectivity = filter ? Math.max(filter.count / n, 1 / n) : 1;
    let fetch = Math.ceil((k + (exclude?.size ?? 0)) / selectivity);
    if (filter) fetch = Math.ceil(fetch * 1.5) + 8;
    for (let attempt = 0; attempt < 3 && fetch <= n / 2; attempt++, fetch *= 4) {
      let hits = this.graphSearch(q, fetch, notExcluded);
      if (filter) {
        const passing = filter.check(hits.map((h) => h.id));
        hits = hits.filter((h) => passing.has(h.id));
      }
      if (hits.length >= k) return { hits: hits.slice(0, k), method: 'hnsw' };
    }
    return { hits: this.exactOver(q, k, filter, notExcluded), method: 'hnsw+exact' };
  }

  private exactOver(q: Float32Array, k: number, filter: IndexFilter | undefined, accept: ((id: number) => boolean) | undefined): VectorHit[] {
    if (!filter) return this.store.searchExact(q, k, accept);
    const allowed = filter.all();
    if (allowed.size < this.store.count) return this.store.searchExact(q, k, accept, allowed);
    return this.store.searchExact(q, k, accept ? (id) => allowed.has(id) && accept(id) : (id) => allowed.has(id));
  }

  /** Writes the graph and its stamp if they changed since the last write (write-then-rename). */
  async flush(): Promise<void> {
    const next = this.writing.then(() => this.writeFiles());
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Stops any build, writes what changed, and releases the graph. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    await this.building?.catch(() => undefined);
    await this.flush();
    this.closed = true;
    this.graph = undefined;
    this.graphState = 'none';
  }

  /** The stamp describing the graph as it is now. */
  stamp(fileBytes: number, fileSha256: string): IndexStamp {
    return {
      format: STAMP_FORMAT,
      modelVersion: this.modelVersion,
      dims: this.dims,
      count: this.store.count,
      idsSha256: idsSha256(this.store.ids()),
      revision: this.revision,
      params: this.params,
      deleted: [...this.deleted].sort((a, b) => a - b),
      fileBytes,
      fileSha256,
      writtenAt: new Date().toISOString(),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`vector index ${this.modelVersion} is closed`);
  }

  private graphSearch(q: Float32Array, fetch: number, accept: ((id: number) => boolean) | undefined): VectorHit[] {
    const graph = this.graph!;
    const k = Math.min(fetch, graph.getMaxElements(), this.store.count);
    graph.setEf(Math.max(this.efSearch, k));
    const { neighbors } = graph.searchKnn(Array.from(q), k);
    const hits: VectorHit[] = [];
    for (const id of neighbors) {
      if (accept && !accept(id)) continue;
      const score = this.store.score(id, q);
      if (score !== undefined) hits.push({ id, score });
    }
    return hits.sort(compareHits);
  }

  private graphAdd(id: number): void {
    const graph = this.graph!;
    if (!this.deleted.delete(id) && graph.getCurrentCount() >= graph.getMaxElements()) graph.resizeIndex(Math.ceil(graph.getMaxElements() * 1.5) + 64);
    // addPoint on a label the graph holds (live or marked deleted) updates it in place.
    graph.addPoint(Array.from(this.store.vector(id)!), id);
  }

  private graphRemove(id: number): void {
    this.graph!.markDelete(id);
    this.deleted.add(id);
  }

  /** Loads the graph file if its stamp and bytes match; otherwise says why not. */
  private async tryLoad(): Promise<string | undefined> {
    const paths = indexPaths(this.dir!, this.modelVersion);
    const graphInfo = await stat(paths.graph).catch(() => undefined);
    let stampText: string;
    try {
      stampText = await readFile(paths.stamp, 'utf8');
    } catch {
      return graphInfo ? 'its stamp is missing' : 'no index file';
    }
    if (!graphInfo) return 'the index file is missing';
    let stamp: IndexStamp;
    try {
      stamp = JSON.parse(stampText) as IndexStamp;
    } catch {
      return 'corrupt: the stamp is not JSON';
    }
    const ids = this.store.ids();
    const stale = staleReason(stamp, { modelVersion: this.modelVersion, dims: this.dims, params: this.params, revision: this.revision, count: ids.length, idsSha256: idsSha256(ids) });
    if (stale) return `stale: ${stale}`;
    if (stamp.deleted.length > Math.max(1000, stamp.count / 4)) return `compaction: ${stamp.deleted.length} deleted points`;
    if (graphInfo.size !== stamp.fileBytes) return `corrupt: the file has ${graphInfo.size} bytes, the stamp says ${stamp.fileBytes}`;
    if ((await fileSha256(paths.graph)) !== stamp.fileSha256) return 'corrupt: the file does not match its checksum';
    const graph = new hnswlib.HierarchicalNSW('ip', this.dims);
    try {
      await graph.readIndex(paths.graph);
    } catch (error) {
      return `corrupt: ${(error as Error).message}`;
    }
    const deleted = new Set(stamp.deleted);
    const live = graph.getIdsList().filter((id) => !deleted.has(id));
    if (live.length !== ids.length || graph.getCurrentCount() !== ids.length + deleted.size || !live.every((id) => this.store.has(id))) {
      return `corrupt: the graph holds ${live.length} live points, the library ${ids.length}`;
    }
    this.graph = graph;
    for (const id of deleted) this.deleted.add(id);
    this.graphState = 'ready';
    return undefined;
  }

  /** Builds the graph from a snapshot in the background, yielding to the event loop as it goes. */
  private startBuild(): void {
    if (this.building) return;
    this.graphState = 'building';
    this.changedDuringBuild = new Set();
    const started = performance.now();
    this.building = (async () => {
      try {
        const snapshot = this.store.snapshot();
        // Always return to the caller first: open() answers at once, with exact search meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        const graph = await buildGraph(snapshot.ids, snapshot.matrix, this.dims, this.params, () => this.stopping);
        if (!graph || this.stopping) return;
        this.graph = graph;
        this.deleted.clear();
        this.graphState = 'ready';
        const built = new Set(snapshot.ids);
        for (const id of this.changedDuringBuild) {
          if (this.store.has(id)) this.graphAdd(id);
          else if (built.has(id)) this.graphRemove(id);
        }
        this.dirty = true;
        if (this.dir) this.log.info(`${indexPaths(this.dir, this.modelVersion).graph}: built over ${this.store.count} embeddings in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        await this.flush();
      } catch (error) {
        this.graph = undefined;
        this.graphState = 'none';
        this.log.warn(`vector index ${this.modelVersion}: graph build failed, search stays exact: ${(error as Error).message}`);
      } finally {
        this.changedDuringBuild = new Set();
        this.building = undefined;
        if (this.graphState !== 'ready' && !this.closed) this.graphState = 'none';
      }
    })();
  }

  private async writeFiles(): Promise<void> {
    if (!this.dir || !this.dirty || this.closed || this.graphState !== 'ready' || !this.graph) return;
    const paths = indexPaths(this.dir, this.modelVersion);
    const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const tmpGraph = paths.graph + suffix;
    const tmpStamp = paths.stamp + suffix;
    try {
      // Synchronous on purpose: an async write would read the graph on another thread while this
      // one may change it. The stamp is taken at the same instant.
      this.graph.writeIndexSync(tmpGraph);
      const pending = this.stamp(0, '');
      this.dirty = false;
      await fsyncFile(tmpGraph);
      const bytes = (await stat(tmpGraph)).size;
      const stamp: IndexStamp = { ...pending, fileBytes: bytes, fileSha256: await fileSha256(tmpGraph) };
      await writeFile(tmpStamp, `${JSON.stringify(stamp)}\n`);
      await fsyncFile(tmpStamp);
      // Graph first, then stamp: a crash in between leaves a stamp whose checksum fails, so the
      // next open rebuilds instead of trusting the pair.
      await rename(tmpGraph, paths.graph);
      await rename(tmpStamp, paths.stamp);
    } catch (error) {
      this.dirty = true;
      await Promise.all([rm(tmpGraph, { force: true }), rm(tmpStamp, { force: true })]);
      this.log.warn(`${paths.graph}: cannot write the index (${(error as Error).message}); it will be rebuilt at the next open if needed`);
    }
  }
}

/** Builds an HNSW graph over rows of `matrix`; undefined when `cancelled` turns true first. */
export async function buildGraph(ids: readonly number[], matrix: Float32Array, dims: number, params: HnswParams, cancelled: () => boolean = () => false): Promise<HierarchicalNSW | undefined> {
  const graph = new hnswlib.HierarchicalNSW('ip', dims);
  graph.initIndex({ maxElements: Math.max(16, Math.ceil(ids.length * 1.25)), m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed });
  let slice = performance.now();
  for (let row = 0; row < ids.length; row++) {
    graph.addPoint(Array.from(matrix.subarray(row * dims, (row + 1) * dims)), ids[row]!);
    // Hand the event loop back every ~20 ms so the app stays responsive during a long build.
    if (performance.now() - slice > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      if (cancelled()) return undefined;
      slice = performance.now();
    }
  }
  return graph;
}
