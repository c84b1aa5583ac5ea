import { describe, expect, it } from 'vitest';
import type { Graph, Value } from '../../src/main/compute/graph';
import * as op from '../../src/main/compute/ops';
import { buildFieldGraph } from '../../src/main/nerf/field-graph';
import { hashGridLevels, parameterLayout } from '../../src/main/nerf/layout';
import type { HashGridConfig, MlpConfig, NerfConfig, TriplaneConfig } from '../../src/main/nerf/types';
import { checkGradients } from '../compute/op-check';

const AABB = [
  [-1, -1, -1],
  [1, 1, 1],
] as const;

const TINY_MLP: MlpConfig = { family: 'mlp', architecture: 'tiny-mlp', aabb: AABB, densityActivation: 'softplus', frequencies: 2, hidden: [5, 4] };
const TINY_TRIPLANE: TriplaneConfig = {
  family: 'triplane',
  architecture: 'tiny-triplane',
  aabb: AABB,
  densityActivation: 'truncExp',
  resolution: 4,
  channels: 2,
  frequencies: 1,
  hidden: [4],
};
/** Level 0: resolution 2, 8 entries, dense; level 1: resolution 4, 64 vertices hashed into 16. */
const TINY_HASH: HashGridConfig = {
  family: 'hashgrid',
  architecture: 'tiny-hash',
  aabb: AABB,
  densityActivation: 'truncExp',
  levels: 2,
  log2TableSize: 4,
  featuresPerLevel: 2,
  baseResolution: 2,
  perLevelScale: 2,
  hidden: [4],
};

const B = 2;
const N = 6;

/**
 * d loss / d (every parameter and every point coordinate) of B tiny NeRFs against central
 * differences. Parameters start uniform in +-0.5 so every term (tables and planes included) is
 * large enough to matter; points are drawn in the aabb.
 */
function field(config: NerfConfig): (g: Graph, xs: Value[]) => Value {
  return (g, [points]) => {
    const params: Record<string, Value> = {};
    for (const { name, shape } of parameterLayout(config)) params[name] = g.param(name, [B, ...shape], { kind: 'uniform', bound: 0.5 });
    const out = buildFieldGraph(g, config, points!, params);
    return op.concat([op.unsqueeze(out.density, [2]), out.rgb], 2);
  };
}

describe('field gradients against finite differences (float64)', () => {
  it('the tiny hash grid has one dense and one hashed level', () => {
    expect(hashGridLevels(TINY_HASH).map((l) => [l.resolution, l.size, l.dense])).toEqual([
      [2, 8, true],
      [4, 16, false],
    ]);
  });

  it.each([
    ['mlp', TINY_MLP],
    ['triplane R 4', TINY_TRIPLANE],
    ['hashgrid T 2^4', TINY_HASH],
  ] as const)('%s: every parameter and point coordinate to 1e-6', async (_name, config) => {
    const worst = await checkGradients(field(config), [{ shape: [B, N, 3] }], { seed: 5 });
    expect(worst).toBeLessThan(1e-6);
  });
});
