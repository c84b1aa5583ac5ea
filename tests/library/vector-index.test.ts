import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type IndexSource, VectorIndex, idsSha256, indexPaths, setFilter, subsetSearchLimit } from '../../src/main/library/vector-index';
import { clusteredVectors, recordingLog, row, tempDir } from './helpers';

const DIMS = 16;
const N = 400;
/** Small enough that the tests build graphs in milliseconds. */
const THRESHOLD = 50;

function source(n = N, revision = 1, seed = 1): IndexSource {
  return { ids: Array.from({ length: n }, (_, i) => i + 1), vectors: clusteredVectors(n, DIMS, 8, seed).vectors, revision };
}

async function openIndex(dir: string | undefined, src: IndexSource, log = recordingLog()) {
  const index = await VectorIndex.open({ modelVersion: 'gmn-test', dims: DIMS, dir, exactThreshold: THRESHOLD, log }, src);
  await index.ready;
  return { index, log };
}

function recallAt10(index: VectorIndex, queries: Float32Array, count: number): number {
  let found = 0;
  for (let q = 0; q < count; q++) {
    const query = row(queries, q, DIMS);
    const exact = new Set(index.search(query, 10, { exact: true }).hits.map((h) => h.id));
    const approx = index.search(query, 10);
    expect(approx.method).toBe('hnsw');
    found += approx.hits.filter((h) => exact.has(h.id)).length;
  }
  return found / (10 * count);
}

describe('VectorIndex', () => {
  it('searches exactly below the threshold and through HNSW above it, with the same cosine scores', async () => {
    const small = await openIndex(undefined, source(THRESHOLD - 1));
    expect(small.index.state).toBe('none');
    expect(small.index.search(row(source().vectors, 0, DIMS), 5).method).toBe('exact');

    const { index } = await openIndex(undefined, source());
    expect(index.state).toBe('ready');
    const queries = clusteredVectors(20, DIMS, 8, 1, 0.5).vectors;
    expect(recallAt10(index, queries, 20)).toBeGreaterThanOrEqual(0.95);
    const query = row(queries, 3, DIMS);
    const exact = index.search(query, 5, { exact: true }).hits;
    const approx = index.search(query, 5).hits;
    for (const hit of approx) {
      const twin = exact.find((h) => h.id === hit.id);
      if (twin) expect(hit.score).toBe(twin.score);
    }
    // Scores are cosine similarities: the query's own vector scores 1.
    const own = index.search(row(source().vectors, 9, DIMS), 1).hits[0]!;
    expect(own.id).toBe(10);
    expect(own.score).toBeCloseTo(1, 5);
  });

  it('applies filters with over-fetch, and falls back to exact search when too few survive', async () => {
    const n = 2000;
    const src = source(n);
    const { index } = await openIndex(undefined, src);
    const query = row(src.vectors, 0, DIMS);
    const even = new Set(index.ids().filter((id) => id % 2 === 0));
    expect(even.size).toBeGreaterThan(subsetSearchLimit(10, n));
    const filtered = index.search(query, 10, { filter: setFilter(even) });
    expect(filtered.method).toBe('hnsw');
    expect(filtered.hits).toHaveLength(10);
    expect(filtered.hits.every((h) => even.has(h.id))).toBe(true);

    // The three clusters farthest from the query's: HNSW's neighbourhood of the query holds none of them.
    const exactAll = index.search(query, n, { exact: true }).hits;
    const clusterScore = new Map<number, number>();
    for (const h of exactAll) clusterScore.set((h.id - 1) % 8, (clusterScore.get((h.id - 1) % 8) ?? 0) + h.score);
    const farClusters = [...clusterScore.entries()].sort((a, b) => a[1] - b[1]).slice(0, 3).map(([c]) => c);
    const far = new Set(index.ids().filter((id) => farClusters.includes((id - 1) % 8)));
    expect(far.size).toBeGreaterThan(subsetSearchLimit(10, n));
    const fallback = index.search(query, 10, { filter: setFilter(far) });
    expect(fallback.method).toBe('hnsw+exact');
    expect(fallback.hits.map((h) => h.id)).toEqual(index.search(query, 10, { filter: setFilter(far), exact: true }).hits.map((h) => h.id));

    // A small passing set is searched exactly; the query asset itself can be excluded.
    const few = new Set([2, 3, 4]);
    expect(index.search(query, 10, { filter: setFilter(few), exclude: new Set([3]) })).toMatchObject({ method: 'exact', hits: [{ id: expect.any(Number) }, { id: expect.any(Number) }] });
  });

  it('handles deletes and growth past the graph capacity', async () => {
    const { index } = await openIndex(undefined, source());
    const query = row(source().vectors, 4, DIMS);
    expect(index.search(query, 1).hits[0]!.id).toBe(5);
    index.remove(5);
    expect(index.search(query, 10).hits.map((h) => h.id)).not.toContain(5);
    expect(index.count).toBe(N - 1);
    // 400 more points than the graph was sized for (1.25 x): resizeIndex happens on the way.
    const more = clusteredVectors(N, DIMS, 8, 2).vectors;
    for (let i = 0; i < N; i++) index.upsert(1000 + i, row(more, i, DIMS));
    expect(index.count).toBe(2 * N - 1);
    expect(index.search(row(more, 7, DIMS), 1).hits[0]).toMatchObject({ id: 1007 });
    // A deleted id can come back.
    index.upsert(5, row(source().vectors, 4, DIMS));
    expect(index.search(query, 1).hits[0]!.id).toBe(5);
  });

  it('persists the graph with a stamp, reloads it without rebuilding, and never leaves temporaries', async () => {
    const dir = tempDir();
    const { index } = await openIndex(dir, source());
    index.remove(7);
    await index.close();
    const paths = indexPaths(dir, 'gmn-test');
    const stamp = JSON.parse(readFileSync(paths.stamp, 'utf8'));
    const ids = source().ids as number[];
    expect(stamp).toMatchObject({ modelVersion: 'gmn-test', dims: DIMS, count: N - 1, revision: 1, deleted: [7], fileBytes: statSync(paths.graph).size });
    expect(stamp.idsSha256).toBe(idsSha256(ids.filter((id) => id !== 7)));
    expect(readdirSync(dir).sort()).toEqual(['index-gmn-test.hnsw', 'index-gmn-test.json']);

    const src = source();
    const withoutSeven: IndexSource = { ids: ids.filter((id) => id !== 7), vectors: new Float32Array([...src.vectors.subarray(0, 6 * DIMS), ...src.vectors.subarray(7 * DIMS)]), revision: 1 };
    const reopened = await openIndex(dir, withoutSeven);
    expect(reopened.log.lines).toEqual([]);
    expect(reopened.index.state).toBe('ready');
    expect(reopened.index.search(row(src.vectors, 6, DIMS), 10).hits.map((h) => h.id)).not.toContain(7);
    await reopened.index.close();
  });

  it('rebuilds a missing, stale or corrupt index file from the vectors, saying why', async () => {
    const dir = tempDir();
    const paths = indexPaths(dir, 'gmn-test');
    const first = await openIndex(dir, source());
    expect(first.log.lines).toEqual([expect.stringMatching(/index-gmn-test\.hnsw: rebuilding from 400 stored embeddings \(no index file\)/), expect.stringMatching(/built over 400 embeddings/)]);
    await first.index.close();

    // Stale: SQLite's embeddings moved on (revision) while the file stayed.
    const stale = await openIndex(dir, source(N, 2));
    expect(stale.log.lines[0]).toMatch(/rebuilding from 400 stored embeddings \(stale: embeddings revision 1, the library is at 2\)/);
    await stale.index.close();
    const fewer = await openIndex(dir, source(N - 1, 2));
    expect(fewer.log.lines[0]).toMatch(/\(stale: covers 400 embeddings, the library holds 399\)/);
    await fewer.index.close();

    // Corrupt: garbage of the right length, then a truncated file.
    const size = statSync(paths.graph).size;
    writeFileSync(paths.graph, Buffer.alloc(size, 0xab));
    const garbage = await openIndex(dir, source(N - 1, 2));
    expect(garbage.log.lines[0]).toMatch(/\(corrupt: the file does not match its checksum\)/);
    expect(garbage.index.state).toBe('ready');
    await garbage.index.close();
    writeFileSync(paths.graph, readFileSync(paths.graph).subarray(0, 100));
    const truncated = await openIndex(dir, source(N - 1, 2));
    expect(truncated.log.lines[0]).toMatch(/\(corrupt: the file has 100 bytes, the stamp says \d+\)/);
    await truncated.index.close();

    // Missing stamp, unparsable stamp.
    writeFileSync(paths.stamp, '{not json');
    const badStamp = await openIndex(dir, source(N - 1, 2));
    expect(badStamp.log.lines[0]).toMatch(/\(corrupt: the stamp is not JSON\)/);
    const query = row(source().vectors, 2, DIMS);
    expect(badStamp.index.search(query, 1).hits[0]!.id).toBe(3);
    await badStamp.index.close();
    expect(readdirSync(dir).sort()).toEqual(['index-gmn-test.hnsw', 'index-gmn-test.json']);
  });

  it('keeps searching exactly while a graph builds, and takes in writes made during the build', async () => {
    const src = source();
    const index = await VectorIndex.open({ modelVersion: 'gmn-test', dims: DIMS, exactThreshold: THRESHOLD, log: recordingLog() }, src);
    expect(index.state).toBe('building');
    expect(index.search(row(src.vectors, 0, DIMS), 1)).toMatchObject({ method: 'exact', hits: [{ id: 1 }] });
    index.remove(1);
    index.upsert(9999, row(src.vectors, 1, DIMS));
    await index.ready;
    expect(index.state).toBe('ready');
    const hits = index.search(row(src.vectors, 1, DIMS), 2).hits.map((h) => h.id);
    expect(hits.sort()).toEqual([2, 9999]);
    expect(index.search(row(src.vectors, 0, DIMS), 20).hits.map((h) => h.id)).not.toContain(1);
  });

  it('checks its inputs at the edge', async () => {
    await expect(VectorIndex.open({ modelVersion: '../evil', dims: DIMS }, source(0))).rejects.toThrow(RangeError);
    const { index } = await openIndex(undefined, source(10));
    expect(() => index.search([1, 2, 3], 1)).toThrow('query has 3 values, index gmn-test has 16 dims');
    expect(() => index.upsert(-1, row(source().vectors, 0, DIMS))).toThrow(RangeError);
  });
});
