import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Library } from '../../src/main/library/library';
import { BATCH_SIZE } from './crash-fixture';
import { recordingLog, tempDir } from './helpers';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs crash-writer.ts and SIGKILLs it as soon as it begins transaction `batch` (after `batch`
 * whole ones): the kill lands inside that transaction or just after it.
 */
function writeUntilKilled(dir: string, batch: number): Promise<{ committed: number; begun: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/library/crash-writer.ts', dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let begun = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/(begin|committed) (\d+)/g)) {
        if (match[1] === 'begin') begun = Math.max(begun, Number(match[2]) + 1);
        else committed = Math.max(committed, Number(match[2]) + 1);
      }
      if (begun > batch && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ committed, begun });
      else reject(new Error(`crash-writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('a process killed mid-write', () => {
  it('leaves a database that passes integrity_check and holds only whole transactions', async () => {
    const dir = tempDir();
    const { committed, begun } = await writeUntilKilled(dir, 4);
    expect(committed).toBeGreaterThanOrEqual(4);

    const log = recordingLog();
    const library = await Library.open(dir, { log, exactThreshold: 100 });
    expect(library.integrityCheck()).toEqual({ ok: true, problems: [] });
    const db = new BetterSqlite3(library.file, { readonly: true });
    const perBatch = db.prepare("SELECT substr(name, 2, instr(name, '-') - 2) AS batch, count(*) AS n FROM assets GROUP BY batch ORDER BY batch + 0").all() as { batch: string; n: number }[];
    // Every batch the writer reported is there, and every batch there is whole (the one being
    // written at the kill either committed whole or not at all).
    expect(perBatch.length).toBeGreaterThanOrEqual(committed);
    expect(perBatch.length).toBeLessThanOrEqual(begun);
    expect(perBatch.every((b) => b.n === BATCH_SIZE)).toBe(true);
    const assets = perBatch.length * BATCH_SIZE;
    for (const table of ['files', 'embeddings', 'tags', 'assets_fts']) expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(assets);
    db.close();

    // The index reflects SQLite whatever state its file was left in.
    await library.indexReady();
    expect(library.indexStatus()).toMatchObject({ modelVersion: 'gmn-crash', count: assets, graph: 'ready' });
    const lastAsset = library.listAssets({ limit: 1 }).items[0]!;
    expect(library.findSimilar({ vector: library.embedding(lastAsset.id)!, k: 1 }).results[0]!.asset.id).toBe(lastAsset.id);
    await library.close();
  });
});
