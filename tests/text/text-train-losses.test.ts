/** text.train gives the losses recorded before the training driver (the last step's, for runs of 1 to 3 steps). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobCancelledError } from '../../src/main/compute/jobs';
import { SessionCache } from '../../src/main/compute/session';
import { textTrainJob } from '../../src/main/text/train-job';
import type { ProviderChoice } from '../../src/shared/compute';
import { expectRecordedLosses, recordingContext } from '../compute/recorded-losses';
import { SYNTHETIC_VERSION, writeSyntheticZoo } from './synthetic';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 1 };
const sessions = new SessionCache();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nerfdex-text-losses-'));
  writeSyntheticZoo(join(dir, 'zoo'));
});
afterAll(async () => {
  await sessions.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('text.train losses for a fixed seed', () => {
  it('gives the recorded losses', { timeout: 120_000 }, async () => {
    const losses: number[] = [];
    for (const steps of [1, 2, 3]) {
      const { ctx, progress } = recordingContext(sessions);
      const out = await textTrainJob({ zoo: join(dir, 'zoo'), encoderVersion: SYNTHETIC_VERSION, out: join(dir, `m${steps}`, 'text.onnx'), provider: cpu, steps, batch: 8, seed: 2 }, ctx);
      expect(progress.at(-1)).toMatchObject({ done: steps, total: steps, message: 'training' });
      expect(progress.at(-1)!.metrics!['loss']).toBe(out.lastLoss);
      losses.push(out.lastLoss);
    }
    expectRecordedLosses(losses, RECORDED);
  });

  it('rejects with JobCancelledError when cancelled between steps', async () => {
    const { ctx } = recordingContext(sessions, () => true);
    await expect(textTrainJob({ zoo: join(dir, 'zoo'), encoderVersion: SYNTHETIC_VERSION, out: join(dir, 'c', 'text.onnx'), provider: cpu, steps: 10, batch: 8, seed: 2 }, ctx)).rejects.toBeInstanceOf(JobCancelledError);
  });
});

const RECORDED = [1.4670552015304565, 1.3360261917114258, 1.4446473121643066];
