/** The training driver: one step's hand-off against a plain AdamW, the error paths, and the step loop's cancellation and checkpoints. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/main/compute/checkpoint';
import * as fn from '../../src/main/compute/functions';
import { Graph } from '../../src/main/compute/graph';
import * as op from '../../src/main/compute/ops';
import { buildTrainStep } from '../../src/main/compute/optim';
import { SessionCache } from '../../src/main/compute/session';
import type { HostTensor } from '../../src/main/compute/tensor';
import { runTraining, trainState, trainStep } from '../../src/main/compute/train-driver';
import { recordingContext } from './recorded-losses';

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

describe('trainState / trainStep', () => {
  it('fills missing moments with zeros and keeps given ones', () => {
    const w: HostTensor = { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) };
    const m: HostTensor = { dtype: 'float32', shape: [2], data: Float32Array.of(3, 4) };
    const s = trainState({ w, b: w }, { m: { w: m }, step: 7 }).optimizer;
    expect(s.step).toBe(7);
    expect(s.m['w']).toBe(m);
    expect([...(s.m['b']!.data as Float32Array)]).toEqual([0, 0]);
    expect([...(s.v['w']!.data as Float32Array)]).toEqual([0, 0]);
  });

  it('takes AdamW steps as the textbook update does and moves the state', async () => {
    const model = regression();
    const session = await InferenceSession.create(model.bytes);
    const state = trainState({ w: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(0.5, -0.5) } });
    // Plain AdamW in float64 (beta 0.9 / 0.999, eps 1e-8, no decay) on the same data.
    const w = [0.5, -0.5];
    const mm = [0, 0];
    const vv = [0, 0];
    for (let k = 1; k <= 3; k++) {
      const lr = 0.1 * k;
      const out = await trainStep(session, batch(1), state, lr, 'test');
      // x is the identity, so the gradient of mean((w - t)^2) over 2 rows is (w - t).
      const grad = [w[0]! - 1, w[1]! + 1];
      for (let i = 0; i < 2; i++) {
        mm[i] = 0.9 * mm[i]! + 0.1 * grad[i]!;
        vv[i] = 0.999 * vv[i]! + 0.001 * grad[i]! ** 2;
        w[i] = w[i]! - (lr * (mm[i]! / (1 - 0.9 ** k))) / (Math.sqrt(vv[i]! / (1 - 0.999 ** k)) + 1e-8);
      }
      expect(state.optimizer.step).toBe(k);
      const got = [...(state.params['w']!.data as Float32Array)];
      for (let i = 0; i < 2; i++) expect(got[i]!).toBeCloseTo(w[i]!, 5);
      expect(Object.keys(out.metrics)).toEqual(['loss', ...model.metrics]);
    }
  });

  it('throws naming the job on a non-finite loss and leaves the state at the last good step', async () => {
    const session = await InferenceSession.create(regression().bytes);
    const state = trainState({ w: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(0.5, -0.5) } });
    await trainStep(session, batch(1), state, 0.1, 'probe');
    const before = [...(state.params['w']!.data as Float32Array)];
    await expect(trainStep(session, batch(Number.NaN), state, 0.1, 'probe')).rejects.toThrow(/^probe: the loss became NaN at step 2$/);
    expect(state.optimizer.step).toBe(1);
    expect([...(state.params['w']!.data as Float32Array)]).toEqual(before);
  });
});

describe('runTraining', () => {
  const sessions = new SessionCache();
  const start = (): ReturnType<typeof trainState> => trainState({ w: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(0.5, -0.5) } });

  it('steps on the schedule from its offset, reports what the job returns, and checkpoints every N steps and at the end', async () => {
    const session = await InferenceSession.create(regression().bytes);
    const path = join(mkdtempSync(join(tmpdir(), 'nerfdex-driver-')), 'checkpoint.safetensors');
    const state = start();
    const { ctx, progress } = recordingContext(sessions);
    const lrs: number[] = [];
    const saved: number[] = [];
    const result = await runTraining(
      {
        job: 'test',
        session,
        state,
        steps: 3,
        schedule: { kind: 'cosine', lr: 1, offset: 1, totalSteps: 4 },
        batch: () => batch(1),
        report: async ({ index, step, lr, loss }) => {
          lrs.push(lr);
          saved.push((await loadCheckpoint(path).catch(() => undefined))?.optimizer?.step ?? 0);
          return index === 1 ? { done: step, total: 3, metrics: { loss } } : undefined;
        },
        checkpoint: { path, every: 2, metadata: { run: 'test' } },
      },
      ctx,
    );
    expect(result).toMatchObject({ steps: 3, cancelled: false });
    expect(result.losses).toHaveLength(3);
    [1, 2, 3].forEach((s, i) => expect(lrs[i]).toBeCloseTo((1 + Math.cos((Math.PI * s) / 4)) / 2, 6));
    expect(progress).toEqual([{ done: 2, total: 3, metrics: { loss: result.losses[1] } }]);
    // Reported before the step's checkpoint: after step 3 the file holds step 2.
    expect(saved).toEqual([0, 0, 2]);
    const last = await loadCheckpoint(path);
    expect(last.optimizer?.step).toBe(3);
    expect(last.metadata).toEqual({ run: 'test' });
  });

  it('stops before a step once cancelled, checkpointing only when it took a step', async () => {
    const session = await InferenceSession.create(regression().bytes);
    const dir = mkdtempSync(join(tmpdir(), 'nerfdex-driver-cancel-'));
    const state = start();
    const run = { job: 'test', session, state, steps: 10, schedule: { kind: 'constant' as const, lr: 0.1 }, batch: () => batch(1), report: ({ step }: { step: number }) => ({ done: step, total: 10 }) };
    const stopped = await runTraining({ ...run, checkpoint: { path: join(dir, 'a.safetensors'), every: 100 } }, recordingContext(sessions, (p) => p.length >= 2).ctx);
    expect(stopped).toMatchObject({ steps: 2, cancelled: true });
    expect(state.optimizer.step).toBe(2);
    expect((await loadCheckpoint(join(dir, 'a.safetensors'))).optimizer?.step).toBe(2);
    const none = await runTraining({ ...run, checkpoint: { path: join(dir, 'b.safetensors'), every: 1 } }, recordingContext(sessions, () => true).ctx);
    expect(none).toMatchObject({ steps: 0, cancelled: true, losses: [] });
    await expect(loadCheckpoint(join(dir, 'b.safetensors'))).rejects.toThrow();
  });
});
