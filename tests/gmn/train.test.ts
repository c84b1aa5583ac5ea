import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/compute/checkpoint';
import { chooseProvider } from '../../src/main/compute/providers';
import { JobPool } from '../../src/main/app/job-pool';
import { Embedder } from '../../src/main/gmn/embedder';
import { exportCheckpointEncoder } from '../../src/main/gmn/train-job';
import type { GmnTrainConfig } from '../../src/main/gmn/train-graph';
import { generateZoo } from '../../src/main/zoo/generate';

const pool = new JobPool({ size: 2 });
afterAll(() => pool.close());
const zoo = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-zoo-'));

const tiny: GmnTrainConfig = {
  encoder: { hidden: 8, embedding: 16, blocks: 2 },
  decoder: { hidden: 16, layers: 2, frequencies: 2 },
  loss: 'rec+con',
  objectsPerBatch: 2,
  foregroundRays: 8,
  backgroundRays: 4,
  samples: 8,
  optimizer: { weightDecay: 1e-2, clipNorm: 1 },
};

beforeAll(async () => {
  const provider = await chooseProvider('cpu', { threads: 1 });
  await generateZoo({ out: zoo, pool, provider, categories: ['chair', 'car'], perCategory: 2, valPerCategory: 0, testPerCategory: 0, steps: 20, pointsPerStep: 256, batch: 4 });
}, 240_000);

function logSteps(out: string): number[] {
  return readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
}

describe('GMN training (gmn.train job)', () => {
  it('trains, logs every step, checkpoints, resumes where it stopped, and writes a loadable encoder', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const out = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-run-'));
    const progress: number[] = [];
    // 4 objects, K = 2: 2 steps per epoch.
    const first = await pool.startJob('gmn.train', { zoo, out, provider, config: tiny, epochs: 2, checkpointEvery: 1 }, { onProgress: (p) => progress.push(p.metrics?.['loss'] ?? NaN) }).result;
    expect(first).toMatchObject({ steps: 4, totalSteps: 4, cancelled: false });
    expect(progress).toHaveLength(4);
    expect(progress.every(Number.isFinite)).toBe(true);
    expect(logSteps(out)).toEqual([1, 2, 3, 4]);
    const checkpoint = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect(checkpoint.optimizer?.step).toBe(4);
    expect(Object.keys(checkpoint.params).some((k) => k.startsWith('encoder/'))).toBe(true);
    expect(Object.keys(checkpoint.params).some((k) => k.startsWith('decoder/'))).toBe(true);
    expect(Object.keys(checkpoint.params)).toContain('siglip/log_temperature');

    // More epochs on the same --out: continues from step 4.
    const second = await pool.startJob('gmn.train', { zoo, out, provider, config: tiny, epochs: 3, checkpointEvery: 1 }).result;
    expect(second).toMatchObject({ steps: 6, totalSteps: 6, cancelled: false });
    expect(logSteps(out)).toEqual([1, 2, 3, 4, 5, 6]);

    const embedder = await Embedder.load(join(out, 'encoder.onnx'));
    expect(embedder.dimensions).toBe(16);
    expect(embedder.info.zooManifest).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(zoo, 'targets'))).toBe(true);
  });

  it('cancels between steps, checkpointing the state reached; a changed configuration is refused', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const out = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-cancel-'));
    let cancelled = false;
    const handle = pool.startJob('gmn.train', { zoo, out, provider, config: { ...tiny, loss: 'con' }, epochs: 1000 }, {
      onProgress: (p) => {
        if (!cancelled && p.done >= 3) {
          cancelled = true;
          handle.cancel();
        }
      },
    });
    const result = await handle.result;
    expect(result.cancelled).toBe(true);
    expect(result.steps).toBeGreaterThanOrEqual(3);
    expect((await loadCheckpoint(result.checkpoint)).optimizer?.step).toBe(result.steps);
    await expect(pool.startJob('gmn.train', { zoo, out, provider, config: tiny, epochs: 1 }).result).rejects.toThrow(/was trained with another configuration/);
  });

  it('exports the encoder of a checkpoint as it stands, and refuses a checkpoint of the retired recipe', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const out = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-export-'));
    await pool.startJob('gmn.train', { zoo, out, provider, config: tiny, epochs: 1 }).result;
    const trained = await Embedder.load(join(out, 'encoder.onnx'));
    const again = await exportCheckpointEncoder(out, 'test');
    expect(again.step).toBe(2);
    const exported = await Embedder.load(again.encoder);
    // The same weights give the same model bytes, so the same version.
    expect(exported.info.version).toBe(trained.info.version);
    expect(exported.info.command).toBe('test (exported at step 2)');
    const checkpoint = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    const retired = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-retired-'));
    const checkpointPath = join(retired, 'checkpoint.safetensors');
    await saveCheckpoint(checkpointPath, { params: checkpoint.params, metadata: { ...checkpoint.metadata, 'nerfdex.gmn.config': JSON.stringify({ ...tiny, embeddingNorm: 'batch', reference: 'init' }) } });
    await expect(exportCheckpointEncoder(retired)).rejects.toThrow(`${checkpointPath}: trained with a retired recipe (embeddingNorm "batch", reference "init"), which this version of nerfdex no longer trains or exports; retrain with \`npm run train\` (docs/gmn.md)`);
  });

  it('starts from the weights of another run with --init (fresh optimiser), and refuses a checkpoint of other sizes', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const base = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-base-'));
    await pool.startJob('gmn.train', { zoo, out: base, provider, config: tiny, epochs: 1 }).result;
    const from = await loadCheckpoint(join(base, 'checkpoint.safetensors'));
    const out = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-init-'));
    // Zero epochs of training are not possible, so compare after one step at a tiny learning rate.
    const result = await pool.startJob('gmn.train', { zoo, out, provider, config: tiny, epochs: 1, lr: 1e-9, init: join(base, 'checkpoint.safetensors') }).result;
    expect(result.steps).toBe(2);
    const state = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect(state.optimizer?.step).toBe(2);
    expect(state.metadata['nerfdex.gmn.init']).toBe(join(base, 'checkpoint.safetensors'));
    let largest = 0;
    for (const [name, t] of Object.entries(from.params)) {
      const next = state.params[name]!.data as Float32Array;
      (t.data as Float32Array).forEach((x, i) => (largest = Math.max(largest, Math.abs(x - next[i]!))));
    }
    expect(largest).toBeLessThan(1e-6);
    const other = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-init-bad-'));
    await expect(pool.startJob('gmn.train', { zoo, out: other, provider, config: { ...tiny, encoder: { ...tiny.encoder, hidden: 12 } }, epochs: 1, init: join(base, 'checkpoint.safetensors') }).result).rejects.toThrow(/encoder\/.* is \d+x8, this model needs \d+x12/);
  });
  it('weighs L_C by the configured contrastive weight', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const out = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-weight-'));
    const config: GmnTrainConfig = { ...tiny, contrastiveWeight: 0.5 };
    const result = await pool.startJob('gmn.train', { zoo, out, provider, config, epochs: 1 }).result;
    expect(result.steps).toBe(2);
    const lines = readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines).toHaveLength(2);
    for (const metrics of lines) {
      expect(Number.isFinite(metrics['loss'])).toBe(true);
      expect(metrics['loss']).toBeCloseTo(metrics['rendering']! + 0.5 * metrics['contrastive']!, 4);
    }
  });

  it('adds a supervised category loss from the zoo\'s train-split categories, with a fresh head on top of --init weights', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const base = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-cat-base-'));
    await pool.startJob('gmn.train', { zoo, out: base, provider, config: tiny, epochs: 1 }).result;
    const out = mkdtempSync(join(tmpdir(), 'nerfdex-gmn-cat-'));
    const config: GmnTrainConfig = { ...tiny, categoryWeight: 0.3 };
    const result = await pool.startJob('gmn.train', { zoo, out, provider, config, epochs: 4, lr: 1e-2, init: join(base, 'checkpoint.safetensors') }).result;
    expect(result.steps).toBe(8);
    const state = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    // The head's classes are the train split's categories, sorted, and recorded with the run.
    expect((JSON.parse(state.metadata['nerfdex.gmn.config']!) as GmnTrainConfig).categories).toEqual(['car', 'chair']);
    expect(state.params['category_head/weight']!.shape).toEqual([16, 2]);
    const lines = readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    for (const m of lines) {
      expect(m['loss']).toBeCloseTo(m['rendering']! + 0.02 * m['contrastive']! + 0.3 * m['category']!, 4);
      expect(m['category']).toBeGreaterThan(0);
    }
    // Two classes, K = 2 objects: the head starts learning them within 8 steps.
    expect(lines.at(-1)!['category']).toBeLessThan(lines[0]!['category']!);
    // The exported encoder has no head: it loads as any other.
    expect((await Embedder.load(join(out, 'encoder.onnx'))).dimensions).toBe(16);
  });
});
