/**
 * Adding a format is its file plus its registry line: a test-only format (`.testnerf`, see
 * testnerf-format.ts) registered here, and in the workers by their entry (testnerf-worker.ts), is
 * importable from a folder scan, a watched folder and `nerfdex import`, and named in the CLI's
 * help, the menu's file filter and the drop zone's notice, with nothing else changed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type * as jobPoolModule from '../../src/main/app/job-pool';
import { JobPool, type JobPoolOptions } from '../../src/main/app/job-pool';
import { main } from '../../src/main/cli/nerfdex';
import { chooseProvider } from '../../src/main/compute/providers';
import { type ImportOptions, importPaths } from '../../src/main/library/import/importer';
import { findNerfFiles, isNerfPath } from '../../src/main/library/import/scan';
import { FolderWatcher } from '../../src/main/library/import/watch';
import { Library } from '../../src/main/library/library';
import { importDialogOptions } from '../../src/main/menu';
import { importableExtensions } from '../../src/main/nerf/formats/registry';
import { noNerfFilesNotice } from '../../src/renderer/file-drop';
import type { ProviderChoice } from '../../src/shared/compute';
import { tempDir, until } from './helpers';
import { DEMO, GOOD, testEncoder } from './import-fixtures';
import { encodeTestNerf } from './testnerf-format';

// The CLI makes its own pool: its workers start on the entry that registers the test format.
vi.mock('../../src/main/app/job-pool', async (importOriginal) => {
  const original = await importOriginal<typeof jobPoolModule>();
  const entry = new URL('./testnerf-worker.ts', import.meta.url);
  return { ...original, JobPool: class extends original.JobPool {
    constructor(options: JobPoolOptions = {}) {
      super({ entry, ...options });
    }
  } };
});

const quiet = { info: () => undefined, warn: () => undefined };
const root = tempDir('nerfdex-format-registry-');
const folder = join(root, 'nerfs');
const file = join(folder, 'airplane.testnerf');
const pool = new JobPool({ size: 1 });
let provider: ProviderChoice;
let encoderPath: string;

function options(extra: Partial<ImportOptions> = {}): ImportOptions {
  return { pool, encoderPath, provider, thumbnailSize: 16, previewResolution: 8, log: quiet, ...extra };
}

beforeAll(async () => {
  provider = await chooseProvider('cpu');
  encoderPath = await testEncoder(join(root, 'encoder'));
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, encodeTestNerf(new Uint8Array(readFileSync(join(DEMO, GOOD[0]!)))));
  writeFileSync(join(folder, 'notes.txt'), 'not a nerf');
});

afterAll(async () => {
  await pool.close();
});

describe('a format added to the registry', () => {
  it('is named wherever the importable files are: extensions, menu filter, API, CLI help, drop zone notice', async () => {
    expect(importableExtensions()).toContain('.testnerf');
    expect(isNerfPath('/a/b.TESTNERF')).toBe(true);
    expect(importDialogOptions('files').filters?.[0]?.extensions).toContain('testnerf');
    const formats = await createApi({ name: 'nerfdex', version: '0.0.0' }).importFormats();
    expect(formats).toContainEqual({ name: 'testnerf', label: 'test NeRFs', extensions: ['.testnerf'] });
    expect(noNerfFilesNotice('Import nerfs', formats)).toContain('test NeRFs (.testnerf)');
    let help = '';
    expect(await main(['--help'], { out: (t) => (help += t), err: () => undefined })).toBe(0);
    expect(help).toContain('test NeRFs (.testnerf)');
  });

  it('is imported from a folder scan', async () => {
    expect(await findNerfFiles([folder])).toEqual([file]);
    const library = await Library.open(join(root, 'scan-library'), { log: quiet });
    try {
      const summary = await importPaths(library, [folder], options());
      expect(summary).toMatchObject({ total: 1, created: 1, failed: [] });
      const imported = library.fileByPath(file)!;
      expect(imported.format).toBe('testnerf');
      const asset = library.getAsset(imported.assetId)!;
      expect(asset).toMatchObject({ name: 'airplane', family: 'mlp' });
      expect(library.embedding(asset.id)).toHaveLength(24);
      expect(library.renditions(asset.id).map((r) => r.kind).sort()).toEqual(['preview', 'thumbnail']);
    } finally {
      await library.close();
    }
  });

  it('is imported from a watched folder', async () => {
    const library = await Library.open(join(root, 'watch-library'), { log: quiet });
    const watched = join(root, 'watched');
    mkdirSync(watched);
    const watcher = await FolderWatcher.start(library, [watched], { ...options(), debounceMs: 100, usePolling: true });
    try {
      expect(library.listAssets().total).toBe(0);
      writeFileSync(join(watched, 'dropped.testnerf'), readFileSync(file));
      await until(() => library.fileByPath(join(watched, 'dropped.testnerf')) !== undefined, 20_000);
      await watcher.idle();
      expect(library.fileByPath(join(watched, 'dropped.testnerf'))!.format).toBe('testnerf');
      expect(library.importErrors()).toEqual([]);
    } finally {
      await watcher.close();
      await library.close();
    }
  });

  it('is imported by `nerfdex import <folder>`', async () => {
    let out = '';
    const code = await main(['--library', join(root, 'cli-library'), '--model', encoderPath, '--device', 'cpu', 'import', folder, '--json'], { out: (t) => (out += t), err: () => undefined });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ total: 1, created: 1, failed: [] });
  });
});
