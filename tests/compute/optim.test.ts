import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnxFile } from '../../src/main/compute/export';
import * as fn from '../../src/main/compute/functions';
import { Graph, type Value } from '../../src/main/compute/graph';
import { initialParams } from '../../src/main/compute/init';
import { buildModel } from '../../src/main/compute/model';
import * as op from '../../src/main/compute/ops';
import { buildTrainStep } from '../../src/main/compute/optim';
import type { HostTensor } from '../../src/main/compute/tensor';
import { FLOAT64_SESSION, relativeError, rng } from './op-check';

type State = Record<string, Float64Array>;

/** Runs one train step in ONNX Runtime and returns every output as float64 arrays. */
async function step(session: InferenceSession, feeds: Record<string, [Float64Array, number[]]>): Promise<State> {
  const ortFeeds: Record<string, Tensor> = {};
  for (const [k, [data, shape]] of Object.entries(feeds)) ortFeeds[k] = new Tensor('float64', data, shape);
  const out = await session.run(ortFeeds);
  const result: State = {};
  for (const [k, v] of Object.entries(out)) result[k] = Float64Array.from(v.data as Float64Array);
  return result;
}

describe('AdamW in the graph', () => {
  // loss = sum(c * w) + 0.5 * sum(b^2): dL/dw = c, dL/db = b, so the reference needs no autodiff.
  const c = Float64Array.of(0.5, -1.5, 2.0);
  const hyper = { beta1: 0.8, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 };

  function reference(steps: number, lrs: number[], clipNorm: number): { w: Float64Array; b: Float64Array } {
    const p = { w: Float64Array.of(0.3, -0.2, 0.1), b: Float64Array.of(1.0, -2.0) };
    const m = { w: new Float64Array(3), b: new Float64Array(2) };
    const v = { w: new Float64Array(3), b: new Float64Array(2) };
    for (let t = 1; t <= steps; t++) {
      const g = { w: Float64Array.from(c), b: Float64Array.from(p.b) };
      const norm = Math.sqrt([...g.w, ...g.b].reduce((s, x) => s + x * x, 0));
      const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
      const lr = lrs[t - 1]!;
      for (const k of ['w', 'b'] as const) {
        for (let i = 0; i < p[k].length; i++) {
          const gi = g[k][i]! * scale;
          m[k][i] = hyper.beta1 * m[k][i]! + (1 - hyper.beta1) * gi;
          v[k][i] = hyper.beta2 * v[k][i]! + (1 - hyper.beta2) * gi * gi;
          const mhat = m[k][i]! / (1 - hyper.beta1 ** t);
          const vhat = v[k][i]! / (1 - hyper.beta2 ** t);
          p[k][i] = p[k][i]! * (1 - lr * hyper.weightDecay) - (lr * mhat) / (Math.sqrt(vhat) + hyper.epsilon);
        }
      }
    }
    return p;
  }

  it.each([
    ['without clipping', 0],
    ['with clipping by global norm', 1.0],
  ])('matches a hand-computed reference for 5 steps to 1e-6 (%s)', async (_name, clipNorm) => {
    const g = new Graph('float64');
    const w = g.param('w', [3]);
    const b = g.param('b', [2]);
    const cValue = g.constant({ dtype: 'float64', shape: [3], data: c });
    const loss = op.add(op.sumAll(op.mul(cValue, w)), op.mul(op.sumAll(op.mul(b, b)), 0.5));
    const model = buildTrainStep({ graph: g, loss, optimizer: { ...hyper, clipNorm } });
    expect(model.params).toEqual(['w', 'b']);
    expect(model.metrics).toContain('grad_norm');
    const session = await InferenceSession.create(model.bytes, FLOAT64_SESSION);
    let state: State = {
      'params/w': Float64Array.of(0.3, -0.2, 0.1),
      'params/b': Float64Array.of(1.0, -2.0),
      'adam_m/w': new Float64Array(3),
      'adam_m/b': new Float64Array(2),
      'adam_v/w': new Float64Array(3),
      'adam_v/b': new Float64Array(2),
    };
    const lrs = [0.1, 0.05, 0.2, 0.01, 0.1];
    for (let t = 1; t <= 5; t++) {
      const feeds: Record<string, [Float64Array, number[]]> = { step: [Float64Array.of(t), []], lr: [Float64Array.of(lrs[t - 1]!), []] };
      for (const [k, data] of Object.entries(state)) feeds[k] = [data, [data.length]];
      const out = await step(session, feeds);
      state = {};
      for (const k of ['params', 'adam_m', 'adam_v']) for (const n of ['w', 'b']) state[`${k}/${n}`] = out[`next/${k}/${n}`]!;
    }
    const ref = reference(5, lrs, clipNorm);
    for (const n of ['w', 'b'] as const) {
      const got = state[`params/${n}`]!;
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - ref[n][i]!)).toBeLessThan(1e-6);
      expect(relativeError(got, ref[n])).toBeLessThan(1e-12);
    }
  });
});

function mlp(g: Graph, x: Value): Value {
  const h1 = op.tanh(fn.linear(x, g.param('l1/weight', [2, 32]), g.param('l1/bias', [32], { kind: 'constant', value: 0 })));
  const h2 = op.tanh(fn.linear(h1, g.param('l2/weight', [32, 32]), g.param('l2/bias', [32], { kind: 'constant', value: 0 })));
  return fn.linear(h2, g.param('l3/weight', [32, 1]), g.param('l3/bias', [1], { kind: 'constant', value: 0 }));
}

describe('a small MLP regression through the train-step graph', () => {
  it('trains to MSE < 1e-3, and the exported .onnx reproduces the forward output to 1e-6', async () => {
    const next = rng(3);
    const n = 256;
    const xs = new Float32Array(n * 2);
    const ys = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = 2 * next() - 1;
      const b = 2 * next() - 1;
      xs[2 * i] = a;
      xs[2 * i + 1] = b;
      ys[i] = 0.5 * Math.sin(2 * a) + 0.3 * b * b;
    }
    const g = new Graph('float32');
    const x = g.input('x', 'float32', ['N', 2]);
    const target = g.input('y', 'float32', ['N', 1]);
    const y = mlp(g, x);
    const loss = fn.mse(y, target);
    const forwardBytes = buildModel(g, { outputs: { prediction: y } });
    const model = buildTrainStep({ graph: g, loss, optimizer: { weightDecay: 0, clipNorm: 10 } });
    expect(model.batchInputs).toEqual(['x', 'y']);

    const session = await InferenceSession.create(model.bytes);
    const params = initialParams(g, 42);
    const state: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(params)) {
      state[`params/${name}`] = new Tensor('float32', t.data as Float32Array, [...t.shape]);
      state[`adam_m/${name}`] = new Tensor('float32', new Float32Array(t.data.length), [...t.shape]);
      state[`adam_v/${name}`] = new Tensor('float32', new Float32Array(t.data.length), [...t.shape]);
    }
    const batch = { x: new Tensor('float32', xs, [n, 2]), y: new Tensor('float32', ys, [n, 1]) };
    const steps = 1500;
    let last = Infinity;
    for (let t = 1; t <= steps; t++) {
      const lr = 0.01 * 0.5 * (1 + Math.cos((Math.PI * (t - 1)) / steps));
      const out = await session.run({ ...state, ...batch, step: new Tensor('float32', Float32Array.of(t), []), lr: new Tensor('float32', Float32Array.of(lr), []) });
      for (const key of Object.keys(state)) state[key] = out[`next/${key}`]!;
      last = (out['loss']!.data as Float32Array)[0]!;
      expect(Number.isFinite(last)).toBe(true);
    }
    expect(last).toBeLessThan(1e-3);

    // Export with the trained weights and compare against the training graph's forward pass.
    const trained: Record<string, HostTensor> = {};
    for (const name of model.params) {
      const t = state[`params/${name}`]!;
      trained[name] = { dtype: 'float32', shape: [...t.dims], data: Float32Array.from(t.data as Float32Array) };
    }
    const dir = mkdtempSync(join(tmpdir(), 'nerfdex-export-'));
    const file = join(dir, 'mlp.onnx');
    exportOnnxFile(file, g, { outputs: { prediction: y }, params: trained, metadata: { 'nerfdex.test': 'mlp' } });
    const stock = await InferenceSession.create(readFileSync(file));
    expect(stock.inputNames).toEqual(['x']);
    const exported = (await stock.run({ x: batch.x }))['prediction']!.data as Float32Array;
    const forward = await InferenceSession.create(forwardBytes);
    const feeds: Record<string, Tensor> = { x: batch.x };
    for (const name of model.params) feeds[`params/${name}`] = state[`params/${name}`]!;
    const reference = (await forward.run(feeds))['prediction']!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(exported[i]! - reference[i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('refuses to export a model whose parameters have no values', () => {
    const g = new Graph('float32');
    const y = mlp(g, g.input('x', 'float32', ['N', 2]));
    expect(() => exportOnnxFile(join(tmpdir(), 'never.onnx'), g, { outputs: { y }, params: {} })).toThrow(/no value for parameter/);
  });
});
