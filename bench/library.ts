/**
 * `npm run bench -- library [--sizes 10000,100000] [--dims 256] [--queries 200] [--noise 1] [--crossover 500,1000,2000,5000,10000] [--import-files 20]`
 *
 * Prints, for synthetic clustered embeddings (dims 256, ~20 per cluster, like one object in a
 * handful of architectures and fits): catalogue insert throughput (assets/s, one transaction per
 * 100 assets with file, tags, FTS and embedding), open time with a graph build and with a stored
 * graph, find-similar latency p50/p99 exact vs HNSW (unfiltered and filtered) and HNSW
 * recall@10 against exact search, an efSearch sweep, the exact/HNSW crossover, and gallery page
 * latency; first, import throughput per stage on copies of demo NeRFs (bench/import.ts). Never
 * passes or fails on a time.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { seededRandom } from '../src/main/compute/init';
import { Library } from '../src/main/library/library';
import type { AssetInput } from '../src/main/library/types';
import { VectorIndex } from '../src/main/library/vector-index';
import type { NerfConfig, NerfFamily } from '../src/main/nerf/types';
import { run as importBench } from './import';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}

function numbers(text: string): number[] {
  return text.split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0);
}

/** Spread of members around their cluster centre (centres are N(0, 1) per dimension). */
let NOISE = 1;
const silent = { info: () => undefined, warn: () => undefined };
const FAMILIES: NerfFamily[] = ['mlp', 'triplane', 'hashgrid'];
const aabb = [
  [-1, -1, -1],
  [1, 1, 1],
] as const;

function config(family: NerfFamily): NerfConfig {
  if (family === 'mlp') return { family, architecture: 'mlp-train', aabb, densityActivation: 'softplus', frequencies: 6, hidden: [64, 64, 64] };
  if (family === 'triplane') return { family, architecture: 'triplane-train', aabb, densityActivation: 'softplus', resolution: 32, channels: 8, frequencies: 4, hidden: [64, 64] };
  return { family, architecture: 'hash-train', aabb, densityActivation: 'truncExp', levels: 4, log2TableSize: 12, featuresPerLevel: 2, baseResolution: 16, perLevelScale: 2, hidden: [64, 64] };
}

/** n clustered vectors (cluster = i mod clusters) and `queries` held-out ones near random members. */
function clustered(n: number, dims: number, queries: number, seed = 1): { vectors: Float32Array; queries: Float32Array } {
  const noise = NOISE;
  const next = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const clusters = Math.max(1, Math.round(n / 20));
  const centres = new Float32Array(clusters * dims);
  for (let i = 0; i < centres.length; i++) centres[i] = gauss();
  const vectors = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) vectors[i * dims + d] = centres[(i % clusters) * dims + d]! + noise * gauss();
  const q = new Float32Array(queries * dims);
  for (let i = 0; i < queries; i++) {
    const c = Math.floor(next() * clusters);
    for (let d = 0; d < dims; d++) q[i * dims + d] = centres[c * dims + d]! + noise * gauss();
  }
  return { vectors, queries: q };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** p50 and p99 in ms of `body` over `count` calls. */
function latency(count: number, body: (i: number) => void): { p50: number; p99: number } {
  body(0);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    body(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const ms = (x: number) => x.toFixed(x < 1 ? 3 : 1);

function asset(i: number, vector: Float32Array, clusters: number): AssetInput {
  const key = `synthetic-${i}`;
  const family = FAMILIES[i % 3]!;
  return {
    contentSha256: createHash('sha256').update(key).digest('hex'),
    name: key,
    config: config(family),
    category: `category-${i % 100}`,
    caption: `synthetic object ${i % clusters} stored as ${family}`,
    file: { path: `/bench/${key}.nerf.safetensors`, format: 'native', size: 40_000, mtimeMs: 1_700_000_000_000 },
    suggestedTags: [{ tag: `cluster ${i % clusters}`, confidence: 0.5 }],
    embeddings: [{ modelVersion: 'bench-model', vector }],
  };
}

async function benchSize(n: number, dims: number, queryCount: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nerfdex-bench-library-'));
  try {
    const { vectors, queries } = clustered(n, dims, queryCount);
    const clusters = Math.max(1, Math.round(n / 20));
    console.log(`\n## ${n.toLocaleString('en')} assets, ${dims} dims (${clusters} clusters)`);

    // Insert: no graph while inserting (as a first import of a big folder would be if it built later).
    let library = await Library.open(dir, { log: silent, exactThreshold: Number.POSITIVE_INFINITY });
    await library.registerModel({ version: 'bench-model', dims });
    const batch = 100;
    let t0 = performance.now();
    for (let i = 0; i < n; i += batch) {
      const inputs: AssetInput[] = [];
      for (let j = i; j < Math.min(n, i + batch); j++) inputs.push(asset(j, vectors.subarray(j * dims, (j + 1) * dims), clusters));
      library.putAssets(inputs);
    }
    const insertSeconds = (performance.now() - t0) / 1000;
    await library.close();
    const dbBytes = statSync(join(dir, 'library.sqlite')).size;
    console.log(`insert: ${Math.round(n / insertSeconds).toLocaleString('en')} assets/s (${insertSeconds.toFixed(1)} s; ${batch} per transaction; database ${(dbBytes / 2 ** 20).toFixed(0)} MiB)`);

    // Open with no index file: embeddings loaded from SQLite, graph built, file written.
    t0 = performance.now();
    library = await Library.open(dir, { log: silent });
    const loadSeconds = (performance.now() - t0) / 1000;
    await library.indexReady();
    await library.flush();
    const buildSeconds = (performance.now() - t0) / 1000;
    await library.close();
    t0 = performance.now();
    library = await Library.open(dir, { log: silent });
    await library.indexReady();
    const reopenSeconds = (performance.now() - t0) / 1000;
    if (library.indexStatus()?.graph === 'ready') {
      const graphBytes = statSync(join(dir, 'index-bench-model.hnsw')).size;
      console.log(`open: ${loadSeconds.toFixed(2)} s to load the embeddings; ${buildSeconds.toFixed(1)} s until the HNSW graph was built and written (${(graphBytes / 2 ** 20).toFixed(0)} MiB); ${reopenSeconds.toFixed(2)} s to reopen with the stored graph (checksum + load)`);
    } else {
      console.log(`open: ${loadSeconds.toFixed(2)} s to load the embeddings; no graph below the exact-search threshold (${library.indexStatus()?.exactThreshold}), so "HNSW" rows below are exact`);
    }

    const q = (i: number) => queries.subarray((i % queryCount) * dims, ((i % queryCount) + 1) * dims);
    const exactTop = Array.from({ length: queryCount }, (_, i) => library.findSimilar({ vector: q(i), k: 10, exact: true }).results.map((r) => r.asset.id));
    let found = 0;
    for (let i = 0; i < queryCount; i++) {
      const want = new Set(exactTop[i]);
      found += library.findSimilar({ vector: q(i), k: 10 }).results.filter((r) => want.has(r.asset.id)).length;
    }
    const recall = found / (10 * queryCount);
    console.log('| find-similar, k = 10, through Library (SQL hydration included) | p50 ms | p99 ms |');
    console.log('|---|---|---|');
    const rows: [string, (i: number) => void][] = [
      ['exact', (i) => library.findSimilar({ vector: q(i), k: 10, exact: true })],
      ['HNSW', (i) => library.findSimilar({ vector: q(i), k: 10 })],
      ['HNSW, page 3 (offset 20)', (i) => library.findSimilar({ vector: q(i), k: 10, offset: 20 })],
      ['HNSW, filter family (1/3 pass)', (i) => library.findSimilar({ vector: q(i), k: 10, filters: { family: 'hashgrid' } })],
      ['filter category (1/100 pass: exact over the subset)', (i) => library.findSimilar({ vector: q(i), k: 10, filters: { category: 'category-7' } })],
    ];
    for (const [name, body] of rows) {
      const { p50, p99 } = latency(queryCount, body);
      console.log(`| ${name} | ${ms(p50)} | ${ms(p99)} |`);
    }
    console.log(`recall@10 of HNSW against exact (efSearch 64): ${recall.toFixed(3)}`);

    const gallery: [string, () => void][] = [
      ['newest first, page 1', () => library.listAssets({ limit: 50 })],
      ['by name, page 100', () => library.listAssets({ sort: 'name', limit: 50, offset: 4950 })],
      ['family filter, newest first', () => library.listAssets({ filters: { family: 'triplane' }, limit: 50 })],
      ['tag filter', () => library.listAssets({ filters: { tags: ['cluster 3'] }, limit: 50 })],
    ];
    const pages = gallery.map(([name, body]) => {
      const { p50 } = latency(50, body);
      return `${name} ${ms(p50)} ms`;
    });
    console.log(`gallery page of 50 with total count (p50): ${pages.join('; ')}`);
    const text = latency(50, () => void library.searchText('synthetic object 12', { limit: 20 }));
    console.log(`text search (FTS5, bm25, 20 results, p50): ${ms(text.p50)} ms`);
    await library.close();

    await efSweep(n, dims, queryCount, NOISE);
    await efSweep(n, dims, queryCount, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Recall@10 and latency against efSearch, on the index alone (no SQL), for data of a given spread. */
async function efSweep(n: number, dims: number, queryCount: number, noise: number): Promise<void> {
  const saved = NOISE;
  NOISE = noise;
  const { vectors, queries } = clustered(n, dims, queryCount, 5);
  NOISE = saved;
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const index = await VectorIndex.open({ modelVersion: 'bench', dims, exactThreshold: 0, log: silent }, { ids, vectors, revision: 0 });
  await index.ready;
  const q = (i: number) => queries.subarray(i * dims, (i + 1) * dims);
  const exactIds = Array.from({ length: queryCount }, (_, i) => new Set(index.search(q(i), 10, { exact: true }).hits.map((h) => h.id)));
  const sweep: string[] = [];
  for (const ef of [16, 32, 64, 128, 256]) {
    index.efSearch = ef;
    let hit = 0;
    for (let i = 0; i < queryCount; i++) hit += index.search(q(i), 10).hits.filter((h) => exactIds[i]!.has(h.id)).length;
    const { p50 } = latency(queryCount, (i) => index.search(q(i), 10));
    sweep.push(`ef ${ef}: ${(hit / (10 * queryCount)).toFixed(3)} / ${ms(p50)} ms`);
  }
  console.log(`efSearch sweep, index only, noise ${noise}${noise >= 2 ? ' (hard: clusters overlap)' : ''}: recall@10 / p50 — ${sweep.join('; ')}`);
  await index.close();
}

/** Exact vs HNSW latency (index only) at growing sizes, and the graph's build time. */
async function crossover(sizes: number[], dims: number, queryCount: number): Promise<void> {
  console.log('\n## exact vs HNSW crossover (index only, k = 10)');
  console.log('| vectors | exact p50 ms | HNSW p50 ms | HNSW recall@10 | graph build s | build per vector ms |');
  console.log('|---|---|---|---|---|---|');
  for (const n of sizes) {
    const { vectors, queries } = clustered(n, dims, queryCount, 3);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const t0 = performance.now();
    const index = await VectorIndex.open({ modelVersion: 'bench', dims, exactThreshold: 0, log: silent }, { ids, vectors, revision: 0 });
    await index.ready;
    const build = (performance.now() - t0) / 1000;
    const q = (i: number) => queries.subarray(i * dims, (i + 1) * dims);
    const exact = latency(queryCount, (i) => index.search(q(i), 10, { exact: true }));
    const hnsw = latency(queryCount, (i) => index.search(q(i), 10));
    let hit = 0;
    for (let i = 0; i < queryCount; i++) {
      const want = new Set(index.search(q(i), 10, { exact: true }).hits.map((h) => h.id));
      hit += index.search(q(i), 10).hits.filter((h) => want.has(h.id)).length;
    }
    console.log(`| ${n.toLocaleString('en')} | ${ms(exact.p50)} | ${ms(hnsw.p50)} | ${(hit / (10 * queryCount)).toFixed(3)} | ${build.toFixed(2)} | ${ms((build * 1000) / n)} |`);
    await index.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const sizes = numbers(option(args, 'sizes', '10000'));
  const dims = Number(option(args, 'dims', '256'));
  NOISE = Number(option(args, 'noise', '1'));
  const queries = Number(option(args, 'queries', '200'));
  const cross = numbers(option(args, 'crossover', '500,1000,2000,5000,10000'));
  const importFiles = Number(option(args, 'import-files', '20'));
  if (importFiles > 0) {
    // Issue 5 asks this suite for import throughput per stage too; bench/import.ts measures it (more options there).
    console.log(`import throughput: ${importFiles} native files (npm run bench -- import for instant-ngp snapshots and other sizes)\n`);
    await importBench(['--files', String(importFiles), '--ingp', '0']);
    console.log('');
  }
  console.log(`library benchmark: synthetic clustered embeddings, ${dims} dims, ${queries} queries per figure, one thread`);
  if (cross.length > 0) await crossover(cross, dims, queries);
  for (const n of sizes) await benchSize(n, dims, queries);
}
