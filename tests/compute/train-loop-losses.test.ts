/** train.loop on a real AdamW train-step graph gives the losses recorded before the training driver. */
import { afterAll, describe, it } from 'vitest';
import * as fn from '../../src/main/compute/functions';
import { Graph } from '../../src/main/compute/graph';
import * as op from '../../src/main/compute/ops';
import { buildTrainStep } from '../../src/main/compute/optim';
import { SessionCache } from '../../src/main/compute/session';
import { tensor } from '../../src/main/compute/tensor';
import { trainLoopJob } from '../../src/main/compute/train-loop';
import type { ProviderChoice } from '../../src/shared/compute';
import { expectRecordedLosses, recordingContext } from './recorded-losses';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 1 };
const sessions = new SessionCache();
afterAll(() => sessions.dispose());

describe('train.loop losses for a fixed seed', () => {
  it('gives the recorded losses, fresh and resumed from a state part-way', async () => {
    const g = new Graph('float32');
    const x = g.input('x', 'float32', ['N', 2]);
    const t = g.input('t', 'float32', ['N', 1]);
    const w = g.param('w', [2, 1]);
    const b = g.param('b', [1]);
    const model = buildTrainStep({ graph: g, loss: fn.mse(op.add(op.matmul(x, w), b), t), optimizer: { weightDecay: 0.01, clipNorm: 0.5 } });
    const data = {
      x: tensor('float32', [8, 2], [1, 0, 0, 1, 1, 1, 2, -1, -1, 3, 0.5, 0.5, -2, 1, 3, 2]),
      t: tensor('float32', [8, 1], [1, -1, 0.5, 3, -2, 0.25, 4, 1.5]),
    };
    const input = { model: model.bytes, provider: cpu, params: { w: tensor('float32', [2, 1], [0.3, -0.2]), b: tensor('float32', [1], [0.1]) }, data, batchSize: 3, seed: 4 };
    const full = await trainLoopJob({ ...input, steps: 6, schedule: { kind: 'one-cycle', lr: 0.2 } }, recordingContext(sessions).ctx);
    expectRecordedLosses(full.losses, RECORDED);
    const first = await trainLoopJob({ ...input, steps: 3, schedule: { kind: 'one-cycle', lr: 0.2, totalSteps: 6 } }, recordingContext(sessions).ctx);
    expectRecordedLosses(first.losses, RECORDED.slice(0, 3));
  });
});

const RECORDED = [8.836666107177734, 0.9122889041900635, 0.1517585963010788, 8.613651275634766, 1.39010488986969, 7.239601135253906];
