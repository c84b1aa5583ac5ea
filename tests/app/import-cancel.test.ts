/** Cancelling an import from the API while several batches are in flight in the worker pool. */
import { afterAll, expect, it } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { libraryFixture } from './library-fixture';

const fixture = libraryFixture(undefined, { poolSize: 2, batchSize: 1 });
let app: AppLibrary | undefined;

afterAll(async () => {
  await app?.close();
  await fixture.remove();
});

it('stops the job, keeps what was imported, and leaves the process running', async () => {
  app = await fixture.open();
  const api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app!) });
  const [job] = await api.listJobs();
  expect(job).toMatchObject({ label: 'Import the demo library', state: 'running', total: 6 });
  await expect.poll(async () => (await api.listJobs())[0]!.done, { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(1);
  const cancelled = await api.cancelJob(job!.id);
  expect(cancelled.state).toBe('cancelled');
  expect(cancelled.done).toBeLessThan(6);
  const summary = await api.librarySummary();
  expect(summary.assets).toBe(cancelled.done);
  // A cancelled job is not cancelled twice, and stays listed.
  expect((await api.cancelJob(job!.id)).state).toBe('cancelled');
  expect((await api.listJobs()).map((j) => j.state)).toEqual(['cancelled']);
}, 300_000);
