/**
 * The text model trains as the `text.train` worker job (as the CLI and the app run it): progress
 * arrives from the worker, the model it writes loads, and a cancelled job writes nothing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobCancelledError } from '../../src/main/compute/jobs';
import { chooseProvider } from '../../src/main/compute/providers';
import { JobPool } from '../../src/main/app/job-pool';
import { TextEmbedder } from '../../src/main/text/text-model-file';
import { SYNTHETIC_VERSION, writeSyntheticZoo } from './synthetic';

describe('the text.train worker job', () => {
  let dir: string;
  let pool: JobPool;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nerfdex-text-job-'));
    writeSyntheticZoo(join(dir, 'zoo'));
    pool = new JobPool({ size: 1 });
  });

  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains in a worker with progress and writes a model that loads', { timeout: 120_000 }, async () => {
    const out = join(dir, 'models', 'text.onnx');
    const progress: number[] = [];
    const handle = pool.startJob(
      'text.train',
      { zoo: join(dir, 'zoo'), encoderVersion: SYNTHETIC_VERSION, out, provider: await chooseProvider('cpu', { threads: 1 }), steps: 40, batch: 16, seed: 0 },
      { onProgress: (p) => p.message === 'training' && progress.push(p.done) },
    );
    const result = await handle.result;
    expect(result.steps).toBe(40);
    expect(result.model).toBe(out);
    expect(progress.at(-1)).toBe(40);
    const text = await TextEmbedder.load(out);
    expect(text.info.encoderVersion).toBe(SYNTHETIC_VERSION);
    expect((await text.encode('a red chair')).embedding.length).toBe(text.dimensions);
  });

  it('cancels without writing a model', { timeout: 120_000 }, async () => {
    const out = join(dir, 'cancelled', 'text.onnx');
    const handle = pool.startJob(
      'text.train',
      { zoo: join(dir, 'zoo'), encoderVersion: SYNTHETIC_VERSION, out, provider: await chooseProvider('cpu', { threads: 1 }), steps: 100_000, batch: 16, seed: 0 },
      { onProgress: (p) => p.message === 'training' && handle.cancel() },
    );
    await expect(handle.result).rejects.toBeInstanceOf(JobCancelledError);
    expect(existsSync(out)).toBe(false);
  });
});
