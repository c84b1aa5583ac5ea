/**
 * The files of a persisted vector index: `index-<model>.hnsw` (hnswlib's graph) and
 * `index-<model>.json` (its stamp), what makes a stamp stale, checksums, and clean-up of
 * temporaries left by a crash mid-write.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './state';
import type { HnswParams } from './vector-index';

/** Stamp format; a stamp of another format is stale. */
export const STAMP_FORMAT = 1;

/** What `index-<model>.json` records about the graph file beside it. */
export interface IndexStamp {
  readonly format: number;
  readonly modelVersion: string;
  readonly dims: number;
  /** Live (not deleted) points. */
  readonly count: number;
  /** sha256 of the sorted live asset ids as little-endian uint32. */
  readonly idsSha256: string;
  /** `models.revision` of the embeddings the graph holds. */
  readonly revision: number;
  readonly params: HnswParams;
  /** Labels marked deleted in the graph (they stay in it until the next rebuild). */
  readonly deleted: readonly number[];
  readonly fileBytes: number;
  readonly fileSha256: string;
  readonly writtenAt: string;
}

/** Paths of the graph and stamp files of `modelVersion` in `dir`. */
export function indexPaths(dir: string, modelVersion: string): { graph: string; stamp: string } {
  return { graph: join(dir, `index-${modelVersion}.hnsw`), stamp: join(dir, `index-${modelVersion}.json`) };
}

/** What makes a stamp stale against the index it should describe, or undefined if it matches. */
export function staleReason(stamp: Partial<IndexStamp>, want: Pick<IndexStamp, 'modelVersion' | 'dims' | 'params' | 'revision' | 'count' | 'idsSha256'>): string | undefined {
  if (stamp.format !== STAMP_FORMAT) return `stamp format ${stamp.format}, expected ${STAMP_FORMAT}`;
  if (stamp.modelVersion !== want.modelVersion) return `stamped for model ${stamp.modelVersion}`;
  if (stamp.dims !== want.dims) return `stamped with ${stamp.dims} dims, the model has ${want.dims}`;
  const built = (p: Partial<HnswParams> | undefined) => JSON.stringify({ m: p?.m, efConstruction: p?.efConstruction, seed: p?.seed });
  if (built(stamp.params) !== built(want.params)) return `built with ${built(stamp.params)}, settings are ${built(want.params)}`;
  if (stamp.count !== want.count) return `covers ${stamp.count} embeddings, the library holds ${want.count}`;
  if (stamp.idsSha256 !== want.idsSha256) return 'covers a different set of assets';
  if (stamp.revision !== want.revision) return `embeddings revision ${stamp.revision}, the library is at ${want.revision}`;
  if (!Array.isArray(stamp.deleted) || typeof stamp.fileSha256 !== 'string' || typeof stamp.fileBytes !== 'number') return 'the stamp lacks fields';
  return undefined;
}

/** sha256 (hex) of the sorted ids as little-endian uint32. */
export function idsSha256(ids: readonly number[]): string {
  const sorted = Uint32Array.from(ids).sort();
  return createHash('sha256').update(new Uint8Array(sorted.buffer)).digest('hex');
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes temporaries of `modelVersion` left by processes that are gone (a crash mid-write). */
export async function removeStaleTemporaries(dir: string, modelVersion: string): Promise<void> {
  const prefix = `index-${modelVersion}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = name.startsWith(prefix) ? /\.tmp-(\d+)-[0-9a-f]+$/.exec(name) : null;
    if (match && !processAlive(Number(match[1]))) await rm(join(dir, name), { force: true });
  }
}
