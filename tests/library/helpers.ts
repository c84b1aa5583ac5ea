/** Shared fixtures of the library tests: temporary folders, synthetic assets and vectors, a log that records. */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../src/main/compute/init';
import type { NerfConfig, NerfFamily } from '../../src/main/nerf/types';
import type { AssetInput, LibraryLog } from '../../src/main/library/types';

export function tempDir(prefix = 'nerfdex-library-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Resolves once `condition` holds (checked every 50 ms); throws after `ms`. */
export async function until(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A log that keeps its lines for assertions. */
export function recordingLog(): LibraryLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`) };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const aabb = [
  [-1, -1, -1],
  [1, 1, 1],
] as const;

export function configOf(family: NerfFamily): NerfConfig {
  switch (family) {
    case 'mlp':
      return { family, architecture: 'mlp-train', aabb, densityActivation: 'softplus', frequencies: 6, hidden: [64, 64, 64] };
    case 'triplane':
      return { family, architecture: 'triplane-train', aabb, densityActivation: 'softplus', resolution: 32, channels: 8, frequencies: 4, hidden: [64, 64] };
    case 'hashgrid':
      return { family, architecture: 'hash-train', aabb, densityActivation: 'truncExp', levels: 4, log2TableSize: 12, featuresPerLevel: 2, baseResolution: 16, perLevelScale: 2, hidden: [64, 64] };
  }
}

/** A synthetic asset: content hash from `key`, family by index, an optional file under /data. */
export function assetInput(key: string, overrides: Partial<AssetInput> & { family?: NerfFamily } = {}): AssetInput {
  const family = overrides.family ?? 'mlp';
  return {
    contentSha256: sha256(key),
    name: key,
    config: configOf(family),
    file: { path: `/data/${key}.nerf.safetensors`, format: 'native', size: 1000, mtimeMs: 1_700_000_000_000 },
    ...overrides,
  };
}

/**
 * `n` vectors of `dims` around `clusters` random centres (spread `noise`), row-major, and the
 * cluster of each: the shape of an embedding space where objects group by kind.
 */
export function clusteredVectors(n: number, dims: number, clusters: number, seed = 1, noise = 0.35): { vectors: Float32Array; cluster: number[] } {
  const next = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, gauss));
  const vectors = new Float32Array(n * dims);
  const cluster: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    cluster.push(c);
    for (let d = 0; d < dims; d++) vectors[i * dims + d] = centres[c]![d]! + noise * gauss();
  }
  return { vectors, cluster };
}

export function row(vectors: Float32Array, i: number, dims: number): Float32Array {
  return vectors.slice(i * dims, (i + 1) * dims);
}
