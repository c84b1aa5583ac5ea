/**
 * The zoo as the evaluation sees it: manifest.json read and checked, and the embeddings of the
 * fits it evaluates (train and val splits in the training architectures, the test split in every
 * architecture), computed with an Embedder a batch at a time so only one batch of NeRFs is in
 * memory, and optionally a second vector per fit from the same NeRF in the same pass (the
 * functional baseline's descriptor), so no file is read twice.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProviderChoice } from '../../../shared/compute';
import type { SessionCache } from '../../compute/session';
import { isTrainingArchitecture } from '../../nerf/architectures';
import { readNerfFile } from '../../nerf/formats/native';
import type { Nerf } from '../../nerf/types';
import type { Split, ZooManifest } from '../../zoo/generate';
import { CATEGORIES, type Category } from '../../vocabulary/categories';
import type { Embedder } from '../embedder';

/** A zoo manifest with where it came from. */
export interface LoadedZoo {
  readonly dir: string;
  readonly manifest: ZooManifest;
  /** sha256 (hex) of manifest.json's bytes. */
  readonly sha256: string;
}

/** One embedded fit. */
export interface EmbeddedFit {
  readonly objectId: string;
  readonly category: Category;
  readonly split: Split;
  readonly architecture: string;
  readonly embedding: Float32Array;
  /** What `EmbedZooOptions.describe` made of the NeRF; absent without it. */
  readonly descriptor?: Float32Array;
}

/** Reads `dir/manifest.json`; an `Error` naming the file for anything that is not a zoo manifest. */
export async function readZoo(dir: string): Promise<LoadedZoo> {
  const path = join(dir, 'manifest.json');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the zoo manifest (${(e as Error).message}); make a zoo with npm run zoo`);
  }
  let manifest: ZooManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as ZooManifest;
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
  if (manifest?.format !== 'nerfdex-zoo') throw new Error(`${path}: not a nerfdex zoo manifest (format is ${JSON.stringify(manifest?.format)})`);
  if (manifest.version !== 1) throw new Error(`${path}: zoo manifest version ${JSON.stringify(manifest.version)} is not one this build reads (1)`);
  if (!Array.isArray(manifest.objects) || !Array.isArray(manifest.fits)) throw new Error(`${path}: the manifest has no objects or fits list`);
  for (const o of manifest.objects) {
    if (!(CATEGORIES as readonly string[]).includes(o.category)) throw new Error(`${path}: object ${JSON.stringify(o.id)} has unknown category ${JSON.stringify(o.category)}`);
    if (!['train', 'val', 'test'].includes(o.split)) throw new Error(`${path}: object ${JSON.stringify(o.id)} has unknown split ${JSON.stringify(o.split)}`);
  }
  return { dir, manifest, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A fit of the zoo to embed, with its object's category and split. */
export interface PlannedFit {
  readonly objectId: string;
  readonly category: Category;
  readonly split: Split;
  readonly architecture: string;
  readonly file: string;
}

/**
 * The fits the evaluation embeds: train and val objects in the training architectures, test
 * objects in every architecture they were fitted in. Ordered by architecture, then manifest order.
 */
export function fitsToEmbed(manifest: ZooManifest): PlannedFit[] {
  const objects = new Map(manifest.objects.map((o) => [o.id, o]));
  const planned: PlannedFit[] = [];
  for (const fit of manifest.fits) {
    const object = objects.get(fit.id);
    if (!object) throw new Error(`zoo manifest: fit ${fit.file} names object ${JSON.stringify(fit.id)}, which the manifest does not list`);
    if (object.split !== 'test' && !isTrainingArchitecture(fit.architecture)) continue;
    planned.push({ objectId: fit.id, category: object.category, split: object.split, architecture: fit.architecture, file: fit.file });
  }
  const order = [...new Set(planned.map((f) => f.architecture))];
  return planned.sort((a, b) => order.indexOf(a.architecture) - order.indexOf(b.architecture));
}

/** Options of `embedZoo`. */
export interface EmbedZooOptions {
  readonly sessions: SessionCache;
  readonly provider: ProviderChoice;
  /** NeRFs per session run. @default 8 */
  readonly batchSize?: number;
  /** Called after each batch. */
  readonly onProgress?: (done: number, total: number) => void;
  /** A second vector of each NeRF, computed while it is loaded; an error names the fit's file. */
  readonly describe?: (nerf: Nerf) => Promise<Float32Array>;
}

/** Embeddings of `fits` (files under `zoo.dir`), in order. */
export async function embedZoo(zoo: LoadedZoo, fits: readonly PlannedFit[], embedder: Embedder, options: EmbedZooOptions): Promise<EmbeddedFit[]> {
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`embedZoo: batchSize must be an integer >= 1, got ${batchSize}`);
  const out: EmbeddedFit[] = [];
  for (let i = 0; i < fits.length; i += batchSize) {
    const batch = fits.slice(i, i + batchSize);
    const nerfs = await Promise.all(
      batch.map(async (fit) => {
        const nerf = await readNerfFile(join(zoo.dir, fit.file));
        if (nerf.config.architecture !== fit.architecture) throw new Error(`${fit.file}: the manifest says architecture ${fit.architecture}, the file holds ${nerf.config.architecture}`);
        return nerf;
      }),
    );
    const embeddings = await embedder.embed(nerfs, options.sessions, options.provider, batchSize);
    const descriptors: (Float32Array | undefined)[] = [];
    // One NeRF at a time: each is one session run, and the order stays that of the manifest.
    for (const [j, nerf] of nerfs.entries()) {
      try {
        descriptors.push(options.describe ? await options.describe(nerf) : undefined);
      } catch (e) {
        throw new Error(`${batch[j]!.file}: ${(e as Error).message}`);
      }
    }
    batch.forEach((fit, j) => {
      const descriptor = descriptors[j];
      out.push({ objectId: fit.objectId, category: fit.category, split: fit.split, architecture: fit.architecture, embedding: embeddings[j]!, ...(descriptor ? { descriptor } : {}) });
    });
    options.onProgress?.(out.length, fits.length);
  }
  return out;
}
