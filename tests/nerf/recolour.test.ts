import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { TRAINING_ARCHITECTURES, configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import { type ColourTransform, IDENTITY_COLOUR_TRANSFORM, randomColourTransform, recolourNerf, recolourPremultiplied } from '../../src/main/nerf/recolour';
import { referenceField } from '../../src/main/nerf/reference-field';
import type { Aabb, FieldFunction, Nerf } from '../../src/main/nerf/types';
import { computeRayTargets } from '../../src/main/gmn/targets';

const AABB: Aabb = [
  [-1, -1, -1],
  [1, 1, 1],
];

function nerfOf(architecture: string, seed: number): Nerf {
  const config = configFor(architecture, AABB);
  return { config, params: initParams(config, seed), meta: {} };
}

function fieldOf(nerf: Nerf): FieldFunction {
  return async (points) => {
    const out = referenceField(nerf.config, nerf.params, points);
    return { density: Float32Array.from(out.density), rgb: Float32Array.from(out.rgb) };
  };
}

const SWAP_AND_INVERT: ColourTransform = { source: [2, 0, 1], invert: [true, false, true] };

describe('recolourNerf', () => {
  it.each(TRAINING_ARCHITECTURES)('%s: permutes and inverts colour channels exactly and leaves density alone', (architecture) => {
    const nerf = nerfOf(architecture, 3);
    const next = seededRandom(1);
    const points = Float64Array.from({ length: 3 * 40 }, () => 2 * next() - 1);
    const before = referenceField(nerf.config, nerf.params, points);
    const after = referenceField(nerf.config, recolourNerf(nerf, SWAP_AND_INVERT).params, points);
    for (let i = 0; i < 40; i++) {
      expect(after.density[i]).toBeCloseTo(before.density[i]!, 6);
      for (let c = 0; c < 3; c++) {
        const source = before.rgb[3 * i + SWAP_AND_INVERT.source[c]!]!;
        expect(after.rgb[3 * i + c]).toBeCloseTo(SWAP_AND_INVERT.invert[c] ? 1 - source : source, 6);
      }
    }
    // The source NeRF is not modified.
    expect(referenceField(nerf.config, nerf.params, points).rgb).toEqual(before.rgb);
  });

  it('the identity transform gives the same outputs', () => {
    const nerf = nerfOf('mlp-train', 5);
    const points = Float64Array.of(0.1, -0.2, 0.3, 0.5, 0.5, -0.5);
    expect(referenceField(nerf.config, recolourNerf(nerf, IDENTITY_COLOUR_TRANSFORM).params, points).raw).toEqual(referenceField(nerf.config, nerf.params, points).raw);
  });

  it('refuses a source that is not a permutation', () => {
    expect(() => recolourNerf(nerfOf('mlp-train', 0), { source: [0, 0, 1], invert: [false, false, false] })).toThrow(RangeError);
    expect(() => recolourPremultiplied(new Float32Array(3), new Float32Array(1), { source: [0, 1, 3] as never, invert: [false, false, false] })).toThrow(/permutation/);
  });

  it('draws all 48 transforms', () => {
    const next = seededRandom(7);
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(JSON.stringify(randomColourTransform(next)));
    expect(seen.size).toBe(48);
  });
});

describe('recolourPremultiplied', () => {
  it('turns the rendering targets of a NeRF into those of its recoloured NeRF', async () => {
    const nerf = nerfOf('triplane-train', 11);
    const options = { views: 1, size: 12, samples: 12, foreground: 16, background: 8, seed: 2 };
    const original = await computeRayTargets(fieldOf(nerf), AABB, options);
    const recoloured = await computeRayTargets(fieldOf(recolourNerf(nerf, SWAP_AND_INVERT)), AABB, options);
    expect(recoloured.opacity).toEqual(original.opacity);
    const predicted = recolourPremultiplied(original.colour, original.opacity, SWAP_AND_INVERT);
    let worst = 0;
    for (let i = 0; i < predicted.length; i++) worst = Math.max(worst, Math.abs(predicted[i]! - recoloured.colour[i]!));
    expect(worst).toBeLessThan(1e-5);
    // And the transform matters: the recoloured targets are not the original ones.
    let changed = 0;
    for (let i = 0; i < predicted.length; i++) changed = Math.max(changed, Math.abs(original.colour[i]! - recoloured.colour[i]!));
    expect(changed).toBeGreaterThan(1e-3);
  });
});
