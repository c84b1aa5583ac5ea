/** The app's worker pool: the generic `WorkerPool` on the registry's entry and kinds. */
import { WorkerPool, type WorkerPoolOptions, workerEntryBeside } from '../compute/worker-pool';
import { JOBS, type JobTypes } from './job-registry';

export type JobPoolOptions = Omit<WorkerPoolOptions, 'entry' | 'kinds'> & {
  /** Worker entry module. @default worker-entry.ts or .js beside this module */
  entry?: URL;
};

/** Worker threads that run every job kind of the app (`JOBS`). */
export class JobPool extends WorkerPool<JobTypes> {
  constructor(options: JobPoolOptions = {}) {
    super({ ...options, entry: options.entry ?? workerEntryBeside(import.meta.url, 'worker-entry'), kinds: Object.keys(JOBS) });
  }
}
