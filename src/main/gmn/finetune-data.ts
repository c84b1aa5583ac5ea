/**
 * What a fine-tuning run trains and evaluates on: the user's library NeRFs grouped into objects
 * (assets sharing an object id are one object in several architectures), anchor objects from the
 * demo zoo that hold the space where it was, a held-out part of the demo for the before/after
 * metrics, and the batches that mix them. Rendering targets are cached where the caller says
 * (the library's cache folder), never next to shipped files.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderChoice } from '../../shared/compute';
import { seededRandom } from '../compute/init';
import type { SessionCache } from '../compute/session';
import { TRAINING_ARCHITECTURES } from '../nerf/architectures';
import { nerfField } from '../nerf/field-runtime';
import type { Nerf } from '../nerf/types';
import type { ZooData } from './dataset';
import { type RayTargets, computeRayTargets, packRayTargets, unpackRayTargets } from './targets';

/** One NeRF file of a fine-tuning object. */
export interface FineTuneNerf {
  readonly file: string;
  readonly architecture: string;
  /** Where its rendering targets are cached. */
  readonly targets: string;
}

/** One object: the same shape in one or more architectures. */
export interface FineTuneObject {
  readonly id: string;
  readonly category: string | null;
  readonly nerfs: readonly FineTuneNerf[];
}

/** The demo zoo split for fine-tuning: objects held out for evaluation, the rest as anchors. */
export interface DemoSplit {
  readonly heldOut: FineTuneObject[];
  readonly anchors: FineTuneObject[];
}

/**
 * Holds out the first object (by id) of every category of the demo zoo, in all its architectures,
 * for evaluation; the other objects become anchors. Fixed, so every run is measured on the same
 * objects. Targets of demo files are cached under `targetsDir` as `demo-<file>.targets.f32`.
 */
export function splitDemo(demo: ZooData, targetsDir: string): DemoSplit {
  const byCategory = new Map<string, string>();
  for (const o of [...demo.manifest.objects].sort((a, b) => a.id.localeCompare(b.id))) if (!byCategory.has(o.category)) byCategory.set(o.category, o.id);
  const held = new Set(byCategory.values());
  const heldOut: FineTuneObject[] = [];
  const anchors: FineTuneObject[] = [];
  for (const o of demo.manifest.objects) {
    const nerfs = o.architectures.flatMap((architecture) => {
      const file = demo.files.get(`${o.id}|${architecture}`);
      return file === undefined ? [] : [{ file: path.join(demo.dir, file), architecture, targets: path.join(targetsDir, `demo-${file}.targets.f32`) }];
    });
    if (nerfs.length === 0) continue;
    (held.has(o.id) ? heldOut : anchors).push({ id: o.id, category: o.category, nerfs });
  }
  return { heldOut, anchors };
}

/** The training architectures an object is held in. */
function trainingArchitectures(o: FineTuneObject): string[] {
  return TRAINING_ARCHITECTURES.filter((a) => o.nerfs.some((n) => n.architecture === a));
}

/**
 * The library objects a run trains on: those in at least one training architecture (the
 * encoder's batches need one config per side), minus held-out objects (never trained on) and
 * anchors (the same demo NeRFs, counted once, as anchors).
 */
export function libraryTrainingObjects(library: readonly FineTuneObject[], split: { readonly heldOut: readonly FineTuneObject[]; readonly anchors: readonly FineTuneObject[] }): FineTuneObject[] {
  const excluded = new Set([...split.heldOut, ...split.anchors].map((o) => o.id));
  return library
    .filter((o) => !excluded.has(o.id))
    .map((o) => ({ ...o, nerfs: o.nerfs.filter((n) => (TRAINING_ARCHITECTURES as readonly string[]).includes(n.architecture)) }))
    .filter((o) => o.nerfs.length > 0);
}

/** One row of a batch: an object and where it came from. */
export interface FineTuneRow {
  readonly source: 'library' | 'anchor';
  readonly object: FineTuneObject;
}

/** K rows; row i of side A (architecture pair[0]) and side B (pair[1]) is the same object. */
export interface FineTuneBatch {
  readonly pair: readonly [string, string];
  readonly rows: readonly FineTuneRow[];
}

interface PairPool {
  readonly pair: [string, string];
  readonly library: Cycler;
  readonly anchors: Cycler;
}

/** Draws from a pool without replacement, reshuffling when it runs out. */
class Cycler {
  private order: number[] = [];
  private at = 0;
  constructor(
    readonly items: readonly FineTuneObject[],
    private readonly next: () => number,
  ) {}

  take(count: number): FineTuneObject[] {
    const out: FineTuneObject[] = [];
    while (out.length < Math.min(count, this.items.length)) {
      if (this.at >= this.order.length) {
        this.order = this.items.map((_, i) => i);
        for (let i = this.order.length - 1; i > 0; i--) {
          const j = Math.floor(this.next() * (i + 1));
          [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
        }
        this.at = 0;
      }
      const item = this.items[this.order[this.at++]!]!;
      if (!out.includes(item)) out.push(item);
    }
    return out;
  }
}

/**
 * Batches of a fine-tuning run. The architecture pair cycles over every pair of training
 * architectures (cross-architecture pairs: the contrastive loss), plus (a, a) for each
 * architecture in which the library holds objects stored in that architecture only: such a NeRF
 * is paired with itself, so it contributes its rendering loss and an easy positive. Each batch
 * takes about `libraryShare` of its K rows from the library objects that fit its pair and the
 * rest from the anchors.
 */
export class FineTuneSampler {
  private readonly pools: PairPool[] = [];
  private index = 0;

  constructor(library: readonly FineTuneObject[], anchors: readonly FineTuneObject[], readonly objectsPerBatch: number, readonly libraryShare = 0.5, seed = 0) {
    if (!Number.isInteger(objectsPerBatch) || objectsPerBatch < 2) throw new RangeError(`FineTuneSampler: objectsPerBatch must be an integer >= 2, got ${objectsPerBatch}`);
    if (!(libraryShare >= 0 && libraryShare <= 1)) throw new RangeError(`FineTuneSampler: libraryShare must be in [0, 1], got ${libraryShare}`);
    const next = seededRandom(seed);
    const has = (o: FineTuneObject, a: string): boolean => o.nerfs.some((n) => n.architecture === a);
    const add = (pair: [string, string], lib: FineTuneObject[], anc: FineTuneObject[]): void => {
      if (lib.length + anc.length >= objectsPerBatch) this.pools.push({ pair, library: new Cycler(lib, next), anchors: new Cycler(anc, next) });
    };
    for (let i = 0; i < TRAINING_ARCHITECTURES.length; i++) {
      for (let j = i + 1; j < TRAINING_ARCHITECTURES.length; j++) {
        const a = TRAINING_ARCHITECTURES[i]!;
        const b = TRAINING_ARCHITECTURES[j]!;
        add([a, b], library.filter((o) => has(o, a) && has(o, b)), anchors.filter((o) => has(o, a) && has(o, b)));
      }
    }
    for (const a of TRAINING_ARCHITECTURES) {
      const alone = library.filter((o) => trainingArchitectures(o).length === 1 && has(o, a));
      if (alone.length > 0) add([a, a], alone, anchors.filter((o) => has(o, a)));
    }
    if (this.pools.length === 0) throw new RangeError(`FineTuneSampler: no architecture pair has ${objectsPerBatch} objects (library and anchors together)`);
  }

  /** Architecture pairs in the order batches cycle through them. */
  get architecturePairs(): readonly (readonly [string, string])[] {
    return this.pools.map((p) => p.pair);
  }

  nextBatch(): FineTuneBatch {
    const pool = this.pools[this.index++ % this.pools.length]!;
    const k = this.objectsPerBatch;
    let fromLibrary = Math.min(pool.library.items.length, pool.library.items.length > 0 ? Math.max(1, Math.round(k * this.libraryShare)) : 0);
    fromLibrary = Math.max(fromLibrary, k - pool.anchors.items.length);
    const rows: FineTuneRow[] = [
      ...pool.library.take(fromLibrary).map((object) => ({ source: 'library' as const, object })),
      ...pool.anchors.take(k - fromLibrary).map((object) => ({ source: 'anchor' as const, object })),
    ];
    return { pair: pool.pair, rows };
  }
}

/** The NeRF of `object` in `architecture`. */
export function nerfIn(object: FineTuneObject, architecture: string): FineTuneNerf {
  const nerf = object.nerfs.find((n) => n.architecture === architecture);
  if (!nerf) throw new RangeError(`object ${object.id} has no NeRF in ${architecture}`);
  return nerf;
}

/** The rendering targets of `nerf`, read from `cachePath` or computed and cached there. */
export async function cachedTargets(cachePath: string, nerf: Nerf, sessions: SessionCache, provider: ProviderChoice): Promise<RayTargets> {
  if (existsSync(cachePath)) {
    const bytes = await readFile(cachePath);
    try {
      return unpackRayTargets(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), cachePath);
    } catch {
      // A damaged cache entry is computed again below.
    }
  }
  const targets = await computeRayTargets(nerfField(nerf, sessions, provider), nerf.config.aabb, { seed: 0 });
  mkdirSync(path.dirname(cachePath), { recursive: true });
  const packed = packRayTargets(targets);
  const temporary = `${cachePath}.tmp-${process.pid}`;
  await writeFile(temporary, new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength));
  await rename(temporary, cachePath);
  return targets;
}
