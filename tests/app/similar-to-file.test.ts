/**
 * Issue 7: find-similar on a dropped file. A real library of demo NeRFs imported as the first-run
 * demo, first without an encoder, then with the shipped one installed while the app runs; files
 * outside the library (a demo NeRF of a library object in another architecture, broken files) are
 * searched with `findSimilarToFile`.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { SimilarFileError } from '../../src/main/app/similar-to-file';
import { InvalidRequestError } from '../../src/main/library/errors';
import type { Api } from '../../src/shared/api';
import { brokenFileName, brokenFiles } from '../library/import-fixtures';
import { DEMO, libraryFixture } from './library-fixture';

const SHIPPED_MODELS = join(import.meta.dirname, '../../resources/models');

/**
 * Two objects in their MLP and tri-plane versions, and four distractors. With the shipped encoder
 * the hash-grid versions of both objects (not in the library) are measured nearest to their own
 * tri-plane versions, clear of the rest (cosine scores among the 78 demo NeRFs of objects 070000
 * and 070001 in all three architectures: cabinet-070001 0.96 and 0.89, next 0.86; display-070000
 * 0.90, next 0.81).
 */
const LIBRARY = [
  'cabinet-070001.mlp-train',
  'cabinet-070001.triplane-train',
  'display-070000.mlp-train',
  'display-070000.triplane-train',
  'table-070001.triplane-train',
  'chair-070000.triplane-train',
  'bench-070001.mlp-train',
  'speaker-070000.mlp-train',
].map((name) => `${name}.nerf.safetensors`);

const fixture = libraryFixture(LIBRARY, { poolSize: 1, batchSize: 4 });
/** Where the dropped files are: outside the library and its demo folder. */
const dropped = join(fixture.root, 'dropped');
let app: AppLibrary;
let api: Api;

function drop(name: string, bytes?: Uint8Array): string {
  const target = join(dropped, name);
  if (bytes === undefined) copyFileSync(join(DEMO, name), target);
  else writeFileSync(target, bytes);
  return target;
}

beforeAll(async () => {
  mkdirSync(dropped);
  app = await fixture.open();
  api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
  await app.jobs.idle();
}, 300_000);

afterAll(async () => {
  await app?.close();
  await fixture.remove();
});

describe('findSimilarToFile without an encoder', () => {
  it('rejects with the clear no-encoder message, as findSimilar does', async () => {
    const file = drop('cabinet-070001.hash-train.nerf.safetensors');
    await expect(api.findSimilarToFile(file, 5, {})).rejects.toThrow(/^no encoder model installed: find-similar needs .*encoder\.onnx/);
  });
});

describe('findSimilarToFile with the shipped encoder', () => {
  beforeAll(async () => {
    for (const name of ['encoder.onnx', 'encoder.json']) copyFileSync(join(SHIPPED_MODELS, name), join(fixture.root, 'models', name));
    // The app notices the encoder when the views ask (or on its own timer), then embeds the library as a job.
    await api.librarySummary();
    await app.embeddingIdle();
    if ((await api.librarySummary()).embedded !== LIBRARY.length) throw new Error('the shipped encoder did not embed the library');
  }, 300_000);

  it("finds a dropped hash-grid NeRF's object, stored in other architectures, at the top", async () => {
    const assets = (await api.listAssets({ limit: 100 })).items;
    for (const object of ['cabinet-070001', 'display-070000']) {
      const found = await api.findSimilarToFile(drop(`${object}.hash-train.nerf.safetensors`), 5, {});
      expect(found.modelVersion).toBe((await api.librarySummary()).modelVersion);
      expect(found.results).toHaveLength(5);
      const names = found.results.map((hit) => hit.asset.name);
      expect(names[0]).toBe(`${object}.triplane-train`);
      const scores = found.results.map((hit) => hit.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(scores.every((score) => score >= -1 && score <= 1 + 1e-6)).toBe(true);
      if (object === 'cabinet-070001') expect(names.slice(0, 3)).toContain('cabinet-070001.mlp-train');
    }
    // Only read: nothing was imported.
    expect((await api.listAssets({ limit: 100 })).total).toBe(assets.length);
  }, 120_000);

  it('honours k and the filter', async () => {
    const file = join(dropped, 'cabinet-070001.hash-train.nerf.safetensors');
    const mlps = await api.findSimilarToFile(file, 2, { family: 'mlp' });
    expect(mlps.results.map((hit) => hit.asset.name)).toEqual(['cabinet-070001.mlp-train', expect.stringMatching(/\.mlp-train$/) as string]);
  }, 120_000);

  it('finds a file that is in the library already as its own top match, score 1', async () => {
    const found = await api.findSimilarToFile(join(fixture.demoDir, 'display-070000.triplane-train.nerf.safetensors'), 1, {});
    expect(found.results[0]!.asset.name).toBe('display-070000.triplane-train');
    expect(found.results[0]!.score).toBeCloseTo(1, 4);
  }, 120_000);

  // The manifest's reasons are those of an MLP file.
  const good = new Uint8Array(readFileSync(join(DEMO, 'cabinet-070001.mlp-train.nerf.safetensors')));
  it.each(brokenFiles(good))('refuses the broken file %s with a SimilarFileError naming it and why', async (name, bytes, errorClass, reason) => {
    const file = drop(brokenFileName(name), bytes);
    const call = api.findSimilarToFile(file, 5, {});
    await expect(call).rejects.toBeInstanceOf(SimilarFileError);
    await expect(call).rejects.toMatchObject({ name: 'SimilarFileError', file, errorClass, reason: expect.stringMatching(reason) as string });
    await expect(call).rejects.toThrow(`cannot find assets similar to ${file}: `);
  }, 120_000);

  it('refuses a missing file, a folder and a relative path, and answers again afterwards', async () => {
    const missing = join(dropped, 'gone.nerf.safetensors');
    await expect(api.findSimilarToFile(missing, 5, {})).rejects.toThrow(`cannot find assets similar to ${missing}: cannot read the file (ENOENT) (UnknownFormatError)`);
    await expect(api.findSimilarToFile(dropped, 5, {})).rejects.toThrow(`cannot find assets similar to ${dropped}: not a regular file (UnknownFormatError)`);
    const relative = api.findSimilarToFile('cabinet.nerf.safetensors', 5, {});
    await expect(relative).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(relative).rejects.toThrow('find-similar needs the absolute path of a NeRF file, got "cabinet.nerf.safetensors"');
    // The app (and its worker) stayed up.
    const found = await api.findSimilarToFile(join(dropped, 'display-070000.hash-train.nerf.safetensors'), 1, {});
    expect(found.results[0]!.asset.name).toBe('display-070000.triplane-train');
  }, 120_000);
});
