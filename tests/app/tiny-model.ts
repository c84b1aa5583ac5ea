/**
 * A tiny GMN for the app's fine-tuning tests: a train-step model initialised with a fixed seed,
 * saved as a training checkpoint (`encoder.train.safetensors`, config in its metadata, as a
 * shipped model's is) beside its exported encoder (`encoder.onnx` + `encoder.json`, standardised
 * with the statistics of a few demo NeRFs). Seconds to make, no zoo needed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../../src/main/compute/checkpoint';
import { initialParams } from '../../src/main/compute/init';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { embeddingStatistics, writeEncoder, type EncoderInfo } from '../../src/main/gmn/embedder';
import { DEFAULT_VALUE_NORMALIZATION } from '../../src/main/gmn/normalize';
import { REFERENCE_SEED } from '../../src/main/gmn/reference';
import { type GmnTrainConfig, buildGmnTrainStep } from '../../src/main/gmn/train-graph';
import { readNerfFile } from '../../src/main/nerf/formats/native';

export const DEMO = join(import.meta.dirname, '../../resources/demo');

export const TINY_CONFIG: GmnTrainConfig = {
  encoder: { hidden: 8, embedding: 16, blocks: 2 },
  decoder: { hidden: 16, layers: 2, frequencies: 2 },
  loss: 'rec+con',
  objectsPerBatch: 2,
  foregroundRays: 8,
  backgroundRays: 4,
  samples: 8,
  optimizer: { weightDecay: 1e-2, clipNorm: 1 },
  embeddingNorm: 'batch',
  reference: 'init',
  gridEdgeFraction: 0.25,
};

/** Writes `dir/encoder.onnx`, `encoder.json` and `encoder.train.safetensors`; returns encoder.json's content. */
export async function writeTinyModel(dir: string, seed = 5): Promise<EncoderInfo> {
  mkdirSync(dir, { recursive: true });
  const model = buildGmnTrainStep(TINY_CONFIG);
  const params = initialParams(model.graph, seed);
  await saveCheckpoint(join(dir, 'encoder.train.safetensors'), { params, metadata: { 'nerfdex.gmn.config': JSON.stringify(TINY_CONFIG) } });
  const provider = await chooseProvider('cpu', { threads: 1 });
  const sessions = new SessionCache();
  try {
    const nerfs = await Promise.all(['airplane-070000.mlp-train', 'bench-070001.triplane-train', 'chair-070002.hash-train', 'lamp-070001.mlp-train'].map((n) => readNerfFile(join(DEMO, `${n}.nerf.safetensors`))));
    const standardization = await embeddingStatistics(params, TINY_CONFIG.encoder, DEFAULT_VALUE_NORMALIZATION, nerfs, sessions, provider, 4, { seed: REFERENCE_SEED });
    return await writeEncoder(join(dir, 'encoder.onnx'), params, {
      encoder: TINY_CONFIG.encoder,
      standardization,
      reference: { seed: REFERENCE_SEED },
      normalization: DEFAULT_VALUE_NORMALIZATION,
      command: `tests/app/tiny-model.ts (seed ${seed})`,
      created: new Date().toISOString(),
    });
  } finally {
    await sessions.dispose();
  }
}
