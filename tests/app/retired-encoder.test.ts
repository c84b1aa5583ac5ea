/**
 * Encoders of the retired GMN recipe (an encoder.json with `reference` or `standardization`) in
 * the app: a chosen one is reported once and gives way to the shipped encoder, at startup and in
 * the model list; a shipped one leaves the app running without an encoder, saying why.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { ENCODER_SETTING } from '../../src/main/app/settings-keys';
import { RetiredEncoderError } from '../../src/main/gmn/embedder';
import { readEncoderInfo } from '../../src/main/library/import/importer';
import { testEncoder } from '../library/import-fixtures';
import { FIXTURE_NERFS, libraryFixture } from './library-fixture';

const warnings: string[] = [];
const log = { info: () => undefined, warn: (message: string) => void warnings.push(message) };
const fixtures = [libraryFixture(FIXTURE_NERFS.slice(0, 2), { log }), libraryFixture(FIXTURE_NERFS.slice(0, 2), { log })];
const opened: AppLibrary[] = [];

afterAll(async () => {
  for (const app of opened) await app.close();
  for (const fixture of fixtures) await fixture.remove();
});

/** Writes a test encoder into `dir` and marks its encoder.json as recipe v1; returns encoder.onnx's path. */
async function retiredEncoder(dir: string, seed: number): Promise<string> {
  const encoderPath = await testEncoder(dir, seed);
  const jsonPath = encoderPath.replace(/\.onnx$/, '.json');
  writeFileSync(jsonPath, JSON.stringify({ ...(JSON.parse(readFileSync(jsonPath, 'utf8')) as object), reference: { seed: 20_261_129 } }));
  return encoderPath;
}

async function open(fixture: (typeof fixtures)[number]): Promise<AppLibrary> {
  const app = await fixture.open();
  opened.push(app);
  await app.jobs.idle();
  await app.embeddingIdle();
  return app;
}

describe('encoders of the retired recipe in the app', () => {
  it('a chosen one is reported once and gives way to the shipped encoder, at startup and in the model list', async () => {
    const fixture = fixtures[0]!;
    await testEncoder(join(fixture.root, 'models'));
    const shipped = await readEncoderInfo(fixture.encoderPath);
    const retired = await retiredEncoder(join(fixture.modelsDir, 'run-1-0'), 4);
    const first = await open(fixture);
    first.library.setSetting(ENCODER_SETTING, retired);
    await first.close();
    opened.pop();

    warnings.length = 0;
    const app = await open(fixture);
    expect(app.encoderPath).toBe(fixture.encoderPath);
    expect(app.encoderInstalled()).toBe(true);
    const reason = new RetiredEncoderError(retired.replace(/\.onnx$/, '.json'), ['reference']).message;
    expect(app.unusableEncoderReason(retired)).toBe(reason);
    expect(warnings).toEqual([`the encoder ${retired} cannot be used, so the app uses the shipped one: ${reason}`]);
    // The library embeds with the shipped encoder, and the model list leaves the retired one out.
    expect(app.library.activeModel()?.version).toBe(shipped.version);
    const api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
    expect((await api.listModels()).map((m) => [m.version, m.source, m.selected])).toEqual([[shipped.version, 'shipped', true]]);
    await expect(app.selectEncoder(retired)).rejects.toThrow(reason);
    expect(warnings).toHaveLength(1);
  }, 300_000);

  it('a shipped one leaves the app running without an encoder, and find-similar and the map say why', async () => {
    const fixture = fixtures[1]!;
    const shipped = await retiredEncoder(join(fixture.root, 'models'), 3);
    warnings.length = 0;
    const app = await open(fixture);
    const reason = new RetiredEncoderError(shipped.replace(/\.onnx$/, '.json'), ['reference']).message;
    expect(warnings).toEqual([`the encoder ${shipped} cannot be used: ${reason}`]);
    expect(app.encoderInstalled()).toBe(false);
    // The assets are imported all the same, without embeddings.
    expect(app.library.listAssets({ limit: 10 }).total).toBe(2);
    expect(app.library.activeModel()).toBeUndefined();
    const api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
    expect(await api.listModels()).toEqual([]);
    const [asset] = app.library.listAssets({ limit: 1 }).items;
    await expect(api.findSimilar(asset!.id, 5, {})).rejects.toThrow(reason);
    expect(await api.latentMap()).toEqual({ modelVersion: null, unavailable: reason });
  }, 300_000);
});
