import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { JobPool } from '../../src/main/app/job-pool';
import { Embedder } from '../../src/main/gmn/embedder';
import { readNerfFile } from '../../src/main/nerf/formats/native';
import { IMPORT_JOB_KIND, type ImportOptions, importPaths } from '../../src/main/library/import/importer';
import { type ReembedOptions, reembedLibrary } from '../../src/main/library/import/reembed';
import { Library } from '../../src/main/library/library';
import { demoFolder, testEncoder } from './import-fixtures';
import { tempDir } from './helpers';

const quiet = { info: () => undefined, warn: () => undefined };
const root = tempDir('nerfdex-reembed-');
const pool = new JobPool({ size: 1 });
let provider: ProviderChoice;
let files: string[];
let encoderA: string;
let encoderB: string;
let encoderC: string;

function options(encoderPath: string, extra: Partial<ReembedOptions> = {}): ReembedOptions {
  return { pool, encoderPath, provider, batchSize: 1, thumbnailSize: 32, previewResolution: 16, log: quiet, ...extra };
}

beforeAll(async () => {
  provider = await chooseProvider('cpu');
  files = demoFolder(root, 6);
  encoderA = await testEncoder(join(root, 'a'), 3);
  encoderB = await testEncoder(join(root, 'b'), 4);
  encoderC = await testEncoder(join(root, 'c'), 5);
});

afterAll(async () => {
  await pool.close();
});

describe('re-embedding a library with a new encoder version', () => {
  it('is cancellable, searches the old version meanwhile, resumes without duplicates and switches once complete', async () => {
    const library = await Library.open(join(root, 'library'), { log: quiet });
    try {
      const imported = await importPaths(library, files, options(encoderA) as ImportOptions);
      expect(imported).toMatchObject({ created: 6, cancelled: false });
      const versionA = library.activeModel()!.version;
      const probe = library.listAssets({ sort: 'created', order: 'asc', limit: 1 }).items[0]!.id;
      const searchA = library.findSimilar({ assetId: probe, k: 5 });
      expect(searchA.results).toHaveLength(5);

      // Cancelled after two of six files: those two are stored, search stays on version A.
      const controller = new AbortController();
      const during: { active: string; top: number }[] = [];
      const first = await reembedLibrary(
        library,
        options(encoderB, {
          signal: controller.signal,
          onProgress: (p) => {
            during.push({ active: library.activeModel()!.version, top: library.findSimilar({ assetId: probe, k: 5 }).results[0]!.asset.id });
            if (p.done >= 2 && p.stage === undefined) controller.abort();
          },
        }),
      );
      const versionB = first.modelVersion;
      expect(versionB).not.toBe(versionA);
      expect(first).toMatchObject({ cancelled: true, activated: false, activeVersion: versionA, before: { embedded: 0, assets: 6 } });
      expect(first.after.embedded).toBeGreaterThanOrEqual(2);
      expect(first.after.embedded).toBeLessThan(6);
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((d) => d.active === versionA && d.top === searchA.results[0]!.asset.id)).toBe(true);
      expect(library.findSimilar({ assetId: probe, k: 5 })).toEqual(searchA);
      expect(library.modelCoverage(versionB)).toEqual(first.after);

      // The next run embeds only the rest, then activates B in one step.
      const second = await reembedLibrary(library, options(encoderB));
      expect(second).toMatchObject({ cancelled: false, activated: true, activeVersion: versionB, before: first.after, after: { embedded: 6, assets: 6 }, unembedded: [] });
      expect(second.job).toMatchObject({ total: 6 - first.after.embedded, created: 0, duplicates: 6 - first.after.embedded, failed: [] });
      expect(library.listAssets().total).toBe(6);
      expect(files.every((f) => library.fileByPath(f) !== undefined)).toBe(true);
      expect(library.listJobs({ kind: IMPORT_JOB_KIND }).map((j) => j.state)).toEqual(['done', 'cancelled', 'done']);
      expect(library.indexStatus()).toMatchObject({ modelVersion: versionB, count: 6 });

      // B's stored vectors are what the encoder gives for each file (no replay changed them).
      const embedder = await Embedder.load(encoderB);
      const sessions = new SessionCache();
      const direct = await embedder.embed(await Promise.all(files.map((f) => readNerfFile(f))), sessions, provider);
      await sessions.dispose();
      files.forEach((f, i) => {
        const stored = library.embedding(library.fileByPath(f)!.assetId, versionB)!;
        expect(Math.max(...stored.map((v, d) => Math.abs(v - direct[i]![d]!)))).toBeLessThan(1e-5);
      });
      const searchB = library.findSimilar({ assetId: probe, k: 5 });
      expect(searchB.results).toHaveLength(5);
      expect(searchB.results.map((r) => r.score)).not.toEqual(searchA.results.map((r) => r.score));

      // Nothing left to do: no job, no switch.
      const third = await reembedLibrary(library, options(encoderB));
      expect(third).toMatchObject({ activated: false, activeVersion: versionB, after: { embedded: 6, assets: 6 } });
      expect(third.job).toBeUndefined();

      // An asset whose file is gone cannot be embedded by version C: C is not activated, and the reason names the file.
      library.markFilesMissing([files[0]!]);
      const partial = await reembedLibrary(library, options(encoderC));
      expect(partial).toMatchObject({ activated: false, activeVersion: versionB, after: { embedded: 5, assets: 6 } });
      expect(partial.unembedded).toEqual([{ assetId: library.fileByPath(files[0]!)!.assetId, reason: `its file is missing from disk: ${files[0]}` }]);
      expect(library.integrityCheck()).toEqual({ ok: true, problems: [] });
    } finally {
      await library.close();
    }
  }, 120_000);
});
