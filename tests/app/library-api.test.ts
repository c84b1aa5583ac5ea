/**
 * The API implementation against a real library: six demo NeRFs imported as the first-run demo
 * without an encoder, then an (untrained) encoder installed while the app runs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import type { Api } from '../../src/shared/api';
import { initialParams } from '../../src/main/compute/init';
import { writeEncoder } from '../../src/main/gmn/embedder';
import { DEFAULT_VALUE_NORMALIZATION } from '../../src/main/gmn/normalize';
import { encoderModel } from '../../src/main/gmn/train-graph';
import { testEncoder } from '../library/import-fixtures';
import { libraryFixture } from './library-fixture';

const fixture = libraryFixture();
let app: AppLibrary;
let api: Api;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

beforeAll(async () => {
  app = await fixture.open();
  api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
  await app.jobs.idle();
}, 300_000);

afterAll(async () => {
  await app?.close();
  await fixture.remove();
});

describe('the library API without an encoder', () => {
  it('imported the demo on first open as a job, and summarises the library', async () => {
    const jobs = await api.listJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ label: 'Import the demo library', state: 'done', done: 6, total: 6, imported: 6, failed: 0, errors: [] });
    const summary = await api.librarySummary();
    expect(summary).toMatchObject({ path: fixture.libraryDir, assets: 6, embedded: 0, collections: 0, modelVersion: null, encoderInstalled: false });
    expect(summary.categories).toEqual([
      { value: 'airplane', count: 2 },
      { value: 'bench', count: 2 },
      { value: 'chair', count: 2 },
    ]);
    expect(summary.families.map((f) => f.value).sort()).toEqual(['hashgrid', 'mlp', 'triplane']);
  });

  it('lists, filters, sorts and paginates the gallery', async () => {
    const all = await api.listAssets({ sort: 'name', limit: 100 });
    expect(all.total).toBe(6);
    expect(all.items.map((a) => a.name)).toEqual([...all.items.map((a) => a.name)].sort());
    expect(all.items.every((a) => a.hasThumbnail && !a.missing)).toBe(true);
    const page = await api.listAssets({ sort: 'name', offset: 2, limit: 2 });
    expect(page).toMatchObject({ total: 6, offset: 2 });
    expect(page.items.map((a) => a.id)).toEqual(all.items.slice(2, 4).map((a) => a.id));
    const benches = await api.listAssets({ filter: { category: 'bench' } });
    expect(benches.total).toBe(2);
    expect(benches.items.every((a) => a.category === 'bench')).toBe(true);
    const mlps = await api.listAssets({ filter: { family: 'mlp', category: 'chair' } });
    expect(mlps.items.map((a) => a.name)).toEqual(['chair-070001.mlp-train']);
    const byCategory = await api.listAssets({ sort: 'category', order: 'desc' });
    expect(byCategory.items[0]!.category).toBe('chair');
  });

  it('gives an asset in full, its thumbnail as a PNG and its preview volume', async () => {
    const [first] = (await api.listAssets({ filter: { category: 'airplane', family: 'mlp' } })).items;
    const asset = await api.getAsset(first!.id);
    expect(asset).toMatchObject({ name: 'airplane-070000.mlp-train', family: 'mlp', category: 'airplane', hasThumbnail: true, hasPreview: true, embedded: false, tags: [] });
    expect(asset.caption).toMatch(/\w+/);
    expect(asset.files).toEqual([{ path: join(fixture.demoDir, 'airplane-070000.mlp-train.nerf.safetensors'), format: 'native', size: asset.size, status: 'present' }]);
    expect(asset.size).toBeGreaterThan(0);
    const url = await api.thumbnail(asset.id);
    expect(url).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(url!.slice(url!.indexOf(',') + 1), 'base64');
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    // Several at once, in the order asked; an unknown id gives null, not a failed batch.
    const many = await api.thumbnails([asset.id, 9999, asset.id]);
    expect(many).toEqual([url, null, url]);
    const volume = await api.previewVolume(asset.id);
    expect(volume.bytes).toBeGreaterThan(24 ** 3);
    expect(Buffer.from(volume.base64, 'base64').length).toBe(volume.bytes);
  });

  it('says clearly which id is unknown', async () => {
    await expect(api.getAsset(9999)).rejects.toThrow('no asset 9999 in the library');
    await expect(api.thumbnail(9999)).rejects.toThrow('no asset 9999');
    await expect(api.setTags([1, 9999], ['x'], [])).rejects.toThrow('no asset 9999');
    await expect(api.cancelJob(9999)).rejects.toThrow('no import job 9999');
  });

  it('finds a category by its name first in text search', async () => {
    const found = await api.searchText('bench', {}, 10);
    expect(found.semantic).toBe('no-hook');
    expect(found.results.slice(0, 2).map((r) => r.asset.category)).toEqual(['bench', 'bench']);
    expect(found.results[0]!.reasons).toContain('text');
    expect(found.results[0]!.score).toBeGreaterThan(0);
    expect((await api.searchText('bench', { family: 'hashgrid' }, 10)).results.map((r) => r.asset.name)).toEqual(['bench-070001.hash-train']);
  });

  it('adds and removes tags on several assets, and searches and filters by them', async () => {
    const chairs = (await api.listAssets({ filter: { category: 'chair' } })).items.map((a) => a.id);
    expect(await api.setTags(chairs, ['Favourite', 'to check'], [])).toEqual({ updated: 2 });
    expect((await api.getAsset(chairs[0]!)).tags.map((t) => t.tag)).toEqual(['favourite', 'to check']);
    expect((await api.listAssets({ filter: { tag: 'favourite' } })).total).toBe(2);
    const byTag = await api.searchText('favourite', {}, 10);
    expect(byTag.results.map((r) => r.asset.id).sort()).toEqual([...chairs].sort());
    expect(byTag.results[0]!.reasons).toContain('tag');
    expect((await api.librarySummary()).tags).toContainEqual({ value: 'favourite', count: 2 });
    await api.setTags([chairs[0]!], [], ['to check']);
    expect((await api.getAsset(chairs[0]!)).tags.map((t) => t.tag)).toEqual(['favourite']);
  });

  it('creates collections and adds assets to them', async () => {
    const created = await api.createCollection('  Shortlist ', 'for the demo');
    expect(created).toMatchObject({ name: 'Shortlist', description: 'for the demo', size: 0 });
    const airplanes = (await api.listAssets({ filter: { category: 'airplane' } })).items.map((a) => a.id);
    expect(await api.addToCollection(created.id, airplanes)).toMatchObject({ size: 2 });
    expect(await api.listCollections()).toEqual([expect.objectContaining({ id: created.id, size: 2 })]);
    expect((await api.listAssets({ filter: { collection: created.id } })).items.map((a) => a.id).sort()).toEqual([...airplanes].sort());
    expect((await api.getAsset(airplanes[0]!)).collections).toEqual([created.id]);
    await expect(api.addToCollection(999, airplanes)).rejects.toThrow('no collection 999');
  });

  it('refuses find-similar with a clear message while no encoder is installed', async () => {
    await expect(api.findSimilar(1, 5, {})).rejects.toThrow(/^no encoder model installed: find-similar needs .*encoder\.onnx/);
  });

  it('imports files as a job that reports each failed file with its reason', async () => {
    const bad = join(fixture.root, 'broken.nerf.safetensors');
    writeFileSync(bad, 'not a nerf at all');
    const started = await api.importPaths([bad]);
    expect(started).toMatchObject({ label: 'Import broken.nerf.safetensors', total: 1 });
    await app.jobs.idle();
    const job = (await api.listJobs()).find((j) => j.id === started.id)!;
    expect(job).toMatchObject({ state: 'done', done: 1, failed: 1, etaSeconds: null });
    expect(job.errors).toEqual([{ path: bad, errorClass: 'UnknownFormatError', reason: expect.stringMatching(/not a NeRF file/) as string }]);
  });

  it('exports an asset as a GLB', async () => {
    const [chair] = (await api.listAssets({ filter: { category: 'chair', family: 'mlp' } })).items;
    const glb = await api.exportMesh(chair!.id);
    expect(glb).toMatchObject({ fileName: 'chair-070001.mlp-train.glb', mimeType: 'model/gltf-binary' });
    expect(Buffer.from(glb.base64, 'base64').subarray(0, 4).toString('latin1')).toBe('glTF');
  }, 120_000);
});

describe('the library API once an encoder is installed', () => {
  it('embeds the assets imported before it, then finds similar shapes', async () => {
    await testEncoder(join(fixture.root, 'models'));
    const summary = await api.librarySummary();
    expect(summary.encoderInstalled).toBe(true);
    await expect.poll(async () => (await api.listJobs()).length, { timeout: 30_000 }).toBe(3);
    await app.jobs.idle();
    const after = await api.librarySummary();
    expect(after.modelVersion).not.toBeNull();
    expect(after.embedded).toBe(6);
    const similar = await api.findSimilar(1, 3, {});
    expect(similar.modelVersion).toBe(after.modelVersion);
    expect(similar.results).toHaveLength(3);
    expect(similar.results.map((r) => r.asset.id)).not.toContain(1);
    const filtered = await api.findSimilar(1, 5, { category: 'bench' });
    expect(filtered.results.every((r) => r.asset.category === 'bench')).toBe(true);
  }, 300_000);

  it('switches to a newer encoder installed in its place once it has embedded every asset', async () => {
    const before = (await api.librarySummary()).modelVersion;
    const encoder = { hidden: 16, embedding: 24, blocks: 3 };
    const info = await writeEncoder(fixture.encoderPath, initialParams(encoderModel(encoder).graph, 4), { encoder, normalization: DEFAULT_VALUE_NORMALIZATION, command: 'test' });
    expect(info.version).not.toBe(before);
    await api.listJobs();
    await expect.poll(async () => (await api.librarySummary()).modelVersion, { timeout: 120_000 }).toBe(info.version);
    expect((await api.listJobs())[0]!.label).toBe(`Embed 6 assets with encoder ${info.version}`);
    expect((await api.findSimilar(2, 2, {})).modelVersion).toBe(info.version);
  }, 300_000);
});
