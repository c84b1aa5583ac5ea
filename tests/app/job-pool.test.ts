import { afterAll, describe, expect, it } from 'vitest';
import { JobPool } from '../../src/main/app/job-pool';
import { JOBS } from '../../src/main/app/job-registry';

const pool = new JobPool({ size: 1, debugJobs: true });
afterAll(() => pool.close());

describe('the app job pool (composition root)', () => {
  it('accepts every kind of every layer, and no other', () => {
    expect(Object.keys(JOBS)).toEqual(['ort.run', 'train.loop', 'zoo.fit', 'gmn.train', 'gmn.finetune', 'text.train', 'library.import-batch', 'library.map-layout', 'library.embed-file']);
    expect(() => pool.startJob('./train-loop', {})).toThrow(/unknown job kind "\.\/train-loop" \(valid: ort\.run, train\.loop, zoo\.fit, gmn\.train, gmn\.finetune, text\.train, library\.import-batch, library\.map-layout, library\.embed-file, debug\./);
    const plain = new JobPool({ size: 1 });
    expect(() => plain.startJob('debug.echo', {})).toThrow('unknown job kind "debug.echo" (valid: ort.run, train.loop, zoo.fit, gmn.train, gmn.finetune, text.train, library.import-batch, library.map-layout, library.embed-file)');
    void plain.close();
  });

  it('runs a job of an upper layer in its worker (the map layout of app/)', async () => {
    const rows = Float32Array.from({ length: 6 * 4 }, (_, i) => Math.sin(i));
    const { points } = await pool.startJob('library.map-layout', { rows, count: 6, dims: 4 }).result;
    expect(points).toHaveLength(6 * 2);
    expect([...points].every(Number.isFinite)).toBe(true);
    expect(await pool.startJob('debug.echo', { a: 1 }).result).toEqual({ a: 1 });
  });
});
