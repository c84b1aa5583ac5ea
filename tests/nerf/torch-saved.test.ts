/**
 * The nerfstudio reader on bytes real torch wrote: tests/nerf/torch-saved/*.ckpt are this
 * project's nerfacto fixtures read by torch.load and written again by torch.save (PyTorch 1.13,
 * scripts/torch-saved-fixtures.py). Each must give the very NeRF the fixture itself gives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openNerfstudio } from '../../src/main/nerf/formats/nerfstudio';
import { makeNerfactoFixture, type NerfactoFixtureOptions } from './fixtures-nerfstudio';

const DIR = join(import.meta.dirname, 'torch-saved');
const CASES: [string, NerfactoFixtureOptions][] = [
  ['torch-current', { implementation: 'torch', naming: 'current' }],
  ['tcnn-current', { implementation: 'tcnn', naming: 'current' }],
  ['tcnn-split', { implementation: 'tcnn', naming: 'split' }],
  ['half', { implementation: 'torch', naming: 'current', storage: 'HalfStorage' }],
];

describe('nerfstudio checkpoints written by torch.save', () => {
  it.each(CASES)('reads %s as the same NeRF as the fixture it was made from', (name, options) => {
    const fixture = makeNerfactoFixture({ seed: 3, ...options });
    const file = join(DIR, `${name}.ckpt`);
    const bytes = new Uint8Array(readFileSync(file));
    // torch's own archive: records under the file's stem, with its version record.
    expect(Buffer.from(bytes.subarray(30, 30 + `${name}/`.length)).toString('latin1')).toBe(`${name}/`);
    expect(Buffer.from(bytes).includes(Buffer.from(`${name}/version`))).toBe(true);
    const fromTorch = openNerfstudio(bytes, file, { configText: fixture.configYaml });
    const fromFixture = openNerfstudio(fixture.checkpoint(), 'fixture.ckpt', { configText: fixture.configYaml });
    expect(fromTorch.nerf.config).toEqual(fromFixture.nerf.config);
    expect(Object.keys(fromTorch.nerf.params).sort()).toEqual(Object.keys(fromFixture.nerf.params).sort());
    for (const [key, tensor] of Object.entries(fromFixture.nerf.params)) {
      const read = fromTorch.nerf.params[key]!;
      expect(read.shape, key).toEqual(tensor.shape);
      expect(Buffer.from(read.data.buffer, read.data.byteOffset, read.data.byteLength).equals(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength)), key).toBe(true);
    }
  });
});
