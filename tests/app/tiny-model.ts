/**
 * A tiny GMN for the app's fine-tuning tests: the shipped recipe (v2: probe features, the
 * edges + outputs readout, SigLIP and the category loss, no rendering loss) at a tiny size, as a
 * train-step model initialised with a fixed seed, saved as a training checkpoint
 * (`encoder.train.safetensors`, config in its metadata, as a shipped model's is) beside its
 * exported encoder (`encoder.onnx` + `encoder.json`). Seconds to make, no zoo needed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../../src/main/compute/checkpoint';
import { initialParams } from '../../src/main/compute/init';
import { writeEncoder, type EncoderInfo } from '../../src/main/gmn/embedder';
import { DEFAULT_VALUE_NORMALIZATION } from '../../src/main/gmn/normalize';
import { probePoints } from '../../src/main/gmn/probes';
import { type GmnTrainConfig, buildGmnTrainStep } from '../../src/main/gmn/train-graph';

export const DEMO = join(import.meta.dirname, '../../resources/demo');

/** The demo zoo's categories, sorted: the category head's classes, as training on a zoo takes them. */
const DEMO_CATEGORIES = [...new Set((JSON.parse(readFileSync(join(DEMO, 'manifest.json'), 'utf8')) as { objects: { category: string }[] }).objects.map((o) => o.category))].sort();

export const TINY_CONFIG: GmnTrainConfig = {
  encoder: { hidden: 8, embedding: 16, blocks: 2, probes: probePoints(8), readout: 'edges+outputs' },
  decoder: { hidden: 16, layers: 2, frequencies: 2 },
  loss: 'con',
  objectsPerBatch: 2,
  foregroundRays: 8,
  backgroundRays: 4,
  samples: 8,
  optimizer: { weightDecay: 1e-2, clipNorm: 1 },
  contrastiveWeight: 1,
  categoryWeight: 1,
  categories: DEMO_CATEGORIES,
};

/** Writes `dir/encoder.onnx`, `encoder.json` and `encoder.train.safetensors`; returns encoder.json's content. */
export async function writeTinyModel(dir: string, seed = 5): Promise<EncoderInfo> {
  mkdirSync(dir, { recursive: true });
  const model = buildGmnTrainStep(TINY_CONFIG);
  const params = initialParams(model.graph, seed);
  await saveCheckpoint(join(dir, 'encoder.train.safetensors'), { params, metadata: { 'nerfdex.gmn.config': JSON.stringify(TINY_CONFIG) } });
  return writeEncoder(join(dir, 'encoder.onnx'), params, {
    encoder: TINY_CONFIG.encoder,
    normalization: DEFAULT_VALUE_NORMALIZATION,
    command: `tests/app/tiny-model.ts (seed ${seed})`,
    created: new Date().toISOString(),
  });
}
