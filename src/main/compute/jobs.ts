/**
 * Jobs that run in worker threads: what a job sees (JobContext) and which kinds exist.
 * Handlers are imported lazily from a fixed table so a bundler can follow them; a message can only
 * name a kind, never a module path.
 */
import type { SessionCache } from './session';

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

/** Job kinds available to every caller. */
const JOBS = {
  'ort.run': () => import('./session').then((m) => m.runModelJob as JobHandler),
  'train.loop': () => import('./train-loop').then((m) => m.trainLoopJob as JobHandler),
  // The registry names every job kind of the app, so it reaches past the compute layer here.
  'zoo.fit': () => import('../zoo/fit-job').then((m) => m.zooFitJob as JobHandler),
  'gmn.train': () => import('../gmn/train-job').then((m) => m.gmnTrainJob as JobHandler),
  'gmn.finetune': () => import('../gmn/finetune-job').then((m) => m.gmnFineTuneJob as JobHandler),
  'text.train': () => import('../text/train-job').then((m) => m.textTrainJob as JobHandler),
  'library.import-batch': () => import('../library/import/import-job').then((m) => m.importBatchJob as JobHandler),
  'library.map-layout': () => import('../app/map-layout-job').then((m) => m.mapLayoutJob as JobHandler),
  'library.embed-file': () => import('../app/embed-file-job').then((m) => m.embedFileJob as JobHandler),
} satisfies Record<string, () => Promise<JobHandler>>;

/** Kinds that exercise the pool itself (tests, diagnostics); only registered when asked for. */
const DEBUG_JOBS = {
  'debug.echo': () => Promise.resolve(echoJob as JobHandler),
  'debug.fail': () => Promise.resolve(failJob as JobHandler),
  'debug.crash': () => Promise.resolve(crashJob as JobHandler),
  'debug.spin': () => Promise.resolve(spinJob as JobHandler),
} satisfies Record<string, () => Promise<JobHandler>>;

export type JobKind = keyof typeof JOBS;
export type DebugJobKind = keyof typeof DEBUG_JOBS;

/** Every kind a pool accepts, debug kinds only with `debug`. */
export function jobKinds(debug: boolean): string[] {
  return [...Object.keys(JOBS), ...(debug ? Object.keys(DEBUG_JOBS) : [])];
}

/** Checks `kind` against the registry; `TypeError` quoting it and the valid kinds otherwise. */
export function checkJobKind(kind: unknown, debug: boolean): string {
  const kinds = jobKinds(debug);
  if (typeof kind !== 'string' || !kinds.includes(kind)) {
    const shown = typeof kind === 'string' ? `"${kind}"` : String(kind);
    throw new TypeError(`unknown job kind ${shown} (valid: ${kinds.join(', ')})`);
  }
  return kind;
}

/** Loads the handler of a checked kind. */
export function loadJobHandler(kind: string, debug: boolean): Promise<JobHandler> {
  checkJobKind(kind, debug);
  const table: Record<string, () => Promise<JobHandler>> = debug ? { ...JOBS, ...DEBUG_JOBS } : JOBS;
  return table[kind]!();
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
