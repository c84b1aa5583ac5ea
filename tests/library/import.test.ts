import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { chooseProvider } from '../../src/main/compute/providers';
import { JobPool } from '../../src/main/app/job-pool';
import { IMPORT_JOB_KIND, type ImportOptions, type ImportProgress, importPaths, resumeImports } from '../../src/main/library/import/importer';
import { Library } from '../../src/main/library/library';
import { brokenFileName, makeImportFolder, testEncoder } from './import-fixtures';

const quiet = { info: () => undefined, warn: () => undefined };
const fixture = makeImportFolder();
const pool = new JobPool({ size: 1 });
let provider: ProviderChoice;
let encoderPath: string;
let library: Library;
const warnings: string[] = [];

function options(extra: Partial<ImportOptions> = {}): ImportOptions {
  return { pool, encoderPath, provider, batchSize: 4, thumbnailSize: 48, previewResolution: 24, log: { info: () => undefined, warn: (m) => warnings.push(m) }, ...extra };
}

beforeAll(async () => {
  provider = await chooseProvider('cpu');
  encoderPath = await testEncoder(fixture.root);
  library = await Library.open(join(fixture.root, 'library'), { log: quiet });
});

afterAll(async () => {
  await library.close();
  await pool.close();
});

describe('import', () => {
  it('imports a folder of good and bad files: assets with renditions and embeddings, a clear reason per bad file', async () => {
    const progress: ImportProgress[] = [];
    const summary = await importPaths(library, [fixture.folder], options({ onProgress: (p) => progress.push(p) }));
    const total = fixture.good.length + 1 + fixture.broken.length;
    expect(summary).toMatchObject({ total, created: fixture.good.length, duplicates: 1, unchanged: 0, cancelled: false });
    expect(summary.failed).toHaveLength(fixture.broken.length);
    expect(progress.at(-1)).toMatchObject({ done: total, total });
    expect(progress.some((p) => p.stage === 'thumbnail')).toBe(true);
    // Every stage ran for the good files and reports its worker time.
    for (const stage of ['read', 'thumbnail', 'preview', 'embed'] as const) expect(summary.stageSeconds[stage], stage).toBeGreaterThan(0);

    const { items } = library.listAssets();
    expect(items).toHaveLength(fixture.good.length);
    for (const item of items) {
      expect(existsSync(item.thumbnail!)).toBe(true);
      const renditions = library.renditions(item.id);
      expect(renditions.map((r) => r.kind).sort()).toEqual(['preview', 'thumbnail']);
      for (const r of renditions) expect(statSync(join(library.cacheDir, r.path)).size).toBe(r.bytes);
      expect(library.embedding(item.id)).toHaveLength(24);
    }
    // The same content at two paths: one asset, two file rows.
    const mlp = library.fileByPath(fixture.good[0]!)!;
    expect(library.fileByPath(fixture.duplicate)!.assetId).toBe(mlp.assetId);
    expect(library.assetFiles(mlp.assetId).map((f) => f.path).sort()).toEqual([fixture.duplicate, fixture.good[0]!].sort());

    const errors = library.importErrors();
    expect(errors).toHaveLength(fixture.broken.length);
    for (const [name, , errorClass, reason] of fixture.broken) {
      const e = errors.find((r) => r.path.endsWith(brokenFileName(name)));
      expect(e, name).toBeDefined();
      expect(e!.errorClass, name).toBe(errorClass);
      expect(e!.reason, name).toMatch(reason);
      expect(warnings.some((w) => w.includes(e!.path) && w.includes(e!.reason))).toBe(true);
    }
    expect(library.getJob(summary.jobId)).toMatchObject({ kind: IMPORT_JOB_KIND, state: 'done', done: total });
    expect(library.integrityCheck().ok).toBe(true);
  });

  it('re-importing the same folder changes nothing', async () => {
    const before = library.listAssets({ limit: 100 });
    const summary = await importPaths(library, [fixture.folder], options());
    expect(summary).toMatchObject({ created: 0, duplicates: 0, unchanged: summary.total, failed: [], stageSeconds: { read: 0, thumbnail: 0, preview: 0, embed: 0 } });
    expect(library.listAssets({ limit: 100 })).toEqual(before);
    expect(library.importErrors().every((e) => e.attempts === 1)).toBe(true);
  });

  it('resumes an import job left running by a dead process from its cursor', async () => {
    const job = library.createJob(IMPORT_JOB_KIND, { files: [...fixture.good, fixture.duplicate], cursor: 2, encoderPath }, 4);
    library.updateJob(job.id, { state: 'running' });
    // Pretend the owner died: resumableJobs skips jobs owned by a live process.
    const other = new Database(library.file);
    other.prepare('UPDATE jobs SET owner_pid = ? WHERE id = ?').run(2 ** 22 + 12345, job.id);
    other.close();
    const [summary] = await resumeImports(library, options());
    expect(summary).toMatchObject({ jobId: job.id, unchanged: 2, created: 0 });
    expect(library.getJob(job.id)).toMatchObject({ state: 'done', done: 4 });
    expect(library.listAssets().total).toBe(fixture.good.length);
  });

  it('finds similar assets to an imported one, with scores', () => {
    const id = library.fileByPath(fixture.good[0]!)!.assetId;
    const { results, modelVersion } = library.findSimilar({ assetId: id, k: 5 });
    expect(modelVersion).toMatch(/^gmn-/);
    expect(results).toHaveLength(fixture.good.length - 1);
    for (const r of results) {
      expect(r.asset.id).not.toBe(id);
      expect(r.score).toBeGreaterThanOrEqual(-1);
      expect(r.score).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect(results[0]!.score).toBeGreaterThanOrEqual(results.at(-1)!.score);
  });
  it('a tagger that fails costs each file its suggestions only: the import goes on', async () => {
    const other = await Library.open(join(fixture.root, 'library-tagger'), { log: quiet });
    try {
      const { version } = JSON.parse(readFileSync(encoderPath.replace(/\.onnx$/, '.json'), 'utf8')) as { version: string };
      const tagger = { modelVersion: version, suggest: (): never => { throw new RangeError('the reference has 16 values, the embedding 8'); } };
      const seen: string[] = [];
      const summary = await importPaths(other, fixture.good, options({ tagger, log: { info: () => undefined, warn: (m) => seen.push(m) } }));
      expect(summary).toMatchObject({ created: fixture.good.length, failed: [] });
      for (const asset of other.listAssets({ limit: 100 }).items) expect(other.tags(asset.id)).toEqual([]);
      expect(seen.filter((m) => m.includes('no tag suggestions (the reference has 16 values'))).toHaveLength(fixture.good.length);
    } finally {
      await other.close();
    }
  });
});
