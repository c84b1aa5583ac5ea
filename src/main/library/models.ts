/**
 * Encoder versions and the embeddings each one gave the library's assets (SQL side; the
 * in-memory indexes over them are in vector-index.ts).
 */
import type { Database } from 'better-sqlite3';
import { prepared } from './db';
import { NotFoundError } from './errors';
import type { ModelRecord } from './types';
import { blobToVector, checkVector, vectorToBlob } from './vectors';
import type { IndexSource } from './vector-index';

const VERSION = /^[A-Za-z0-9._-]{1,64}$/;

interface ModelRow {
  version: string;
  dims: number;
  info: string;
  active: number;
  created_at: number;
}

function modelRecord(row: ModelRow): ModelRecord {
  return { version: row.version, dims: row.dims, info: JSON.parse(row.info) as Record<string, unknown>, active: row.active === 1, createdAt: row.created_at };
}

/** Registers a model version (idempotent); the first one registered becomes active. */
export function registerModel(db: Database, version: string, dims: number, info: Readonly<Record<string, unknown>>, now: number): ModelRecord {
  if (typeof version !== 'string' || !VERSION.test(version)) throw new RangeError(`model version must be 1-64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(version)}`);
  if (!Number.isInteger(dims) || dims < 1 || dims > 65536) throw new RangeError(`model ${version}: dims must be an integer in [1, 65536], got ${dims}`);
  const existing = getModel(db, version);
  if (existing) {
    if (existing.dims !== dims) throw new RangeError(`model ${version} is registered with ${existing.dims} dims, not ${dims}`);
    return existing;
  }
  const hasActive = prepared(db, 'SELECT 1 FROM models WHERE active = 1').get() !== undefined;
  prepared(db, 'INSERT INTO models (version, dims, info, active, created_at) VALUES (?, ?, ?, ?, ?)').run(version, dims, JSON.stringify(info), hasActive ? 0 : 1, now);
  return getModel(db, version)!;
}

export function getModel(db: Database, version: string): ModelRecord | undefined {
  const row = prepared<[string], ModelRow>(db, 'SELECT version, dims, info, active, created_at FROM models WHERE version = ?').get(version);
  return row && modelRecord(row);
}

export function requireModel(db: Database, version: string): ModelRecord {
  const model = getModel(db, version);
  if (!model) throw new NotFoundError('model', version);
  return model;
}

export function listModels(db: Database): ModelRecord[] {
  return prepared<[], ModelRow>(db, 'SELECT version, dims, info, active, created_at FROM models ORDER BY created_at, version').all().map(modelRecord);
}

export function activeModel(db: Database): ModelRecord | undefined {
  const row = prepared<[], ModelRow>(db, 'SELECT version, dims, info, active, created_at FROM models WHERE active = 1').get();
  return row && modelRecord(row);
}

export function setActiveModel(db: Database, version: string): void {
  prepared(db, 'UPDATE models SET active = 0 WHERE active = 1').run();
  prepared(db, 'UPDATE models SET active = 1 WHERE version = ?').run(version);
}

export function deleteModel(db: Database, version: string): void {
  prepared(db, 'DELETE FROM models WHERE version = ?').run(version);
}

/** `models.revision`: bumped by triggers on every change to the model's embeddings. */
export function modelRevision(db: Database, version: string): number {
  return (prepared(db, 'SELECT revision FROM models WHERE version = ?').pluck().get(version) as number | undefined) ?? 0;
}

/** Stores an embedding; an identical one already stored is left alone (no revision bump). */
export function writeEmbedding(db: Database, model: ModelRecord, assetId: number, vector: ArrayLike<number>, now: number): void {
  checkVector(vector, model.dims, `embedding of asset ${assetId} for model ${model.version}`);
  prepared(
    db,
    `INSERT INTO embeddings (model_version, asset_id, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (model_version, asset_id) DO UPDATE SET vector = excluded.vector, dims = excluded.dims, created_at = excluded.created_at
     WHERE vector IS NOT excluded.vector`,
  ).run(model.version, assetId, model.dims, vectorToBlob(vector), now);
}

export function deleteEmbedding(db: Database, version: string, assetId: number): boolean {
  return prepared(db, 'DELETE FROM embeddings WHERE model_version = ? AND asset_id = ?').run(version, assetId).changes > 0;
}

export function readEmbedding(db: Database, version: string, assetId: number): Float32Array | undefined {
  const blob = prepared(db, 'SELECT vector FROM embeddings WHERE model_version = ? AND asset_id = ?').pluck().get(version, assetId) as Buffer | undefined;
  return blob && blobToVector(blob);
}

/** Versions (of all registered models) that hold an embedding of `assetId`. */
export function embeddedVersions(db: Database, assetId: number): string[] {
  return prepared(db, 'SELECT model_version FROM embeddings WHERE asset_id = ? ORDER BY model_version').pluck().all(assetId) as string[];
}

/** Every stored embedding of a model, as an index source; read in one transaction so ids, vectors and revision agree. */
export function readIndexSource(db: Database, model: ModelRecord): IndexSource {
  return db.transaction(() => {
    const revision = modelRevision(db, model.version);
    const count = prepared(db, 'SELECT count(*) FROM embeddings WHERE model_version = ?').pluck().get(model.version) as number;
    const ids = new Uint32Array(count);
    const vectors = new Float32Array(count * model.dims);
    const bytes = new Uint8Array(vectors.buffer);
    let i = 0;
    for (const row of prepared<[string], { asset_id: number; vector: Buffer }>(db, 'SELECT asset_id, vector FROM embeddings WHERE model_version = ? ORDER BY asset_id').iterate(model.version)) {
      ids[i] = row.asset_id;
      bytes.set(row.vector, i * model.dims * 4);
      i++;
    }
    return { ids, vectors, revision };
  })();
}

/**
 * Every stored embedding of a model, read in chunks of `chunk` rows with the event loop handed
 * back between them (100k embeddings take seconds to read). A write to the model's embeddings
 * during the read shows as a revision change: the read is retried, and after three tries done in
 * one blocking transaction.
 */
export async function loadIndexSource(db: Database, model: ModelRecord, chunk = 4096): Promise<IndexSource> {
  const rowBytes = model.dims * 4;
  const statement = prepared<[string, number, number], { asset_id: number; vector: Buffer }>(db, 'SELECT asset_id, vector FROM embeddings WHERE model_version = ? AND asset_id > ? ORDER BY asset_id LIMIT ?');
  for (let attempt = 0; attempt < 3; attempt++) {
    const revision = modelRevision(db, model.version);
    const ids: number[] = [];
    const blocks: Uint8Array[] = [];
    for (let after = -1; ; ) {
      const rows = statement.all(model.version, after, chunk);
      const block = new Uint8Array(rows.length * rowBytes);
      rows.forEach((r, i) => {
        ids.push(r.asset_id);
        block.set(r.vector, i * rowBytes);
      });
      blocks.push(block);
      if (rows.length < chunk) break;
      after = rows[rows.length - 1]!.asset_id;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (modelRevision(db, model.version) !== revision) continue;
    const vectors = new Float32Array(ids.length * model.dims);
    const bytes = new Uint8Array(vectors.buffer);
    let offset = 0;
    for (const block of blocks) {
      bytes.set(block, offset);
      offset += block.length;
    }
    return { ids, vectors, revision };
  }
  return readIndexSource(db, model);
}

/** Ids of the model's embedded assets, ascending. */
export function embeddedIds(db: Database, version: string): number[] {
  return prepared(db, 'SELECT asset_id FROM embeddings WHERE model_version = ? ORDER BY asset_id').pluck().all(version) as number[];
}

/** Embeddings of `ids` for a model (those that exist). */
export function readEmbeddings(db: Database, version: string, ids: readonly number[]): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  const statement = prepared<[string, number], Buffer>(db, 'SELECT vector FROM embeddings WHERE model_version = ? AND asset_id = ?').pluck();
  for (const id of ids) {
    const blob = statement.get(version, id);
    if (blob) out.set(id, blobToVector(blob));
  }
  return out;
}

/** How many assets the model has embedded, of how many the library holds. */
export function coverage(db: Database, version: string): { embedded: number; assets: number } {
  const embedded = prepared(db, 'SELECT count(*) FROM embeddings WHERE model_version = ?').pluck().get(version) as number;
  const assets = prepared(db, 'SELECT count(*) FROM assets').pluck().get() as number;
  return { embedded, assets };
}

/** Up to `limit` asset ids (ascending, above `afterId`) that lack an embedding for the model: a re-embed job's work list. */
export function assetsWithoutEmbedding(db: Database, version: string, limit: number, afterId = 0): number[] {
  return prepared(
    db,
    'SELECT a.id FROM assets a WHERE a.id > ? AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model_version = ? AND e.asset_id = a.id) ORDER BY a.id LIMIT ?',
  )
    .pluck()
    .all(afterId, version, limit) as number[];
}
