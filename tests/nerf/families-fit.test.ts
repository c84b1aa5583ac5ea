import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import * as fn from '../../src/main/compute/functions';
import { Graph } from '../../src/main/compute/graph';
import { seededRandom } from '../../src/main/compute/init';
import * as op from '../../src/main/compute/ops';
import { buildTrainStep } from '../../src/main/compute/optim';
import { TRAINING_ARCHITECTURES, configFor } from '../../src/main/nerf/architectures';
import { buildFieldGraph, declareFieldParams, initParams, stackParams } from '../../src/main/nerf/field-graph';

const B = 2;
const N = 512;
const STEPS = 100;

/** Points in [-1, 1]^3; NeRF b's target is a ball of radius 0.4 + 0.2 b (density ramping 1 -> 0 over 0.3) coloured by position. */
function batch(): { points: Float32Array; density: Float32Array; rgb: Float32Array } {
  const next = seededRandom(5);
  const points = new Float32Array(B * N * 3);
  const density = new Float32Array(B * N);
  const rgb = new Float32Array(B * N * 3);
  for (let i = 0; i < B * N; i++) {
    const b = Math.floor(i / N);
    const p = [2 * next() - 1, 2 * next() - 1, 2 * next() - 1] as const;
    points.set(p, 3 * i);
    const r = Math.hypot(...p);
    density[i] = Math.min(1, Math.max(0, (0.4 + 0.2 * b - r) / 0.3 + 0.5));
    rgb.set([0.5 + 0.4 * p[0], 0.5 + 0.4 * p[1], 0.5], 3 * i);
  }
  return { points, density, rgb };
}

describe('fitting a batch of NeRFs through buildTrainStep', () => {
  it.each(TRAINING_ARCHITECTURES)('%s: 100 AdamW steps on 2 NeRFs cut the loss more than 5x', async (id) => {
    const config = configFor(id, [
      [-1, -1, -1],
      [1, 1, 1],
    ]);
    const g = new Graph('float32');
    const points = g.input('points', 'float32', [B, 'N', 3]);
    const targetDensity = g.input('target_density', 'float32', [B, 'N']);
    const targetRgb = g.input('target_rgb', 'float32', [B, 'N', 3]);
    const field = buildFieldGraph(g, config, points, declareFieldParams(g, config, B));
    const loss = op.add(fn.mse(field.density, targetDensity), fn.mse(field.rgb, targetRgb));
    const model = buildTrainStep({ graph: g, loss, optimizer: { weightDecay: 0 } });
    const session = await InferenceSession.create(model.bytes);

    const start = stackParams(config, [initParams(config, 1), initParams(config, 2)]);
    const state: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(start)) {
      state[`params/${name}`] = new Tensor('float32', t.data as Float32Array, [...t.shape]);
      state[`adam_m/${name}`] = new Tensor('float32', new Float32Array(t.data.length), [...t.shape]);
      state[`adam_v/${name}`] = new Tensor('float32', new Float32Array(t.data.length), [...t.shape]);
    }
    const data = batch();
    const feeds = {
      points: new Tensor('float32', data.points, [B, N, 3]),
      target_density: new Tensor('float32', data.density, [B, N]),
      target_rgb: new Tensor('float32', data.rgb, [B, N, 3]),
      lr: new Tensor('float32', Float32Array.of(1e-2), []),
    };
    const losses: number[] = [];
    for (let t = 1; t <= STEPS; t++) {
      const out = await session.run({ ...state, ...feeds, step: new Tensor('float32', Float32Array.of(t), []) });
      for (const key of Object.keys(state)) state[key] = out[`next/${key}`]!;
      losses.push((out['loss']!.data as Float32Array)[0]!);
    }
    await session.release();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[0]! / losses[STEPS - 1]!).toBeGreaterThan(5);
  });
});
