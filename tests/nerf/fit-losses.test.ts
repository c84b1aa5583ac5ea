/** NeRF fitting and distillation give the losses recorded before the training driver. */
import { afterAll, describe, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { SessionCache } from '../../src/main/compute/session';
import { TRAINING_ARCHITECTURES, configFor } from '../../src/main/nerf/architectures';
import { distillNerf } from '../../src/main/nerf/distill';
import { type FitSamples, fitNerfs } from '../../src/main/nerf/fit';
import { readNerfFile } from '../../src/main/nerf/formats/native';
import type { ProviderChoice } from '../../src/shared/compute';
import { expectRecordedLosses } from '../compute/recorded-losses';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 1 };
const sessions = new SessionCache();
afterAll(() => sessions.dispose());

/** Ball b: radius 0.3 + 0.2 b, coloured by position. */
function samples(b: number): FitSamples {
  const next = seededRandom(11 + b);
  const n = 2000;
  const points = new Float32Array(n * 3);
  const density = new Float32Array(n);
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p = [2 * next() - 1, 2 * next() - 1, 2 * next() - 1] as const;
    points.set(p, 3 * i);
    density[i] = Math.hypot(...p) < 0.3 + 0.2 * b ? 20 : 0;
    rgb.set([0.5 + 0.4 * p[0], 0.5 + 0.4 * p[1], 0.5], 3 * i);
  }
  return { points, density, rgb };
}

describe('fitNerfs losses for a fixed seed', () => {
  it.each(TRAINING_ARCHITECTURES)('%s: two NeRFs fitted together give the recorded losses', async (id) => {
    const config = configFor(id, [
      [-1, -1, -1],
      [1, 1, 1],
    ]);
    const losses: number[] = [];
    const result = await fitNerfs(config, [samples(0), samples(1)], sessions, cpu, { steps: 6, pointsPerStep: 256, seed: 3, progressEvery: 1, onProgress: (_step, _steps, loss) => losses.push(loss) });
    expectRecordedLosses(losses, RECORDED_FIT[id]!);
    expectRecordedLosses([result.finalLoss], RECORDED_FIT[id]!.slice(-1));
  });

  it('distillation of a demo tri-plane into a hash grid gives the recorded losses', async () => {
    const source = await readNerfFile('resources/demo/chair-070000.triplane-train.nerf.safetensors');
    const losses: number[] = [];
    await distillNerf(source, 'hash-train', sessions, cpu, { samples: 4000, steps: 5, seed: 1, progressEvery: 1, onProgress: (_step, _steps, loss) => losses.push(loss) });
    expectRecordedLosses(losses, RECORDED_DISTILL);
  });
});

const RECORDED_FIT: Record<string, number[]> = {
  'mlp-train': [0.02634992077946663, 0.03239541873335838, 0.016937652602791786, 0.01840437948703766, 0.01828877255320549, 0.01624557003378868],
  'triplane-train': [0.025645358487963676, 0.0254520270973444, 0.013803472742438316, 0.01542234793305397, 0.015130008570849895, 0.013536849990487099],
  'hash-train': [0.019875798374414444, 0.024776726961135864, 0.01642541028559208, 0.018869755789637566, 0.0191570483148098, 0.018136169761419296],
};
const RECORDED_DISTILL = [0.10730430483818054, 0.09787987172603607, 0.09891146421432495, 0.09610799700021744, 0.09183908998966217];
