/**
 * `evaluateEncoder`: embeds a zoo with a shipped encoder and measures the embeddings the way the
 * paper does (PAPER.md, "Training and evaluation"): classification from frozen embeddings on the
 * training architectures and the unseen variants, cross-architecture instance retrieval, and a
 * 2D map. Writes report.md, metrics.json and two PNGs when given a folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProviderChoice } from '../../../shared/compute';
import { SessionCache } from '../../compute/session';
import { ARCHITECTURES, TRAINING_ARCHITECTURES, isTrainingArchitecture } from '../../nerf/architectures';
import { generateObject } from '../../zoo/objects';
import { CATEGORIES } from '../../zoo/types';
import { Embedder } from '../embedder';
import { type ClassifierOptions, trainClassifier } from './classifier';
import { accuracy, chanceRecall, knnClassify, l2NormalizeRows, neighbourShares, recallAtK, retrievalRanks } from './metrics';
import { formatReport } from './report';
import { drawScatterPlot, encodeRgbPng } from './scatter-plot';
import { type TsneOptions, tsne } from './tsne';
import type { AccuracyRow, EvalMetrics, RecallAtK, RetrievalPair } from './types';
import { type EmbeddedFit, embedZoo, fitsToEmbed, readZoo } from './zoo-embeddings';

/** Recall cut-offs of the retrieval table. */
export const RECALL_KS = [1, 5, 10] as const;

/** File names inside the output folder. */
export const EVAL_FILES = { report: 'report.md', metrics: 'metrics.json', byCategory: 'map-category.png', byArchitecture: 'map-architecture.png' } as const;

/** A stage of the evaluation and how far it is. */
export interface EvalProgress {
  readonly stage: 'embedding' | 'classification' | 'retrieval' | 'map';
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

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

const labelOf = (f: EmbeddedFit): number => CATEGORIES.indexOf(f.category);

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
    const fits = await embedZoo(zoo, planned, embedder, {
      sessions,
      provider: options.provider,
      batchSize: options.batchSize ?? 8,
      onProgress: (done, total) => options.onProgress?.({ stage: 'embedding', done, total }),
    });
    const embeddingSeconds = clock();
    const split = (s: EmbeddedFit['split']): EmbeddedFit[] => fits.filter((f) => f.split === s);
    const [train, val, test] = [split('train'), split('val'), split('test')];

    // Classification.
    options.onProgress?.({ stage: 'classification', done: 0, total: 1 });
    const asSet = (rows: EmbeddedFit[]): { embeddings: Float32Array[]; labels: number[] } => ({ embeddings: rows.map((f) => f.embedding), labels: rows.map(labelOf) });
    const classifierOptions = options.classifier ?? {};
    const classifier = await trainClassifier(asSet(train), val.length ? asSet(val) : undefined, CATEGORIES.length, sessions, options.provider, classifierOptions);
    const knnK = options.knnK ?? 5;
    const trainSet = asSet(train);
    const testArchitectures = Object.keys(ARCHITECTURES).filter((a) => test.some((f) => f.architecture === a));
    const training = testArchitectures.filter(isTrainingArchitecture);
    const unseen = testArchitectures.filter((a) => !isTrainingArchitecture(a));
    const score = async (architecture: string, kind: AccuracyRow['kind'], rows: EmbeddedFit[]): Promise<AccuracyRow> => {
      const set = asSet(rows);
      const predicted = await classifier.predict(set.embeddings);
      const knn = rows.length ? knnClassify(set.embeddings, trainSet.embeddings, trainSet.labels, knnK) : [];
      return { architecture, kind, count: rows.length, accuracy: accuracy(predicted, set.labels), knnAccuracy: accuracy(knn, set.labels) };
    };
    const rows: AccuracyRow[] = [];
    for (const a of training) rows.push(await score(a, 'training', test.filter((f) => f.architecture === a)));
    rows.push(await score('all training', 'all training', test.filter((f) => isTrainingArchitecture(f.architecture))));
    for (const a of unseen) rows.push(await score(a, 'unseen', test.filter((f) => f.architecture === a)));
    if (unseen.length) rows.push(await score('all unseen', 'all unseen', test.filter((f) => !isTrainingArchitecture(f.architecture))));
    options.onProgress?.({ stage: 'classification', done: 1, total: 1 });
    const classificationSeconds = clock() - embeddingSeconds;

    // Cross-architecture retrieval over ordered pairs of distinct training architectures.
    options.onProgress?.({ stage: 'retrieval', done: 0, total: 1 });
    const pairs: RetrievalPair[] = [];
    const byObject = (a: string): Map<string, EmbeddedFit> => new Map(test.filter((f) => f.architecture === a).map((f) => [f.objectId, f]));
    for (const query of training) {
      for (const gallery of training) {
        if (query === gallery) continue;
        const q = byObject(query);
        const g = byObject(gallery);
        const shared = [...q.keys()].filter((id) => g.has(id));
        const ranks = retrievalRanks(shared.map((id) => q.get(id)!.embedding), shared.map((id) => g.get(id)!.embedding), shared.map((_, i) => i));
        const recall = recallAtK(ranks, RECALL_KS);
        const chance: Record<string, number> = {};
        for (const k of RECALL_KS) chance[String(k)] = chanceRecall(k, shared.length);
        pairs.push({ query, gallery, objects: shared.length, recall: keyed(recall), chance });
      }
    }
    const average: Record<string, number> = {};
    for (const k of RECALL_KS) average[String(k)] = mean(pairs.map((p) => p.recall[String(k)]!));
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
    const retrievalSeconds = clock() - embeddingSeconds - classificationSeconds;

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
    const mapSeconds = clock() - embeddingSeconds - classificationSeconds - retrievalSeconds;

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
      seconds: { embedding: embeddingSeconds, classification: classificationSeconds, retrieval: retrievalSeconds, map: mapSeconds, total: clock() },
      classification: {
        classifier: {
          ...classifier.training,
          hidden: classifierOptions.hidden ?? 256,
          lr: classifierOptions.lr ?? 1e-3,
          seed: classifierOptions.seed ?? 0,
          trainSamples: train.length,
          validationSamples: val.length,
        },
        classes: CATEGORIES.length,
        chance: 1 / new Set(train.map((f) => f.category)).size,
        knnK,
        rows,
      },
      retrieval: { ks: [...RECALL_KS], pairs, average },
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

function keyed(recall: Record<number, number>): RecallAtK {
  return Object.fromEntries(Object.entries(recall).map(([k, v]) => [String(k), v]));
}
