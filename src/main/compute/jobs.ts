/**
 * Jobs that run in worker threads: what a job sees (JobContext), the shape of a job table, and
 * the compute layer's own kinds. The app's table of every kind lives at the composition root
 * (`src/main/app/job-registry.ts`). Handlers are imported lazily from a fixed table so a bundler can
 * follow them; a message can only name a kind, never a module path.
 */
import type { ModelRunInput, SessionCache } from './session';
import type { HostTensor } from './tensor';
import type { TrainLoopInput, TrainLoopOutput } from './train-loop';

/** Progress of a job, posted from the worker to whoever started it. */
export interface JobProgress {
  done: number;
  total: number;
  message?: string;
  metrics?: Record<string, number>;
}

/** What a running job can do besides computing: report progress, notice cancellation, reuse sessions. */
export interface JobContext {
  progress(p: JobProgress): void;
  /** True once the job has been cancelled; cheap enough to read between every step. */
  readonly cancelled: boolean;
  /** Throws `JobCancelledError` when the job has been cancelled. */
  throwIfCancelled(): void;
  /** The worker's sessions, shared by the jobs it runs one after another. */
  readonly sessions: SessionCache;
}

/**
 * A job's code. The ArrayBuffers under typed arrays in its result are transferred (moved) to the
 * caller, so a handler must return buffers it does not keep using.
 */
export type JobHandler<I = unknown, O = unknown> = (input: I, ctx: JobContext) => Promise<O>;

/** Thrown by a job that stops because it was cancelled, and by its result promise. */
export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor(message = 'job cancelled') {
    super(message);
  }
}

/** Kinds to handlers, each imported when first run. */
export type JobTable = Readonly<Record<string, () => Promise<JobHandler>>>;

/** The compute layer's own kinds. */
export const COMPUTE_JOBS = {
  'ort.run': () => import('./session').then((m) => m.runModelJob as JobHandler),
  'train.loop': () => import('./train-loop').then((m) => m.trainLoopJob as JobHandler),
} satisfies JobTable;

/** Input and output of the compute layer's own kinds. */
export interface ComputeJobs {
  'ort.run': { input: ModelRunInput; output: Record<string, HostTensor> };
  'train.loop': { input: TrainLoopInput; output: TrainLoopOutput };
}

/** Kinds that exercise the pool itself (tests, diagnostics); only accepted when asked for. */
export const DEBUG_JOBS = {
  'debug.echo': () => Promise.resolve(echoJob as JobHandler),
  'debug.fail': () => Promise.resolve(failJob as JobHandler),
  'debug.crash': () => Promise.resolve(crashJob as JobHandler),
  'debug.spin': () => Promise.resolve(spinJob as JobHandler),
} satisfies JobTable;

export type DebugJobKind = keyof typeof DEBUG_JOBS;

/** Every kind accepted: the table's, and the debug kinds with `debug`. */
export function jobKinds(kinds: readonly string[], debug: boolean): string[] {
  return [...kinds, ...(debug ? Object.keys(DEBUG_JOBS) : [])];
}

/** Checks `kind` against the accepted kinds; `TypeError` quoting it and the valid kinds otherwise. */
export function checkJobKind(kind: unknown, kinds: readonly string[], debug: boolean): string {
  const valid = jobKinds(kinds, debug);
  if (typeof kind !== 'string' || !valid.includes(kind)) {
    const shown = typeof kind === 'string' ? `"${kind}"` : String(kind);
    throw new TypeError(`unknown job kind ${shown} (valid: ${valid.join(', ')})`);
  }
  return kind;
}

/** Loads the handler of a kind of `table` (or a debug kind, with `debug`), checked first. */
export function loadJobHandler(table: JobTable, kind: string, debug: boolean): Promise<JobHandler> {
  checkJobKind(kind, Object.keys(table), debug);
  const all: JobTable = debug ? { ...table, ...DEBUG_JOBS } : table;
  return all[kind]!();
}

async function echoJob(input: unknown): Promise<unknown> {
  return input;
}

async function failJob(input: { name?: string; message?: string }): Promise<never> {
  const error = new Error(input.message ?? 'debug.fail');
  error.name = input.name ?? 'Error';
  throw error;
}

/** Brings the worker down the way a native fault or a stray `process.exit` would. */
async function crashJob(input: { how?: 'exit' | 'throw' }): Promise<never> {
  if (input.how === 'throw') {
    setTimeout(() => {
      throw new Error('debug.crash: uncaught error in worker');
    });
  } else {
    setTimeout(() => process.exit(3));
  }
  return new Promise<never>(() => undefined);
}

/** Busy-waits `steps` times `stepMs`, checking cancellation between steps. */
async function spinJob(input: { steps: number; stepMs: number }, ctx: JobContext): Promise<{ steps: number }> {
  for (let i = 0; i < input.steps; i++) {
    ctx.throwIfCancelled();
    const end = Date.now() + input.stepMs;
    while (Date.now() < end);
    ctx.progress({ done: i + 1, total: input.steps });
  }
  return { steps: input.steps };
}
