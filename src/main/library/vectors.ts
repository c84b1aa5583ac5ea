/**
 * Embedding vectors in memory: checking and normalising them, their BLOB form in SQLite, and
 * exact (brute-force) cosine search over a row-major matrix.
 */

/** Checks a vector at the edge: a Float32Array (or number array) of `dims` finite values, not all zero. */
export function checkVector(vector: ArrayLike<number>, dims: number, what = 'vector'): void {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) throw new TypeError(`${what} must be a Float32Array or an array of numbers, got ${Object.prototype.toString.call(vector)}`);
  if (vector.length !== dims) throw new RangeError(`${what} has ${vector.length} values, the model's embeddings have ${dims}`);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const v = vector[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`${what}[${i}] is ${v}; embeddings must be finite`);
    norm += v * v;
  }
  if (norm === 0) throw new RangeError(`${what} is all zeros; cosine similarity needs a non-zero vector`);
}

/** A unit-length float32 copy of `vector` (cosine similarity is then a dot product). */
export function normalized(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < out.length; i++) out[i]! *= scale;
  return out;
}

/** The float32 little-endian bytes SQLite stores for a vector. */
export function vectorToBlob(vector: ArrayLike<number>): Buffer {
  const copy = Float32Array.from(vector);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
}

/** The vector stored in a BLOB (copied, so it is aligned whatever the Buffer's offset). */
export function blobToVector(blob: Uint8Array): Float32Array {
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

/** Dot product of `query` with row `row` of a row-major matrix of `dims` columns. */
export function dotRow(matrix: Float32Array, row: number, query: Float32Array, dims: number): number {
  let sum = 0;
  const base = row * dims;
  for (let i = 0; i < dims; i++) sum += matrix[base + i]! * query[i]!;
  return sum;
}

/** One hit of a vector search: the asset and its cosine similarity to the query. */
export interface VectorHit {
  readonly id: number;
  readonly score: number;
}

/**
 * Keeps the `k` best (highest score, then lowest id) of a stream of hits in a bounded min-heap:
 * O(n log k) for n candidates instead of sorting all of them.
 */
export class TopK {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];

  constructor(readonly k: number) {}

  /** Whether a hit with this score could still enter (cheap pre-check before computing more). */
  get threshold(): number {
    return this.ids.length < this.k ? -Infinity : this.scores[0]!;
  }

  push(id: number, score: number): void {
    if (this.k <= 0) return;
    if (this.ids.length < this.k) {
      this.ids.push(id);
      this.scores.push(score);
      this.siftUp(this.ids.length - 1);
    } else if (this.worse(0, id, score)) {
      this.ids[0] = id;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  /** The kept hits, best first. */
  sorted(): VectorHit[] {
    return this.ids.map((id, i) => ({ id, score: this.scores[i]! })).sort(compareHits);
  }

  /** Whether the heap entry at `i` ranks below (id, score). */
  private worse(i: number, id: number, score: number): boolean {
    const s = this.scores[i]!;
    return s < score || (s === score && this.ids[i]! > id);
  }

  private less(a: number, b: number): boolean {
    return this.worse(a, this.ids[b]!, this.scores[b]!);
  }

  private swap(a: number, b: number): void {
    [this.ids[a], this.ids[b]] = [this.ids[b]!, this.ids[a]!];
    [this.scores[a], this.scores[b]] = [this.scores[b]!, this.scores[a]!];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.ids.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/** Best first: higher score, then lower id (so equal scores rank the same on every path). */
export function compareHits(a: VectorHit, b: VectorHit): number {
  return b.score - a.score || a.id - b.id;
}
