/** The zoo.fit job gives the losses recorded before the training driver, and a cancelled fit writes nothing. */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionCache } from '../../src/main/compute/session';
import { zooFitJob } from '../../src/main/zoo/fit-job';
import type { ProviderChoice } from '../../src/shared/compute';
import { expectRecordedLosses, recordingContext } from '../compute/recorded-losses';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 1 };
const sessions = new SessionCache();
afterAll(() => sessions.dispose());

describe('zoo.fit losses for a fixed seed', () => {
  it('reports the recorded losses every 10 steps', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'nerfdex-zoo-fit-losses-'));
    const { ctx, progress } = recordingContext(sessions);
    const out = await zooFitJob({ architecture: 'mlp-train', objects: [{ category: 'chair', seed: 3 }, { category: 'car', seed: 4 }], outDir, provider: cpu, steps: 30, pointsPerStep: 256, samplesPerObject: 5000, checkSize: 16 }, ctx);
    expect(progress.map((p) => p.done)).toEqual([10, 20, 30]);
    expectRecordedLosses(progress.map((p) => p.metrics!['loss']!), RECORDED);
    expect(out.fits).toHaveLength(2);
  });

  it('stops when cancelled, writing no file', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'nerfdex-zoo-fit-cancel-'));
    const { ctx, progress } = recordingContext(sessions, (p) => p.length >= 1);
    const out = await zooFitJob({ architecture: 'mlp-train', objects: [{ category: 'chair', seed: 3 }], outDir, provider: cpu, steps: 1000, pointsPerStep: 256, samplesPerObject: 5000, checkSize: 16 }, ctx);
    expect(out).toMatchObject({ fits: [], cancelled: true });
    expect(progress.map((p) => p.done)).toEqual([10]);
    expect(readdirSync(outDir)).toEqual([]);
  });
});

const RECORDED = [0.19946275651454926, 0.14254005253314972, 0.1289939433336258];
