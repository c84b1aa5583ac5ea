/**
 * Batches for contrastive training: K objects, each in two different architectures, the
 * architecture pair cycling batch by batch over every pair (PAPER.md, "Contrastive loss").
 * Objects are drawn without replacement within an epoch of each pair.
 */
import { seededRandom } from '../compute/init';

export interface SamplerObject {
  readonly id: string;
  /** Architectures this object is available in. */
  readonly architectures: readonly string[];
}

export interface PairBatch {
  /** The architecture pair of this batch. */
  readonly pair: readonly [string, string];
  /** Object ids, K of them; row i of side A and of side B is the same object. */
  readonly objects: readonly string[];
}

export class PairSampler {
  private readonly pairs: [string, string][] = [];
  private readonly pools: string[][] = [];
  private readonly cursors: number[] = [];
  private readonly next: () => number;
  private batchIndex = 0;

  /**
   * @param architectures the architectures to pair (all unordered pairs are used in turn)
   * @param objectsPerBatch K
   */
  constructor(objects: readonly SamplerObject[], architectures: readonly string[], readonly objectsPerBatch: number, seed = 0) {
    if (!Number.isInteger(objectsPerBatch) || objectsPerBatch < 2) throw new RangeError(`PairSampler: objectsPerBatch must be an integer >= 2, got ${objectsPerBatch}`);
    this.next = seededRandom(seed);
    for (let i = 0; i < architectures.length; i++) {
      for (let j = i + 1; j < architectures.length; j++) {
        const pair: [string, string] = [architectures[i]!, architectures[j]!];
        const pool = objects.filter((o) => o.architectures.includes(pair[0]) && o.architectures.includes(pair[1])).map((o) => o.id);
        if (pool.length < objectsPerBatch) continue;
        this.pairs.push(pair);
        this.pools.push(pool);
        this.cursors.push(pool.length);
      }
    }
    if (!this.pairs.length) throw new RangeError(`PairSampler: no architecture pair has ${objectsPerBatch} objects in both architectures`);
  }

  /** Architecture pairs in the order batches cycle through them. */
  get architecturePairs(): readonly (readonly [string, string])[] {
    return this.pairs;
  }

  nextBatch(): PairBatch {
    const p = this.batchIndex++ % this.pairs.length;
    const pool = this.pools[p]!;
    const objects: string[] = [];
    while (objects.length < this.objectsPerBatch) {
      if (this.cursors[p]! >= pool.length) {
        for (let i = pool.length - 1; i > 0; i--) {
          const j = Math.floor(this.next() * (i + 1));
          [pool[i], pool[j]] = [pool[j]!, pool[i]!];
        }
        this.cursors[p] = 0;
      }
      const id = pool[this.cursors[p]!++]!;
      if (!objects.includes(id)) objects.push(id);
    }
    return { pair: this.pairs[p]!, objects };
  }
}
