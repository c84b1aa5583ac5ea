/**
 * The encoder shipped in resources/models: it loads, its encoder.json carries the evaluation's
 * figures, fine-tuning's checkpoint matches it, and on the demo library (39 objects, each in the
 * three training architectures, none of them in the zoo's train split) the same object in another
 * architecture ranks well above chance. A floor, so a broken or untrained model fails here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/main/compute/checkpoint';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { Embedder } from '../../src/main/gmn/embedder';
import { recallAtK, retrievalRanks } from '../../src/main/gmn/eval/metrics';
import { readNerfFile } from '../../src/main/nerf/formats/native';
import { TRAINING_ARCHITECTURES } from '../../src/main/nerf/architectures';

const MODELS = join(__dirname, '../../resources/models');
const DEMO = join(__dirname, '../../resources/demo');
const sessions = new SessionCache();
afterAll(() => sessions.dispose());

describe('the shipped encoder', () => {
  it('carries its evaluation figures, and its training checkpoint holds the same encoder weights', async () => {
    const embedder = await Embedder.load(join(MODELS, 'encoder.onnx'));
    const metrics = embedder.info.metrics ?? {};
    for (const key of ['classification/all-training', 'classification/all-unseen', 'retrieval/R@1', 'retrieval/R@10']) {
      expect(metrics[key]).toBeGreaterThanOrEqual(0);
      expect(metrics[key]).toBeLessThanOrEqual(1);
    }
    const checkpoint = await loadCheckpoint(join(MODELS, 'encoder.train.safetensors'));
    expect(checkpoint.metadata['nerfdex.gmn.encoder_version']).toBe(embedder.info.version);
    expect(checkpoint.optimizer).toBeUndefined();
    // Fine-tuning starts from every parameter of the recipe's train step: the encoder's, the category head's.
    expect(Object.keys(checkpoint.params).some((k) => k.startsWith('encoder/probe_features/'))).toBe(true);
    expect(Object.keys(checkpoint.params).some((k) => k.startsWith('category_head/'))).toBe(true);
    expect(embedder.info.encoder.probes).toHaveLength(3 * 256);
  });

  it('ranks the same demo object in another architecture far above chance (mean R@5 over the six pairs >= 0.9; chance 0.13)', async () => {
    const embedder = await Embedder.load(join(MODELS, 'encoder.onnx'));
    const provider = await chooseProvider('cpu', { threads: 1 });
    const objects = [...new Set(readdirSync(DEMO).filter((f) => f.endsWith('.nerf.safetensors')).map((f) => f.split('.')[0]!))].sort();
    expect(objects.length).toBe(39);
    const embeddings = new Map<string, Float32Array[]>();
    for (const a of TRAINING_ARCHITECTURES) {
      embeddings.set(a, await embedder.embed(await Promise.all(objects.map((o) => readNerfFile(join(DEMO, `${o}.${a}.nerf.safetensors`)))), sessions, provider));
    }
    const r5: number[] = [];
    for (const q of TRAINING_ARCHITECTURES) {
      for (const g of TRAINING_ARCHITECTURES) {
        if (q !== g) r5.push(recallAtK(retrievalRanks(embeddings.get(q)!, embeddings.get(g)!, objects.map((_, i) => i)), [5])[5]!);
      }
    }
    const mean = r5.reduce((a, b) => a + b, 0) / r5.length;
    console.log(`shipped encoder on the demo library: mean cross-architecture R@5 ${mean.toFixed(3)}`);
    expect(mean).toBeGreaterThanOrEqual(0.9);
  }, 120_000);
});
