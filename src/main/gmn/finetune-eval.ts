/**
 * The held-out metrics a fine-tuning run reports for the model before and after: on demo objects
 * it never trains on, cross-architecture retrieval (does an object in one architecture find
 * itself in another) and 1-NN category accuracy (is the nearest labelled anchor of the same
 * category).
 */
import type { ProviderChoice } from '../../shared/compute';
import type { SessionCache } from '../compute/session';
import type { Nerf } from '../nerf/types';
import type { Embedder } from './embedder';
import { chanceRecall, knnClassify, recallAtK, retrievalRanks } from './eval/metrics';
import type { FineTuneObject } from './finetune-data';

export interface HeldOutMetrics {
  /** Cross-architecture retrieval over every ordered pair of architectures: the same object ranked first. */
  readonly recallAt1: number;
  /** ... ranked in the first five. */
  readonly recallAt5: number;
  /** Chance levels of the two recalls for this gallery size. */
  readonly chanceAt1: number;
  readonly chanceAt5: number;
  /** Held-out NeRFs whose nearest anchor NeRF (any architecture) has their category. */
  readonly categoryAccuracy: number;
  /** Held-out objects and the retrieval queries made over them. */
  readonly objects: number;
  readonly queries: number;
}

/** Embeds every NeRF of `objects`, keyed `objectId|architecture`. */
async function embedObjects(embedder: Embedder, objects: readonly FineTuneObject[], load: (file: string) => Promise<Nerf>, sessions: SessionCache, provider: ProviderChoice, shouldStop: () => boolean): Promise<Map<string, Float32Array> | undefined> {
  const out = new Map<string, Float32Array>();
  const items = objects.flatMap((o) => o.nerfs.map((n) => ({ key: `${o.id}|${n.architecture}`, file: n.file })));
  const batch = 8;
  for (let i = 0; i < items.length; i += batch) {
    if (shouldStop()) return undefined;
    const part = items.slice(i, i + batch);
    const embeddings = await embedder.embed(await Promise.all(part.map((p) => load(p.file))), sessions, provider, batch);
    part.forEach((p, j) => out.set(p.key, embeddings[j]!));
  }
  return out;
}

/**
 * The metrics of `embedder` on `heldOut`, with `anchors` as the labelled gallery of the 1-NN
 * category accuracy. Resolves undefined when `shouldStop` turns true part-way.
 */
export async function heldOutMetrics(embedder: Embedder, heldOut: readonly FineTuneObject[], anchors: readonly FineTuneObject[], load: (file: string) => Promise<Nerf>, sessions: SessionCache, provider: ProviderChoice, shouldStop: () => boolean = () => false): Promise<HeldOutMetrics | undefined> {
  const held = await embedObjects(embedder, heldOut, load, sessions, provider, shouldStop);
  const gallery = held && (await embedObjects(embedder, anchors, load, sessions, provider, shouldStop));
  if (!held || !gallery) return undefined;
  const architectures = [...new Set(heldOut.flatMap((o) => o.nerfs.map((n) => n.architecture)))].sort();
  const ranks: number[] = [];
  let chance1 = 0;
  let chance5 = 0;
  for (const a of architectures) {
    for (const b of architectures) {
      if (a === b) continue;
      const both = heldOut.filter((o) => held.has(`${o.id}|${a}`) && held.has(`${o.id}|${b}`));
      if (both.length < 2) continue;
      const found = retrievalRanks(both.map((o) => held.get(`${o.id}|${a}`)!), both.map((o) => held.get(`${o.id}|${b}`)!), both.map((_, i) => i));
      ranks.push(...found);
      chance1 += chanceRecall(1, both.length) * found.length;
      chance5 += chanceRecall(5, both.length) * found.length;
    }
  }
  const recall = recallAtK(ranks, [1, 5]);
  const categories = [...new Set([...heldOut, ...anchors].flatMap((o) => (o.category === null ? [] : [o.category])))].sort();
  const label = (o: FineTuneObject): number => (o.category === null ? -1 : categories.indexOf(o.category));
  const galleryRows = anchors.filter((o) => o.category !== null).flatMap((o) => o.nerfs.map((n) => ({ e: gallery.get(`${o.id}|${n.architecture}`)!, label: label(o) })));
  const queryRows = heldOut.filter((o) => o.category !== null).flatMap((o) => o.nerfs.map((n) => ({ e: held.get(`${o.id}|${n.architecture}`)!, label: label(o) })));
  let categoryAccuracy = NaN;
  if (galleryRows.length > 0 && queryRows.length > 0) {
    const predicted = knnClassify(queryRows.map((r) => r.e), galleryRows.map((r) => r.e), galleryRows.map((r) => r.label), 1);
    categoryAccuracy = predicted.filter((p, i) => p === queryRows[i]!.label).length / queryRows.length;
  }
  return {
    recallAt1: recall[1]!,
    recallAt5: recall[5]!,
    chanceAt1: ranks.length ? chance1 / ranks.length : NaN,
    chanceAt5: ranks.length ? chance5 / ranks.length : NaN,
    categoryAccuracy,
    objects: heldOut.length,
    queries: ranks.length,
  };
}
