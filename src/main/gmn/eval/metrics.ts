/**
 * Metrics on embeddings, pure functions over rows (one Float32Array per embedding): cosine
 * similarity, cosine k-nearest neighbours, accuracy, k-NN classification, Recall@k and what
 * nearest neighbours share.
 *
 * Ties are ranked pessimistically: a gallery item scoring exactly as well as the right answer
 * counts as ranked before it, so a collapsed encoder (every embedding equal) scores chance, not 1.
 */

/** Rows scaled to unit L2 norm (a zero row stays zero). Returns new arrays. */
export function l2NormalizeRows(rows: readonly Float32Array[]): Float32Array[] {
  return rows.map((row) => {
    let sum = 0;
    for (const v of row) sum += v * v;
    const norm = Math.sqrt(sum);
    const out = new Float32Array(row.length);
    if (norm > 0) for (let i = 0; i < row.length; i++) out[i] = row[i]! / norm;
    return out;
  });
}

function checkWidths(name: string, a: readonly Float32Array[], b: readonly Float32Array[]): number {
  const width = a[0]?.length ?? b[0]?.length ?? 0;
  for (const row of [...a, ...b]) {
    if (row.length !== width) throw new RangeError(`${name}: every embedding must have ${width} values, got one with ${row.length}`);
  }
  return width;
}

/** Cosine similarity of two vectors; 0 when either is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(Math.max(na * nb, 1e-24));
}

/** Cosine similarities [queries x gallery], row-major; a zero row has similarity 0 to everything. */
export function cosineSimilarities(queries: readonly Float32Array[], gallery: readonly Float32Array[]): Float64Array {
  const width = checkWidths('cosineSimilarities', queries, gallery);
  const q = l2NormalizeRows(queries);
  const g = l2NormalizeRows(gallery);
  const out = new Float64Array(q.length * g.length);
  q.forEach((a, i) => {
    g.forEach((b, j) => {
      let dot = 0;
      for (let d = 0; d < width; d++) dot += a[d]! * b[d]!;
      out[i * g.length + j] = dot;
    });
  });
  return out;
}

/** Gallery indices of the `k` most cosine-similar items for each query, most similar first (ties by index). */
export function cosineKnn(queries: readonly Float32Array[], gallery: readonly Float32Array[], k: number): number[][] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`cosineKnn: k must be an integer >= 1, got ${k}`);
  const sims = cosineSimilarities(queries, gallery);
  const n = gallery.length;
  return queries.map((_, i) => {
    const row = sims.subarray(i * n, (i + 1) * n);
    return Array.from({ length: n }, (_, j) => j)
      .sort((a, b) => row[b]! - row[a]! || a - b)
      .slice(0, k);
  });
}

/** Fraction of positions where `predicted` equals `truth`; NaN for no samples. */
export function accuracy(predicted: readonly number[], truth: readonly number[]): number {
  if (predicted.length !== truth.length) throw new RangeError(`accuracy: ${predicted.length} predictions for ${truth.length} labels`);
  if (truth.length === 0) return NaN;
  let right = 0;
  predicted.forEach((p, i) => {
    if (p === truth[i]) right++;
  });
  return right / truth.length;
}

/** Index of the largest value (the first one on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Labels by majority vote of the `k` cosine-nearest gallery items; a tied vote goes to the label
 * whose voters have the larger summed similarity.
 * @param k neighbours that vote. @default 5
 */
export function knnClassify(queries: readonly Float32Array[], gallery: readonly Float32Array[], galleryLabels: readonly number[], k = 5): number[] {
  if (galleryLabels.length !== gallery.length) throw new RangeError(`knnClassify: ${galleryLabels.length} labels for ${gallery.length} gallery items`);
  if (gallery.length === 0) throw new RangeError('knnClassify: the gallery is empty');
  const sims = cosineSimilarities(queries, gallery);
  const neighbours = cosineKnn(queries, gallery, Math.min(k, gallery.length));
  return neighbours.map((row, i) => {
    const votes = new Map<number, { count: number; similarity: number }>();
    for (const j of row) {
      const label = galleryLabels[j]!;
      const v = votes.get(label) ?? { count: 0, similarity: 0 };
      votes.set(label, { count: v.count + 1, similarity: v.similarity + sims[i * gallery.length + j]! });
    }
    let best: [number, { count: number; similarity: number }] | undefined;
    for (const entry of votes) {
      if (!best || entry[1].count > best[1].count || (entry[1].count === best[1].count && entry[1].similarity > best[1].similarity)) best = entry;
    }
    return best![0];
  });
}

/**
 * 1-based rank of each query's own gallery item `targets[i]` by cosine similarity, ties counted
 * against the query (pessimistic).
 */
export function retrievalRanks(queries: readonly Float32Array[], gallery: readonly Float32Array[], targets: readonly number[]): number[] {
  if (targets.length !== queries.length) throw new RangeError(`retrievalRanks: ${targets.length} targets for ${queries.length} queries`);
  const sims = cosineSimilarities(queries, gallery);
  const n = gallery.length;
  return targets.map((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= n) throw new RangeError(`retrievalRanks: target ${t} of query ${i} is not a gallery index in [0, ${n})`);
    const own = sims[i * n + t]!;
    let rank = 1;
    for (let j = 0; j < n; j++) if (j !== t && sims[i * n + j]! >= own) rank++;
    return rank;
  });
}

/** Recall@k: the fraction of ranks <= k, for each k; NaN for no queries. */
export function recallAtK(ranks: readonly number[], ks: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const k of ks) out[k] = ranks.length === 0 ? NaN : ranks.filter((r) => r <= k).length / ranks.length;
  return out;
}

/** Recall@k of a random ranking of a gallery of `size` with one right answer: min(k, size) / size. */
export function chanceRecall(k: number, size: number): number {
  return size === 0 ? NaN : Math.min(k, size) / size;
}

/** What the k nearest neighbours of each embedding share with it (`neighbourShares`). */
export interface NeighbourShares {
  readonly k: number;
  /** Per grouping: the mean fraction of an embedding's k nearest neighbours (itself excluded) in its own group. */
  readonly shares: Readonly<Record<string, number>>;
  /** Per grouping: the same fraction for k neighbours drawn at random from the others. */
  readonly chance: Readonly<Record<string, number>>;
}

/**
 * For each grouping (e.g. architecture, category, object: one label per row), the mean fraction of
 * each row's `k` cosine-nearest other rows that carry its label, and what a random choice of
 * neighbours would give. An encoder whose space clusters by architecture has an architecture share
 * near 1 and an object share near chance; one organised by content has the reverse.
 */
export function neighbourShares(rows: readonly Float32Array[], groupings: Readonly<Record<string, readonly string[]>>, k = 10): NeighbourShares {
  const n = rows.length;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`neighbourShares: k must be an integer >= 1, got ${k}`);
  if (n < 2) throw new RangeError(`neighbourShares: needs at least 2 rows, got ${n}`);
  for (const [name, labels] of Object.entries(groupings)) if (labels.length !== n) throw new RangeError(`neighbourShares: ${labels.length} ${name} labels for ${n} rows`);
  const kk = Math.min(k, n - 1);
  const sims = cosineSimilarities(rows, rows);
  const neighbours = rows.map((_, i) => {
    const row = sims.subarray(i * n, (i + 1) * n);
    return Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => row[b]! - row[a]! || a - b)
      .slice(0, kk);
  });
  const shares: Record<string, number> = {};
  const chance: Record<string, number> = {};
  for (const [name, labels] of Object.entries(groupings)) {
    const size = new Map<string, number>();
    for (const l of labels) size.set(l, (size.get(l) ?? 0) + 1);
    let own = 0;
    let random = 0;
    neighbours.forEach((row, i) => {
      own += row.filter((j) => labels[j] === labels[i]).length / kk;
      random += (size.get(labels[i]!)! - 1) / (n - 1);
    });
    shares[name] = own / n;
    chance[name] = random / n;
  }
  return { k: kk, shares, chance };
}
