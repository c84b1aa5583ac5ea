/**
 * The library half of the API contract, over an open `AppLibrary`: records of the catalogue
 * turned into the contract's shapes, bytes into base64.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  Api,
  AssetCard,
  AssetDetail,
  AssetFilter,
  AssetPage,
  BinaryPayload,
  CollectionInfo,
  JobInfo,
  LatentMapLayout,
  LatentMapUnavailable,
  LibrarySummary,
  ListAssetsRequest,
  SearchResults,
  SimilarResults,
} from '../../shared/api';
import { NotFoundError } from '../library/errors';
import type { SimilarResults as LibrarySimilarResults } from '../library/search';
import type { AssetFilters, AssetSortKey, AssetSummary, CollectionRecord } from '../library/types';
import type { AppLibrary } from './app-library';
import { LatentMaps } from './latent-map';
import type { ModelApi } from './model-api';
import { exportNerfMesh } from './mesh-export';
import { embedFileForSearch } from './similar-to-file';

/** The methods of `Api` this module answers (model-api.ts answers fine-tuning, models and settings; reveal-file.ts `revealFile`). */
export type LibraryApi = Omit<Api, 'appInfo' | 'computeInfo' | 'importFormats' | 'revealFile' | keyof ModelApi>;

/** Asset summary as a gallery card. */
export function assetCard(summary: AssetSummary): AssetCard {
  return {
    id: summary.id,
    name: summary.name,
    family: summary.family,
    architecture: summary.architecture,
    category: summary.category,
    caption: summary.caption,
    hasThumbnail: summary.thumbnail !== null,
    missing: summary.missing,
    addedAt: summary.createdAt,
  };
}

/** The contract's filter as the library's. */
export function libraryFilters(filter: AssetFilter): AssetFilters {
  return {
    ...(filter.family === undefined ? {} : { family: filter.family }),
    ...(filter.architecture === undefined ? {} : { architecture: filter.architecture }),
    ...(filter.category === undefined ? {} : { category: filter.category }),
    ...(filter.tag === undefined ? {} : { tags: [filter.tag] }),
    ...(filter.collection === undefined ? {} : { collection: filter.collection }),
  };
}

const SORT_KEYS: Readonly<Record<NonNullable<ListAssetsRequest['sort']>, AssetSortKey>> = { name: 'name', added: 'created', category: 'category' };

function collectionInfo(record: CollectionRecord): CollectionInfo {
  return { id: record.id, name: record.name, description: record.description, size: record.size, createdAt: record.createdAt };
}

/** The message find-similar answers with while no encoder model is installed. */
export function noEncoderMessage(encoderPath: string): string {
  return `no encoder model installed: find-similar needs ${encoderPath} (train one with \`npm run train\`, see docs/gmn.md); gallery, text search and tags work without it`;
}

/** Why find-similar cannot answer now, or null when it can. */
function similarUnavailable(app: AppLibrary): string | null {
  if (app.library.activeModel()) return null;
  if (app.encoderInstalled()) return 'the installed encoder model has not embedded any asset yet; a job is embedding them';
  return app.unusableEncoderReason(app.encoderPath) ?? noEncoderMessage(app.encoderPath);
}

/** Rejects with why find-similar cannot answer now (no encoder, or nothing embedded yet). */
function requireSimilar(app: AppLibrary): void {
  const unavailable = similarUnavailable(app);
  if (unavailable !== null) throw new Error(unavailable);
}

/** The library's similar-shape hits as the API answers them. */
function similarResults(found: LibrarySimilarResults): SimilarResults {
  return { modelVersion: found.modelVersion, results: found.results.map((r) => ({ asset: assetCard(r.asset), score: r.score })) };
}

/** The asset's thumbnail as a `data:image/png;base64,` URL, or null while it has none. */
async function thumbnailUrl(app: AppLibrary, id: number): Promise<string | null> {
  const entry = app.library.renditions(id).find((r) => r.kind === 'thumbnail');
  if (!entry) return null;
  const bytes = await readFile(path.join(app.library.cacheDir, entry.path));
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

/** Builds the library methods over `open()`, which opens the library on first use. */
export function createLibraryApi(open: () => Promise<AppLibrary>): LibraryApi {
  const asset = async (id: number) => {
    const app = await open();
    const record = app.library.getAsset(id);
    if (!record) throw new NotFoundError('asset', id);
    return { app, record };
  };
  const rendition = async (id: number, kind: string): Promise<{ bytes: Buffer; file: string }> => {
    const { app } = await asset(id);
    const entry = app.library.renditions(id).find((r) => r.kind === kind);
    if (!entry) throw new RangeError(`asset ${id} has no ${kind} yet`);
    const file = path.join(app.library.cacheDir, entry.path);
    return { bytes: await readFile(file), file };
  };
  const maps = new WeakMap<AppLibrary, LatentMaps>();
  const payload = (bytes: Uint8Array, fileName: string, mimeType: string): BinaryPayload => ({
    fileName,
    mimeType,
    base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    bytes: bytes.byteLength,
  });

  return {
    async librarySummary(): Promise<LibrarySummary> {
      const app = await open();
      app.embedWhenEncoderAppears();
      void app.useTextModelWhenPresent();
      const { library } = app;
      const model = library.activeModel();
      const facets = library.facets();
      const present = (list: { value: string | null; count: number }[]) => list.flatMap((f) => (f.value === null ? [] : [{ value: f.value, count: f.count }]));
      return {
        path: library.dir,
        assets: library.listAssets({ limit: 0 }).total,
        embedded: model ? library.modelCoverage(model.version).embedded : 0,
        collections: library.collections().length,
        modelVersion: model?.version ?? null,
        encoderInstalled: app.encoderInstalled(),
        similarUnavailable: similarUnavailable(app),
        families: present(facets.family),
        architectures: present(facets.architecture),
        categories: present(facets.category),
        tags: library.allTags(200).map((t) => ({ value: t.tag, count: t.count })),
      };
    },

    async listAssets(request: ListAssetsRequest): Promise<AssetPage> {
      const { library } = await open();
      const offset = request.offset ?? 0;
      const page = library.listAssets({
        filters: libraryFilters(request.filter ?? {}),
        sort: SORT_KEYS[request.sort ?? 'added'],
        order: request.order,
        offset,
        limit: request.limit ?? 100,
      });
      return { items: page.items.map(assetCard), total: page.total, offset };
    },

    async getAsset(id: number): Promise<AssetDetail> {
      const { app, record } = await asset(id);
      const { library } = app;
      const renditions = library.renditions(id);
      const files = library.assetFiles(id);
      const tags = library.tags(id);
      const model = library.activeModel();
      return {
        id,
        name: record.name,
        family: record.family,
        architecture: record.architecture,
        category: record.category,
        caption: record.caption,
        captionGenerated: record.captionGenerated,
        hasThumbnail: renditions.some((r) => r.kind === 'thumbnail'),
        hasPreview: renditions.some((r) => r.kind === 'preview'),
        missing: files.length === 0 || files.every((f) => f.status === 'missing'),
        addedAt: record.createdAt,
        updatedAt: record.updatedAt,
        contentSha256: record.contentSha256,
        size: files[0]?.size ?? 0,
        tags: tags.filter((t) => t.source === 'user').map((t) => ({ tag: t.tag, source: 'user', confidence: null })),
        suggestedTags: tags.filter((t) => t.source === 'suggested').map((t) => ({ tag: t.tag, source: 'suggested', confidence: t.confidence })),
        files: files.map((f) => ({ path: f.path, format: f.format, size: f.size, status: f.status })),
        collections: library.collectionsOf(id),
        meta: record.meta,
        aabb: record.config.aabb ?? null,
        embedded: model !== undefined && library.embedding(id, model.version) !== undefined,
      };
    },

    async thumbnail(id: number): Promise<string | null> {
      const { app } = await asset(id);
      return thumbnailUrl(app, id);
    },

    async thumbnails(ids: number[]): Promise<(string | null)[]> {
      const app = await open();
      // An asset gone, or one unreadable file, costs its own cell a picture, not the whole screenful.
      return Promise.all(ids.map((id) => (app.library.getAsset(id) ? thumbnailUrl(app, id).catch(() => null) : null)));
    },

    async previewVolume(id: number): Promise<BinaryPayload> {
      const { bytes, file } = await rendition(id, 'preview');
      return payload(bytes, path.basename(file), 'application/x-nerfdex-volume');
    },

    async searchText(query: string, filter: AssetFilter, limit: number): Promise<SearchResults> {
      const { library } = await open();
      const found = await library.searchText(query, { limit, filters: libraryFilters(filter) });
      return {
        semantic: found.semantic,
        corrections: found.corrections.map((c) => ({ from: c.from, to: [...c.to] })),
        results: found.results.map((r) => ({ asset: assetCard(r.asset), score: r.score, reasons: [...r.reasons] })),
      };
    },

    async findSimilar(assetId: number, k: number, filter: AssetFilter): Promise<SimilarResults> {
      const { app } = await asset(assetId);
      requireSimilar(app);
      return similarResults(app.library.findSimilar({ assetId, k, filters: libraryFilters(filter) }));
    },

    async findSimilarToFile(file: string, k: number, filter: AssetFilter): Promise<SimilarResults> {
      const app = await open();
      // Before the file is read and embedded: without an index there is nothing to compare it with.
      requireSimilar(app);
      const vector = await embedFileForSearch(app, file);
      return similarResults(app.library.findSimilar({ vector, k, filters: libraryFilters(filter) }));
    },

    async setTags(ids: number[], add: string[], remove: string[]): Promise<{ readonly updated: number }> {
      const { library } = await open();
      const unknown = ids.find((id) => !library.getAsset(id));
      if (unknown !== undefined) throw new NotFoundError('asset', unknown);
      for (const id of ids) {
        if (add.length > 0) library.addTags(id, add);
        if (remove.length > 0) library.removeTags(id, remove);
      }
      return { updated: ids.length };
    },

    async listCollections(): Promise<CollectionInfo[]> {
      const { library } = await open();
      return library.collections().map(collectionInfo);
    },

    async createCollection(name: string, description: string): Promise<CollectionInfo> {
      const { library } = await open();
      const id = library.createCollection(name.trim(), description === '' ? undefined : description);
      return collectionInfo(library.collections().find((c) => c.id === id)!);
    },

    async addToCollection(collectionId: number, ids: number[]): Promise<CollectionInfo> {
      const { library } = await open();
      const collection = library.collections().find((c) => c.id === collectionId);
      if (!collection) throw new NotFoundError('collection', collectionId);
      const unknown = ids.find((id) => !library.getAsset(id));
      if (unknown !== undefined) throw new NotFoundError('asset', unknown);
      library.addToCollection(collectionId, ids);
      return collectionInfo(library.collections().find((c) => c.id === collectionId)!);
    },

    async importPaths(paths: string[]) {
      const app = await open();
      const absolute = paths.map((p) => path.resolve(p));
      return app.jobs.start(absolute, absolute.length === 1 ? `Import ${path.basename(absolute[0]!)}` : `Import ${absolute.length} paths`);
    },

    async listJobs() {
      const app = await open();
      // The jobs panel polls this: an encoder installed meanwhile starts its embedding job here.
      app.embedWhenEncoderAppears();
      const fineTunes = app.fineTunes.jobs();
      const running = (job: JobInfo): boolean => job.state === 'running' || job.state === 'queued';
      return [...fineTunes.filter(running), ...app.jobs.list(), ...fineTunes.filter((job) => !running(job))];
    },

    async cancelJob(id: number) {
      const app = await open();
      if (app.fineTunes.has(id)) {
        await app.fineTunes.cancel(id);
        return app.fineTunes.info(id);
      }
      return app.jobs.cancel(id);
    },

    async exportMesh(id: number): Promise<BinaryPayload> {
      const { app, record } = await asset(id);
      const file = app.library.assetFiles(id).find((f) => f.status === 'present');
      if (!file) throw new RangeError(`asset ${id} has no file on disk to export from`);
      const glb = await exportNerfMesh(file.path, app.pool, app.provider);
      return payload(glb, `${record.name}.glb`, 'model/gltf-binary');
    },

    async latentMap(): Promise<LatentMapLayout | LatentMapUnavailable> {
      const app = await open();
      let layouts = maps.get(app);
      if (layouts === undefined) maps.set(app, (layouts = new LatentMaps(app)));
      return layouts.layout();
    },
  };
}
