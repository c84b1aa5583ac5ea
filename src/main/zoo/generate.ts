/**
 * Generating a zoo: every object of every category fitted in each requested architecture, split
 * by object into train / val / test, resumable (finished fits are skipped), on a worker pool.
 * A run can also fit recorded fits again (`selectRefits`): whole architectures, or the weak fits.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderChoice } from '../../shared/compute';
import type { WorkerPool } from '../compute/worker-pool';
import { ARCHITECTURES, TRAINING_ARCHITECTURES, configFor } from '../nerf/architectures';
import { type ZooFit, type ZooFitJobs, ZOO_AABB, zooFileName } from './fit-job';
import { type RefitOptions, COLLAPSED_BELOW_DB, refitSteps, selectRefits, zooFitSetting } from './fit-settings';
import { generateObject } from './objects';
import { CATEGORIES, type Category } from '../vocabulary/categories';

export type Split = 'train' | 'val' | 'test';

export interface ZooPlanOptions {
  /** Training objects per category. @default 30 */
  readonly perCategory?: number;
  /** Validation objects per category. @default 2 */
  readonly valPerCategory?: number;
  /** Test objects per category. @default 6 */
  readonly testPerCategory?: number;
  /** @default 0 */
  readonly seed?: number;
  /** @default all 13 */
  readonly categories?: readonly Category[];
  /** Architectures of train and val objects. @default the three training architectures */
  readonly trainArchitectures?: readonly string[];
  /** Architectures of test objects. @default every architecture (training and unseen) */
  readonly testArchitectures?: readonly string[];
}

export interface PlannedObject {
  readonly id: string;
  readonly category: Category;
  readonly seed: number;
  readonly split: Split;
  readonly architectures: readonly string[];
}

/** The objects of a zoo and the architectures each is fitted in. Deterministic for the options. */
export function planZoo(options: ZooPlanOptions = {}): PlannedObject[] {
  const train = options.perCategory ?? 30;
  const val = options.valPerCategory ?? 2;
  const test = options.testPerCategory ?? 6;
  const base = (options.seed ?? 0) * 10_000;
  const trainArchs = options.trainArchitectures ?? TRAINING_ARCHITECTURES;
  const testArchs = options.testArchitectures ?? Object.keys(ARCHITECTURES);
  for (const a of [...trainArchs, ...testArchs]) configFor(a, ZOO_AABB);
  for (const n of [train, val, test]) if (!Number.isInteger(n) || n < 0 || n >= 10_000) throw new RangeError(`object counts must be integers in [0, 10000), got ${n}`);
  const objects: PlannedObject[] = [];
  for (const category of options.categories ?? CATEGORIES) {
    for (let i = 0; i < train + val + test; i++) {
      const split: Split = i < train ? 'train' : i < train + val ? 'val' : 'test';
      const seed = base + i;
      objects.push({ id: generateObject(category, seed).id, category, seed, split, architectures: split === 'test' ? testArchs : trainArchs });
    }
  }
  return objects;
}

export interface ZooRunOptions extends ZooPlanOptions, RefitOptions {
  readonly out: string;
  /** Runs the `zoo.fit` jobs. */
  readonly pool: WorkerPool<ZooFitJobs>;
  readonly provider: ProviderChoice;
  /** NeRFs fitted together in one batched graph. @default 8 */
  readonly batch?: number;
  /** Steps of a training architecture's fit; others scale it (`zooFitSetting`). @default 300 */
  readonly steps?: number;
  readonly pointsPerStep?: number;
  readonly onProgress?: (event: ZooProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ZooProgress {
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
  /** Recorded fits this run fits again (counted in `total`, not in `skipped`). */
  readonly refits?: number;
  /** The last batch: `count` fits written (a challenged fit that lost is not), `refitted` collapsed ones fitted twice. */
  readonly last?: { readonly architecture: string; readonly count: number; readonly meanPsnr: number; readonly seconds: number; readonly refitted: number };
}

export interface ZooSummaryRow {
  readonly architecture: string;
  readonly fits: number;
  readonly medianPsnr: number;
  readonly minPsnr: number;
}

export interface ZooManifest {
  readonly format: 'nerfdex-zoo';
  readonly version: 1;
  readonly options: Omit<ZooPlanOptions, never>;
  readonly aabb: typeof ZOO_AABB;
  readonly architectures: Record<string, unknown>;
  readonly objects: (PlannedObject & { readonly captions: readonly string[] })[];
  readonly fits: ZooFit[];
  readonly summary: ZooSummaryRow[];
}

const FITS_LOG = 'fits.jsonl';

function readFitsLog(out: string): Map<string, ZooFit> {
  const done = new Map<string, ZooFit>();
  const path = join(out, FITS_LOG);
  if (!existsSync(path)) return done;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const fit = JSON.parse(line) as ZooFit;
      if (existsSync(join(out, fit.file))) done.set(fit.file, fit);
    } catch {
      // A line cut short by a kill: that fit is redone.
    }
  }
  return done;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarise(fits: readonly ZooFit[]): ZooSummaryRow[] {
  const by = new Map<string, number[]>();
  for (const f of fits) by.set(f.architecture, [...(by.get(f.architecture) ?? []), f.psnr]);
  return Object.keys(ARCHITECTURES)
    .filter((a) => by.has(a))
    .map((architecture) => {
      const values = by.get(architecture)!;
      return { architecture, fits: values.length, medianPsnr: median(values), minPsnr: Math.min(...values) };
    });
}

/** Fits every planned (object, architecture) pair not yet done (and the refits asked for), then writes manifest.json. */
export async function generateZoo(options: ZooRunOptions): Promise<ZooManifest> {
  const objects = planZoo(options);
  for (const a of options.refitArchitectures ?? []) configFor(a, ZOO_AABB);
  mkdirSync(options.out, { recursive: true });
  const done = readFitsLog(options.out);
  const batch = options.batch ?? 8;
  const steps = options.steps ?? 300;
  const recorded = objects.flatMap((o) => o.architectures.map((a) => done.get(zooFileName(o.id, a))).filter((f): f is ZooFit => f !== undefined));
  const refits = selectRefits(recorded, options);
  // A redone fit's file and record stand until the new fit replaces them (a stopped run keeps them).
  const discarded = new Map(refits.redo.map((f) => [f.file, f]));
  for (const fit of refits.redo) done.delete(fit.file);
  const challenged = new Map(refits.improve.map((f) => [f.file, f.psnr]));
  const units: { architecture: string; objects: PlannedObject[]; improve: boolean }[] = [];
  const total = objects.reduce((n, o) => n + o.architectures.length, 0);
  let skipped = 0;
  for (const architecture of Object.keys(ARCHITECTURES)) {
    const planned = objects.filter((o) => o.architectures.includes(architecture));
    const pending = planned.filter((o) => !done.has(zooFileName(o.id, architecture)));
    const improve = planned.filter((o) => challenged.has(zooFileName(o.id, architecture)));
    skipped += planned.length - pending.length - improve.length;
    for (let i = 0; i < pending.length; i += batch) units.push({ architecture, objects: pending.slice(i, i + batch), improve: false });
    for (let i = 0; i < improve.length; i += batch) units.push({ architecture, objects: improve.slice(i, i + batch), improve: true });
  }
  let finished = skipped;
  options.onProgress?.({ done: finished, total, skipped, refits: refits.redo.length + refits.improve.length });
  const running = new Set<{ cancel(): void }>();
  const cancelAll = (): void => running.forEach((h) => h.cancel());
  options.signal?.addEventListener('abort', cancelAll);
  try {
    await Promise.all(
      units.map(async (unit) => {
        if (options.signal?.aborted) return;
        const setting = zooFitSetting(unit.architecture, steps);
        const refit = refitSteps(unit.architecture, steps);
        const handle = options.pool.startJob('zoo.fit', {
          architecture: unit.architecture,
          objects: unit.objects.map((o) => {
            const beat = unit.improve ? challenged.get(zooFileName(o.id, unit.architecture)) : undefined;
            return { category: o.category, seed: o.seed, ...(beat !== undefined ? { beat } : {}) };
          }),
          outDir: options.out,
          provider: options.provider,
          // A challenge fits as generation's refit of a collapsed fit does (`refitSteps`), from an
          // init past the two attempts generation makes.
          steps: unit.improve ? refit : setting.steps,
          lr: setting.lr,
          refitBelow: COLLAPSED_BELOW_DB,
          refitSteps: refit,
          ...(unit.improve ? { attempt: 2 } : {}),
          ...(options.pointsPerStep !== undefined ? { pointsPerStep: options.pointsPerStep } : {}),
        });
        running.add(handle);
        try {
          const result = await handle.result;
          if (result.cancelled) return;
          for (const fit of result.fits) {
            appendFileSync(join(options.out, FITS_LOG), `${JSON.stringify(fit)}\n`);
            done.set(fit.file, fit);
          }
          finished += unit.objects.length;
          const meanPsnr = result.fits.reduce((s, f) => s + f.psnr, 0) / Math.max(1, result.fits.length);
          options.onProgress?.({ done: finished, total, skipped, last: { architecture: unit.architecture, count: result.fits.length, meanPsnr, seconds: result.seconds, refitted: result.refitted } });
        } catch (e) {
          if (!options.signal?.aborted) throw e;
        } finally {
          running.delete(handle);
        }
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', cancelAll);
  }
  const fits = objects.flatMap((o) => o.architectures.map((a) => done.get(zooFileName(o.id, a)) ?? discarded.get(zooFileName(o.id, a))).filter((f): f is ZooFit => f !== undefined));
  const architectures: Record<string, unknown> = {};
  for (const a of new Set(objects.flatMap((o) => o.architectures))) architectures[a] = configFor(a, ZOO_AABB);
  const manifest: ZooManifest = {
    format: 'nerfdex-zoo',
    version: 1,
    options: {
      perCategory: options.perCategory ?? 30,
      valPerCategory: options.valPerCategory ?? 2,
      testPerCategory: options.testPerCategory ?? 6,
      seed: options.seed ?? 0,
      categories: options.categories ?? CATEGORIES,
    },
    aabb: ZOO_AABB,
    architectures,
    objects: objects.map((o) => ({ ...o, captions: generateObject(o.category, o.seed).captions })),
    fits,
    summary: summarise(fits),
  };
  writeFileSync(join(options.out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}
