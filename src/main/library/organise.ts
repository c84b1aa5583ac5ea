/**
 * What people add on top of assets: tags (their own, and suggestions with a confidence that they
 * accept or reject) and collections.
 */
import type { Database } from 'better-sqlite3';
import { prepared } from './db';
import { NotFoundError } from './errors';
import { normalizeTag } from './filters';
import type { CollectionRecord, TagRecord } from './types';

function assertAsset(db: Database, assetId: number): void {
  if (!prepared(db, 'SELECT 1 FROM assets WHERE id = ?').get(assetId)) throw new NotFoundError('asset', assetId);
}

/** Adds user tags (a suggested or rejected tag of the same name becomes the user's). */
export function addTags(db: Database, assetId: number, tags: readonly string[], now: number): void {
  assertAsset(db, assetId);
  const statement = prepared(
    db,
    `INSERT INTO tags (asset_id, tag, source, confidence, created_at) VALUES (?, ?, 'user', NULL, ?)
     ON CONFLICT (asset_id, tag) DO UPDATE SET source = 'user', confidence = NULL WHERE source <> 'user'`,
  );
  for (const tag of tags) statement.run(assetId, normalizeTag(tag), now);
}

/** Removes user or suggested tags. A removed suggestion is remembered as rejected so it is not suggested again. */
export function removeTags(db: Database, assetId: number, tags: readonly string[]): void {
  const reject = prepared(db, "UPDATE tags SET source = 'rejected' WHERE asset_id = ? AND tag = ? AND source = 'suggested'");
  const remove = prepared(db, "DELETE FROM tags WHERE asset_id = ? AND tag = ? AND source = 'user'");
  for (const tag of tags) {
    const t = normalizeTag(tag);
    reject.run(assetId, t);
    remove.run(assetId, t);
  }
}

/** Turns a suggestion into a user tag; false if there was no such suggestion. */
export function acceptSuggestedTag(db: Database, assetId: number, tag: string): boolean {
  return prepared(db, "UPDATE tags SET source = 'user', confidence = NULL WHERE asset_id = ? AND tag = ? AND source = 'suggested'").run(assetId, normalizeTag(tag)).changes > 0;
}

/** The asset's tags, user tags first, then suggestions by confidence. */
export function tagsOf(db: Database, assetId: number): TagRecord[] {
  return prepared<[number], TagRecord>(
    db,
    "SELECT tag, source, confidence FROM tags WHERE asset_id = ? AND source <> 'rejected' ORDER BY source = 'suggested', confidence DESC, tag",
  ).all(assetId);
}

/** Every tag in use with the number of assets carrying it, most used first. */
export function allTags(db: Database, limit: number): { tag: string; count: number }[] {
  return prepared<[number], { tag: string; count: number }>(db, "SELECT tag, count(*) AS count FROM tags WHERE source <> 'rejected' GROUP BY tag ORDER BY count DESC, tag LIMIT ?").all(limit);
}

function checkCollectionName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.trim().length > 256) throw new RangeError(`a collection name must be 1 to 256 characters, got ${JSON.stringify(name)}`);
  return name.trim();
}

/** Creates a collection; a name already taken (ignoring case) throws `RangeError`. */
export function createCollection(db: Database, name: string, description: string | undefined, now: number): number {
  const clean = checkCollectionName(name);
  if (prepared(db, 'SELECT 1 FROM collections WHERE name = ?').get(clean)) throw new RangeError(`a collection named "${clean}" exists already`);
  return Number(prepared(db, 'INSERT INTO collections (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)').run(clean, description ?? null, now, now).lastInsertRowid);
}

export function renameCollection(db: Database, id: number, name: string, now: number): void {
  const clean = checkCollectionName(name);
  const other = prepared<[string], { id: number }>(db, 'SELECT id FROM collections WHERE name = ?').get(clean);
  if (other && other.id !== id) throw new RangeError(`a collection named "${clean}" exists already`);
  if (prepared(db, 'UPDATE collections SET name = ?, updated_at = ? WHERE id = ?').run(clean, now, id).changes === 0) throw new NotFoundError('collection', id);
}

export function deleteCollection(db: Database, id: number): void {
  if (prepared(db, 'DELETE FROM collections WHERE id = ?').run(id).changes === 0) throw new NotFoundError('collection', id);
}

export function addToCollection(db: Database, id: number, assetIds: readonly number[], now: number): void {
  if (!prepared(db, 'SELECT 1 FROM collections WHERE id = ?').get(id)) throw new NotFoundError('collection', id);
  const statement = prepared(db, 'INSERT OR IGNORE INTO collection_assets (collection_id, asset_id, added_at) VALUES (?, ?, ?)');
  for (const assetId of assetIds) {
    assertAsset(db, assetId);
    statement.run(id, assetId, now);
  }
  prepared(db, 'UPDATE collections SET updated_at = ? WHERE id = ?').run(now, id);
}

export function removeFromCollection(db: Database, id: number, assetIds: readonly number[], now: number): void {
  const statement = prepared(db, 'DELETE FROM collection_assets WHERE collection_id = ? AND asset_id = ?');
  for (const assetId of assetIds) statement.run(id, assetId);
  prepared(db, 'UPDATE collections SET updated_at = ? WHERE id = ?').run(now, id);
}

export function collections(db: Database): CollectionRecord[] {
  return prepared<[], { id: number; name: string; description: string | null; size: number; created_at: number }>(
    db,
    'SELECT c.id, c.name, c.description, c.created_at, (SELECT count(*) FROM collection_assets ca WHERE ca.collection_id = c.id) AS size FROM collections c ORDER BY c.name COLLATE NOCASE',
  )
    .all()
    .map((r) => ({ id: r.id, name: r.name, description: r.description, size: r.size, createdAt: r.created_at }));
}

export function collectionsOf(db: Database, assetId: number): number[] {
  return prepared(db, 'SELECT collection_id FROM collection_assets WHERE asset_id = ? ORDER BY collection_id').pluck().all(assetId) as number[];
}
