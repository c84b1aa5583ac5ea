import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiEventHub, forwardJobEvents, type JobSource } from '../../src/main/app/app-events';
import type { ImportJobChange } from '../../src/main/app/import-jobs';
import type { ApiEvent, JobInfo } from '../../src/shared/api';

/** Jobs held in memory, changed by the test the way `ImportJobs` changes them. */
class ScriptedJobs implements JobSource {
  private readonly jobs = new Map<number, JobInfo>();
  private readonly listeners = new Set<(change: ImportJobChange) => void>();

  onChange(listener: (change: ImportJobChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  info(id: number): JobInfo {
    const job = this.jobs.get(id);
    if (job === undefined) throw new RangeError(`no import job ${id}`);
    return job;
  }

  set(id: number, patch: Partial<JobInfo>, assets = false): void {
    const base: JobInfo = { id, kind: 'library.import', label: 'Import', state: 'queued', done: 0, total: 10, imported: 0, failed: 0, stage: null, currentFile: null, etaSeconds: null, createdAt: 0, updatedAt: 0, error: null, errors: [] };
    this.jobs.set(id, { ...(this.jobs.get(id) ?? base), ...patch });
    for (const listener of this.listeners) listener({ jobId: id, assets });
  }
}

const describeEvent = (event: ApiEvent): string => (event.type === 'job' ? `${event.job.id}:${event.job.state}:${event.job.done}` : `library:${event.change}`);

describe('forwardJobEvents', () => {
  let jobs: ScriptedJobs;
  let seen: string[];
  let stop: () => void;

  beforeEach(() => {
    vi.useFakeTimers();
    jobs = new ScriptedJobs();
    const hub = new ApiEventHub();
    seen = [];
    hub.onEvent((event) => seen.push(describeEvent(event)));
    stop = forwardJobEvents(jobs, hub, { intervalMs: 200 });
  });

  afterEach(() => {
    stop();
    vi.useRealTimers();
  });

  it('sends a start at once, then at most one progress event per interval carrying the newest state', () => {
    jobs.set(1, {});
    expect(seen).toEqual(['1:queued:0']);
    jobs.set(1, { state: 'running', done: 1 });
    expect(seen).toEqual(['1:queued:0']);
    jobs.set(1, { done: 2 });
    jobs.set(1, { done: 3 });
    vi.advanceTimersByTime(200);
    expect(seen).toEqual(['1:queued:0', '1:running:3']);
    vi.advanceTimersByTime(1000);
    expect(seen).toHaveLength(2);
  });

  it('sends the end at once, and nothing for the job after it', () => {
    jobs.set(1, { state: 'running', done: 1 });
    jobs.set(1, { done: 5 });
    jobs.set(1, { state: 'done', done: 10 });
    expect(seen.at(-1)).toBe('1:done:10');
    const count = seen.length;
    vi.advanceTimersByTime(1000);
    expect(seen).toHaveLength(count);
  });

  it('coalesces the library changes of several jobs into one event per interval, sent before a job ends', () => {
    jobs.set(1, { state: 'running', done: 1, imported: 1 }, true);
    jobs.set(2, { state: 'running', done: 1, imported: 1 }, true);
    expect(seen.filter((event) => event === 'library:assets')).toHaveLength(1);
    jobs.set(1, { done: 2, imported: 2 }, true);
    jobs.set(1, { state: 'done', done: 10, imported: 10 });
    expect(seen.filter((event) => event === 'library:assets')).toHaveLength(2);
    vi.advanceTimersByTime(1000);
    expect(seen.filter((event) => event === 'library:assets')).toHaveLength(2);
  });

  it('stops forwarding when stopped, pending events included', () => {
    jobs.set(1, { state: 'running', done: 1 });
    jobs.set(1, { done: 2 });
    stop();
    jobs.set(1, { done: 3 });
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual(['1:running:1']);
  });
});

describe('ApiEventHub', () => {
  it('reaches every listener until it unsubscribes, and a listener that throws does not stop the others', () => {
    const errors: unknown[] = [];
    const hub = new ApiEventHub((error) => errors.push(error));
    const got: string[] = [];
    hub.onEvent(() => {
      throw new Error('broken view');
    });
    const stop = hub.onEvent((event) => got.push(describeEvent(event)));
    hub.emit({ type: 'library', change: 'tags' });
    stop();
    hub.emit({ type: 'library', change: 'collections' });
    expect(got).toEqual(['library:tags']);
    expect(errors).toHaveLength(2);
  });
});
