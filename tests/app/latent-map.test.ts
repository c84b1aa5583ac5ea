/**
 * The latent map API against a real library: six demo NeRFs, first without an encoder, then
 * embedded by a small, randomly initialised one; the layout runs as a worker job and is cached.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import type { Api, LatentMapLayout } from '../../src/shared/api';
import { testEncoder } from '../library/import-fixtures';
import { libraryFixture } from './library-fixture';

const fixture = libraryFixture();
let app: AppLibrary;
let api: Api;

beforeAll(async () => {
  app = await fixture.open();
  api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
  await app.jobs.idle();
}, 300_000);

/** The map, which must be there. */
async function layout(): Promise<LatentMapLayout> {
  const answer = await api.latentMap();
  if ('unavailable' in answer) throw new Error(`no map: ${answer.unavailable}`);
  return answer;
}

afterAll(async () => {
  await app?.close();
  await fixture.remove();
});

describe('the latent map API', () => {
  it('says that it needs an encoder while none is installed', async () => {
    const answer = await api.latentMap();
    expect(answer).toEqual({ modelVersion: null, unavailable: expect.stringMatching(/^no encoder model installed: the latent map needs .*encoder\.onnx/) as string });
  });

  it('lays out every embedded asset with its category and architecture, and answers the second call from the cache', async () => {
    await testEncoder(join(fixture.root, 'models'));
    await api.librarySummary();
    await expect.poll(async () => (await api.librarySummary()).embedded, { timeout: 120_000, interval: 500 }).toBe(6);
    await app.jobs.idle();

    const first = await layout();
    const { modelVersion } = await api.librarySummary();
    expect(first).toMatchObject({ modelVersion, method: 'tsne', embedded: 6, cached: false });
    const assets = (await api.listAssets({ limit: 100 })).items;
    expect(first.points.map((p) => p.assetId).sort((a, b) => a - b)).toEqual(assets.map((a) => a.id).sort((a, b) => a - b));
    for (const point of first.points) {
      const asset = assets.find((a) => a.id === point.assetId)!;
      expect(point).toMatchObject({ name: asset.name, category: asset.category, architecture: asset.architecture });
      expect(Number.isFinite(point.x) && Number.isFinite(point.y)).toBe(true);
    }
    // A layout, not a point: the coordinates spread out.
    expect(new Set(first.points.map((p) => `${p.x},${p.y}`)).size).toBe(6);

    const started = performance.now();
    const second = await layout();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(second.cached).toBe(true);
    expect(second.points).toEqual(first.points);
    expect(app.library.getSetting(`app.latentMap.${modelVersion}`)).toMatchObject({ ids: first.points.map((p) => p.assetId) });
  }, 300_000);

  it('lays out again once the set of assets changes', async () => {
    const before = await layout();
    await app.library.removeAsset(before.points[0]!.assetId);
    const after = await layout();
    expect(after).toMatchObject({ cached: false, embedded: 5 });
    expect(after.points.map((p) => p.assetId)).toEqual(before.points.slice(1).map((p) => p.assetId));
    expect((await layout()).cached).toBe(true);
  }, 120_000);

  it('runs one layout at a time: calls made meanwhile share it', async () => {
    const before = await layout();
    await app.library.removeAsset(before.points[0]!.assetId);
    const startJob = vi.spyOn(app.pool, 'startJob');
    try {
      const [a, b] = await Promise.all([layout(), layout()]);
      expect(startJob).toHaveBeenCalledTimes(1);
      expect(a).toEqual(b);
      expect(a).toMatchObject({ cached: false, embedded: 4 });
    } finally {
      startJob.mockRestore();
    }
  }, 120_000);
});
