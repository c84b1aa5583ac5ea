import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { Graph } from '../../src/main/compute/graph';
import { buildModel } from '../../src/main/compute/model';
import { buildFieldGraph, declareFieldParams, stackParams } from '../../src/main/nerf/field-graph';
import { type DisallowedGlobalError, NerfstudioError } from '../../src/main/nerf/formats/errors';
import { parseNerfstudioConfig } from '../../src/main/nerf/formats/nerfstudio-config';
import { NERFSTUDIO_VIEW_DIRECTION, openNerfstudio } from '../../src/main/nerf/formats/nerfstudio';
import { referenceField } from '../../src/main/nerf/reference-field';
import type { Nerf } from '../../src/main/nerf/types';
import { normError } from './compare';
import { type NerfactoFixtureOptions, makeNerfactoFixture } from './fixtures-nerfstudio';
import { hostileCheckpoints } from './fixtures-nerfstudio-hostile';

async function runField(nerf: Nerf, points: Float64Array): Promise<{ density: Float64Array; rgb: Float64Array }> {
  const g = new Graph('float32');
  const pts = g.input('points', 'float32', [1, 'N', 3]);
  const out = buildFieldGraph(g, nerf.config, pts, declareFieldParams(g, nerf.config, 1));
  const session = await InferenceSession.create(buildModel(g, { outputs: { density: out.density, rgb: out.rgb } }));
  const feeds: Record<string, Tensor> = { points: new Tensor('float32', Float32Array.from(points), [1, points.length / 3, 3]) };
  for (const [name, t] of Object.entries(stackParams(nerf.config, [nerf.params], 'float32'))) feeds[`params/${name}`] = new Tensor('float32', t.data as Float32Array, [...t.shape]);
  const result = await session.run(feeds);
  await session.release();
  return { density: Float64Array.from(result['density']!.data as Float32Array), rgb: Float64Array.from(result['rgb']!.data as Float32Array) };
}

/** Points in the inner box, float32-exact. */
function points(count: number, seed: number, extent = 0.98): Float64Array {
  const next = seededRandom(seed);
  return Float64Array.from({ length: count * 3 }, () => Math.fround((2 * next() - 1) * extent));
}

const cases: [string, NerfactoFixtureOptions][] = [
  ['torch, current naming', { implementation: 'torch', naming: 'current' }],
  ['tcnn, current naming', { implementation: 'tcnn', naming: 'current' }],
  ['torch, 0.3 split naming', { implementation: 'torch', naming: 'split', seed: 3 }],
  ['tcnn, 0.3 split naming', { implementation: 'tcnn', naming: 'split', seed: 4 }],
  ['tcnn, 0.2 legacy naming', { implementation: 'tcnn', naming: 'legacy', seed: 5 }],
  ['torch, fp16 storages, no appearance', { implementation: 'torch', storage: 'HalfStorage', appearanceDim: 0, seed: 6 }],
  ['torch, no scene contraction', { implementation: 'torch', contraction: false, seed: 7 }],
];

describe('nerfstudio nerfacto checkpoints', () => {
  for (const [name, options] of cases) {
    it(`reads the field as nerfacto evaluates it: ${name}`, async () => {
      const fixture = makeNerfactoFixture(options);
      const opened = openNerfstudio(fixture.checkpoint(), 'step-000029999.ckpt', { configText: fixture.configYaml });
      const { nerf } = opened;
      expect(nerf.config).toMatchObject({ family: 'hashgrid', levels: 4, featuresPerLevel: 2, log2TableSize: 8, baseResolution: 4 });
      expect(nerf.meta.provenance).toMatchObject({ source: 'nerfstudio', implementation: options.implementation, naming: options.naming ?? 'current', trainingStep: 29999 });
      expect(opened.assumed).toEqual([]);
      const p = points(200, 11);
      const reference = fixture.reference(p, NERFSTUDIO_VIEW_DIRECTION);
      // The field varies enough that a mix-up would show.
      const logs = Array.from(reference.density, Math.log);
      expect(Math.max(...logs) - Math.min(...logs)).toBeGreaterThan(0.5);
      const plain = referenceField(nerf.config, nerf.params, p);
      expect(normError(plain.density, reference.density), 'reference-field density').toBeLessThan(1e-5);
      expect(normError(plain.rgb, reference.rgb), 'reference-field rgb').toBeLessThan(1e-5);
      const graph = await runField(nerf, p);
      expect(normError(graph.density, reference.density), 'graph density').toBeLessThan(1e-4);
      expect(normError(graph.rgb, reference.rgb), 'graph rgb').toBeLessThan(1e-4);
    });
  }

  it('reads the real form of config.yml as plain data, constructing nothing', () => {
    const fixture = makeNerfactoFixture({ implementation: 'tcnn', levels: 16, log2TableSize: 19, baseResolution: 16, maxResolution: 2048, hidden: 64, hiddenColor: 64, appearanceDim: 32 });
    expect(parseNerfstudioConfig(fixture.configYaml)).toEqual({
      modelClass: 'nerfstudio.models.nerfacto.NerfactoModelConfig',
      methodName: 'nerfacto',
      implementation: 'tcnn',
      numLevels: 16,
      baseRes: 16,
      maxRes: 2048,
      log2HashmapSize: 19,
      featuresPerLevel: 2,
      hiddenDim: 64,
      hiddenDimColor: 64,
      appearanceEmbedDim: 32,
      useAppearanceEmbedding: true,
      useAverageAppearanceEmbedding: true,
      averageInitDensity: 0.5,
      disableSceneContraction: false,
      sceneScale: 1,
    });
    expect(() => parseNerfstudioConfig('pipeline: [unclosed')).toThrow(TypeError);
    expect(() => parseNerfstudioConfig('a: 1')).toThrow(/no pipeline.model/);
  });

  it('infers the sizes without config.yml and says what it assumed', async () => {
    for (const implementation of ['torch', 'tcnn'] as const) {
      const fixture = makeNerfactoFixture({ implementation, averageInitDensity: 0.01 });
      const opened = openNerfstudio(fixture.checkpoint(), 'run/nerfstudio_models/step-000029999.ckpt', { configText: null });
      expect(opened.nerf.config).toMatchObject({ levels: 4, featuresPerLevel: 2, log2TableSize: 8 });
      expect(opened.assumed.join('\n')).toMatch(/base_res 16/);
      expect(opened.assumed.join('\n')).toMatch(/average_init_density 0.01/);
      expect(opened.assumed.join('\n')).toMatch(/scene contraction on/);
      expect(String(opened.nerf.meta.provenance?.['assumed'])).toMatch(/base_res 16/);
    }
  });

  it('refuses a proposal-network-only checkpoint, naming the file', () => {
    const fixture = makeNerfactoFixture({ withoutField: true });
    expect(() => openNerfstudio(fixture.checkpoint(), 'proposals.ckpt', { configText: null })).toThrow(NerfstudioError);
    expect(() => openNerfstudio(fixture.checkpoint(), 'proposals.ckpt', { configText: null })).toThrow(/proposals.ckpt: holds only nerfacto's proposal networks/);
  });

  it('refuses every broken and hostile checkpoint of the manifest with the file and the reason', () => {
    for (const [name, bytes, errorClass, reason] of hostileCheckpoints()) {
      let error: unknown;
      try {
        openNerfstudio(bytes, name, { configText: null });
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(NerfstudioError);
      const e = error as NerfstudioError;
      expect(e.name, name).toBe(errorClass);
      expect(e.message.startsWith(`${name}: `), e.message).toBe(true);
      expect(e.reason, name).toMatch(reason);
      if (errorClass === 'DisallowedGlobalError') expect((e as DisallowedGlobalError).global).toBe('posix.system');
    }
  });
});
