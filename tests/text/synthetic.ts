/**
 * A synthetic "encoder" for the text tests: each category a random centre in a 16-d space (plus
 * a large shared offset, as early GMN embeddings have), each object its centre plus noise. The
 * cache files are written as `ensureZooEmbeddings` would, so training reads them the real way.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normal, seededRandom } from '../../src/main/compute/init';
import type { JobContext } from '../../src/main/compute/jobs';
import { SessionCache } from '../../src/main/compute/session';
import type { EmbeddingCacheIndex, CachedFit } from '../../src/main/text/embedding-cache';
import { CATEGORIES } from '../../src/main/vocabulary/categories';

export const SYNTHETIC_VERSION = 'gmn-synthetic';
export const SYNTHETIC_DIMS = 16;

/** Writes `<zoo>/embeddings/gmn-synthetic.{f32,json}`: `train` and `test` objects per category in two architectures. */
export function writeSyntheticZoo(zoo: string, train = 8, test = 3, seed = 1): { fits: CachedFit[]; vectors: Float32Array } {
  const next = seededRandom(seed);
  const d = SYNTHETIC_DIMS;
  const offset = Array.from({ length: d }, () => 3 * normal(next));
  const centres = CATEGORIES.map(() => Array.from({ length: d }, () => normal(next)));
  const fits: CachedFit[] = [];
  const rows: number[] = [];
  CATEGORIES.forEach((category, c) => {
    for (let i = 0; i < train + test; i++) {
      const object = Array.from({ length: d }, (_, j) => offset[j]! + centres[c]![j]! + 0.25 * normal(next));
      for (const architecture of ['arch-a', 'arch-b']) {
        fits.push({ objectId: `${category}-${String(i).padStart(6, '0')}`, category, seed: i, split: i < train ? 'train' : 'test', architecture });
        rows.push(...object.map((x) => x + 0.05 * normal(next)));
      }
    }
  });
  const index: EmbeddingCacheIndex = { format: 'nerfdex-zoo-embeddings', version: 1, encoderVersion: SYNTHETIC_VERSION, dims: d, zooManifest: 'synthetic', fits };
  mkdirSync(join(zoo, 'embeddings'), { recursive: true });
  const vectors = Float32Array.from(rows);
  writeFileSync(join(zoo, 'embeddings', `${SYNTHETIC_VERSION}.f32`), new Uint8Array(vectors.buffer));
  writeFileSync(join(zoo, 'embeddings', `${SYNTHETIC_VERSION}.json`), JSON.stringify(index));
  return { fits, vectors };
}

/** A job context for running a job in the test's own thread. */
export function inlineContext(): JobContext & { log: number[] } {
  const log: number[] = [];
  return {
    log,
    progress: (p) => {
      if (p.metrics?.['loss'] !== undefined) log.push(p.metrics['loss']);
    },
    cancelled: false,
    throwIfCancelled: () => undefined,
    sessions: new SessionCache(),
  };
}
