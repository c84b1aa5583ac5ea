import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { chooseProvider } from '../../src/main/compute/providers';
import { JobPool } from '../../src/main/app/job-pool';
import { IMPORT_JOB_KIND, type ImportOptions, importPaths, runImportJob } from '../../src/main/library/import/importer';
import { findNerfFiles, isNerfPath } from '../../src/main/library/import/scan';
import { FolderWatcher } from '../../src/main/library/import/watch';
import { Library } from '../../src/main/library/library';
import { DEMO, GOOD, makeImportFolder, testEncoder } from './import-fixtures';
import { until } from './helpers';

const quiet = { info: () => undefined, warn: () => undefined };
const fixture = makeImportFolder();
const pool = new JobPool({ size: 1 });
let provider: ProviderChoice;
let encoderPath: string;

function options(extra: Partial<ImportOptions> = {}): ImportOptions {
  return { pool, encoderPath, provider, batchSize: 2, thumbnailSize: 32, previewResolution: 16, log: quiet, ...extra };
}

beforeAll(async () => {
  provider = await chooseProvider('cpu');
  encoderPath = await testEncoder(fixture.root);
});

afterAll(async () => {
  await pool.close();
});

describe('import scan', () => {
  it('picks known extensions recursively, skipping temporaries and other files', async () => {
    expect(isNerfPath('/a/b.nerf.safetensors')).toBe(true);
    expect(isNerfPath('/a/b.INGP')).toBe(true);
    expect(isNerfPath('/a/b.nerf.safetensors.tmp-12-ab')).toBe(false);
    expect(isNerfPath('/a/notes.txt')).toBe(false);
    const files = await findNerfFiles([fixture.folder]);
    expect(files).toHaveLength(fixture.good.length + 1 + fixture.broken.length);
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
  });
});

describe('import cancellation and resume', () => {
  it('a cancelled import keeps its cursor and resumes to the same result without duplicates', async () => {
    const library = await Library.open(join(fixture.root, 'cancel-library'), { log: quiet });
    try {
      const controller = new AbortController();
      const first = await importPaths(library, [fixture.folder], options({ signal: controller.signal, onProgress: (p) => p.stage === 'thumbnail' && controller.abort() }));
      expect(first.cancelled).toBe(true);
      const job = library.getJob(first.jobId)!;
      expect(job.state).toBe('cancelled');
      expect((job.payload as { cursor: number }).cursor).toBeLessThan(first.total);
      const second = await runImportJob(library, first.jobId, options());
      expect(second.cancelled).toBe(false);
      expect(library.getJob(first.jobId)).toMatchObject({ state: 'done', done: first.total });
      expect(library.listAssets().total).toBe(fixture.good.length);
      expect(library.assetFiles(library.fileByPath(fixture.good[0]!)!.assetId)).toHaveLength(2);
      expect(library.listJobs({ kind: IMPORT_JOB_KIND })).toHaveLength(1);
    } finally {
      await library.close();
    }
  });
});

describe('watched folders', () => {
  it('imports files that appear, ignores temporaries, marks removed files missing', async () => {
    const library = await Library.open(join(fixture.root, 'watch-library'), { log: quiet });
    const folder = join(fixture.root, 'watched');
    mkdirSync(folder);
    copyFileSync(join(DEMO, GOOD[0]!), join(folder, GOOD[0]!));
    const watcher = await FolderWatcher.start(library, [folder], { ...options(), debounceMs: 100, usePolling: true });
    try {
      expect(library.listAssets().total).toBe(1);
      expect(library.watchedFolders().map((w) => w.path)).toEqual([folder]);
      writeFileSync(join(folder, 'partial.nerf.safetensors.tmp-1-ab'), 'half');
      copyFileSync(join(DEMO, GOOD[1]!), join(folder, GOOD[1]!));
      await until(() => library.listAssets().total === 2, 15_000);
      rmSync(join(folder, GOOD[0]!));
      await until(() => library.fileByPath(join(folder, GOOD[0]!))?.status === 'missing', 15_000);
      await watcher.idle();
      expect(library.importErrors()).toEqual([]);
      expect(library.listAssets({ filters: { includeMissing: false } }).total).toBe(1);
    } finally {
      await watcher.close();
      await library.close();
    }
  });
});
