/**
 * Opening the library database: connection settings (WAL, foreign keys, busy timeout), the
 * schema-version check and in-place upgrades, and the integrity check.
 */
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { LibraryVersionError, MigrationError, NotALibraryError } from './errors';
import { APPLICATION_ID, MIGRATIONS, type Migration, checkMigrations } from './migrations';

export interface OpenDatabaseOptions {
  /** Schema steps to apply (tests pass their own list). @default MIGRATIONS */
  migrations?: readonly Migration[];
  /** Open without writing: no migration, no journal-mode change; an old schema is refused. @default false */
  readonly?: boolean;
  /** Milliseconds a statement waits for another connection's write lock before SQLITE_BUSY. @default 5000 */
  busyTimeoutMs?: number;
}

/** Where an open went: the schema version found in the file and the one it has now. */
export interface MigrationReport {
  readonly from: number;
  readonly to: number;
}

/**
 * Opens (creating if needed) a library database and brings its schema up to date.
 * Throws `LibraryVersionError` for a database newer than `migrations`, `NotALibraryError` for
 * another application's SQLite file, `MigrationError` when an upgrade step fails (the file is
 * then left at its old version).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): { db: Database; migration: MigrationReport } {
  const migrations = options.migrations ?? MIGRATIONS;
  checkMigrations(migrations);
  const db = new BetterSqlite3(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    checkIdentity(db, file, migrations.length);
    if (!options.readonly) {
      // WAL: readers never block the writer; synchronous=NORMAL is durable at each checkpoint
      // and never corrupts the file (a crash can lose the last transactions, not split one).
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    const migration = options.readonly ? readonlyReport(db, file, migrations.length) : migrate(db, file, migrations);
    db.pragma('foreign_keys = ON');
    return { db, migration };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Refuses files that are not (and cannot become) a nerfdex library, and newer schemas. */
function checkIdentity(db: Database, file: string, known: number): void {
  let version: number;
  let applicationId: number;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
    applicationId = db.pragma('application_id', { simple: true }) as number;
  } catch (error) {
    throw new NotALibraryError(file, `cannot read it as SQLite: ${(error as Error).message}`);
  }
  if (applicationId !== 0 && applicationId !== APPLICATION_ID) throw new NotALibraryError(file, `its application_id is 0x${applicationId.toString(16)}, not nerfdex's 0x${APPLICATION_ID.toString(16)}`);
  if (version > known) throw new LibraryVersionError(file, version, known);
  if (version === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number };
    if (tables.n > 0) throw new NotALibraryError(file, `it holds ${tables.n} tables but no nerfdex schema version`);
  }
}

function readonlyReport(db: Database, file: string, known: number): MigrationReport {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== known) throw new NotALibraryError(file, `opened read-only at schema version ${version}; this nerfdex needs version ${known} (open it once for writing to upgrade it)`);
  return { from: version, to: version };
}

/**
 * Applies the pending steps in one IMMEDIATE transaction (so two processes opening an old library
 * at once upgrade it once). Foreign keys are off during the steps, as SQLite's table-rebuild
 * recipe needs, and checked with `foreign_key_check` before commit.
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): MigrationReport {
  checkMigrations(migrations);
  db.pragma('foreign_keys = OFF');
  const run = db.transaction((): MigrationReport => {
    const from = db.pragma('user_version', { simple: true }) as number;
    if (from > migrations.length) throw new LibraryVersionError(file, from, migrations.length);
    for (const step of migrations.slice(from)) {
      try {
        if (typeof step.up === 'string') db.exec(step.up);
        else step.up(db);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`${broken.length} rows break foreign keys, e.g. ${JSON.stringify(broken[0])}`);
      } catch (error) {
        throw new MigrationError(file, from, step.version, error);
      }
    }
    if (from < migrations.length) {
      db.pragma(`user_version = ${migrations.length}`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }
    return { from, to: migrations.length };
  });
  try {
    return run.immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

/** Result of `PRAGMA integrity_check` and `foreign_key_check`: ok, or the problems SQLite listed. */
export interface IntegrityReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/**
 * Runs SQLite's full integrity check (b-trees, indexes, constraints), the foreign-key check and the
 * FTS5 index check. Reads every page: seconds on a large library.
 */
export function integrityCheck(db: Database): IntegrityReport {
  const problems: string[] = [];
  for (const row of db.pragma('integrity_check') as { integrity_check: string }[]) if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
  for (const row of db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[]) problems.push(`${row.table} row ${row.rowid} points at a missing ${row.parent} row`);
  try {
    db.prepare("INSERT INTO assets_fts (assets_fts, rank) VALUES ('integrity-check', 1)").run();
  } catch (error) {
    problems.push(`full-text index: ${(error as Error).message}`);
  }
  return { ok: problems.length === 0, problems };
}

const statementCache = new WeakMap<Database, Map<string, Statement>>();

/** `db.prepare(sql)`, compiled once per connection and reused. */
export function prepared<P extends unknown[] = unknown[], R = unknown>(db: Database, sql: string): Statement<P, R> {
  let cache = statementCache.get(db);
  if (!cache) statementCache.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement as unknown as Statement<P, R>;
}
