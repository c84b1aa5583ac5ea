import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { chooseProvider } from '../../src/main/compute/providers';
import { JobPool } from '../../src/main/app/job-pool';
import { findNerfFiles } from '../../src/main/library/import/scan';
import { importPaths } from '../../src/main/library/import/importer';
import { Library } from '../../src/main/library/library';
import { makeNerfactoFixture } from '../nerf/fixtures-nerfstudio';
import { hostileCheckpoints } from '../nerf/fixtures-nerfstudio-hostile';
import { testEncoder } from './import-fixtures';
import { tempDir } from './helpers';

const quiet = { info: () => undefined, warn: () => undefined };
const root = tempDir('nerfdex-import-nerfstudio-');
const pool = new JobPool({ size: 1 });
let provider: ProviderChoice;
let encoderPath: string;

// A run folder as nerfstudio leaves it (two checkpoints, the newest imported), a bare tcnn checkpoint, hostile files.
const run = join(root, 'outputs', 'poster', 'nerfacto', '2024-05-01_120000');
const models = join(run, 'nerfstudio_models');
const bare = join(root, 'loose', 'garden.ckpt');
const hostile = join(root, 'hostile');

beforeAll(async () => {
  provider = await chooseProvider('cpu');
  encoderPath = await testEncoder(join(root, 'encoder'));
  mkdirSync(models, { recursive: true });
  const fixture = makeNerfactoFixture({ seed: 31, tableScale: 2 });
  writeFileSync(join(run, 'config.yml'), fixture.configYaml);
  writeFileSync(join(models, 'step-000010000.ckpt'), makeNerfactoFixture({ seed: 30 }).checkpoint({ name: 'step-000010000' }));
  writeFileSync(join(models, 'step-000029999.ckpt'), fixture.checkpoint());
  mkdirSync(join(root, 'loose'));
  writeFileSync(bare, makeNerfactoFixture({ seed: 32, implementation: 'tcnn' }).checkpoint({ name: 'garden' }));
  mkdirSync(hostile);
  for (const [name, bytes] of hostileCheckpoints()) writeFileSync(join(hostile, name), bytes);
});

afterAll(async () => {
  await pool.close();
});

describe('importing nerfstudio checkpoints', () => {
  it('finds a run folder through its newest checkpoint and says which it skipped', async () => {
    const skipped: string[] = [];
    const files = await findNerfFiles([run], undefined, (p, reason) => skipped.push(`${p}: ${reason}`));
    expect(files).toEqual([join(models, 'step-000029999.ckpt')]);
    expect(skipped).toEqual([`${join(models, 'step-000010000.ckpt')}: an older checkpoint of the run (step 10000); the newest, step-000029999.ckpt (step 29999), is imported`]);
    // Named explicitly, an older checkpoint is imported as asked.
    expect(await findNerfFiles([join(models, 'step-000010000.ckpt')])).toEqual([join(models, 'step-000010000.ckpt')]);
  });

  it('catalogues, previews and embeds them; hostile files fail with the file and the reason and change nothing else', async () => {
    const library = await Library.open(join(root, 'library'), { log: quiet });
    try {
      const first = await importPaths(library, [join(root, 'outputs'), bare], { pool, encoderPath, provider, thumbnailSize: 32, previewResolution: 16, log: quiet });
      expect(first).toMatchObject({ created: 2, failed: [], cancelled: false });
      const asset = library.getAsset(library.fileByPath(join(models, 'step-000029999.ckpt'))!.assetId)!;
      expect(asset).toMatchObject({ name: 'poster.nerfacto.2024-05-01_120000', family: 'hashgrid', architecture: 'nerfacto-torch-L4-F2-T8' });
      expect(library.fileByPath(join(models, 'step-000029999.ckpt'))!.format).toBe('nerfstudio');
      expect(asset.meta).toMatchObject({ source: 'nerfstudio', implementation: 'torch', naming: 'current', trainingStep: 29999, config: join(run, 'config.yml') });
      expect(String(asset.meta['contraction'])).toMatch(/inner box \[-1, 1\]\^3/);
      expect(String(asset.meta['checkpointSteps'])).toMatch(/2 checkpoints/);
      const tcnn = library.getAsset(library.fileByPath(bare)!.assetId)!;
      expect(tcnn).toMatchObject({ name: 'garden', architecture: 'nerfacto-tcnn-L4-F2-T8' });
      expect(String(tcnn.meta['assumed'])).toMatch(/base_res 16/);
      for (const a of [asset, tcnn]) {
        expect(library.embedding(a.id)).toHaveLength(24);
        const renditions = Object.fromEntries(library.renditions(a.id).map((r) => [r.kind, join(library.cacheDir, r.path)]));
        expect([...readFileSync(renditions['thumbnail']!).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
        expect(readFileSync(renditions['preview']!).length).toBeGreaterThan(16 ** 3);
      }

      const before = { assets: library.listAssets({ limit: 100 }), embeddings: [asset, tcnn].map((a) => Array.from(library.embedding(a.id)!)) };
      const second = await importPaths(library, [hostile], { pool, encoderPath, provider, thumbnailSize: 32, previewResolution: 16, log: quiet });
      const manifest = hostileCheckpoints();
      expect(second).toMatchObject({ created: 0, duplicates: 0, cancelled: false });
      expect(second.failed).toHaveLength(manifest.length);
      for (const [name, , errorClass, reason] of manifest) {
        const failed = second.failed.find((f) => f.path === join(hostile, name));
        expect(failed, name).toBeDefined();
        expect(failed!.errorClass, name).toBe(errorClass);
        expect(failed!.reason, name).toMatch(reason);
        expect(library.importErrorOf(join(hostile, name))?.errorClass, name).toBe(errorClass);
      }
      expect(library.listAssets({ limit: 100 })).toEqual(before.assets);
      expect([asset, tcnn].map((a) => Array.from(library.embedding(a.id)!))).toEqual(before.embeddings);
    } finally {
      await library.close();
    }
  }, 240_000);
});
