import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/main/compute/graph';
import { buildModel } from '../../src/main/compute/model';
import { compositeRays } from '../../src/main/gmn/losses';
import { computeRayTargets, packRayTargets, sampleRays, unpackRayTargets } from '../../src/main/gmn/targets';
import { UNIT_AABB, sdfField } from '../nerf/fixtures-render';

const field = sdfField([{ kind: 'sphere', centre: [0.1, 0, 0], radius: 0.5, colour: [0.9, 0.2, 0.1] }], { shaded: false });

describe('rendering targets', () => {
  it('keep foreground rays through the object and background rays beside it, and pack losslessly', async () => {
    const t = await computeRayTargets(field, UNIT_AABB, { views: 2, size: 24, foreground: 64, background: 16, seed: 3 });
    expect([t.foreground, t.background]).toEqual([64, 16]);
    for (let i = 0; i < 64; i++) {
      expect(t.opacity[i]).toBeGreaterThan(0.5);
      expect(t.colour[3 * i]! / t.opacity[i]!).toBeCloseTo(0.9, 1);
    }
    for (let i = 64; i < 80; i++) expect(t.opacity[i]).toBeLessThan(0.01);
    const back = unpackRayTargets(packRayTargets(t), 'memory');
    expect(back).toEqual(t);
    expect(() => unpackRayTargets(packRayTargets(t).subarray(0, 100), 'cache.bin')).toThrow(/cache.bin: 100 values for 80 rays/);
  });

  it('compositing the input field at the sampled points reproduces the targets (the loss is 0 at the truth)', async () => {
    const t = await computeRayTargets(field, UNIT_AABB, { views: 1, size: 16, foreground: 32, background: 8, samples: 64 });
    const samples = 64;
    const { points, deltas } = sampleRays(t, samples);
    const truth = await field(points);
    const rays = t.near.length;
    const g = new Graph('float32');
    const density = g.input('density', 'float32', [1, rays, samples]);
    const rgb = g.input('rgb', 'float32', [1, rays, samples, 3]);
    const step = g.input('deltas', 'float32', [1, rays, samples]);
    const { colour, opacity } = compositeRays(density, rgb, step);
    const session = await InferenceSession.create(buildModel(g, { outputs: { colour, opacity } }));
    const out = await session.run({
      density: new Tensor('float32', truth.density, [1, rays, samples]),
      rgb: new Tensor('float32', truth.rgb, [1, rays, samples, 3]),
      deltas: new Tensor('float32', deltas, [1, rays, samples]),
    });
    const c = out['colour']!.data as Float32Array;
    const a = out['opacity']!.data as Float32Array;
    for (let i = 0; i < rays; i++) {
      expect(Math.abs(a[i]! - t.opacity[i]!)).toBeLessThan(1e-4);
      for (let k = 0; k < 3; k++) expect(Math.abs(c[3 * i + k]! - t.colour[3 * i + k]!)).toBeLessThan(1e-4);
    }
  });
});
