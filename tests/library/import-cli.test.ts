import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/nerfdex';
import { makeImportFolder, testEncoder } from './import-fixtures';

const fixture = makeImportFolder();
const libraryDir = join(fixture.root, 'cli-library');
let model: string;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--library', libraryDir, '--model', model, '--device', 'cpu', ...argv], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

beforeAll(async () => {
  model = await testEncoder(fixture.root);
});

afterAll(() => undefined);

describe('nerfdex CLI', () => {
  it('imports a folder (exit 3: some files failed), then lists, shows, finds similar, tags, searches and exports', async () => {
    const imported = await run('import', fixture.folder, '--json');
    expect(imported.code).toBe(3);
    const summary = JSON.parse(imported.out);
    expect(summary).toMatchObject({ created: fixture.good.length, duplicates: 1 });
    expect(summary.failed).toHaveLength(fixture.broken.length);

    const ls = await run('ls', '--json');
    expect(ls.code).toBe(0);
    const page = JSON.parse(ls.out);
    expect(page.total).toBe(fixture.good.length);
    const id = page.items[0].id as number;

    const info = JSON.parse((await run('info', String(id), '--json')).out);
    expect(info.asset.id).toBe(id);
    expect(info.renditions.every((r: { absolute: string }) => existsSync(r.absolute))).toBe(true);

    const similar = await run('similar', String(id), '-k', '5', '--json');
    expect(similar.code).toBe(0);
    const hits = JSON.parse(similar.out).results as { asset: { id: number }; score: number }[];
    expect(hits).toHaveLength(fixture.good.length - 1);
    expect(hits.every((h) => h.asset.id !== id && Number.isFinite(h.score))).toBe(true);
    const byFile = JSON.parse((await run('similar', fixture.good[0]!, '--json')).out).results as { score: number }[];
    expect(byFile[0]!.score).toBeCloseTo(1, 4);

    expect((await run('tag', String(id), 'Favourite', 'jet plane')).code).toBe(0);
    const found = JSON.parse((await run('search', 'favourite', '--json')).out).results as { asset: { id: number } }[];
    expect(found.map((r) => r.asset.id)).toContain(id);
    const misspelt = await run('search', 'favuorite');
    expect(misspelt.out).toContain('also searched: favourite for favuorite');
    expect(misspelt.out).toMatch(new RegExp(`^${id} `, 'm'));

    const csv = join(fixture.root, 'out.csv');
    expect((await run('export', '--csv', csv)).code).toBe(0);
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(1 + fixture.good.length);
    const npy = join(fixture.root, 'out.npy');
    expect((await run('export', '--npy', npy)).code).toBe(0);
    expect(readFileSync(npy).subarray(1, 6).toString()).toBe('NUMPY');

    const doctor = await run('doctor', '--json');
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.out).ok).toBe(true);
    expect((await run('reindex')).code).toBe(0);
    // Importing the same folder again: nothing new, the bad files are known (unchanged).
    expect(JSON.parse((await run('import', fixture.folder, '--json')).out)).toMatchObject({ created: 0, unchanged: summary.total });
  }, 180_000);

  it('exit 2 on usage errors, 1 with a clear message when the encoder is missing', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('ls', '--nope')).code).toBe(2);
    expect((await run('info')).code).toBe(2);
    let err = '';
    const code = await main(['--library', libraryDir, '--model', join(fixture.root, 'none.onnx'), 'import', fixture.folder], { out: () => undefined, err: (t) => (err += t) });
    expect(code).toBe(1);
    expect(err).toMatch(/does not ship a trained encoder yet/);
    expect(err).toMatch(/npm run train/);
  });

  it('an import SIGKILLed mid-way leaves a sound database and resumes to the same catalogue', async () => {
    const dir = join(fixture.root, 'killed-library');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../src/main/cli/nerfdex.ts'), '--library', dir, '--model', model, '--device', 'cpu', 'import', fixture.folder, '--batch', '2', '--json'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let done = 0;
    const end = Date.now() + 120_000;
    while (done < 2 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      if (!existsSync(join(dir, 'library.sqlite'))) continue;
      try {
        const db = new Database(join(dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
        done = (db.prepare("SELECT max(done) AS d FROM jobs WHERE kind = 'library.import'").get() as { d: number | null }).d ?? 0;
        db.close();
      } catch {
        // The schema is still being created.
      }
    }
    child.kill('SIGKILL');
    await exited;
    expect(done).toBeGreaterThanOrEqual(2);
    const db = new Database(join(dir, 'library.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const killedAt = db.prepare("SELECT state, done, total FROM jobs WHERE kind = 'library.import'").get() as { state: string; done: number; total: number };
    db.close();
    expect(killedAt.state).toBe('running');
    expect(killedAt.done).toBeLessThan(killedAt.total);

    let out = '';
    const code = await main(['--library', dir, '--model', model, '--device', 'cpu', 'import', fixture.folder, '--json'], { out: (t) => (out += t), err: () => undefined });
    // 3 when files that failed were still ahead of the cursor at the kill, 0 when the killed run had recorded them.
    expect([0, 3]).toContain(code);
    const result = JSON.parse(out);
    expect(result.resumed).toHaveLength(1);
    expect(result.resumed[0].jobId).toBe(1);
    expect(result.created).toBe(0);
    const check = new Database(join(dir, 'library.sqlite'), { readonly: true });
    const count = (sql: string): number => (check.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM assets')).toBe(fixture.good.length);
    expect(count('SELECT count(*) AS n FROM files')).toBe(fixture.good.length + 1);
    expect(count('SELECT count(*) AS n FROM embeddings')).toBe(fixture.good.length);
    expect(count('SELECT count(*) AS n FROM import_errors')).toBe(fixture.broken.length);
    expect(count("SELECT count(*) AS n FROM jobs WHERE state = 'done'")).toBe(2);
    check.close();
  }, 180_000);

  it('runs through the bin shim', () => {
    const out = execFileSync(process.execPath, [join(import.meta.dirname, '../../bin/nerfdex.js'), '--library', libraryDir, 'ls', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(out).total).toBe(fixture.good.length);
  });
});
