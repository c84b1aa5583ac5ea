/**
 * The architectures nerfdex knows by id: three *training* architectures, one per family, on which
 * the encoder is trained, and ten *unseen variants* that change one size at a time, held out to
 * test generalisation (the paper's 3 + 10).
 *
 * Sizing. The zoo fits ~2,200 NeRFs (~1,200 training, ~1,000 test) in about an hour on 2 CPU
 * cores, batched, so one fit gets a few core-seconds: the fields stay small. They are also sized
 * for the GMN, which turns every weight into an edge: a tri-plane costs 3 R^2 C edges, a hash
 * grid L T F, an MLP the sum of in x out over its layers.
 * - mlp-train: 6 frequencies (39 inputs) -> 64 x 3 -> 4, ~11k weights. The reference uses 24
 *   frequencies and 144 inputs; 6 are enough for the zoo's smooth procedural shapes and keep the
 *   first layer (and its edges) a quarter of the size.
 * - triplane-train: R 32, C 8, 4 frequencies, sine MLP 35 -> 64 x 2 -> 4. 3 x 32 x 32 x 8 =
 *   24,576 plane edges, half the reference's (C 16); R 32 matches the reference's resolution.
 * - hash-train: the reference's grid exactly (L 4, T 2^12, F 2, base 16, finest 128, so the
 *   per-level scale is 2): 32,768 table edges, 16,384 entry nodes; MLP 8 -> 64 x 2 -> 4.
 * - hash-T10 and hash-T11 halve the table and start at base resolution 10 and 12, so that their
 *   coarsest level (10^3 = 1,000 and 12^3 = 1,728 vertices) is not hashed.
 * Density activations follow each family's origin: ReLU for the MLP (NeRF, nf2vec) and the
 * tri-plane, truncated exp for the hash grid (instant-ngp).
 */
import type { HashGridConfig, MlpConfig, NerfConfig, TriplaneConfig, Aabb } from './types';

/** A config without its aabb: what an architecture id names. */
export type NerfArchitecture = Omit<MlpConfig, 'aabb'> | Omit<TriplaneConfig, 'aabb'> | Omit<HashGridConfig, 'aabb'>;

/** exp(ln(finest / base) / (levels - 1)): the per-level scale that reaches `finest` at the last level. */
export function perLevelScaleFor(base: number, finest: number, levels: number): number {
  return levels > 1 ? Math.exp(Math.log(finest / base) / (levels - 1)) : 1;
}

const mlp = (architecture: string, frequencies: number, hidden: number[]): Omit<MlpConfig, 'aabb'> => ({
  family: 'mlp',
  architecture,
  densityActivation: 'relu',
  frequencies,
  hidden,
});

const triplane = (architecture: string, resolution: number, channels: number, hidden: number[]): Omit<TriplaneConfig, 'aabb'> => ({
  family: 'triplane',
  architecture,
  densityActivation: 'relu',
  resolution,
  channels,
  frequencies: 4,
  hidden,
});

const hash = (architecture: string, levels: number, log2TableSize: number, featuresPerLevel: number, baseResolution = 16): Omit<HashGridConfig, 'aabb'> => ({
  family: 'hashgrid',
  architecture,
  densityActivation: 'truncExp',
  levels,
  log2TableSize,
  featuresPerLevel,
  baseResolution,
  perLevelScale: perLevelScaleFor(baseResolution, 128, levels),
  hidden: [64, 64],
});

/** Ids of the training architectures, one per family. */
export const TRAINING_ARCHITECTURES = ['mlp-train', 'triplane-train', 'hash-train'] as const;

/** Every known architecture by id; see the file comment for the sizes' reasons. */
export const ARCHITECTURES: Readonly<Record<string, NerfArchitecture>> = Object.freeze({
  'mlp-train': mlp('mlp-train', 6, [64, 64, 64]),
  'triplane-train': triplane('triplane-train', 32, 8, [64, 64]),
  'hash-train': hash('hash-train', 4, 12, 2),
  // Unseen variants, one size changed each.
  'mlp-L2': mlp('mlp-L2', 6, [64, 64]),
  'mlp-W128': mlp('mlp-W128', 6, [128, 128, 128]),
  'mlp-F4': mlp('mlp-F4', 4, [64, 64, 64]),
  'triplane-R16': triplane('triplane-R16', 16, 8, [64, 64]),
  'triplane-C16': triplane('triplane-C16', 32, 16, [64, 64]),
  'triplane-L3': triplane('triplane-L3', 32, 8, [64, 64, 64]),
  // The smaller tables start coarser (base 10 and 12, finest still 128), so that their first level
  // still fits the table: at base 16 every level of a 2^10 or 2^11 table is hashed and fits
  // collapse (median 20.3 / 23.1 dB, min 8.7 / 11.8 on the default zoo's test objects; 33.0 / 33.1,
  // min 23.8 / 22.9 at base 10 / 12: docs/nerf.md).
  'hash-T10': hash('hash-T10', 4, 10, 2, 10),
  'hash-T11': hash('hash-T11', 4, 11, 2, 12),
  'hash-L6': hash('hash-L6', 6, 12, 2),
  'hash-F4': hash('hash-F4', 4, 12, 4),
});

/** Is `id` one of the three architectures the encoder trains on? */
export function isTrainingArchitecture(id: string): boolean {
  return (TRAINING_ARCHITECTURES as readonly string[]).includes(id);
}

/** The architecture named `id`; `RangeError` listing the known ids otherwise. */
export function architecture(id: string): NerfArchitecture {
  const found = Object.hasOwn(ARCHITECTURES, id) ? ARCHITECTURES[id] : undefined;
  if (!found) throw new RangeError(`unknown architecture "${id}" (known: ${Object.keys(ARCHITECTURES).join(', ')})`);
  return found;
}

/** The full config of architecture `id` for a NeRF living in `aabb`. */
export function configFor(id: string, aabb: Aabb): NerfConfig {
  return { ...architecture(id), aabb } as NerfConfig;
}
