/**
 * Entry of a compute worker thread: runs one job at a time from the registry in `jobs.ts`,
 * posting progress, the result or a serialised error back to the pool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JobCancelledError, loadJobHandler, type JobContext, type JobProgress } from './jobs';
import { SessionCache } from './session';

/** Pool -> worker. `cancelFlag` holds one Int32: 0 running, 1 cancelled. */
export interface RunJobMessage {
  type: 'run';
  id: number;
  kind: string;
  input: unknown;
  cancelFlag: SharedArrayBuffer;
}

/** Worker -> pool. */
export type WorkerMessage =
  | { type: 'progress'; id: number; progress: JobProgress }
  | { type: 'done'; id: number; output: unknown }
  | { type: 'failed'; id: number; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** Data the pool hands each worker at spawn. */
export interface WorkerSetup {
  debugJobs: boolean;
}

const port = parentPort;
if (!port) throw new Error('worker-entry: must run in a worker thread');
const setup = (workerData ?? { debugJobs: false }) as WorkerSetup;
const sessions = new SessionCache();

port.on('message', (message: RunJobMessage) => {
  if (message?.type === 'run') void runJob(message);
});

async function runJob(message: RunJobMessage): Promise<void> {
  const { id } = message;
  const flag = new Int32Array(message.cancelFlag);
  const ctx: JobContext = {
    progress: (progress) => post({ type: 'progress', id, progress }),
    get cancelled() {
      return Atomics.load(flag, 0) !== 0;
    },
    throwIfCancelled() {
      if (Atomics.load(flag, 0) !== 0) throw new JobCancelledError();
    },
    sessions,
  };
  try {
    const handler = await loadJobHandler(message.kind, setup.debugJobs);
    const output = await handler(message.input, ctx);
    post({ type: 'done', id, output }, transferablesOf(output));
  } catch (error) {
    post({ type: 'failed', id, error: serializeError(error) });
  }
}

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  try {
    port!.postMessage(message, transfer);
  } catch (error) {
    if (transfer.length > 0) return post(message);
    if (message.type !== 'failed') post({ type: 'failed', id: message.id, error: serializeError(error) });
  }
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

/** Buffers under typed arrays in a job's result, moved rather than copied back to the pool. */
function transferablesOf(value: unknown, found = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (depth > 8 || value === null || typeof value !== 'object') return [...found];
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else {
    for (const item of Array.isArray(value) ? value : Object.values(value)) transferablesOf(item, found, depth + 1);
  }
  return [...found];
}
