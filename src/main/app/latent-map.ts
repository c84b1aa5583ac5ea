/**
 * The latent map: the active encoder's embeddings of the library laid out in 2D by t-SNE in a
 * worker, the layout cached in the library (a setting per model version, keyed by the set of
 * assets it covers) so the map opens at once until an asset is embedded or removed.
 */

import { createHash } from 'node:crypto';
import type { LatentMapEntry, LatentMapLayout, LatentMapUnavailable } from '../../shared/api';
import { normalized } from '../library/vectors';
import type { AppLibrary } from './app-library';

/** Most points one layout holds: exact t-SNE costs n^2 per step (about 30 s for 2,000 on a busy 2-core machine). Larger libraries show an evenly spread subset. */
export const MAX_MAP_POINTS = 2000;

/** Settings key of a model version's cached layout. */
const settingOf = (version: string): string => `app.latentMap.${version}`;

interface CachedLayout {
  readonly key: string;
  readonly modelVersion: string;
  readonly ids: number[];
  /** x0, y0, x1, y1, ... */
  readonly xy: number[];
}

/** The message the latent map rejects with while no encoder model is installed. */
export function noMapEncoderMessage(encoderPath: string): string {
  return `no encoder model installed: the latent map needs ${encoderPath} (train one with \`npm run train\`, see docs/gmn.md)`;
}

/** Ids (ascending) of the assets the model has embedded, and how many there are. */
function embeddedIds(app: AppLibrary, version: string): number[] {
  const ids: number[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = app.library.listAssets({ sort: 'created', order: 'asc', offset, limit: 1000 });
    for (const asset of page.items) if (app.library.embedding(asset.id, version) !== undefined) ids.push(asset.id);
    if (page.items.length < 1000) break;
  }
  return ids.sort((a, b) => a - b);
}

/** At most `max` of `ids`, evenly spread, in order. */
function spread(ids: readonly number[], max: number): number[] {
  if (ids.length <= max) return [...ids];
  return Array.from({ length: max }, (_, i) => ids[Math.floor((i * ids.length) / max)]!);
}

/**
 * Lays out the library's embeddings, one t-SNE run at a time: a request made while a run is under
 * way for another set (an import is adding assets) gets that run's layout, and the next request
 * lays out the set as it is then. So a map left open during an import queues no pile of runs.
 */
export class LatentMaps {
  private running: Promise<CachedLayout> | undefined;

  constructor(private readonly app: AppLibrary) {}

  async layout(): Promise<LatentMapLayout | LatentMapUnavailable> {
    const { library } = this.app;
    const model = library.activeModel();
    if (model === undefined) {
      return {
        modelVersion: null,
        unavailable: this.app.encoderInstalled()
          ? 'the installed encoder model has not embedded any asset yet; a job is embedding them, and the map appears once it is done'
          : (this.app.unusableEncoderReason(this.app.encoderPath) ?? noMapEncoderMessage(this.app.encoderPath)),
      };
    }
    const all = embeddedIds(this.app, model.version);
    if (all.length === 0) return { modelVersion: model.version, unavailable: `the encoder ${model.version} has not embedded any asset yet` };
    const ids = spread(all, MAX_MAP_POINTS);
    const key = createHash('sha256').update(`${model.version}\n${ids.join(',')}`).digest('hex');
    let cached = library.getSetting<CachedLayout>(settingOf(model.version));
    const hit = cached?.key === key;
    if (!hit) {
      this.running ??= this.compute(model.version, model.dims, ids, key).finally(() => (this.running = undefined));
      cached = await this.running;
    }
    const layout = cached!;
    const points: LatentMapEntry[] = [];
    layout.ids.forEach((id, i) => {
      const asset = library.getAsset(id);
      if (asset === undefined) return;
      points.push({ assetId: id, x: layout.xy[2 * i]!, y: layout.xy[2 * i + 1]!, name: asset.name, category: asset.category, architecture: asset.architecture });
    });
    return { modelVersion: layout.modelVersion, method: 'tsne', points, embedded: all.length, cached: hit };
  }

  private async compute(version: string, dims: number, ids: readonly number[], key: string): Promise<CachedLayout> {
    const rows = new Float32Array(ids.length * dims);
    ids.forEach((id, i) => rows.set(normalized(this.app.library.embedding(id, version)!), i * dims));
    const { points } = await this.app.pool.startJob('library.map-layout', { rows, count: ids.length, dims }, { transfer: [rows.buffer] }).result;
    // Rounded: the map needs no more, and the setting stays small.
    const layout: CachedLayout = { key, modelVersion: version, ids: [...ids], xy: Array.from(points, (v) => Math.round(v * 1e4) / 1e4) };
    this.app.library.setSetting(settingOf(version), layout);
    return layout;
  }
}
