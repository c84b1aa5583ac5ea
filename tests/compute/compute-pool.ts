/** A worker pool of the compute layer's own job kinds (and, on request, the debug kinds), without the app's registry. */
import { COMPUTE_JOBS, type ComputeJobs } from '../../src/main/compute/jobs';
import { WorkerPool, type WorkerPoolOptions } from '../../src/main/compute/worker-pool';

export function computePool(options: Omit<WorkerPoolOptions, 'entry' | 'kinds'> = {}): WorkerPool<ComputeJobs> {
  return new WorkerPool<ComputeJobs>({ ...options, entry: new URL('./fixtures/compute-worker-entry.ts', import.meta.url), kinds: Object.keys(COMPUTE_JOBS) });
}
