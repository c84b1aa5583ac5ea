/**
 * Thumbnails fetched on demand, a few at a time, and kept (as data URLs) for the most recently
 * used assets: the gallery asks only for the cells on screen, so scrolling 10,000 assets fetches
 * what is seen, and a cell that scrolls away before its turn is dropped from the queue.
 */

import type { Api } from '../shared/api';

/** @default 6 requests in flight */
const CONCURRENCY = 6;
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

  constructor(
    private readonly api: Pick<Api, 'thumbnail'>,
    private readonly concurrency = CONCURRENCY,
    private readonly capacity = CAPACITY,
  ) {}

  /** The thumbnail if it is at hand. */
  peek(id: number): string | null | undefined {
    return this.urls.get(id);
  }

  /** The thumbnail of `id`; `cancel()` drops the request if it has not started. */
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
    this.pump();
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

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if (next.cancelled) continue;
      this.inFlight++;
      this.api
        .thumbnail(next.id)
        .then(
          (url) => {
            this.touch(next.id, url);
            next.resolve(url);
          },
          (error: unknown) => next.reject(error),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
