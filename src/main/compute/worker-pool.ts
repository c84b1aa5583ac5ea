/**
 * A pool of compute worker threads. The main thread only orchestrates: `session.run` blocks the
 * thread it runs on, so every heavy run goes through here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { JobCancelledError, checkJobKind, type JobProgress } from './jobs';
import type { RunJobMessage, SerializedError, WorkerMessage, WorkerSetup } from './worker-runtime';

/** Input and output types of each job kind a pool runs (an interface or type of such entries). */
export type JobTypeMap<T> = { [K in keyof T]: { input: unknown; output: unknown } };

export interface WorkerPoolOptions {
  /** Worker threads at most; they start on demand. @default min(2, number of CPUs) */
  size?: number;
  /** Also accept the `debug.*` job kinds (tests, diagnostics). @default false */
  debugJobs?: boolean;
  /** Worker entry module: one that calls `serveJobs` with the table of `kinds`. */
  entry: URL;
  /** The kinds the entry's table holds. */
  kinds: readonly string[];
}

export interface StartJobOptions {
  onProgress?: (progress: JobProgress) => void;
  /** Buffers of the input to move to the worker instead of copying; unusable here afterwards. */
  transfer?: ArrayBuffer[];
}

export interface JobHandle<O> {
  readonly id: number;
  readonly kind: string;
  /**
   * Settles with the job's output. Rejects with an Error carrying the job's error name and message,
   * `JobCancelledError` when cancelled before it started or when the job chose to throw on cancel,
   * or an Error saying the worker crashed.
   */
  readonly result: Promise<O>;
  /** Asks the job to stop: a queued job never starts; a running one sees `ctx.cancelled`. */
  cancel(): void;
}

interface Job {
  id: number;
  kind: string;
  input: unknown;
  transfer: ArrayBuffer[];
  cancelFlag: Int32Array;
  onProgress: ((progress: JobProgress) => void) | undefined;
  resolve(output: unknown): void;
  reject(error: Error): void;
  settled: boolean;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  /** Set on `error` or `exit`: the worker takes no more jobs. */
  dead: boolean;
}

/**
 * Worker threads running the job kinds of one job table, one job per worker at a time, the rest
 * queued. `Types` gives each kind's input and output types.
 */
export class WorkerPool<Types extends JobTypeMap<Types> = Record<string, { input: unknown; output: unknown }>> {
  readonly size: number;
  private readonly debugJobs: boolean;
  private readonly entry: URL;
  private readonly kinds: readonly string[];
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    this.size = options.size ?? Math.min(2, Math.max(1, os.availableParallelism()));
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError(`WorkerPool: size must be an integer >= 1, got ${this.size}`);
    this.debugJobs = options.debugJobs ?? false;
    this.entry = options.entry;
    this.kinds = [...options.kinds];
  }

  /** Starts (or queues) a job. An unknown kind throws `TypeError` listing the valid kinds. */
  startJob<K extends keyof Types & string>(kind: K, input: Types[K]['input'], options?: StartJobOptions): JobHandle<Types[K]['output']>;
  startJob(kind: string, input: unknown, options?: StartJobOptions): JobHandle<unknown>;
  startJob(kind: string, input: unknown, options: StartJobOptions = {}): JobHandle<unknown> {
    checkJobKind(kind, this.kinds, this.debugJobs);
    if (this.closed) throw new Error('WorkerPool: the pool is closed');
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const job: Job = {
      id: this.nextId++,
      kind,
      input,
      transfer: options.transfer ?? [],
      cancelFlag: new Int32Array(new SharedArrayBuffer(4)),
      onProgress: options.onProgress,
      resolve: (output) => {
        job.settled = true;
        resolve(output);
      },
      reject: (error) => {
        job.settled = true;
        reject(error);
      },
      settled: false,
    };
    this.queue.push(job);
    this.dispatch();
    return { id: job.id, kind, result, cancel: () => this.cancel(job) };
  }

  /** Terminates every worker; queued and running jobs reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error(`WorkerPool: closed before job '${job.kind}' #${job.id} started`));
    const slots = this.slots.splice(0);
    for (const slot of slots) if (slot.job && !slot.job.settled) slot.job.reject(new Error(`WorkerPool: closed while job '${slot.job.kind}' #${slot.job.id} ran`));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private cancel(job: Job): void {
    if (job.settled) return;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(new JobCancelledError(`job '${job.kind}' #${job.id} cancelled before it started`));
      return;
    }
    Atomics.store(job.cancelFlag, 0, 1);
  }

  private dispatch(): void {
    while (!this.closed && this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job && !s.dead);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      const message: RunJobMessage = { type: 'run', id: job.id, kind: job.kind, input: job.input, cancelFlag: job.cancelFlag.buffer as SharedArrayBuffer };
      try {
        slot.worker.postMessage(message, job.transfer);
      } catch (error) {
        slot.job = undefined;
        slot.worker.unref();
        job.reject(new Error(`WorkerPool: cannot send the input of job '${job.kind}' #${job.id}: ${(error as Error).message}`, { cause: error }));
      }
    }
  }

  private spawn(): Slot {
    const setup: WorkerSetup = { debugJobs: this.debugJobs };
    const worker = createWorker(this.entry, setup);
    const slot: Slot = { worker, job: undefined, dead: false };
    this.slots.push(slot);
    worker.unref();
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error) => {
      slot.dead = true;
      this.crashed(slot, `uncaught ${error.name}: ${error.message}`);
    });
    worker.on('exit', (code) => {
      slot.dead = true;
      this.crashed(slot, `exited with code ${code}`);
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      this.dispatch();
    });
    return slot;
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    if (message.type === 'progress') {
      try {
        job.onProgress?.(message.progress);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
      return;
    }
    slot.job = undefined;
    slot.worker.unref();
    if (message.type === 'done') job.resolve(message.output);
    else job.reject(reviveError(message.error));
    this.dispatch();
  }

  /** The worker died: its job (if any) rejects; `exit` removes the slot so a new worker replaces it. */
  private crashed(slot: Slot, why: string): void {
    const job = slot.job;
    slot.job = undefined;
    if (job && !job.settled) job.reject(new Error(`worker crashed while running job '${job.kind}' #${job.id}: ${why}`));
  }
}

/** Rebuilds a worker's error with its class (where it is a standard one), name and message. */
function reviveError(serialized: SerializedError): Error {
  const { name, message } = serialized;
  const Kind = name === 'TypeError' ? TypeError : name === 'RangeError' ? RangeError : Error;
  const error = name === 'JobCancelledError' ? new JobCancelledError(message) : new Kind(message);
  if (error.name !== name) Object.defineProperty(error, 'name', { value: name, configurable: true, writable: true });
  if (serialized.stack) error.stack = `${error.stack ?? ''}\n    -- in the worker --\n${serialized.stack}`;
  return error;
}

/**
 * The worker entry module `name` beside the module at `base` (an `import.meta.url`): `.ts` when
 * running from source, `.js` / `.mjs` when built, whichever exists.
 */
export function workerEntryBeside(base: string, name: string): URL {
  const self = fileURLToPath(base);
  const extensions = self.endsWith('.ts') ? ['.ts', '.js', '.mjs'] : ['.js', '.mjs', '.ts'];
  for (const ext of extensions) {
    const url = new URL(`./${name}${ext}`, base);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error(`WorkerPool: no ${name}.{ts,js,mjs} beside ${self}`);
}

/**
 * Spawns a worker on `entry`. A TypeScript entry (running from source under tsx or vitest) is
 * loaded through tsx's ESM API registered inside the worker: `--import` in a worker's execArgv
 * does not reach the worker's own entry module on Node 20.
 */
function createWorker(entry: URL, workerData: WorkerSetup): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const api = tsxEsmApiUrl();
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

let tsxApi: string | undefined;

/** file URL of tsx's `tsx/esm/api` for `import`, read from its export map (require resolves the CJS build). */
function tsxEsmApiUrl(): string {
  if (tsxApi) return tsxApi;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('tsx/package.json');
  } catch (error) {
    throw new Error('WorkerPool: running from TypeScript sources needs the tsx package (a dev dependency)', { cause: error });
  }
  const exported = (JSON.parse(readFileSync(packageJson, 'utf8')) as { exports?: Record<string, { import?: { default?: string } } | string> }).exports?.['./esm/api'];
  const relative = typeof exported === 'object' ? exported.import?.default : undefined;
  if (!relative) throw new Error(`WorkerPool: ${packageJson} exports no './esm/api' import entry`);
  tsxApi = pathToFileURL(path.join(path.dirname(packageJson), relative)).href;
  return tsxApi;
}
