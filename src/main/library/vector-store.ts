/**
 * The unit-length embeddings of one model version in one row-major Float32Array, addressed by
 * asset id. It serves exact search and (re)builds of the HNSW graph without going back to SQLite.
 * Memory: 4 * dims bytes per asset (1 KiB at 256 dims).
 */
import { TopK, type VectorHit, dotRow, normalized } from './vectors';

/** Largest asset id the index can hold: hnswlib-node labels are uint32. */
export const MAX_VECTOR_ID = 0xffff_ffff;

export class VectorStore {
  private matrix: Float32Array;
  /** Row -> asset id; rows are dense (a removal moves the last row into the hole). */
  private readonly rowIds: number[] = [];
  private readonly rowOf = new Map<number, number>();

  constructor(
    readonly dims: number,
    capacity = 1024,
  ) {
    this.matrix = new Float32Array(Math.max(1, capacity) * dims);
  }

  get count(): number {
    return this.rowIds.length;
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  /** The asset ids held, in row order. */
  ids(): readonly number[] {
    return this.rowIds;
  }

  /** The stored unit vector of `id` (a view: copy it to keep it). */
  vector(id: number): Float32Array | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.matrix.subarray(row * this.dims, (row + 1) * this.dims);
  }

  /** Stores `vector` (any length-`dims` non-zero vector; kept normalised) for `id`. */
  upsert(id: number, vector: ArrayLike<number>): void {
    if (!Number.isInteger(id) || id < 0 || id > MAX_VECTOR_ID) throw new RangeError(`vector id must be an integer in [0, ${MAX_VECTOR_ID}], got ${id}`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      row = this.rowIds.length;
      if ((row + 1) * this.dims > this.matrix.length) {
        const grown = new Float32Array(Math.max(this.matrix.length * 2, (row + 1) * this.dims));
        grown.set(this.matrix);
        this.matrix = grown;
      }
      this.rowIds.push(id);
      this.rowOf.set(id, row);
    }
    this.matrix.set(normalized(vector), row * this.dims);
  }

  /** Forgets `id`; returns whether it was held. */
  remove(id: number): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.rowIds.length - 1;
    if (row !== last) {
      const movedId = this.rowIds[last]!;
      this.matrix.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.rowIds[row] = movedId;
      this.rowOf.set(movedId, row);
    }
    this.rowIds.pop();
    this.rowOf.delete(id);
    return true;
  }

  /** Cosine similarity of a unit `query` with the stored vector of `id` (undefined if not held). */
  score(id: number, query: Float32Array): number | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : dotRow(this.matrix, row, query, this.dims);
  }

  /**
   * Exact top-`k` by cosine similarity over every stored vector, or over `candidates` only;
   * `accept` drops ids (filters, the query asset itself).
   */
  searchExact(query: Float32Array, k: number, accept?: (id: number) => boolean, candidates?: Iterable<number>): VectorHit[] {
    const top = new TopK(k);
    if (candidates) {
      for (const id of candidates) {
        const row = this.rowOf.get(id);
        if (row === undefined || (accept && !accept(id))) continue;
        top.push(id, dotRow(this.matrix, row, query, this.dims));
      }
    } else {
      for (let row = 0; row < this.rowIds.length; row++) {
        const id = this.rowIds[row]!;
        if (accept && !accept(id)) continue;
        top.push(id, dotRow(this.matrix, row, query, this.dims));
      }
    }
    return top.sorted();
  }

  /** A copy of the ids and rows as they are now (for a background build). */
  snapshot(): { ids: number[]; matrix: Float32Array } {
    return { ids: [...this.rowIds], matrix: this.matrix.slice(0, this.rowIds.length * this.dims) };
  }
}
