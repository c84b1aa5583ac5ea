/** The assets crash-writer.ts writes, so crash.test.ts can check each batch is whole. */
import type { AssetInput } from '../../src/main/library/types';
import { configOf, sha256 } from './helpers';

export const BATCH_SIZE = 150;
export const DIMS = 32;

export function crashAsset(batch: number, i: number): AssetInput {
  const key = `b${batch}-${i}`;
  const vector = Float32Array.from({ length: DIMS }, (_, d) => Math.sin(batch * 131 + i * 17 + d) + 0.01);
  return {
    contentSha256: sha256(key),
    name: key,
    config: configOf('mlp'),
    caption: `asset ${i} of batch ${batch}`,
    file: { path: `/data/${key}.nerf.safetensors`, format: 'native', size: 4096, mtimeMs: 1 },
    suggestedTags: [{ tag: `batch ${batch}`, confidence: 0.5 }],
    embeddings: [{ modelVersion: 'gmn-crash', vector }],
  };
}
