/**
 * `evaluateEncoder`: embeds a zoo with a shipped encoder and measures the embeddings the way the
 * paper does (PAPER.md, "Training and evaluation"): classification from frozen embeddings on the
 * training architectures and the unseen variants, cross-architecture instance retrieval, and a
 * 2D map; and, beside it, a functional baseline (density-descriptor.ts) through the same
 * classification and retrieval protocol (protocol.ts). Writes report.md, metrics.json and two PNGs
 * when given a folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProviderChoice } from '../../../shared/compute';
import { SessionCache } from '../../compute/session';
import { TRAINING_ARCHITECTURES, isTrainingArchitecture } from '../../nerf/architectures';
import type { Nerf } from '../../nerf/types';
import { generateObject } from '../../zoo/objects';
import { CATEGORIES } from '../../vocabulary/categories';
import { Embedder } from '../embedder';
import type { ClassifierOptions } from './classifier';
import { DESCRIPTOR_LENGTH, DESCRIPTOR_RESOLUTION, nerfDensityDescriptor } from './density-descriptor';
import { l2NormalizeRows, neighbourShares } from './metrics';
import { headlineFigures, measureProtocol } from './protocol';
import { formatReport } from './report';
import { drawScatterPlot, encodeRgbPng } from './scatter-plot';
import { type TsneOptions, tsne } from './tsne';
import type { BaselineMetrics, EvalMetrics } from './types';
import { type EmbeddedFit, embedZoo, fitsToEmbed, readZoo } from './zoo-embeddings';

export { RECALL_KS } from './protocol';

/** File names inside the output folder. */
export const EVAL_FILES = { report: 'report.md', metrics: 'metrics.json', byCategory: 'map-category.png', byArchitecture: 'map-architecture.png' } as const;

/** A stage of the evaluation and how far it is. */
export interface EvalProgress {
  readonly stage: 'embedding' | 'classification' | 'retrieval' | 'baseline' | 'map';
  readonly done: number;
  readonly total: number;
}

/** Options of `evaluateEncoder`. */
export interface EvaluateOptions {
  /** encoder.onnx, with encoder.json beside it. */
  readonly model: string;
  /** A zoo folder holding manifest.json and the fits. */
  readonly zoo: string;
  /** Folder for report.md, metrics.json and the PNGs; nothing is written without it. */
  readonly out?: string;
  readonly provider: ProviderChoice;
  /** Sessions to reuse; a private cache, disposed at the end, otherwise. */
  readonly sessions?: SessionCache;
  /** NeRFs per encoder run. @default 8 */
  readonly batchSize?: number;
  /** The probe classifier's settings (classifier.ts). @default its defaults: hidden 256, 300 steps, lr 1e-3, seed 0 */
  readonly classifier?: ClassifierOptions;
  /** Neighbours of the k-NN classification column. @default 5 */
  readonly knnK?: number;
  /** Whether to compute the functional baseline (density descriptors through the same protocol). @default true */
  readonly baseline?: boolean;
  /** t-SNE settings. @default perplexity 30, 1000 iterations, seed 0 */
  readonly tsne?: TsneOptions;
  readonly onProgress?: (progress: EvalProgress) => void;
}

/** The measurements, the markdown report, and the files written (absolute paths). */
export interface EvalResult {
  readonly metrics: EvalMetrics;
  readonly report: string;
  readonly files: readonly string[];
}

/** Runs the whole evaluation. */
export async function evaluateEncoder(options: EvaluateOptions): Promise<EvalResult> {
  const started = performance.now();
  const clock = (): number => (performance.now() - started) / 1000;
  const sessions = options.sessions ?? new SessionCache();
  try {
    const embedder = await Embedder.load(options.model);
    const zoo = await readZoo(options.zoo);
    const planned = fitsToEmbed(zoo.manifest);
    if (!planned.some((f) => f.split === 'train')) throw new Error(`${zoo.dir}: the zoo has no train-split fits in the training architectures, so no classifier can be trained`);
    if (!planned.some((f) => f.split === 'test')) throw new Error(`${zoo.dir}: the zoo has no test-split fits to evaluate`);
    const withBaseline = options.baseline ?? true;
    const fits = await embedZoo(zoo, planned, embedder, {
      sessions,
      provider: options.provider,
      batchSize: options.batchSize ?? 8,
      onProgress: (done, total) => options.onProgress?.({ stage: 'embedding', done, total }),
      describe: withBaseline ? (nerf: Nerf) => nerfDensityDescriptor(nerf, sessions, options.provider) : undefined,
    });
    const embeddingSeconds = clock();
    const split = (s: EmbeddedFit['split']): EmbeddedFit[] => fits.filter((f) => f.split === s);
    const [train, val, test] = [split('train'), split('val'), split('test')];
    const protocolOptions = { sessions, provider: options.provider, classifier: options.classifier ?? {}, knnK: options.knnK ?? 5 };

    // Classification, then cross-architecture retrieval, of the embeddings.
    options.onProgress?.({ stage: 'classification', done: 0, total: 1 });
    let classifiedAt = 0;
    const detail = await measureProtocol(fits, (f) => f.embedding, {
      ...protocolOptions,
      onClassified: () => {
        classifiedAt = clock();
        options.onProgress?.({ stage: 'classification', done: 1, total: 1 });
        options.onProgress?.({ stage: 'retrieval', done: 0, total: 1 });
      },
    });
    const classificationSeconds = classifiedAt - embeddingSeconds;
    // Rows list the architectures with test fits, training ones first, in ARCHITECTURES order.
    const testArchitectures = detail.classification.rows.filter((r) => !r.kind.startsWith('all')).map((r) => r.architecture);
    const unseen = testArchitectures.filter((a) => !isTrainingArchitecture(a));
    const trainingTest = test.filter((f) => isTrainingArchitecture(f.architecture));
    // The main colour of each object, regenerated from its category and seed (the zoo is procedural).
    const mainColour = new Map(zoo.manifest.objects.map((o) => [o.id, generateObject(o.category, o.seed).attributes.colours[0] ?? 'none']));
    const neighbours =
      trainingTest.length >= 2
        ? neighbourShares(
            trainingTest.map((f) => f.embedding),
            { architecture: trainingTest.map((f) => f.architecture), category: trainingTest.map((f) => f.category), object: trainingTest.map((f) => f.objectId), 'main colour': trainingTest.map((f) => mainColour.get(f.objectId)!) },
            10,
          )
        : undefined;
    options.onProgress?.({ stage: 'retrieval', done: 1, total: 1 });
    const retrievalSeconds = clock() - classifiedAt;

    // The functional baseline: the density descriptors through the very same protocol.
    let baseline: BaselineMetrics | undefined;
    if (withBaseline) {
      options.onProgress?.({ stage: 'baseline', done: 0, total: 1 });
      const baselineDetail = await measureProtocol(fits, (f) => f.descriptor!, protocolOptions);
      baseline = { ...headlineFigures(baselineDetail), descriptor: { kind: 'log1p density', resolution: DESCRIPTOR_RESOLUTION, length: DESCRIPTOR_LENGTH }, detail: baselineDetail };
      options.onProgress?.({ stage: 'baseline', done: 1, total: 1 });
    }
    const baselineSeconds = clock() - embeddingSeconds - classificationSeconds - retrievalSeconds;

    // The map.
    options.onProgress?.({ stage: 'map', done: 0, total: 1 });
    const iterations = options.tsne?.iterations ?? 1000;
    const layout = tsne(l2NormalizeRows(test.map((f) => f.embedding)), { ...options.tsne, iterations });
    const categoriesShown = CATEGORIES.filter((c) => test.some((f) => f.category === c));
    const hollow = test.map((f) => !isTrainingArchitecture(f.architecture));
    const notes = ['filled: training arch', 'ring: unseen variant'];
    const byCategory = drawScatterPlot({
      title: `test embeddings by category (t-sne, ${test.length} nerfs)`,
      points: layout.points,
      groupOf: test.map((f) => categoriesShown.indexOf(f.category)),
      hollow,
      groups: categoriesShown,
      notes,
    });
    const byArchitecture = drawScatterPlot({
      title: `test embeddings by architecture (t-sne, ${test.length} nerfs)`,
      points: layout.points,
      groupOf: test.map((f) => testArchitectures.indexOf(f.architecture)),
      hollow,
      groups: testArchitectures,
      notes,
    });
    options.onProgress?.({ stage: 'map', done: 1, total: 1 });
    const mapSeconds = clock() - embeddingSeconds - classificationSeconds - retrievalSeconds - baselineSeconds;

    const count = (s: string): number => zoo.manifest.objects.filter((o) => o.split === s).length;
    const metrics: EvalMetrics = {
      created: new Date().toISOString(),
      model: {
        path: options.model,
        version: embedder.info.version,
        encoder: embedder.info.encoder,
        trainedOnThisZoo: embedder.info.zooManifest === undefined ? null : embedder.info.zooManifest === zoo.sha256,
      },
      zoo: {
        path: options.zoo,
        manifestSha256: zoo.sha256,
        objects: { train: count('train'), val: count('val'), test: count('test') },
        categories: new Set(zoo.manifest.objects.map((o) => o.category)).size,
        embeddings: { train: train.length, val: val.length, test: test.length },
        trainingArchitectures: TRAINING_ARCHITECTURES.filter((a) => fits.some((f) => f.architecture === a)),
        unseenArchitectures: unseen,
      },
      device: options.provider.name,
      seconds: { embedding: embeddingSeconds, classification: classificationSeconds, retrieval: retrievalSeconds, baseline: baselineSeconds, map: mapSeconds, total: clock() },
      ...headlineFigures(detail),
      detail,
      ...(baseline ? { baseline } : {}),
      ...(neighbours ? { neighbours } : {}),
      map: { method: 't-SNE', points: test.length, perplexity: layout.perplexity, iterations, klDivergence: layout.klDivergence, files: { byCategory: EVAL_FILES.byCategory, byArchitecture: EVAL_FILES.byArchitecture } },
    };
    const report = formatReport(metrics);
    const files: string[] = [];
    if (options.out) {
      await mkdir(options.out, { recursive: true });
      const outputs: [string, Uint8Array | string][] = [
        [EVAL_FILES.report, report],
        [EVAL_FILES.metrics, `${JSON.stringify(metrics, null, 2)}\n`],
        [EVAL_FILES.byCategory, encodeRgbPng(byCategory)],
        [EVAL_FILES.byArchitecture, encodeRgbPng(byArchitecture)],
      ];
      for (const [name, data] of outputs) {
        const path = resolve(join(options.out, name));
        await writeFile(path, data);
        files.push(path);
      }
    }
    return { metrics, report, files };
  } finally {
    if (!options.sessions) await sessions.dispose();
  }
}
