/** Closing the app mid-import: the job stops after its current batch, stays queued, and the next open finishes it. */
import { afterAll, expect, it } from 'vitest';
import { createApiService } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { libraryFixture } from './library-fixture';

const fixture = libraryFixture(undefined, { poolSize: 1, batchSize: 1 });
let reopened: AppLibrary | undefined;

afterAll(async () => {
  await reopened?.close();
  await fixture.remove();
});

it('checkpoints a running import on close and resumes it on the next open', async () => {
  const app = await fixture.open();
  const service = createApiService({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
  const [job] = await service.api.listJobs();
  expect(job).toMatchObject({ label: 'Import the demo library', state: 'running', total: 6 });
  await expect.poll(async () => (await service.api.listJobs())[0]!.done, { timeout: 120_000, interval: 50 }).toBeGreaterThanOrEqual(1);

  await service.close();
  const stopped = app.library;
  expect(() => stopped.listJobs()).toThrow();
  await expect(service.api.listJobs()).rejects.toThrow('the library is closed: nerfdex is quitting');

  reopened = await fixture.open();
  const [left] = reopened.jobs.list();
  expect(left!.id).toBe(job!.id);
  expect(left!.done).toBeLessThan(6);
  await reopened.jobs.idle();
  expect(reopened.jobs.info(job!.id)).toMatchObject({ state: 'done', done: 6, failed: 0 });
  expect(reopened.library.listAssets({ limit: 0 }).total).toBe(6);
}, 300_000);
