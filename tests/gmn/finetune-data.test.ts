import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadZoo } from '../../src/main/gmn/dataset';
import { type FineTuneObject, FineTuneSampler, libraryTrainingObjects, splitDemo } from '../../src/main/gmn/finetune-data';

const DEMO = join(import.meta.dirname, '../../resources/demo');

function object(id: string, architectures: string[]): FineTuneObject {
  return { id, category: 'chair', nerfs: architectures.map((architecture) => ({ file: `${id}.${architecture}`, architecture, targets: `${id}.${architecture}.targets` })) };
}

describe('fine-tuning data', () => {
  it('holds out the first demo object of every category, in all its architectures, and anchors with the rest', () => {
    const split = splitDemo(loadZoo(DEMO), '/cache/targets');
    expect(split.heldOut.map((o) => o.id)).toEqual(expect.arrayContaining(['airplane-070000', 'chair-070000', 'watercraft-070000']));
    expect(split.heldOut).toHaveLength(13);
    expect(new Set(split.heldOut.map((o) => o.category)).size).toBe(13);
    expect(split.anchors).toHaveLength(26);
    expect(split.anchors.some((a) => split.heldOut.some((h) => h.id === a.id))).toBe(false);
    for (const o of [...split.heldOut, ...split.anchors]) expect(o.nerfs.map((n) => n.architecture).sort()).toEqual(['hash-train', 'mlp-train', 'triplane-train']);
    expect(split.heldOut[0]!.nerfs[0]!.targets).toMatch(/^\/cache\/targets\/demo-.*\.nerf\.safetensors\.targets\.f32$/);
  });

  it('trains on library objects that are neither held out nor anchors, in training architectures only', () => {
    const split = { heldOut: [object('held', ['mlp-train'])], anchors: [object('anchor', ['mlp-train'])] };
    const library = [object('held', ['mlp-train']), object('anchor', ['hash-train']), object('mine', ['mlp-train', 'hash-F4']), object('big', ['ngp-real'])];
    expect(libraryTrainingObjects(library, split)).toEqual([{ ...object('mine', ['mlp-train']) }]);
  });

  it('mixes library and anchor rows, pairs objects across architectures, and pairs a single-architecture object with itself', () => {
    const anchors = ['a1', 'a2', 'a3', 'a4'].map((id) => object(id, ['mlp-train', 'triplane-train', 'hash-train']));
    const library = [object('both', ['mlp-train', 'triplane-train']), object('alone', ['hash-train'])];
    const sampler = new FineTuneSampler(library, anchors, 4, 0.5, 1);
    expect(sampler.architecturePairs).toEqual([
      ['mlp-train', 'triplane-train'],
      ['mlp-train', 'hash-train'],
      ['triplane-train', 'hash-train'],
      ['hash-train', 'hash-train'],
    ]);
    const batches = Array.from({ length: 8 }, () => sampler.nextBatch());
    for (const b of batches) {
      expect(b.rows).toHaveLength(4);
      expect(new Set(b.rows.map((r) => r.object.id)).size).toBe(4);
      for (const r of b.rows) for (const a of b.pair) expect(r.object.nerfs.some((n) => n.architecture === a)).toBe(true);
    }
    expect(batches[0]!.rows.map((r) => r.source)).toEqual(['library', 'anchor', 'anchor', 'anchor']);
    expect(batches[0]!.rows[0]!.object.id).toBe('both');
    expect(batches[1]!.rows.every((r) => r.source === 'anchor')).toBe(true);
    expect(batches[3]!.rows[0]!.object.id).toBe('alone');
    expect(() => new FineTuneSampler([], anchors.slice(0, 1), 2)).toThrow('FineTuneSampler: no architecture pair has 2 objects');
  });
});
