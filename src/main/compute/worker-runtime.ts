/**
 * The inside of a worker thread: `serveJobs(table)` runs one job at a time from a job table,
 * posting progress, the result or a serialised error back to the pool. A worker entry module
 * (the app's is `src/main/app/worker-entry.ts`) calls it with its table.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { JobCancelledError, loadJobHandler, type JobContext, type JobProgress, type JobTable } from './jobs';
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

/** Serves the pool's messages in this worker thread with the handlers of `table`. */
export function serveJobs(table: JobTable): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs: must run in a worker thread');
  const setup = (workerData ?? { debugJobs: false }) as WorkerSetup;
  const sessions = new SessionCache();
  port.on('message', (message: RunJobMessage) => {
    if (message?.type === 'run') void runJob(message, table, setup, sessions, port);
  });
}

async function runJob(message: RunJobMessage, table: JobTable, setup: WorkerSetup, sessions: SessionCache, port: MessagePort): Promise<void> {
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
    const handler = await loadJobHandler(table, message.kind, setup.debugJobs);
    const output = await handler(message.input, ctx);
    post({ type: 'done', id, output }, transferablesOf(output));
  } catch (error) {
    post({ type: 'failed', id, error: serializeError(error) });
  }

  function post(reply: WorkerMessage, transfer: ArrayBuffer[] = []): void {
    try {
      port.postMessage(reply, transfer);
    } catch (error) {
      if (transfer.length > 0) return post(reply);
      if (reply.type !== 'failed') post({ type: 'failed', id: reply.id, error: serializeError(error) });
    }
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
