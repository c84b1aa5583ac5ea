/**
 * Reference NeRFs: for any config, the untrained NeRF its family's initialisation gives with a
 * fixed seed. An encoder trained with references embeds a NeRF as encoder(NeRF) minus
 * encoder(reference of the same config).
 *
 * Why: the mean readout over a parameter graph's edges is dominated by what every NeRF of an
 * architecture shares (its node and edge types, layers and positions), so the raw embeddings of
 * one architecture agree to about 1e-4 of their size and differ from another architecture's by
 * a constant offset. Subtracting the embedding of an untrained NeRF of the same config removes
 * that offset for any architecture, unseen variants included, since a reference exists for every
 * config. (Measured on 16 zoo objects in tri-plane + MLP batches, 300 steps: the rendering loss
 * fell from 0.18 to 0.11 with references and stayed at 0.16 without; docs/gmn.md.)
 */
import { initParams } from '../nerf/field-graph';
import type { Nerf, NerfConfig } from '../nerf/types';

/** Seed of every reference NeRF's initialisation. */
export const REFERENCE_SEED = 20_261_129;

const references = new Map<string, Nerf>();

/** The untrained NeRF of `config` (cached per config). */
export function referenceNerf(config: NerfConfig): Nerf {
  const key = JSON.stringify(config);
  let nerf = references.get(key);
  if (!nerf) {
    nerf = { config, params: initParams(config, REFERENCE_SEED), meta: { provenance: { generator: 'nerfdex reference', seed: REFERENCE_SEED } } };
    references.set(key, nerf);
  }
  return nerf;
}

/**
 * The graphs to embed for `nerfs` with references: the NeRFs, then one reference per distinct
 * config; `referenceIndex[i]` is the position of NeRF i's reference in that list.
 */
export function withReferences(nerfs: readonly Nerf[]): { graphs: Nerf[]; referenceIndex: number[] } {
  const graphs = [...nerfs];
  const byConfig = new Map<string, number>();
  const referenceIndex = nerfs.map((n) => {
    const key = JSON.stringify(n.config);
    let at = byConfig.get(key);
    if (at === undefined) {
      at = graphs.length;
      graphs.push(referenceNerf(n.config));
      byConfig.set(key, at);
    }
    return at;
  });
  return { graphs, referenceIndex };
}
