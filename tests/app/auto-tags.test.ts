/**
 * Automatic tags in the app: with the shipped encoder and text model installed, every imported
 * NeRF gets suggested tags (a category among them), a NeRF without a caption gets a generated one,
 * and a library imported before the text model was there is tagged when it appears.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppLibrary } from '../../src/main/app/app-library';
import { readNerfFile, writeNerfFile } from '../../src/main/nerf/formats/native';
import { CATEGORIES } from '../../src/main/vocabulary/categories';
import { DEMO, type LibraryFixture, libraryFixture } from './library-fixture';

const MODELS = join(import.meta.dirname, '../../resources/models');
const FILES = ['airplane-070000.mlp-train', 'chair-070001.mlp-train', 'table-070000.triplane-train'].map((name) => `${name}.nerf.safetensors`);

function install(fixture: LibraryFixture, files: readonly string[]): void {
  for (const file of files) copyFileSync(join(MODELS, file), join(fixture.root, 'models', file));
}

const ENCODER = ['encoder.onnx', 'encoder.json'];
const TEXT = ['text.onnx', 'text.json', 'text.tags.f32'];

async function importedAssets(app: AppLibrary) {
  await app.jobs.idle();
  await app.embeddingIdle();
  return app.library.listAssets({ limit: 100, sort: 'name' }).items;
}

describe('automatic tags', () => {
  let fixture: LibraryFixture | undefined;
  let app: AppLibrary | undefined;
  afterEach(async () => {
    await app?.close();
    await fixture?.remove();
    app = undefined;
    fixture = undefined;
  });

  it('imports suggest tags and caption the NeRFs that have none', { timeout: 120_000 }, async () => {
    fixture = libraryFixture(FILES);
    install(fixture, [...ENCODER, ...TEXT]);
    // One demo NeRF loses its caption.
    const uncaptioned = join(fixture.demoDir, FILES[1]!);
    const nerf = await readNerfFile(join(DEMO, FILES[1]!));
    await writeNerfFile(uncaptioned, { ...nerf, meta: { ...nerf.meta, caption: undefined } });
    app = await fixture.open();
    const assets = await importedAssets(app);
    expect(assets).toHaveLength(3);
    for (const asset of assets) {
      const suggested = app.library.tags(asset.id).filter((t) => t.source === 'suggested');
      expect(suggested.length, asset.name).toBeGreaterThan(0);
      expect(suggested.some((t) => (CATEGORIES as readonly string[]).includes(t.tag)), asset.name).toBe(true);
      for (const t of suggested) expect(t.confidence).toBeGreaterThan(0);
    }
    const generated = app.library.getAsset(assets.find((a) => a.name.startsWith('chair-070001'))!.id)!;
    expect(generated.captionGenerated).toBe(true);
    expect(generated.caption).toMatch(/^an? [a-z]/);
    const kept = app.library.getAsset(assets.find((a) => a.name.startsWith('airplane-070000'))!.id)!;
    expect(kept.captionGenerated).toBe(false);
    expect(kept.caption).toBe((await readNerfFile(join(DEMO, FILES[0]!))).meta.caption);
  });

  it('tags a library imported before the text model once the text model is installed', { timeout: 120_000 }, async () => {
    fixture = libraryFixture(FILES);
    install(fixture, ENCODER);
    app = await fixture.open();
    const before = await importedAssets(app);
    expect(before.flatMap((a) => app!.library.tags(a.id).filter((t) => t.source === 'suggested'))).toEqual([]);
    await app.close();
    install(fixture, TEXT);
    app = await fixture.open();
    for (const asset of await importedAssets(app)) {
      expect(app.library.tags(asset.id).some((t) => t.source === 'suggested' && (CATEGORIES as readonly string[]).includes(t.tag)), asset.name).toBe(true);
    }
  });
});
