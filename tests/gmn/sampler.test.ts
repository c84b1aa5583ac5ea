import { describe, expect, it } from 'vitest';
import { PairSampler } from '../../src/main/gmn/sampler';

const archs = ['mlp-train', 'triplane-train', 'hash-train'];
const objects = Array.from({ length: 10 }, (_, i) => ({ id: `chair-${i}`, architectures: i === 9 ? ['mlp-train'] : archs }));

describe('PairSampler', () => {
  it('puts K distinct objects in two architectures per batch, cycling over every pair', () => {
    const sampler = new PairSampler(objects, archs, 4, 1);
    expect(sampler.architecturePairs).toEqual([
      ['mlp-train', 'triplane-train'],
      ['mlp-train', 'hash-train'],
      ['triplane-train', 'hash-train'],
    ]);
    const seen = new Map<string, number>();
    for (let b = 0; b < 3 * 9; b++) {
      const batch = sampler.nextBatch();
      expect(batch.pair).toEqual(sampler.architecturePairs[b % 3]);
      expect(new Set(batch.objects).size).toBe(4);
      expect(batch.objects).not.toContain('chair-9');
      for (const id of batch.objects) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    // 9 batches per pair x 4 objects = 36 draws over 9 objects: each object 4 times per pair, 12 in all.
    expect([...seen.values()].every((n) => n >= 10 && n <= 14)).toBe(true);
    expect(seen.size).toBe(9);
  });

  it('is deterministic for a seed and refuses impossible settings', () => {
    const a = new PairSampler(objects, archs, 3, 5);
    const b = new PairSampler(objects, archs, 3, 5);
    for (let i = 0; i < 10; i++) expect(a.nextBatch()).toEqual(b.nextBatch());
    expect(() => new PairSampler(objects, archs, 1)).toThrow(RangeError);
    expect(() => new PairSampler(objects.slice(0, 2), archs, 3)).toThrow(/no architecture pair has 3 objects/);
  });
});
