import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { JobPool } from '../../src/main/app/job-pool';
import { JOBS } from '../../src/main/app/job-registry';

const pool = new JobPool({ size: 1, debugJobs: true });
afterAll(() => pool.close());

describe('the app job pool (composition root)', () => {
  it('accepts every kind of every layer, and no other', () => {
    expect(Object.keys(JOBS)).toEqual(['ort.run', 'train.loop', 'zoo.fit', 'gmn.train', 'gmn.finetune', 'text.train', 'library.import-batch', 'library.map-layout', 'library.embed-file', 'library.export-mesh']);
    expect(() => pool.startJob('./train-loop', {})).toThrow(/unknown job kind "\.\/train-loop" \(valid: ort\.run, train\.loop, zoo\.fit, gmn\.train, gmn\.finetune, text\.train, library\.import-batch, library\.map-layout, library\.embed-file, library\.export-mesh, debug\./);
    const plain = new JobPool({ size: 1 });
    expect(() => plain.startJob('debug.echo', {})).toThrow('unknown job kind "debug.echo" (valid: ort.run, train.loop, zoo.fit, gmn.train, gmn.finetune, text.train, library.import-batch, library.map-layout, library.embed-file, library.export-mesh)');
    void plain.close();
  });

  it('runs a job of an upper layer in its worker (the map layout of app/)', async () => {
    const rows = Float32Array.from({ length: 6 * 4 }, (_, i) => Math.sin(i));
    const { points } = await pool.startJob('library.map-layout', { rows, count: 6, dims: 4 }).result;
    expect(points).toHaveLength(6 * 2);
    expect([...points].every(Number.isFinite)).toBe(true);
    expect(await pool.startJob('debug.echo', { a: 1 }).result).toEqual({ a: 1 });
  });

  it('exports a mesh entirely in a worker, and names the file a broken export came from', async () => {
    const file = join(import.meta.dirname, '../../resources/demo/chair-070001.mlp-train.nerf.safetensors');
    const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 1 };
    const { glb } = await pool.startJob('library.export-mesh', { file, provider: cpu, resolution: 24 }).result;
    expect(Buffer.from(glb.subarray(0, 4)).toString('latin1')).toBe('glTF');
    const broken = join(mkdtempSync(join(tmpdir(), 'nerfdex-mesh-')), 'broken.nerf.safetensors');
    writeFileSync(broken, 'not a nerf');
    await expect(pool.startJob('library.export-mesh', { file: broken, provider: cpu, resolution: 24 }).result).rejects.toThrow(broken);
  }, 120_000);
});
