import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/nerfdex';
import { chooseProvider } from '../../src/main/compute/providers';
import { JobPool } from '../../src/main/app/job-pool';
import { importPaths } from '../../src/main/library/import/importer';
import { Library } from '../../src/main/library/library';
import { demoFolder, testEncoder } from '../library/import-fixtures';
import { tempDir } from '../library/helpers';

const quiet = { info: () => undefined, warn: () => undefined };
const root = tempDir('nerfdex-cli-embed-');
const libraryDir = join(root, 'library');
let files: string[];
let encoderA: string;
let encoderB: string;

async function run(model: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--library', libraryDir, '--model', model, '--device', 'cpu', ...argv], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function versionOf(encoder: string): string {
  return (JSON.parse(readFileSync(encoder.replace(/\.onnx$/, '.json'), 'utf8')) as { version: string }).version;
}

/** The latest job's progress, read from the database of another process (undefined until it exists). */
function latestJob(): { id: number; state: string; done: number; total: number } | undefined {
  if (!existsSync(join(libraryDir, 'library.sqlite'))) return undefined;
  try {
    const db = new Database(join(libraryDir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    const job = db.prepare('SELECT id, state, done, total FROM jobs ORDER BY id DESC LIMIT 1').get() as { id: number; state: string; done: number; total: number } | undefined;
    db.close();
    return job;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  files = demoFolder(root, 6);
  encoderA = await testEncoder(join(root, 'a'), 3);
  encoderB = await testEncoder(join(root, 'b'), 4);
});

describe('nerfdex embed (a model upgrade from the command line)', () => {
  it('SIGKILLed mid-way: search stays on the old version, the next run resumes without duplicates and switches', async () => {
    // The library, imported with small renditions (the re-embed reuses them; only embedding runs).
    const pool = new JobPool({ size: 1 });
    const built = await Library.open(libraryDir, { log: quiet });
    try {
      const imported = await importPaths(built, files, { pool, encoderPath: encoderA, provider: await chooseProvider('cpu'), thumbnailSize: 32, previewResolution: 16, log: quiet });
      expect(imported).toMatchObject({ created: files.length, failed: [] });
    } finally {
      await built.close();
      await pool.close();
    }
    const importJob = latestJob()!.id;

    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../src/main/cli/nerfdex.ts'), '--library', libraryDir, '--model', encoderB, '--device', 'cpu', 'embed', '--batch', '1', '--json'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let job = latestJob();
    const end = Date.now() + 60_000;
    while (!(job && job.id > importJob && job.done >= 2) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      job = latestJob();
    }
    child.kill('SIGKILL');
    await exited;
    expect(job).toMatchObject({ state: 'running' });
    expect(job!.done).toBeGreaterThanOrEqual(2);
    expect(job!.done).toBeLessThan(files.length);

    // The killed run left a sound database, a partial version B, and search on version A.
    const library = await Library.open(libraryDir, { log: quiet });
    try {
      expect(library.integrityCheck().ok).toBe(true);
      expect(library.activeModel()!.version).toBe(versionOf(encoderA));
      const partial = library.modelCoverage(versionOf(encoderB));
      expect(partial.embedded).toBeGreaterThanOrEqual(2);
      expect(partial.embedded).toBeLessThan(files.length);
      expect(library.findSimilar({ assetId: library.fileByPath(files[0]!)!.assetId, k: 3 }).results).toHaveLength(3);
    } finally {
      await library.close();
    }
    const similarA = JSON.parse((await run(encoderA, 'similar', '1', '--json')).out) as { results: unknown[] };
    expect(similarA.results).toHaveLength(files.length - 1);

    const resumed = await run(encoderB, 'embed', '--json');
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.out);
    expect(summary).toMatchObject({ modelVersion: versionOf(encoderB), activated: true, activeVersion: versionOf(encoderB), after: { embedded: files.length, assets: files.length }, unembedded: [], cancelled: false });
    expect(summary.resumed).toHaveLength(1);
    expect(summary.resumed[0]).toMatchObject({ jobId: job!.id, created: 0, failed: [] });
    // The resumed job covered the rest: no second job was needed.
    expect(summary.job).toBeUndefined();

    const db = new Database(join(libraryDir, 'library.sqlite'), { readonly: true });
    const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
    expect(count('SELECT count(*) FROM assets')).toBe(files.length);
    expect(count('SELECT count(*) FROM files')).toBe(files.length);
    expect(count(`SELECT count(*) FROM embeddings WHERE model_version = '${versionOf(encoderA)}'`)).toBe(files.length);
    expect(count(`SELECT count(*) FROM embeddings WHERE model_version = '${versionOf(encoderB)}'`)).toBe(files.length);
    expect(count("SELECT count(*) FROM jobs WHERE state <> 'done'")).toBe(0);
    db.close();

    const doctor = await run(encoderB, 'doctor', '--json');
    expect(JSON.parse(doctor.out).checks.find((c: { check: string }) => c.check === 'index').detail).toMatch(new RegExp(`model ${versionOf(encoderB)}: ${files.length}/${files.length} assets embedded, index holds ${files.length}`));
    // Once complete, a re-run has nothing to do.
    expect(JSON.parse((await run(encoderB, 'embed', '--json')).out)).toMatchObject({ activated: false, after: { embedded: files.length } });
  }, 300_000);

  it('refuses arguments, and says how to get an encoder when --model is missing', async () => {
    expect((await run(encoderA, 'embed', 'extra')).code).toBe(2);
    const missing = await run(join(root, 'none.onnx'), 'embed');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does not ship a trained encoder yet/);
  });
});
