/**
 * The `zoo.fit` job: fits a batch of zoo objects in one architecture, checks each fit by PSNR of a
 * render against the ground-truth render, and writes one native NeRF file per object.
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
import type { Aabb, FieldFunction } from '../nerf/types';
import { groundTruthField, sampleTrainingPoints } from './field';
import { generateObject } from './objects';
import type { Category } from './types';

/** Every zoo NeRF lives in this box; shapes are normalised into [-0.9, 0.9]^3. */
export const ZOO_AABB: Aabb = [
  [-1, -1, -1],
  [1, 1, 1],
];

export interface ZooFitInput {
  readonly architecture: string;
  readonly objects: readonly { readonly category: Category; readonly seed: number }[];
  readonly outDir: string;
  readonly provider: ProviderChoice;
  /** @default 300 */
  readonly steps?: number;
  /** @default 2048 */
  readonly pointsPerStep?: number;
  /** @default 1e-2 */
  readonly lr?: number;
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
  readonly fits: ZooFit[];
  readonly seconds: number;
  readonly cancelled: boolean;
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

export async function zooFitJob(input: ZooFitInput, ctx: JobContext): Promise<ZooFitOutput> {
  const started = performance.now();
  const config = configFor(input.architecture, ZOO_AABB);
  const objects = input.objects.map((o) => generateObject(o.category, o.seed));
  const samples: FitSamples[] = objects.map((o) => sampleTrainingPoints(o.shape, input.samplesPerObject ?? 100_000, seededRandom(o.seed * 7919 + 17)));
  const steps = input.steps ?? 300;
  const result = await fitNerfs(config, samples, ctx.sessions, input.provider, {
    steps,
    pointsPerStep: input.pointsPerStep ?? 2048,
    lr: input.lr ?? 1e-2,
    seed: objects[0]?.seed ?? 0,
    progressEvery: 10,
    onProgress: (step, total, loss) => ctx.progress({ done: step, total, message: `${input.architecture} x${objects.length}`, metrics: { loss } }),
    shouldStop: () => ctx.cancelled,
  });
  const fitted = performance.now();
  if (result.stopped) return { fits: [], seconds: (performance.now() - started) / 1000, cancelled: true };
  const fits: ZooFit[] = [];
  for (let b = 0; b < objects.length; b++) {
    const o = objects[b]!;
    const nerf = { config, params: result.params[b]!, meta: { objectId: o.id, category: o.category, caption: o.captions[0] } };
    const quality = await fitPsnr(groundTruthFieldFunction(o.shape), nerfField(nerf, ctx.sessions, input.provider), input.checkSize ?? 64, CHECK_VIEWS.slice(0, input.checkViews ?? 1));
    const file = zooFileName(o.id, input.architecture);
    const provenance = { generator: 'nerfdex zoo', seed: o.seed, steps, psnr: Math.round(quality * 100) / 100 };
    await writeNerfFile(join(input.outDir, file), { ...nerf, meta: { ...nerf.meta, provenance } }, { dtype: input.dtype ?? 'float16' });
    fits.push({ id: o.id, architecture: input.architecture, file, psnr: quality, loss: result.finalLoss });
  }
  if (process.env['NERFDEX_ZOO_TIMING']) console.log(`zoo.fit ${input.architecture} x${objects.length}: fit ${((fitted - started) / 1000).toFixed(1)} s, check+write ${((performance.now() - fitted) / 1000).toFixed(1)} s`);
  return { fits, seconds: (performance.now() - started) / 1000, cancelled: false };
}
