/**
 * Assets and where they live: the SQL behind adding, editing, listing and removing assets, their
 * files, renditions (cache files) and import errors. Callers own transactions (library.ts).
 */
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { NerfConfig, NerfFamily } from '../nerf/types';
import { prepared } from './db';
import { NotFoundError } from './errors';
import { filterSql, normalizeTag } from './filters';
import type {
  AssetInput,
  AssetPatch,
  AssetRecord,
  AssetSortKey,
  AssetSummary,
  FileInput,
  FileRecord,
  FileStatus,
  ImportErrorInput,
  ImportErrorRecord,
  ListAssetsOptions,
  Provenance,
} from './types';

const SHA256 = /^[0-9a-f]{64}$/;
const FAMILIES: readonly NerfFamily[] = ['mlp', 'triplane', 'hashgrid'];

interface AssetRow {
  id: number;
  content_sha256: string;
  name: string;
  family: string;
  architecture: string;
  config: string;
  category: string | null;
  caption: string | null;
  caption_generated: number;
  meta: string;
  created_at: number;
  updated_at: number;
}

interface SummaryRow {
  id: number;
  name: string;
  family: string;
  architecture: string;
  category: string | null;
  caption: string | null;
  thumbnail: string | null;
  missing: number;
  created_at: number;
  updated_at: number;
}

interface FileRow {
  id: number;
  asset_id: number;
  path: string;
  format: string;
  size: number;
  mtime_ms: number;
  sha256: string;
  status: FileStatus;
  last_seen: number;
}

/** Checks an asset input at the edge: `TypeError` / `RangeError` quoting the bad value. */
export function checkAssetInput(input: AssetInput): void {
  if (typeof input !== 'object' || input === null) throw new TypeError(`asset input must be an object, got ${String(input)}`);
  if (typeof input.contentSha256 !== 'string' || !SHA256.test(input.contentSha256)) throw new RangeError(`contentSha256 must be 64 lower-case hex digits, got ${JSON.stringify(input.contentSha256)}`);
  checkName(input.name);
  const config = input.config as NerfConfig | undefined;
  if (typeof config !== 'object' || config === null) throw new TypeError(`asset "${input.name}": config must be a NeRF config object`);
  if (!FAMILIES.includes(config.family)) throw new RangeError(`asset "${input.name}": config.family "${String(config.family)}" is not one of ${FAMILIES.join(', ')}`);
  if (typeof config.architecture !== 'string' || config.architecture.length === 0) throw new RangeError(`asset "${input.name}": config.architecture must be a non-empty string`);
  if (input.meta !== undefined && (typeof input.meta !== 'object' || input.meta === null || Array.isArray(input.meta))) throw new TypeError(`asset "${input.name}": meta must be an object`);
  if (input.file) checkFileInput(input.file);
  for (const r of input.renditions ?? []) checkRelativePath(r.path, `rendition ${r.kind}`);
  for (const t of input.suggestedTags ?? []) checkConfidence(t.confidence, t.tag);
}

function checkName(name: unknown): void {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 512) throw new RangeError(`an asset name must be 1 to 512 characters, got ${JSON.stringify(name)}`);
}

export function checkConfidence(confidence: unknown, tag: string): void {
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) throw new RangeError(`confidence of tag "${tag}" must be a number in [0, 1], got ${String(confidence)}`);
}

function checkFileInput(file: FileInput): void {
  if (typeof file.path !== 'string' || !path.isAbsolute(file.path)) throw new RangeError(`file path must be absolute, got ${JSON.stringify(file.path)}`);
  if (!Number.isSafeInteger(file.size) || file.size < 0) throw new RangeError(`file ${file.path}: size must be a non-negative integer, got ${file.size}`);
  if (!Number.isFinite(file.mtimeMs)) throw new RangeError(`file ${file.path}: mtimeMs must be finite, got ${file.mtimeMs}`);
  if (file.sha256 !== undefined && !SHA256.test(file.sha256)) throw new RangeError(`file ${file.path}: sha256 must be 64 lower-case hex digits, got ${JSON.stringify(file.sha256)}`);
}

function checkRelativePath(p: string, what: string): void {
  if (typeof p !== 'string' || p.length === 0 || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) throw new RangeError(`${what}: path must be relative to the cache folder without '..', got ${JSON.stringify(p)}`);
}

/**
 * Inserts the asset (or finds it by content) and records its file, renditions and suggested tags.
 * An existing asset keeps its edited fields; only empty ones are filled in.
 */
export function writeAsset(db: Database, input: AssetInput, now: number): { assetId: number; created: boolean } {
  const existing = prepared<[string], { id: number }>(db, 'SELECT id FROM assets WHERE content_sha256 = ?').get(input.contentSha256);
  let assetId: number;
  if (existing) {
    assetId = existing.id;
    prepared(
      db,
      `UPDATE assets SET category = coalesce(category, ?), caption = coalesce(caption, ?),
         caption_generated = CASE WHEN caption IS NULL AND ? IS NOT NULL THEN ? ELSE caption_generated END,
         updated_at = ? WHERE id = ? AND ((category IS NULL AND ? IS NOT NULL) OR (caption IS NULL AND ? IS NOT NULL))`,
    ).run(input.category ?? null, input.caption ?? null, input.caption ?? null, input.captionGenerated ? 1 : 0, now, assetId, input.category ?? null, input.caption ?? null);
  } else {
    const info = prepared(
      db,
      `INSERT INTO assets (content_sha256, name, family, architecture, config, category, caption, caption_generated, meta, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      input.contentSha256,
      input.name.trim(),
      input.config.family,
      input.config.architecture,
      JSON.stringify(input.config),
      input.category ?? null,
      input.caption ?? null,
      input.captionGenerated ? 1 : 0,
      JSON.stringify(input.meta ?? {}),
      now,
      now,
    );
    assetId = Number(info.lastInsertRowid);
  }
  if (input.file) writeFile(db, assetId, input.file, input.contentSha256, now);
  for (const r of input.renditions ?? []) setRendition(db, assetId, r.kind, r.path, r.bytes, now);
  for (const t of input.suggestedTags ?? []) suggestTag(db, assetId, t.tag, t.confidence, now);
  return { assetId, created: !existing };
}

/** Records (or moves) a file location; the path's import error, if any, is cleared. */
export function writeFile(db: Database, assetId: number, file: FileInput, contentSha256: string, now: number): void {
  prepared(
    db,
    `INSERT INTO files (asset_id, path, format, size, mtime_ms, sha256, status, last_seen, added_at)
     VALUES (?, ?, ?, ?, ?, ?, 'present', ?, ?)
     ON CONFLICT (path) DO UPDATE SET asset_id = excluded.asset_id, format = excluded.format, size = excluded.size,
       mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256, status = 'present', last_seen = excluded.last_seen`,
  ).run(assetId, path.resolve(file.path), file.format, file.size, Math.round(file.mtimeMs), file.sha256 ?? contentSha256, now, now);
  prepared(db, 'DELETE FROM import_errors WHERE path = ?').run(path.resolve(file.path));
}

export function setRendition(db: Database, assetId: number, kind: string, relativePath: string, bytes: number, now: number): void {
  checkRelativePath(relativePath, `rendition ${kind}`);
  prepared(db, 'INSERT OR REPLACE INTO renditions (asset_id, kind, path, bytes, created_at) VALUES (?, ?, ?, ?, ?)').run(assetId, kind, relativePath, bytes, now);
}

export function renditions(db: Database, assetId: number): { kind: string; path: string; bytes: number }[] {
  return prepared<[number], { kind: string; path: string; bytes: number }>(db, 'SELECT kind, path, bytes FROM renditions WHERE asset_id = ? ORDER BY kind').all(assetId);
}

/** Adds a suggested tag, or updates its confidence; user and rejected tags are left alone. */
export function suggestTag(db: Database, assetId: number, tag: string, confidence: number, now: number): void {
  checkConfidence(confidence, tag);
  prepared(
    db,
    `INSERT INTO tags (asset_id, tag, source, confidence, created_at) VALUES (?, ?, 'suggested', ?, ?)
     ON CONFLICT (asset_id, tag) DO UPDATE SET confidence = excluded.confidence WHERE source = 'suggested' AND confidence IS NOT excluded.confidence`,
  ).run(assetId, normalizeTag(tag), confidence, now);
}

export function updateAsset(db: Database, id: number, patch: AssetPatch, now: number): void {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (patch.name !== undefined) {
    checkName(patch.name);
    sets.push('name = ?');
    params.push(patch.name.trim());
  }
  for (const [key, column] of [['category', 'category'], ['caption', 'caption']] as const) {
    const value = patch[key];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') throw new TypeError(`${key} must be a string or null, got ${typeof value}`);
    sets.push(`${column} = ?`);
    params.push(value);
  }
  if (patch.captionGenerated !== undefined) {
    sets.push('caption_generated = ?');
    params.push(patch.captionGenerated ? 1 : 0);
  } else if (patch.caption !== undefined) {
    // A caption set through the API without saying otherwise is a person's.
    sets.push('caption_generated = 0');
  }
  if (sets.length === 0) return;
  const info = db.prepare(`UPDATE assets SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`).run(...params, now, id);
  if (info.changes === 0) throw new NotFoundError('asset', id);
}

export function getAsset(db: Database, id: number): AssetRecord | undefined {
  const row = prepared<[number], AssetRow>(db, 'SELECT * FROM assets WHERE id = ?').get(id);
  return row && assetRecord(row);
}

export function assetByContent(db: Database, sha256: string): AssetRecord | undefined {
  const row = prepared<[string], AssetRow>(db, 'SELECT * FROM assets WHERE content_sha256 = ?').get(sha256);
  return row && assetRecord(row);
}

function assetRecord(row: AssetRow): AssetRecord {
  return {
    id: row.id,
    contentSha256: row.content_sha256,
    name: row.name,
    family: row.family as NerfFamily,
    architecture: row.architecture,
    config: JSON.parse(row.config) as NerfConfig,
    category: row.category,
    caption: row.caption,
    captionGenerated: row.caption_generated === 1,
    meta: JSON.parse(row.meta) as Provenance,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const SUMMARY_COLUMNS = `a.id, a.name, a.family, a.architecture, a.category, a.caption, a.created_at, a.updated_at,
  (SELECT r.path FROM renditions r WHERE r.asset_id = a.id AND r.kind = 'thumbnail') AS thumbnail,
  NOT EXISTS (SELECT 1 FROM files f WHERE f.asset_id = a.id AND f.status = 'present') AS missing`;

function summary(row: SummaryRow, cacheDir: string): AssetSummary {
  return {
    id: row.id,
    name: row.name,
    family: row.family as NerfFamily,
    architecture: row.architecture,
    category: row.category,
    caption: row.caption,
    thumbnail: row.thumbnail === null ? null : path.join(cacheDir, row.thumbnail),
    missing: row.missing === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Summaries of `ids`, in the order given (ids not found are skipped). */
export function summaries(db: Database, ids: readonly number[], cacheDir: string): Map<number, AssetSummary> {
  const out = new Map<number, AssetSummary>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM assets a WHERE a.id IN (${chunk.map(() => '?').join(', ')})`).all(...chunk) as SummaryRow[];
    for (const row of rows) out.set(row.id, summary(row, cacheDir));
  }
  return out;
}

/** ORDER BY per sort key; each ends in columns of an index so a page is read in index order. */
const SORT_COLUMNS: Readonly<Record<AssetSortKey, readonly string[]>> = {
  created: ['a.created_at', 'a.id'],
  updated: ['a.updated_at', 'a.id'],
  name: ['a.name COLLATE NOCASE', 'a.id'],
  category: ['a.category', 'a.created_at', 'a.id'],
  family: ['a.family', 'a.created_at', 'a.id'],
  architecture: ['a.architecture', 'a.created_at', 'a.id'],
};

/** One page of the gallery and the number of assets the filters let through. */
export function listAssets(db: Database, options: ListAssetsOptions, cacheDir: string): { items: AssetSummary[]; total: number } {
  const sort = options.sort ?? 'created';
  const columns = SORT_COLUMNS[sort];
  if (!columns) throw new RangeError(`sort must be one of ${Object.keys(SORT_COLUMNS).join(', ')}, got "${String(sort)}"`);
  const order = options.order ?? (sort === 'created' || sort === 'updated' ? 'desc' : 'asc');
  if (order !== 'asc' && order !== 'desc') throw new RangeError(`order must be 'asc' or 'desc', got "${String(order)}"`);
  const limit = options.limit ?? 50;
  const offset = options.offset ?? 0;
  checkPage(limit, offset);
  const { where, params } = filterSql(options.filters);
  const orderBy = columns.map((c) => `${c} ${order.toUpperCase()}`).join(', ');
  const rows = prepared(db, `SELECT ${SUMMARY_COLUMNS} FROM assets a WHERE ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`).all(...params, limit, offset) as SummaryRow[];
  const total = (prepared(db, `SELECT count(*) AS n FROM assets a WHERE ${where}`).get(...params) as { n: number }).n;
  return { items: rows.map((r) => summary(r, cacheDir)), total };
}

/** Ids of the assets the filters let through. */
export function filteredIds(db: Database, filters: ListAssetsOptions['filters']): Set<number> {
  const { where, params } = filterSql(filters);
  return new Set(prepared(db, `SELECT a.id FROM assets a WHERE ${where}`).pluck().all(...params) as number[]);
}

export function checkPage(limit: number, offset: number): void {
  if (!Number.isInteger(limit) || limit < 0 || limit > 10_000) throw new RangeError(`limit must be an integer in [0, 10000], got ${limit}`);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
}

export function assetFiles(db: Database, assetId: number): FileRecord[] {
  return prepared<[number], FileRow>(db, 'SELECT * FROM files WHERE asset_id = ? ORDER BY id').all(assetId).map(fileRecord);
}

export function fileByPath(db: Database, filePath: string): FileRecord | undefined {
  const row = prepared<[string], FileRow>(db, 'SELECT * FROM files WHERE path = ?').get(path.resolve(filePath));
  return row && fileRecord(row);
}

/** Files whose path lies under `folder` (recursively), for a scan to compare with the disk. */
export function filesUnder(db: Database, folder: string): FileRecord[] {
  const prefix = path.resolve(folder) + path.sep;
  // A range over the unique path index: every string that starts with prefix sorts in [prefix, prefix + U+FFFF).
  return prepared<[string, string], FileRow>(db, 'SELECT * FROM files WHERE path >= ? AND path < ? ORDER BY path').all(prefix, `${prefix}\uffff`).map(fileRecord);
}

function fileRecord(row: FileRow): FileRecord {
  return { id: row.id, assetId: row.asset_id, path: row.path, format: row.format, size: row.size, mtimeMs: row.mtime_ms, sha256: row.sha256, status: row.status, lastSeen: row.last_seen };
}

/** Sets the status of the files at `paths`; returns how many rows changed. */
export function setFileStatus(db: Database, paths: readonly string[], status: FileStatus, now: number): number {
  const statement = prepared(db, 'UPDATE files SET status = ?, last_seen = CASE WHEN ? = \'present\' THEN ? ELSE last_seen END WHERE path = ? AND status <> ?');
  let changed = 0;
  for (const p of paths) changed += statement.run(status, status, now, path.resolve(p), status).changes;
  return changed;
}

export function removeFile(db: Database, filePath: string): boolean {
  return prepared(db, 'DELETE FROM files WHERE path = ?').run(path.resolve(filePath)).changes > 0;
}

/** Deletes an asset and everything hanging off it (cascades); returns its rendition paths. */
export function deleteAsset(db: Database, id: number): string[] {
  const paths = renditions(db, id).map((r) => r.path);
  if (prepared(db, 'DELETE FROM assets WHERE id = ?').run(id).changes === 0) throw new NotFoundError('asset', id);
  return paths;
}

export function recordImportError(db: Database, e: ImportErrorInput, now: number): void {
  prepared(
    db,
    `INSERT INTO import_errors (path, size, mtime_ms, error_class, reason, attempts, at) VALUES (?, ?, ?, ?, ?, 1, ?)
     ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, error_class = excluded.error_class,
       reason = excluded.reason, attempts = attempts + 1, at = excluded.at`,
  ).run(path.resolve(e.path), e.size ?? null, e.mtimeMs === undefined ? null : Math.round(e.mtimeMs), e.errorClass, e.reason, now);
}

interface ImportErrorRow {
  path: string;
  size: number | null;
  mtime_ms: number | null;
  error_class: string;
  reason: string;
  attempts: number;
  at: number;
}

function importErrorRecord(r: ImportErrorRow): ImportErrorRecord {
  return { path: r.path, errorClass: r.error_class, reason: r.reason, size: r.size, mtimeMs: r.mtime_ms, attempts: r.attempts, at: r.at };
}

export function importErrors(db: Database, limit: number, offset: number): ImportErrorRecord[] {
  checkPage(limit, offset);
  const rows = prepared(db, 'SELECT * FROM import_errors ORDER BY at DESC, path LIMIT ? OFFSET ?').all(limit, offset) as ImportErrorRow[];
  return rows.map(importErrorRecord);
}

export function importErrorOf(db: Database, filePath: string): ImportErrorRecord | undefined {
  const row = prepared(db, 'SELECT * FROM import_errors WHERE path = ?').get(path.resolve(filePath)) as ImportErrorRow | undefined;
  return row && importErrorRecord(row);
}
