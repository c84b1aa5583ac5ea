/**
 * Persistent state besides the catalogue: resumable jobs (their cursor lives in `payload`),
 * settings (JSON values by key) and watched folders.
 */
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { prepared } from './db';
import { NotFoundError } from './errors';
import type { JobRecord, JobState } from './types';

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'done', 'failed', 'cancelled'];

interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  done: number;
  total: number | null;
  payload: string;
  error: string | null;
  owner_pid: number | null;
  created_at: number;
  updated_at: number;
}

function jobRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    done: row.done,
    total: row.total,
    payload: JSON.parse(row.payload) as unknown,
    error: row.error,
    ownerPid: row.owner_pid,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createJob(db: Database, kind: string, payload: unknown, total: number | undefined, now: number): JobRecord {
  if (typeof kind !== 'string' || kind.length === 0) throw new TypeError(`job kind must be a non-empty string, got ${JSON.stringify(kind)}`);
  const id = Number(
    prepared(db, "INSERT INTO jobs (kind, state, done, total, payload, created_at, updated_at) VALUES (?, 'queued', 0, ?, ?, ?, ?)").run(kind, total ?? null, JSON.stringify(payload ?? {}), now, now)
      .lastInsertRowid,
  );
  return getJob(db, id)!;
}

export function getJob(db: Database, id: number): JobRecord | undefined {
  const row = prepared<[number], JobRow>(db, 'SELECT * FROM jobs WHERE id = ?').get(id);
  return row && jobRecord(row);
}

/** What a job update may change. Moving to `running` records this process as the owner. */
export interface JobUpdate {
  readonly state?: JobState;
  readonly done?: number;
  readonly total?: number | null;
  readonly payload?: unknown;
  readonly error?: string | null;
}

export function updateJob(db: Database, id: number, update: JobUpdate, now: number): JobRecord {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (update.state !== undefined) {
    if (!JOB_STATES.includes(update.state)) throw new RangeError(`job state must be one of ${JOB_STATES.join(', ')}, got "${String(update.state)}"`);
    sets.push('state = ?', 'owner_pid = ?');
    params.push(update.state, update.state === 'running' ? process.pid : null);
  }
  if (update.done !== undefined) {
    if (!Number.isSafeInteger(update.done) || update.done < 0) throw new RangeError(`job progress must be a non-negative integer, got ${update.done}`);
    sets.push('done = ?');
    params.push(update.done);
  }
  if (update.total !== undefined) {
    sets.push('total = ?');
    params.push(update.total);
  }
  if (update.payload !== undefined) {
    sets.push('payload = ?');
    params.push(JSON.stringify(update.payload));
  }
  if (update.error !== undefined) {
    sets.push('error = ?');
    params.push(update.error);
  }
  if (db.prepare(`UPDATE jobs SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?`).run(...params, now, id).changes === 0) throw new NotFoundError('job', id);
  return getJob(db, id)!;
}

export function listJobs(db: Database, filter: { state?: JobState; kind?: string } = {}): JobRecord[] {
  return prepared<[{ state: string | null; kind: string | null }], JobRow>(db, 'SELECT * FROM jobs WHERE (@state IS NULL OR state = @state) AND (@kind IS NULL OR kind = @kind) ORDER BY id')
    .all({ state: filter.state ?? null, kind: filter.kind ?? null })
    .map(jobRecord);
}

/** Jobs to resume: queued ones, and running ones whose owning process is gone (a crash or kill). */
export function resumableJobs(db: Database, kind?: string): JobRecord[] {
  return [...listJobs(db, { state: 'queued', kind }), ...listJobs(db, { state: 'running', kind }).filter((j) => j.ownerPid === null || !processAlive(j.ownerPid))].sort((a, b) => a.id - b.id);
}

/** Whether process `pid` is alive (this process always is; EPERM means alive but not ours). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function getSetting<T>(db: Database, key: string): T | undefined {
  const value = prepared(db, 'SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined;
  return value === undefined ? undefined : (JSON.parse(value) as T);
}

export function setSetting(db: Database, key: string, value: unknown, now: number): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError(`setting key must be a non-empty string, got ${JSON.stringify(key)}`);
  if (value === undefined) {
    prepared(db, 'DELETE FROM settings WHERE key = ?').run(key);
    return;
  }
  prepared(db, 'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(key, JSON.stringify(value), now);
}

export interface WatchedFolder {
  readonly id: number;
  readonly path: string;
  readonly recursive: boolean;
  readonly lastScanAt: number | null;
}

export function addWatchedFolder(db: Database, folder: string, recursive: boolean, now: number): WatchedFolder {
  if (typeof folder !== 'string' || !path.isAbsolute(folder)) throw new RangeError(`a watched folder must be an absolute path, got ${JSON.stringify(folder)}`);
  const clean = path.resolve(folder);
  prepared(db, 'INSERT INTO watched_folders (path, recursive, added_at) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET recursive = excluded.recursive').run(clean, recursive ? 1 : 0, now);
  return watchedFolders(db).find((f) => f.path === clean)!;
}

export function removeWatchedFolder(db: Database, folder: string): boolean {
  return prepared(db, 'DELETE FROM watched_folders WHERE path = ?').run(path.resolve(folder)).changes > 0;
}

export function markFolderScanned(db: Database, folder: string, now: number): void {
  prepared(db, 'UPDATE watched_folders SET last_scan_at = ? WHERE path = ?').run(now, path.resolve(folder));
}

export function watchedFolders(db: Database): WatchedFolder[] {
  return prepared<[], { id: number; path: string; recursive: number; last_scan_at: number | null }>(db, 'SELECT id, path, recursive, last_scan_at FROM watched_folders ORDER BY path')
    .all()
    .map((r) => ({ id: r.id, path: r.path, recursive: r.recursive === 1, lastScanAt: r.last_scan_at }));
}
