/** The host side of AdamW state: one step's hand-off against a plain AdamW, and the error paths. */
import { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { adamWState, adamWStep, stepMetrics } from '../../src/main/compute/adamw-state';
import * as fn from '../../src/main/compute/functions';
import { Graph } from '../../src/main/compute/graph';
import * as op from '../../src/main/compute/ops';
import { buildTrainStep } from '../../src/main/compute/optim';
import type { HostTensor } from '../../src/main/compute/tensor';

/** y = x w, loss = mse(y, t): w [2, 1]; the gradient is 2/N x^T (x w - t). */
function regression() {
  const g = new Graph('float32');
  const x = g.input('x', 'float32', ['N', 2]);
  const t = g.input('t', 'float32', ['N', 1]);
  const w = g.param('w', [2, 1]);
  const model = buildTrainStep({ graph: g, loss: fn.mse(op.matmul(x, w), t), optimizer: { weightDecay: 0 } });
  return model;
}

const batch = (t: number): Record<string, HostTensor> => ({
  x: { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 0, 0, 1) },
  t: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(t, -t) },
});

describe('adamWState / adamWStep', () => {
  it('fills missing moments with zeros and keeps given ones', () => {
    const w: HostTensor = { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) };
    const m: HostTensor = { dtype: 'float32', shape: [2], data: Float32Array.of(3, 4) };
    const s = adamWState({ w, b: w }, { m: { w: m }, step: 7 });
    expect(s.step).toBe(7);
    expect(s.m['w']).toBe(m);
    expect([...(s.m['b']!.data as Float32Array)]).toEqual([0, 0]);
    expect([...(s.v['w']!.data as Float32Array)]).toEqual([0, 0]);
  });

  it('takes AdamW steps as the textbook update does and moves the state', async () => {
    const model = regression();
    const session = await InferenceSession.create(model.bytes);
    const state = adamWState({ w: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(0.5, -0.5) } });
    // Plain AdamW in float64 (beta 0.9 / 0.999, eps 1e-8, no decay) on the same data.
    const w = [0.5, -0.5];
    const mm = [0, 0];
    const vv = [0, 0];
    for (let k = 1; k <= 3; k++) {
      const lr = 0.1 * k;
      const out = await adamWStep(session, batch(1), state, lr, 'test');
      // x is the identity, so the gradient of mean((w - t)^2) over 2 rows is (w - t).
      const grad = [w[0]! - 1, w[1]! + 1];
      for (let i = 0; i < 2; i++) {
        mm[i] = 0.9 * mm[i]! + 0.1 * grad[i]!;
        vv[i] = 0.999 * vv[i]! + 0.001 * grad[i]! ** 2;
        w[i] = w[i]! - (lr * (mm[i]! / (1 - 0.9 ** k))) / (Math.sqrt(vv[i]! / (1 - 0.999 ** k)) + 1e-8);
      }
      expect(state.step).toBe(k);
      const got = [...(state.params['w']!.data as Float32Array)];
      for (let i = 0; i < 2; i++) expect(got[i]!).toBeCloseTo(w[i]!, 5);
      expect(Object.keys(stepMetrics(out, model.metrics))).toEqual(['loss', ...model.metrics]);
    }
  });

  it('throws naming the job on a non-finite loss and leaves the state at the last good step', async () => {
    const session = await InferenceSession.create(regression().bytes);
    const state = adamWState({ w: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(0.5, -0.5) } });
    await adamWStep(session, batch(1), state, 0.1, 'probe');
    const before = [...(state.params['w']!.data as Float32Array)];
    await expect(adamWStep(session, batch(Number.NaN), state, 0.1, 'probe')).rejects.toThrow(/^probe: the loss became NaN at step 2$/);
    expect(state.step).toBe(1);
    expect([...(state.params['w']!.data as Float32Array)]).toEqual(before);
  });
});
