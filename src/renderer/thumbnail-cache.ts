/**
 * Thumbnails fetched on demand, in batches, and kept (as data URLs) for the most recently used
 * assets: the gallery asks only for the cells on screen, so scrolling 10,000 assets fetches what
 * is seen, and a cell that scrolls away before its turn is dropped from the queue.
 *
 * Requests made in one turn of the event loop (a render of a screenful of cells) go out as one
 * `thumbnails` call: in the browser a call per cell cost the renderer's main thread more than
 * drawing the pictures (bench/app.ts `--trace`).
 */

import { type Api, MAX_THUMBNAILS_PER_CALL } from '../shared/api';

/** @default 2 calls in flight */
const CONCURRENCY = 2;
/** @default 2000 thumbnails kept */
const CAPACITY = 2000;

interface Waiting {
  readonly id: number;
  readonly resolve: (url: string | null) => void;
  readonly reject: (error: unknown) => void;
  cancelled: boolean;
}

export class ThumbnailCache {
  private readonly urls = new Map<number, string | null>();
  private readonly queue: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly api: Pick<Api, 'thumbnails'>,
    private readonly concurrency = CONCURRENCY,
    private readonly capacity = CAPACITY,
    private readonly batchSize = MAX_THUMBNAILS_PER_CALL,
  ) {}

  /** The thumbnail if it is at hand. */
  peek(id: number): string | null | undefined {
    return this.urls.get(id);
  }

  /** The thumbnail of `id`; `cancel()` drops the request if it has not gone out. */
  request(id: number): { promise: Promise<string | null>; cancel: () => void } {
    const known = this.urls.get(id);
    if (known !== undefined) {
      this.touch(id, known);
      return { promise: Promise.resolve(known), cancel: () => undefined };
    }
    let waiting!: Waiting;
    const promise = new Promise<string | null>((resolve, reject) => {
      waiting = { id, resolve, reject, cancelled: false };
    });
    this.queue.push(waiting);
    if (!this.scheduled) {
      // Gather this turn's requests (one render's cells) into one call.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return { promise, cancel: () => (waiting.cancelled = true) };
  }

  /** Forgets one thumbnail (it changed) or all. */
  clear(id?: number): void {
    if (id === undefined) this.urls.clear();
    else this.urls.delete(id);
  }

  private touch(id: number, url: string | null): void {
    this.urls.delete(id);
    this.urls.set(id, url);
    if (this.urls.size > this.capacity) this.urls.delete(this.urls.keys().next().value!);
  }

  /** The next batch: the waiting requests of up to `batchSize` distinct ids, cancelled ones dropped. */
  private nextBatch(): Map<number, Waiting[]> {
    const batch = new Map<number, Waiting[]>();
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (!batch.has(next.id) && batch.size === this.batchSize) break;
      this.queue.shift();
      if (next.cancelled) continue;
      const known = this.urls.get(next.id);
      if (known !== undefined) {
        next.resolve(known);
        continue;
      }
      batch.set(next.id, [...(batch.get(next.id) ?? []), next]);
    }
    return batch;
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.nextBatch();
      if (batch.size === 0) return;
      const ids = [...batch.keys()];
      this.inFlight++;
      this.api
        .thumbnails(ids)
        .then((urls) => {
          if (!Array.isArray(urls) || urls.length !== ids.length) throw new Error(`thumbnails: ${ids.length} thumbnails asked, ${Array.isArray(urls) ? urls.length : 'none'} answered`);
          ids.forEach((id, i) => {
            const url = urls[i] ?? null;
            this.touch(id, url);
            for (const w of batch.get(id)!) w.resolve(url);
          });
        })
        .catch((error: unknown) => {
          for (const waiting of batch.values()) for (const w of waiting) w.reject(error);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
