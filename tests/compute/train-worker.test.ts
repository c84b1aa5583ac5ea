import { afterAll, describe, expect, it } from 'vitest';
import * as fn from '../../src/main/compute/functions';
import { Graph } from '../../src/main/compute/graph';
import { initialParams, seededRandom } from '../../src/main/compute/init';
import * as op from '../../src/main/compute/ops';
import { buildTrainStep } from '../../src/main/compute/optim';
import { chooseProvider } from '../../src/main/compute/providers';
import { computePool } from './compute-pool';

const pool = computePool({ size: 1 });
afterAll(() => pool.close());

/** A 1 -> 16 -> 1 tanh MLP regressing sin(3x): the real AdamW train step, run by the worker's loop. */
function regression(): { model: Uint8Array; params: ReturnType<typeof initialParams>; data: Record<string, { dtype: 'float32'; shape: number[]; data: Float32Array }> } {
  const g = new Graph('float32');
  const x = g.input('x', 'float32', ['B', 1]);
  const y = g.input('y', 'float32', ['B', 1]);
  const h = op.tanh(fn.linear(x, g.param('l1/weight', [1, 16]), g.param('l1/bias', [16], { kind: 'constant', value: 0 })));
  const prediction = fn.linear(h, g.param('l2/weight', [16, 1]), g.param('l2/bias', [1], { kind: 'constant', value: 0 }));
  const step = buildTrainStep({ graph: g, loss: fn.mse(prediction, y), optimizer: { weightDecay: 0 } });
  const next = seededRandom(9);
  const n = 128;
  const xs = Float32Array.from({ length: n }, () => 2 * next() - 1);
  const ys = xs.map((v) => Math.sin(3 * v));
  return { model: step.bytes, params: initialParams(g, 1), data: { x: { dtype: 'float32', shape: [n, 1], data: xs }, y: { dtype: 'float32', shape: [n, 1], data: ys } } };
}

describe('train.loop in a worker with the AdamW train-step graph', () => {
  it('drives the loss down, reporting progress with metrics', async () => {
    const provider = await chooseProvider('cpu');
    const { model, params, data } = regression();
    const progress: number[] = [];
    const handle = pool.startJob('train.loop', { model, provider, params, data, batchSize: 32, steps: 600, schedule: { kind: 'one-cycle', lr: 0.02 }, seed: 3 }, {
      onProgress: (p) => progress.push(p.metrics?.['grad_norm'] ?? NaN),
    });
    const result = await handle.result;
    expect(result.cancelled).toBe(false);
    expect(result.losses).toHaveLength(600);
    const first = result.losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = result.losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(last).toBeLessThan(first / 20);
    expect(result.optimizer.step).toBe(600);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('stops between steps when cancelled and returns the state reached', async () => {
    const provider = await chooseProvider('cpu');
    const { model, params, data } = regression();
    let cancelled = false;
    const handle = pool.startJob('train.loop', { model, provider, params, data, batchSize: 32, steps: 1_000_000, schedule: { kind: 'constant', lr: 0.01 }, progressEvery: 10 }, {
      onProgress: (p) => {
        if (!cancelled && p.done >= 50) {
          cancelled = true;
          handle.cancel();
        }
      },
    });
    const result = await handle.result;
    expect(result.cancelled).toBe(true);
    expect(result.losses.length).toBeGreaterThanOrEqual(50);
    expect(result.losses.length).toBeLessThan(1_000_000);
    expect(result.optimizer.step).toBe(result.losses.length);
    expect(Object.keys(result.params).sort()).toEqual(Object.keys(params).sort());
  });
});
