/**
 * The `zoo.fit` job: fits a batch of zoo objects in one architecture, checks each fit by PSNR of a
 * render against the ground-truth render, refits the collapsed ones from another init when asked
 * (keeping the better), and writes one native NeRF file per object.
 */
import { join } from 'node:path';
import type { ProviderChoice } from '../../shared/compute';
import { seededRandom } from '../compute/init';
import type { JobContext } from '../compute/jobs';
import { configFor } from '../nerf/architectures';
import { nerfField } from '../nerf/field-runtime';
import { type FitSamples, fitNerfs } from '../nerf/fit';
import { writeNerfFile } from '../nerf/formats/native';
import { orbitCamera } from '../nerf/render/camera';
import { psnr, renderImage } from '../nerf/render/volume';
import type { Aabb, FieldFunction, Nerf } from '../nerf/types';
import { groundTruthField, sampleTrainingPoints } from './field';
import { ZOO_LR, attemptSeed, beats, betterFit } from './fit-settings';
import { generateObject } from './objects';
import type { Category } from '../vocabulary/categories';

/** Every zoo NeRF lives in this box; shapes are normalised into [-0.9, 0.9]^3. */
export const ZOO_AABB: Aabb = [
  [-1, -1, -1],
  [1, 1, 1],
];

export interface ZooFitInput {
  readonly architecture: string;
  /** `beat`: a recorded PSNR; the object's file is only written (and its fit returned) if this fit is better. */
  readonly objects: readonly { readonly category: Category; readonly seed: number; readonly beat?: number }[];
  readonly outDir: string;
  readonly provider: ProviderChoice;
  /** @default 300 */
  readonly steps?: number;
  /** @default 2048 */
  readonly pointsPerStep?: number;
  /** @default ZOO_LR */
  readonly lr?: number;
  /** Fits below this PSNR are fitted once more from the next attempt's init, the better kept. @default never */
  readonly refitBelow?: number;
  /** Steps of that second fit. @default steps */
  readonly refitSteps?: number;
  /** Attempt number of the first fit; its init seed is `attemptSeed(first object's seed, attempt)`. @default 0 */
  readonly attempt?: number;
  /** Ground-truth points drawn per object before fitting. @default 100000 */
  readonly samplesPerObject?: number;
  /** Side of the PSNR check render. @default 64 */
  readonly checkSize?: number;
  /** Views of the PSNR check. @default the first of CHECK_VIEWS (the thumbnail's view) */
  readonly checkViews?: number;
  /** @default 'float16' */
  readonly dtype?: 'float16' | 'float32';
}

export interface ZooFit {
  readonly id: string;
  readonly architecture: string;
  readonly file: string;
  readonly psnr: number;
  readonly loss: number;
}

export interface ZooFitOutput {
  /** The fits written, in input order: all objects but those that did not beat their `beat`. */
  readonly fits: ZooFit[];
  /** Objects fitted a second time because their first fit was below `refitBelow`. */
  readonly refitted: number;
  readonly seconds: number;
  readonly cancelled: boolean;
}

/** The job kind this module's handler runs, for a pool's types. */
export interface ZooFitJobs {
  'zoo.fit': { input: ZooFitInput; output: ZooFitOutput };
}

/** The file name of object `id` fitted in `architecture`. */
export function zooFileName(id: string, architecture: string): string {
  return `${id}.${architecture}.nerf.safetensors`;
}

/** The views a fit is checked from: the thumbnail's front three-quarter view, and from behind. */
export const CHECK_VIEWS: readonly (readonly [azimuth: number, elevation: number])[] = [
  [35, 25],
  [215, 20],
];

/** Mean PSNR of renders of `fitted` against renders of `truth` over `views`. */
export async function fitPsnr(truth: FieldFunction, fitted: FieldFunction, size: number, views: readonly (readonly [number, number])[] = CHECK_VIEWS): Promise<number> {
  let total = 0;
  for (const [azimuth, elevation] of views) {
    const camera = orbitCamera(ZOO_AABB, azimuth, elevation, 1.1, size);
    const a = await renderImage(truth, ZOO_AABB, camera, { samples: 64 });
    const b = await renderImage(fitted, ZOO_AABB, camera, { samples: 64 });
    total += psnr(a, b);
  }
  return total / views.length;
}

/** The ground truth of a zoo shape as a FieldFunction (what the renderer takes). */
export function groundTruthFieldFunction(shape: Parameters<typeof groundTruthField>[0]): FieldFunction {
  const evaluate = groundTruthField(shape);
  return async (points) => {
    const n = points.length / 3;
    const out = { density: new Float32Array(n), rgb: new Float32Array(n * 3) };
    evaluate(points, out);
    return out;
  };
}

interface Candidate {
  readonly params: Nerf['params'];
  readonly steps: number;
  readonly psnr: number;
  readonly loss: number;
}

export async function zooFitJob(input: ZooFitInput, ctx: JobContext): Promise<ZooFitOutput> {
  const started = performance.now();
  const config = configFor(input.architecture, ZOO_AABB);
  const objects = input.objects.map((o) => generateObject(o.category, o.seed));
  const samples: FitSamples[] = objects.map((o) => sampleTrainingPoints(o.shape, input.samplesPerObject ?? 100_000, seededRandom(o.seed * 7919 + 17)));
  const steps = input.steps ?? 300;
  const firstSeed = input.objects[0]?.seed ?? 0;
  const metaOf = (o: (typeof objects)[number]): Nerf['meta'] => ({ objectId: o.id, category: o.category, caption: o.captions[0] });
  // Fits the objects at `indices` together from attempt `attempt`'s init; undefined when cancelled.
  const fitAttempt = async (indices: readonly number[], attempt: number, attemptSteps: number): Promise<Candidate[] | undefined> => {
    const result = await fitNerfs(config, indices.map((i) => samples[i]!), ctx.sessions, input.provider, {
      steps: attemptSteps,
      pointsPerStep: input.pointsPerStep ?? 2048,
      lr: input.lr ?? ZOO_LR,
      seed: attemptSeed(firstSeed, attempt),
      progressEvery: 10,
      onProgress: (step, total, loss) => ctx.progress({ done: step, total, message: `${input.architecture} x${indices.length}`, metrics: { loss } }),
      shouldStop: () => ctx.cancelled,
    });
    if (result.stopped) return undefined;
    const candidates: Candidate[] = [];
    for (const [b, i] of indices.entries()) {
      const o = objects[i]!;
      const nerf: Nerf = { config, params: result.params[b]!, meta: metaOf(o) };
      const quality = await fitPsnr(groundTruthFieldFunction(o.shape), nerfField(nerf, ctx.sessions, input.provider), input.checkSize ?? 64, CHECK_VIEWS.slice(0, input.checkViews ?? 1));
      candidates.push({ params: nerf.params, psnr: quality, loss: result.finalLoss, steps: attemptSteps });
    }
    return candidates;
  };
  const attempt = input.attempt ?? 0;
  const best = await fitAttempt(objects.map((_, i) => i), attempt, steps);
  const cancelled = (): ZooFitOutput => ({ fits: [], refitted: 0, seconds: (performance.now() - started) / 1000, cancelled: true });
  if (!best) return cancelled();
  const below = input.refitBelow;
  const collapsed = below === undefined ? [] : best.flatMap((c, i) => (c.psnr >= below ? [] : [i]));
  if (collapsed.length) {
    const again = await fitAttempt(collapsed, attempt + 1, input.refitSteps ?? steps);
    if (!again) return cancelled();
    collapsed.forEach((i, k) => (best[i] = betterFit(best[i]!, again[k]!)));
  }
  const fitted = performance.now();
  const fits: ZooFit[] = [];
  for (const [i, o] of objects.entries()) {
    const candidate = best[i]!;
    const beat = input.objects[i]!.beat;
    if (beat !== undefined && !beats(candidate.psnr, beat)) continue;
    const file = zooFileName(o.id, input.architecture);
    const provenance = { generator: 'nerfdex zoo', seed: o.seed, steps: candidate.steps, psnr: Math.round(candidate.psnr * 100) / 100 };
    await writeNerfFile(join(input.outDir, file), { config, params: candidate.params, meta: { ...metaOf(o), provenance } }, { dtype: input.dtype ?? 'float16' });
    fits.push({ id: o.id, architecture: input.architecture, file, psnr: candidate.psnr, loss: candidate.loss });
  }
  if (process.env['NERFDEX_ZOO_TIMING']) console.log(`zoo.fit ${input.architecture} x${objects.length}: fit ${((fitted - started) / 1000).toFixed(1)} s, check+write ${((performance.now() - fitted) / 1000).toFixed(1)} s`);
  return { fits, refitted: collapsed.length, seconds: (performance.now() - started) / 1000, cancelled: false };
}
