/**
 * GMN embeddings of a zoo, computed once per encoder and cached beside the zoo:
 * `<zoo>/embeddings/<encoder version>.f32` (float32 rows) and `.json` (which fit each row is).
 * The text model trains and is evaluated against these rows, so re-training it after a new
 * encoder costs one embedding pass, and every later run only reads the file.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProviderChoice } from '../../shared/compute';
import type { SessionCache } from '../compute/session';
import { Embedder } from '../gmn/embedder';
import { embedZoo, fitsToEmbed, readZoo } from '../gmn/eval/zoo-embeddings';
import type { Split } from '../zoo/generate';
import type { Category } from '../vocabulary/categories';

/** One cached row. */
export interface CachedFit {
  readonly objectId: string;
  readonly category: Category;
  readonly seed: number;
  readonly split: Split;
  readonly architecture: string;
}

/** What `<version>.json` holds. */
export interface EmbeddingCacheIndex {
  readonly format: 'nerfdex-zoo-embeddings';
  readonly version: 1;
  readonly encoderVersion: string;
  readonly dims: number;
  /** sha256 of the zoo manifest the rows come from. */
  readonly zooManifest: string;
  readonly fits: readonly CachedFit[];
}

export interface ZooEmbeddings {
  readonly index: EmbeddingCacheIndex;
  /** Row i is `index.fits[i]`, `index.dims` values. */
  readonly vectors: Float32Array;
}

/** Row `i` of the cache. */
export function row(embeddings: ZooEmbeddings, i: number): Float32Array {
  const d = embeddings.index.dims;
  return embeddings.vectors.subarray(i * d, (i + 1) * d);
}

/** The cache files of `encoderVersion` in `zoo`. */
export function cachePaths(zoo: string, encoderVersion: string): { vectors: string; index: string } {
  const base = join(zoo, 'embeddings', encoderVersion);
  return { vectors: `${base}.f32`, index: `${base}.json` };
}

/** Reads a cache; an `Error` naming the file when it is missing or does not match its index. */
export async function readZooEmbeddings(zoo: string, encoderVersion: string): Promise<ZooEmbeddings> {
  const paths = cachePaths(zoo, encoderVersion);
  const index = JSON.parse(await readFile(paths.index, 'utf8')) as EmbeddingCacheIndex;
  if (index.format !== 'nerfdex-zoo-embeddings' || index.version !== 1) throw new Error(`${paths.index}: not a zoo embedding cache`);
  const bytes = await readFile(paths.vectors);
  const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  if (vectors.length !== index.fits.length * index.dims) throw new Error(`${paths.vectors}: ${vectors.length} values, the index wants ${index.fits.length} x ${index.dims}`);
  return { index, vectors };
}

export interface EnsureEmbeddingsOptions {
  readonly sessions: SessionCache;
  readonly provider: ProviderChoice;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The cached embeddings of `zoo` by the encoder at `encoderPath`, computed (train and val splits
 * in the training architectures, test in every architecture) and written when missing or made
 * from another manifest.
 */
export async function ensureZooEmbeddings(zoo: string, encoderPath: string, options: EnsureEmbeddingsOptions): Promise<ZooEmbeddings & { computed: boolean }> {
  const embedder = await Embedder.load(encoderPath);
  const loaded = await readZoo(zoo);
  const paths = cachePaths(zoo, embedder.info.version);
  if (existsSync(paths.index) && existsSync(paths.vectors)) {
    const cached = await readZooEmbeddings(zoo, embedder.info.version);
    if (cached.index.zooManifest === loaded.sha256) return { ...cached, computed: false };
  }
  const fits = fitsToEmbed(loaded.manifest);
  const seeds = new Map(loaded.manifest.objects.map((o) => [o.id, o.seed]));
  const embedded = await embedZoo(loaded, fits, embedder, { sessions: options.sessions, provider: options.provider, onProgress: options.onProgress });
  const dims = embedder.dimensions;
  const vectors = new Float32Array(embedded.length * dims);
  embedded.forEach((e, i) => vectors.set(e.embedding, i * dims));
  const index: EmbeddingCacheIndex = {
    format: 'nerfdex-zoo-embeddings',
    version: 1,
    encoderVersion: embedder.info.version,
    dims,
    zooManifest: loaded.sha256,
    fits: embedded.map((e) => ({ objectId: e.objectId, category: e.category, seed: seeds.get(e.objectId) ?? 0, split: e.split, architecture: e.architecture })),
  };
  await mkdir(join(zoo, 'embeddings'), { recursive: true });
  for (const [path, data] of [[paths.vectors, new Uint8Array(vectors.buffer)], [paths.index, new TextEncoder().encode(`${JSON.stringify(index)}\n`)]] as const) {
    await writeFile(`${path}.tmp-${process.pid}`, data);
    await rename(`${path}.tmp-${process.pid}`, path);
  }
  return { index, vectors, computed: true };
}
