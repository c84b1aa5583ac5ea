/**
 * The events main pushes to the renderer (`ApiEvent`): one hub that both transports subscribe to
 * (IPC in the app, the WebSocket in serve mode), fed by the import jobs and the API's own writes.
 * Progress is coalesced: at most one event per job per interval, and one library event per
 * interval, always ending with the latest state.
 */

import type { ApiEvent, ApiEventListener, ApiEvents, JobInfo } from '../../shared/api';
import type { ImportJobChange } from './import-jobs';

/** Fan-out of events to every subscriber; a listener that throws does not stop the others. */
export class ApiEventHub implements ApiEvents {
  private readonly listeners = new Set<ApiEventListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = (error) => console.warn('nerfdex: an event listener failed:', error)) {}

  onEvent(listener: ApiEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: ApiEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}

/** What the forwarder needs of `ImportJobs`. */
export interface JobSource {
  onChange(listener: (change: ImportJobChange) => void): () => void;
  info(id: number): JobInfo;
}

export interface ForwardOptions {
  /**
   * Least time between two progress events of one job, and between two library events, in ms.
   * @default 200
   */
  readonly intervalMs?: number;
}

/** Calls `send` at most once per `intervalMs`, always after the last `request` (trailing). */
class Coalescer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
  ) {}

  request(now = Date.now()): void {
    if (this.timer !== undefined) return;
    const wait = this.last + this.intervalMs - now;
    if (wait <= 0) this.fire();
    else this.timer = setTimeout(() => this.fire(), wait);
  }

  /** Sends now, whether or not a send is pending. */
  flush(): void {
    clearTimeout(this.timer);
    this.fire();
  }

  /** Sends now only what is pending. */
  flushPending(): void {
    if (this.timer !== undefined) this.flush();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.last = Date.now();
    this.send();
  }
}

const FINAL_STATES: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);

/**
 * Turns the import jobs' changes into `job` and `library` events on `hub`: a job's info as it is
 * when the event leaves (so a coalesced event carries the newest progress), its end at once, and
 * `library: assets` while it writes assets. Returns the function that stops forwarding.
 */
export function forwardJobEvents(jobs: JobSource, hub: ApiEventHub, options: ForwardOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? 200;
  const perJob = new Map<number, Coalescer>();
  const assets = new Coalescer(intervalMs, () => hub.emit({ type: 'library', change: 'assets' }));
  const sendJob = (id: number): void => {
    let job: JobInfo;
    try {
      job = jobs.info(id);
    } catch {
      return;
    }
    hub.emit({ type: 'job', job });
    if (FINAL_STATES.has(job.state)) {
      perJob.get(id)?.dispose();
      perJob.delete(id);
    }
  };
  const stop = jobs.onChange((change) => {
    let coalescer = perJob.get(change.jobId);
    if (coalescer === undefined) {
      coalescer = new Coalescer(intervalMs, () => sendJob(change.jobId));
      perJob.set(change.jobId, coalescer);
    }
    const state = safeState(jobs, change.jobId);
    if (state === undefined || state === 'queued' || FINAL_STATES.has(state)) coalescer.flush();
    else coalescer.request();
    if (change.assets) assets.request();
    if (state !== undefined && FINAL_STATES.has(state)) assets.flushPending();
  });
  return () => {
    stop();
    assets.dispose();
    for (const coalescer of perJob.values()) coalescer.dispose();
    perJob.clear();
  };
}

function safeState(jobs: JobSource, id: number): string | undefined {
  try {
    return jobs.info(id).state;
  } catch {
    return undefined;
  }
}
