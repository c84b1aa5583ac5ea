/**
 * Step-by-step losses of each training job for a fixed seed, recorded from the code before the
 * jobs moved onto one training driver (compute/train-driver.ts): a job must still give them.
 */
import { expect } from 'vitest';
import { JobCancelledError, type JobContext, type JobProgress } from '../../src/main/compute/jobs';
import type { SessionCache } from '../../src/main/compute/session';

/** A JobContext for calling a job in-process: records its progress, cancelled once `cancelWhen` says so. */
export function recordingContext(sessions: SessionCache, cancelWhen: (progress: readonly JobProgress[]) => boolean = () => false): { ctx: JobContext; progress: JobProgress[] } {
  const progress: JobProgress[] = [];
  const ctx: JobContext = {
    progress: (p) => progress.push(p),
    get cancelled() {
      return cancelWhen(progress);
    },
    throwIfCancelled() {
      if (this.cancelled) throw new JobCancelledError();
    },
    sessions,
  };
  return { ctx, progress };
}

/**
 * `got` matches `recorded` step for step. On the machine that recorded them they are equal bit for
 * bit; the tolerance (1e-6 relative) only leaves room for another CPU's float32 reductions.
 */
export function expectRecordedLosses(got: readonly number[], recorded: readonly number[]): void {
  if (process.env['NERFDEX_RECORD_LOSSES']) console.log(`recorded losses: ${JSON.stringify(got)}`);
  expect(got).toHaveLength(recorded.length);
  got.forEach((x, i) => expect(Math.abs(x - recorded[i]!), `step ${i + 1}: ${x} vs recorded ${recorded[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(recorded[i]!))));
}
