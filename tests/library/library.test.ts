import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/main/library/errors';
import { Library } from '../../src/main/library/library';
import { IncompleteModelError } from '../../src/main/library/model-indexes';
import type { SemanticTextSearch } from '../../src/main/text/semantic-search';
import type { NerfFamily } from '../../src/main/nerf/types';
import { CATEGORIES } from '../../src/main/vocabulary/categories';
import { typosOf } from '../text/typos';
import { assetInput, clusteredVectors, recordingLog, row, sha256, tempDir } from './helpers';

const DIMS = 8;
const open: Library[] = [];

async function openLibrary(dir = tempDir(), options: Parameters<typeof Library.open>[1] = {}): Promise<Library> {
  const library = await Library.open(dir, { log: recordingLog(), exactThreshold: 40, ...options });
  open.push(library);
  return library;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

const FAMILIES: NerfFamily[] = ['mlp', 'triplane', 'hashgrid'];

/**
 * A library of `objects` objects, each stored in the three families (one asset per family), with
 * embeddings that place the three architectures of one object close together.
 */
async function zooLibrary(objects: number, options: Parameters<typeof Library.open>[1] = {}) {
  const library = await openLibrary(tempDir(), options);
  await library.registerModel({ version: 'gmn-a', dims: DIMS, info: { note: 'test' } });
  const { vectors } = clusteredVectors(objects * 3, DIMS, objects, 7, 0.1);
  const ids: number[][] = [];
  const inputs = [];
  for (let o = 0; o < objects; o++) {
    for (const [f, family] of FAMILIES.entries()) {
      inputs.push({
        ...assetInput(`object-${o}-${family}`, { family }),
        category: o % 2 === 0 ? 'chair' : 'lamp',
        caption: o % 2 === 0 ? `a wooden chair number ${o}` : `a tall lamp number ${o}`,
        embeddings: [{ modelVersion: 'gmn-a', vector: row(vectors, o + objects * f, DIMS) }],
      });
    }
  }
  const results = library.putAssets(inputs);
  for (let o = 0; o < objects; o++) ids.push(results.slice(o * 3, o * 3 + 3).map((r) => r.assetId));
  return { library, ids };
}

describe('Library catalogue', () => {
  it('is idempotent by content: the same content from two paths is one asset with two files', async () => {
    const library = await openLibrary();
    const first = library.putAsset(assetInput('chair', { caption: 'a chair' }));
    expect(first.created).toBe(true);
    const again = library.putAsset(assetInput('chair', { caption: 'a chair' }));
    expect(again).toEqual({ assetId: first.assetId, created: false });
    const copy = library.putAsset({ ...assetInput('chair'), file: { path: '/backup/chair-copy.nerf.safetensors', format: 'native', size: 1000, mtimeMs: 1 } });
    expect(copy).toEqual({ assetId: first.assetId, created: false });
    expect(library.listAssets().total).toBe(1);
    expect(library.assetFiles(first.assetId).map((f) => f.path)).toEqual(['/data/chair.nerf.safetensors', '/backup/chair-copy.nerf.safetensors']);

    // Edits survive a re-import; empty fields are filled in.
    library.updateAsset(first.assetId, { name: 'My chair', caption: 'the chair I like' });
    library.putAsset(assetInput('chair', { caption: 'a chair', category: 'chair' }));
    expect(library.getAsset(first.assetId)).toMatchObject({ name: 'My chair', caption: 'the chair I like', captionGenerated: false, category: 'chair' });
  });

  it('marks files missing and present, and lists files under a folder', async () => {
    const library = await openLibrary();
    const { assetId } = library.putAsset(assetInput('a'));
    library.putAsset({ ...assetInput('a'), file: { path: '/elsewhere/a.nerf.safetensors', format: 'native', size: 1000, mtimeMs: 1 } });
    expect(library.markFilesMissing(['/data/a.nerf.safetensors'])).toBe(1);
    expect(library.listAssets().items[0]!.missing).toBe(false);
    library.markFilesMissing(['/elsewhere/a.nerf.safetensors']);
    expect(library.listAssets().items[0]!.missing).toBe(true);
    expect(library.listAssets({ filters: { includeMissing: false } }).total).toBe(0);
    library.markFilesPresent(['/data/a.nerf.safetensors']);
    expect(library.assetFiles(assetId).map((f) => f.status)).toEqual(['present', 'missing']);
    expect(library.filesUnder('/data').map((f) => f.path)).toEqual(['/data/a.nerf.safetensors']);
  });

  it('records import errors per path and clears them when the path imports', async () => {
    const library = await openLibrary();
    library.recordImportError({ path: '/data/bad.nerf.safetensors', errorClass: 'NativeNerfError', reason: 'truncated', size: 10, mtimeMs: 5 });
    library.recordImportError({ path: '/data/bad.nerf.safetensors', errorClass: 'NativeNerfError', reason: 'truncated again', size: 10, mtimeMs: 5 });
    expect(library.importErrors()).toMatchObject([{ path: '/data/bad.nerf.safetensors', reason: 'truncated again', attempts: 2, errorClass: 'NativeNerfError' }]);
    library.putAsset(assetInput('bad'));
    expect(library.importErrors()).toEqual([]);
  });

  it('keeps thumbnails as cache paths and deletes them with the asset', async () => {
    const library = await openLibrary();
    const sha = sha256('thumbed');
    const thumb = library.cachePath(sha, 'thumbnail', 'png');
    expect(thumb.relative).toBe(join('thumbnails', sha.slice(0, 2), `${sha}.png`));
    mkdirSync(dirname(thumb.absolute), { recursive: true });
    writeFileSync(thumb.absolute, 'png');
    const { assetId } = library.putAsset({ ...assetInput('thumbed'), renditions: [{ kind: 'thumbnail', path: thumb.relative, bytes: 3 }] });
    expect(library.listAssets().items[0]!.thumbnail).toBe(thumb.absolute);
    await library.removeAsset(assetId);
    expect(existsSync(thumb.absolute)).toBe(false);
    expect(library.getAsset(assetId)).toBeUndefined();
    await expect(library.removeAsset(assetId)).rejects.toThrow(NotFoundError);
  });

  it('checks inputs at the edge with messages that quote the bad value', async () => {
    const library = await openLibrary();
    expect(() => library.putAsset({ ...assetInput('x'), contentSha256: 'abc' })).toThrow('contentSha256 must be 64 lower-case hex digits, got "abc"');
    expect(() => library.putAsset({ ...assetInput('x'), file: { path: 'relative.nerf', format: 'native', size: 1, mtimeMs: 1 } })).toThrow('file path must be absolute, got "relative.nerf"');
    expect(() => library.putAsset({ ...assetInput('x'), embeddings: [{ modelVersion: 'nope', vector: [1] }] })).toThrow(NotFoundError);
    await library.registerModel({ version: 'gmn-a', dims: 2 });
    expect(() => library.putAsset({ ...assetInput('x'), embeddings: [{ modelVersion: 'gmn-a', vector: [0, 0] }] })).toThrow(/is all zeros/);
    expect(() => library.putAsset({ ...assetInput('x'), embeddings: [{ modelVersion: 'gmn-a', vector: [1, Number.NaN] }] })).toThrow(/\[1\] is NaN/);
    // A failed batch writes nothing.
    expect(() => library.putAssets([assetInput('ok'), { ...assetInput('x'), embeddings: [{ modelVersion: 'gmn-a', vector: [1, 2, 3] }] }])).toThrow(/has 3 values/);
    expect(library.listAssets().total).toBe(0);
  });
});

describe('Library tags and collections', () => {
  it('keeps user tags, suggestions with confidence, acceptance and remembered rejections', async () => {
    const library = await openLibrary();
    const { assetId } = library.putAsset({ ...assetInput('chair'), suggestedTags: [{ tag: 'Furniture', confidence: 0.9 }, { tag: 'wood', confidence: 0.4 }] });
    library.addTags(assetId, ['  My   Favourites ']);
    expect(library.tags(assetId)).toEqual([
      { tag: 'my favourites', source: 'user', confidence: null },
      { tag: 'furniture', source: 'suggested', confidence: 0.9 },
      { tag: 'wood', source: 'suggested', confidence: 0.4 },
    ]);
    expect(library.acceptSuggestedTag(assetId, 'furniture')).toBe(true);
    library.removeTags(assetId, ['wood']);
    // The tagger runs again: the rejected suggestion stays rejected, the accepted tag stays the user's.
    library.suggestTags(assetId, [{ tag: 'wood', confidence: 0.8 }, { tag: 'furniture', confidence: 0.1 }]);
    expect(library.tags(assetId)).toEqual([
      { tag: 'furniture', source: 'user', confidence: null },
      { tag: 'my favourites', source: 'user', confidence: null },
    ]);
    expect(library.allTags()).toEqual([
      { tag: 'furniture', count: 1 },
      { tag: 'my favourites', count: 1 },
    ]);
    expect(() => library.addTags(assetId, [''])).toThrow(RangeError);
    expect(() => library.suggestTags(assetId, [{ tag: 'x', confidence: 2 }])).toThrow('confidence of tag "x" must be a number in [0, 1], got 2');
  });

  it('groups assets in collections', async () => {
    const library = await openLibrary();
    const a = library.putAsset(assetInput('a')).assetId;
    const b = library.putAsset(assetInput('b')).assetId;
    const favourites = library.createCollection('Favourites', 'the best');
    expect(() => library.createCollection('favourites')).toThrow('a collection named "favourites" exists already');
    library.addToCollection(favourites, [a, b, a]);
    expect(library.collections()).toMatchObject([{ id: favourites, name: 'Favourites', description: 'the best', size: 2 }]);
    library.removeFromCollection(favourites, [b]);
    expect(library.listAssets({ filters: { collection: favourites } }).items.map((i) => i.id)).toEqual([a]);
    expect(library.collectionsOf(a)).toEqual([favourites]);
    library.deleteCollection(favourites);
    expect(library.collectionsOf(a)).toEqual([]);
    expect(() => library.addToCollection(favourites, [a])).toThrow(NotFoundError);
  });
});

describe('Library listing', () => {
  it('sorts, filters and paginates the gallery with a total', async () => {
    let clock = 1000;
    const library = await openLibrary(tempDir(), { now: () => clock++ });
    for (const [i, name] of ['delta', 'Alpha', 'charlie', 'bravo', 'echo', 'foxtrot'].entries()) {
      const { assetId } = library.putAsset({ ...assetInput(name, { family: FAMILIES[i % 3] }), category: i % 2 ? 'lamp' : 'chair' });
      if (i < 2) library.addTags(assetId, ['red', 'old']);
      if (i === 2) library.addTags(assetId, ['red']);
    }
    const names = (options: Parameters<Library['listAssets']>[0]) => library.listAssets(options).items.map((i) => i.name);
    expect(names({})).toEqual(['foxtrot', 'echo', 'bravo', 'charlie', 'Alpha', 'delta']);
    expect(names({ sort: 'name' })).toEqual(['Alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot']);
    expect(names({ sort: 'name', order: 'desc', limit: 2, offset: 1 })).toEqual(['echo', 'delta']);
    expect(library.listAssets({ filters: { family: 'mlp' } })).toMatchObject({ total: 2, items: [{ name: 'bravo' }, { name: 'delta' }] });
    expect(names({ filters: { family: ['mlp', 'triplane'], category: 'lamp' }, sort: 'name' })).toEqual(['Alpha', 'bravo']);
    expect(names({ filters: { tags: ['RED', 'old'] }, sort: 'name' })).toEqual(['Alpha', 'delta']);
    expect(names({ filters: { tags: ['red'] }, sort: 'name' })).toEqual(['Alpha', 'charlie', 'delta']);
    expect(names({ filters: { architecture: 'hash-train' } })).toEqual(['foxtrot', 'charlie']);
    expect(() => library.listAssets({ sort: 'size' as never })).toThrow(RangeError);
    expect(() => library.listAssets({ filters: { family: 'nerf' as never } })).toThrow('filters.family "nerf" is not one of mlp, triplane, hashgrid');
  });
});

describe('Library search', () => {
  it("finds an object's other architectures first, with cosine scores, filters and pagination", async () => {
    const { library, ids } = await zooLibrary(20);
    expect(library.indexStatus()).toMatchObject({ modelVersion: 'gmn-a', count: 60 });
    await library.indexReady();
    expect(library.indexStatus()?.graph).toBe('ready');
    for (const object of [0, 5, 13]) {
      const [mlp, ...others] = ids[object]!;
      const { results, method } = library.findSimilar({ assetId: mlp!, k: 2 });
      expect(method).toBe('hnsw');
      expect(results.map((r) => r.asset.id).sort()).toEqual([...others].sort());
      expect(results[0]!.score).toBeGreaterThan(0.9);
      expect(results[0]!.score).toBeGreaterThanOrEqual(results[1]!.score);
    }
    const page1 = library.findSimilar({ assetId: ids[0]![0]!, k: 3 }).results.map((r) => r.asset.id);
    const page2 = library.findSimilar({ assetId: ids[0]![0]!, k: 3, offset: 3 }).results.map((r) => r.asset.id);
    expect(library.findSimilar({ assetId: ids[0]![0]!, k: 6 }).results.map((r) => r.asset.id)).toEqual([...page1, ...page2]);
    const hashOnly = library.findSimilar({ assetId: ids[0]![0]!, k: 5, filters: { family: 'hashgrid' } }).results;
    expect(hashOnly[0]!.asset.id).toBe(ids[0]![2]);
    expect(hashOnly.every((r) => r.asset.family === 'hashgrid')).toBe(true);
    const byVector = library.findSimilar({ vector: library.embedding(ids[4]![1]!)!, k: 1 });
    expect(byVector.results[0]).toMatchObject({ asset: { id: ids[4]![1] } });
    expect(byVector.results[0]!.score).toBeCloseTo(1, 5);
    expect(() => library.findSimilar({ assetId: 99_999 })).toThrow(NotFoundError);
  });

  it('searches text through FTS5 with bm25 and tags, and fuses semantic matches by reciprocal rank', async () => {
    const { library, ids } = await zooLibrary(6);
    // A lamp tagged "wooden" (tag only), and a wooden chair tagged "wooden" (caption and tag).
    library.addTags(ids[1]![0]!, ['wooden']);
    library.addTags(ids[2]![1]!, ['wooden']);
    const wooden = await library.searchText('wooden');
    expect(wooden.semantic).toBe('no-hook');
    expect(wooden.results[0]).toMatchObject({ asset: { id: ids[2]![1] } });
    expect([...wooden.results[0]!.reasons].sort()).toEqual(['tag', 'text']);
    expect(wooden.results[0]!.textScore).toBeGreaterThan(0);
    expect(wooden.results[0]!.tagScore).toBeGreaterThan(0);
    expect(wooden.results.find((r) => r.asset.id === ids[1]![0])?.reasons).toEqual(['tag']);
    expect(wooden.results.filter((r) => r.reasons.includes('text')).every((r) => r.asset.category === 'chair')).toBe(true);
    expect(wooden.results).toHaveLength(3 * 3 + 1);
    // Documents with every word come first, then those with some of them.
    const allWords = (await library.searchText('lamp number 3 ')).results.map((r) => r.asset.id);
    expect(allWords.slice(0, 3).sort()).toEqual([...ids[3]!].sort());
    expect(allWords.length).toBeGreaterThan(3);
    // Prefix while typing; filters; pagination.
    expect((await library.searchText('lam')).results.every((r) => r.asset.category === 'lamp')).toBe(true);
    expect((await library.searchText('chair', { filters: { family: 'triplane' } })).results.map((r) => r.asset.family)).toEqual(['triplane', 'triplane', 'triplane']);
    const all = (await library.searchText('number', { limit: 18 })).results.map((r) => r.asset.id);
    expect((await library.searchText('number', { limit: 5, offset: 5 })).results.map((r) => r.asset.id)).toEqual(all.slice(5, 10));
    // FTS syntax in the query is just text.
    expect((await library.searchText('"chair" OR NEAR(')).results.length).toBeGreaterThan(0);
    expect((await library.searchText('   ')).results).toEqual([]);
    // A word that names a category finds it whatever the captions say ("armchair": the chairs, "lights": the lamps).
    for (const [query, category] of [['armchair', 'chair'], ['stools ', 'chair'], ['lights ', 'lamp']] as const) {
      const found = (await library.searchText(query)).results;
      expect(found.map((r) => r.asset.category)).toEqual(Array(9).fill(category));
      expect(found.every((r) => r.reasons.includes('text'))).toBe(true);
    }

    // A text encoder that maps "thing like object 3" onto object 3's shape.
    const target = library.embedding(ids[3]![0]!)!;
    const hook: SemanticTextSearch = { modelVersion: 'gmn-a', embedText: async () => target };
    library.setSemanticSearch(hook);
    const fused = await library.searchText('wooden');
    expect(fused.semantic).toBe('used');
    const shapeOnly = fused.results.filter((r) => r.reasons.length === 1 && r.reasons[0] === 'shape').map((r) => r.asset.id);
    expect(shapeOnly).toEqual(expect.arrayContaining(ids[3]!));
    const both = fused.results.find((r) => r.reasons.includes('shape') && r.reasons.includes('text'))!;
    expect(both.shapeScore).toBeDefined();
    expect(both.textScore).toBeGreaterThan(0);
    library.setSemanticSearch({ modelVersion: 'gmn-other', embedText: async () => target });
    expect((await library.searchText('wooden')).semantic).toBe('model-mismatch');
  });

  it('finds a category, a synonym and a library-only tag through misspellings of one or two letters', async () => {
    const library = await openLibrary();
    const ids = new Map<string, number>();
    for (const category of CATEGORIES) {
      // One asset names its category only in the category column, one in its caption too.
      library.putAsset({ ...assetInput(`asset-${category}-1`), name: `asset ${ids.size}`, category });
      const { assetId } = library.putAsset({ ...assetInput(`asset-${category}-2`), name: `asset ${ids.size + 100}`, category, caption: `a red ${category}` });
      ids.set(category, assetId);
    }
    library.addTags(ids.get('bench')!, ['zanzibar']);
    for (const category of CATEGORIES) {
      for (const typo of typosOf(category)) {
        for (const query of [`${typo} `, typo]) {
          const found = await library.searchText(query, { limit: 5 });
          expect(found.corrections, `${JSON.stringify(query)} for ${category}`).toEqual([{ from: typo, to: expect.arrayContaining([category]) }]);
          expect(found.results.slice(0, 2).map((r) => r.asset.category), `${JSON.stringify(query)} for ${category}`).toEqual([category, category]);
        }
      }
    }
    for (const typo of typosOf('zanzibar')) {
      const found = await library.searchText(`${typo} `);
      expect(found.results.map((r) => r.asset.id), typo).toEqual([ids.get('bench')]);
      expect(found.results[0]!.reasons).toEqual(['tag']);
    }
    // A synonym misspelt finds the category; two words each corrected; the corrected word's plural.
    expect((await library.searchText('cuoch ')).results[0]!.asset.category).toBe('sofa');
    expect((await library.searchText('red lmap ')).results[0]).toMatchObject({ asset: { id: ids.get('lamp') } });
    expect((await library.searchText('chiars ')).corrections).toEqual([{ from: 'chiars', to: ['chair'] }]);
    // An unfinished word misspelt: its letters against the start of longer words ("wtaer" -> "watercraft").
    expect((await library.searchText('wtaer')).results[0]!.asset.category).toBe('watercraft');
    // Known words, an unfinished word and digits are left alone; a word with nothing near finds nothing.
    for (const query of ['chair ', 'chairs ', 'cha', 'zanzi', 'asset 103 ']) expect((await library.searchText(query)).corrections, query).toEqual([]);
    const nothing = await library.searchText('xqzvw ');
    expect(nothing).toMatchObject({ corrections: [], results: [] });
    // A tag added later is a word to correct to at once (the library's words are read again).
    library.addTags(ids.get('car')!, ['heirloom']);
    expect((await library.searchText('hierloom ')).results.map((r) => r.asset.id)).toEqual([ids.get('car')]);
  });

  it('switches to a new model version only when it is complete, searching the old one meanwhile', async () => {
    const { library, ids } = await zooLibrary(20);
    const all = ids.flat();
    await library.registerModel({ version: 'gmn-b', dims: 4 });
    expect(library.activeModel()?.version).toBe('gmn-a');
    const { vectors } = clusteredVectors(all.length, 4, 20, 11, 0.1);
    // The re-embed job's batches, resumable from assetsWithoutEmbedding.
    library.setEmbeddings(
      'gmn-b',
      all.slice(0, 30).map((id, i) => ({ assetId: id, vector: row(vectors, i, 4) })),
    );
    expect(library.modelCoverage('gmn-b')).toEqual({ embedded: 30, assets: 60 });
    await expect(library.activateModel('gmn-b')).rejects.toThrow(IncompleteModelError);
    expect(library.findSimilar({ assetId: all[0]!, k: 2 }).modelVersion).toBe('gmn-a');
    const rest = library.assetsWithoutEmbedding('gmn-b', 100);
    expect(rest).toEqual(all.slice(30));

    library.setEmbeddings(
      'gmn-b',
      rest.map((id) => ({ assetId: id, vector: row(vectors, all.indexOf(id), 4) })),
    );
    const switching = library.activateModel('gmn-b');
    // Search answers on the old version while the new index loads.
    expect(library.findSimilar({ assetId: all[0]!, k: 2 }).modelVersion).toBe('gmn-a');
    await switching;
    expect(library.activeModel()?.version).toBe('gmn-b');
    const after = library.findSimilar({ assetId: all[0]!, k: 2 });
    expect(after.modelVersion).toBe('gmn-b');
    expect(after.results.every((r) => r.score <= 1)).toBe(true);
    await library.dropModel('gmn-a');
    expect(library.models().map((m) => m.version)).toEqual(['gmn-b']);
    await expect(library.dropModel('gmn-b')).rejects.toThrow(/is the active model/);
  });

  it('rebuilds a corrupted index at open and keeps deletes across a reopen', async () => {
    const { library, ids } = await zooLibrary(20, { flushDelayMs: 60_000 });
    const dir = library.dir;
    await library.indexReady();
    await library.removeAsset(ids[0]![1]!);
    await library.close();
    const graph = join(dir, 'index-gmn-a.hnsw');
    expect(existsSync(graph)).toBe(true);

    const log = recordingLog();
    const reopened = await openLibrary(dir, { log });
    expect(log.lines).toEqual([]);
    expect(reopened.findSimilar({ assetId: ids[0]![0]!, k: 5 }).results.map((r) => r.asset.id)).not.toContain(ids[0]![1]);
    await reopened.close();

    writeFileSync(graph, 'garbage');
    const log2 = recordingLog();
    const repaired = await openLibrary(dir, { log: log2 });
    expect(log2.lines[0]).toMatch(/index-gmn-a\.hnsw: rebuilding from 59 stored embeddings \(corrupt: the file has 7 bytes/);
    await repaired.indexReady();
    expect(repaired.findSimilar({ assetId: ids[0]![0]!, k: 1 }).results[0]!.asset.id).toBe(ids[0]![2]);
  });

  it("follows another process's writes to the same library", async () => {
    const { library, ids } = await zooLibrary(20);
    const other = await openLibrary(library.dir);
    const { vectors } = clusteredVectors(1, DIMS, 1, 99, 0);
    const target = row(vectors, 0, DIMS);
    const { assetId } = other.putAsset({ ...assetInput('newcomer'), embeddings: [{ modelVersion: 'gmn-a', vector: target }] });
    await other.removeAsset(ids[2]![0]!);
    const found = library.findSimilar({ vector: target, k: 1, exact: true });
    expect(found.results[0]!.asset.id).toBe(assetId);
    expect(library.findSimilar({ vector: library.embedding(ids[2]![1]!)!, k: 5 }).results.map((r) => r.asset.id)).not.toContain(ids[2]![0]);
  });
});

describe('Library jobs and settings', () => {
  it('keeps resumable jobs and JSON settings', async () => {
    const library = await openLibrary();
    const job = library.createJob('import', { paths: ['/data'], cursor: 0 }, 10);
    expect(job).toMatchObject({ kind: 'import', state: 'queued', done: 0, total: 10 });
    library.updateJob(job.id, { state: 'running', done: 4, payload: { paths: ['/data'], cursor: 4 } });
    expect(library.resumableJobs()).toEqual([]);
    // A job left running by a process that is gone is resumable.
    library.updateJob(job.id, { state: 'running' });
    const other = new BetterSqlite3(library.file);
    other.prepare('UPDATE jobs SET owner_pid = 2147483646 WHERE id = ?').run(job.id);
    other.close();
    expect(library.resumableJobs('import')).toMatchObject([{ id: job.id, done: 4, payload: { cursor: 4 } }]);
    library.updateJob(job.id, { state: 'done', done: 10 });
    expect(library.resumableJobs()).toEqual([]);

    library.setSetting('gallery', { sort: 'name', size: 3 });
    expect(library.getSetting('gallery')).toEqual({ sort: 'name', size: 3 });
    library.setSetting('gallery', undefined);
    expect(library.getSetting('gallery')).toBeUndefined();
    library.addWatchedFolder('/data/nerfs');
    expect(library.watchedFolders()).toMatchObject([{ path: '/data/nerfs', recursive: true, lastScanAt: null }]);
  });
});
