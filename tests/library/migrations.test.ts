import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { integrityCheck, openDatabase } from '../../src/main/library/db';
import { LibraryVersionError, MigrationError, NotALibraryError } from '../../src/main/library/errors';
import { Library } from '../../src/main/library/library';
import { MIGRATIONS, type Migration, SCHEMA_VERSION, checkMigrations } from '../../src/main/library/migrations';
import { assetInput, recordingLog, tempDir } from './helpers';

/** A real second step, as a future schema change would be: a new column, backfilled, and an index. */
const V2: Migration = {
  version: 2,
  description: 'fixture: assets.rating with an index',
  up: (db) => {
    db.exec('ALTER TABLE assets ADD COLUMN rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5)');
    db.prepare("UPDATE assets SET rating = 3 WHERE family = 'mlp'").run();
    db.exec('CREATE INDEX assets_rating ON assets (rating, id)');
  },
};

const FAILING: Migration = { version: 2, description: 'fixture: breaks half-way', up: 'CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);' };

describe('schema migrations', () => {
  it('creates schema version 1 in a new file, with WAL, foreign keys and the nerfdex application id', () => {
    const file = join(tempDir(), 'library.sqlite');
    const { db, migration } = openDatabase(file);
    expect(migration).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(0x4e524658);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    for (const t of ['assets', 'files', 'import_errors', 'tags', 'collections', 'collection_assets', 'renditions', 'embeddings', 'models', 'jobs', 'settings', 'assets_fts']) expect(tables).toContain(t);
    expect(integrityCheck(db)).toEqual({ ok: true, problems: [] });
    db.close();
  });

  it('upgrades a version-1 library in place to version 2 and keeps its data', async () => {
    const dir = tempDir();
    const log = recordingLog();
    const v1 = await Library.open(dir, { log, migrations: [MIGRATIONS[0]!] });
    await v1.registerModel({ version: 'gmn-test', dims: 4 });
    const { assetId } = v1.putAsset({ ...assetInput('chair'), embeddings: [{ modelVersion: 'gmn-test', vector: [1, 0, 0, 0] }] });
    v1.putAsset(assetInput('grid', { family: 'hashgrid' }));
    v1.addTags(assetId, ['wooden']);
    await v1.close();

    const v2 = await Library.open(dir, { log, migrations: [MIGRATIONS[0]!, V2] });
    expect(v2.migration).toEqual({ from: 1, to: 2 });
    expect(log.lines.some((l) => /upgraded the schema from version 1 to 2/.test(l))).toBe(true);
    expect(v2.getAsset(assetId)?.name).toBe('chair');
    expect(v2.tags(assetId)).toEqual([{ tag: 'wooden', source: 'user', confidence: null }]);
    expect(v2.embedding(assetId)).toEqual(Float32Array.from([1, 0, 0, 0]));
    expect((await v2.searchText('wooden')).results.map((r) => r.asset.id)).toEqual([assetId]);
    expect(v2.integrityCheck().ok).toBe(true);
    await v2.close();

    const db = new BetterSqlite3(join(dir, 'library.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT name, rating FROM assets ORDER BY id').all()).toEqual([
      { name: 'chair', rating: 3 },
      { name: 'grid', rating: 0 },
    ]);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'assets_rating'").pluck().get()).toBe('assets_rating');
    db.close();
  });

  it('leaves the file at its old version when a step fails', async () => {
    const dir = tempDir();
    const v1 = await Library.open(dir, { log: recordingLog() });
    v1.putAsset(assetInput('lamp'));
    await v1.close();
    const file = join(dir, 'library.sqlite');
    expect(() => openDatabase(file, { migrations: [MIGRATIONS[0]!, FAILING] })).toThrow(MigrationError);
    expect(() => openDatabase(file, { migrations: [MIGRATIONS[0]!, FAILING] })).toThrow(/migration to schema version 2 failed, the library stays at version 1: no such table: no_such_table/);
    const db = new BetterSqlite3(file);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT name FROM assets').pluck().all()).toEqual(['lamp']);
    db.close();
  });

  it('refuses a library newer than this build, naming the file and both versions', () => {
    const file = join(tempDir(), 'library.sqlite');
    openDatabase(file).db.close();
    const raw = new BetterSqlite3(file);
    raw.pragma('user_version = 7');
    raw.close();
    let error: unknown;
    try {
      openDatabase(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LibraryVersionError);
    expect(error).toMatchObject({ file, found: 7, supported: SCHEMA_VERSION });
    expect((error as Error).message).toBe(`${file}: the library has schema version 7, newer than version ${SCHEMA_VERSION} that this nerfdex knows; open it with a newer nerfdex`);
    // Refused before anything was written.
    const check = new BetterSqlite3(file);
    expect(check.pragma('user_version', { simple: true })).toBe(7);
    check.close();
  });

  it("refuses another application's SQLite file", () => {
    const file = join(tempDir(), 'other.sqlite');
    const raw = new BetterSqlite3(file);
    raw.exec('CREATE TABLE notes (text TEXT)');
    raw.close();
    expect(() => openDatabase(file)).toThrow(NotALibraryError);
    expect(() => openDatabase(file)).toThrow(/holds 1 tables but no nerfdex schema version/);
  });

  it('checks that a migration list runs 1..n without gaps', () => {
    expect(() => checkMigrations([MIGRATIONS[0]!, { ...V2, version: 3 }])).toThrow(RangeError);
    expect(() => checkMigrations([MIGRATIONS[0]!, { ...V2, version: 3 }])).toThrow('migration list: entry 1 has version 3, expected 2 (versions run 1..n without gaps)');
  });
});
