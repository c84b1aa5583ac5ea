/**
 * The classification and retrieval protocol, over any vector per fit: the encoder's embeddings and
 * the functional baseline's density descriptors go through this same code, so their figures differ
 * only by what the vectors hold.
 *
 * Classification: the probe MLP (classifier.ts) trained on the train split of the training
 * architectures, early-stopped on the val split, scored on the test split per training
 * architecture, over them together, per unseen variant and over those together; a cosine k-NN vote
 * over the train split beside it. Retrieval: for each ordered pair of distinct training
 * architectures, the test objects fitted in both, Recall@k of each query's own object.
 */
import type { ProviderChoice } from '../../../shared/compute';
import type { SessionCache } from '../../compute/session';
import { ARCHITECTURES, isTrainingArchitecture } from '../../nerf/architectures';
import type { Split } from '../../zoo/generate';
import { CATEGORIES, type Category } from '../../vocabulary/categories';
import { type ClassifierOptions, trainClassifier } from './classifier';
import { accuracy, chanceRecall, knnClassify, recallAtK, retrievalRanks } from './metrics';
import type { AccuracyRow, HeadlineFigures, ProtocolDetail, RecallAtK, RetrievalPair } from './types';

/** Recall cut-offs of the retrieval table; the headline keys need 1, 5 and 10. */
export const RECALL_KS = [1, 5, 10] as const;

/** What the protocol needs to know of a fit besides its vector. */
export interface LabelledFit {
  readonly objectId: string;
  readonly category: Category;
  readonly split: Split;
  readonly architecture: string;
}

/** Options of `measureProtocol`. */
export interface ProtocolOptions {
  readonly sessions: SessionCache;
  readonly provider: ProviderChoice;
  /** The probe classifier's settings (classifier.ts). @default its defaults */
  readonly classifier?: ClassifierOptions;
  /** Neighbours of the k-NN vote. @default 5 */
  readonly knnK?: number;
  /** Called between the classification and the retrieval half. */
  readonly onClassified?: () => void;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

const labelOf = (f: LabelledFit): number => CATEGORIES.indexOf(f.category);

/**
 * Classification and retrieval tables of `fits`, `vectorOf(fit)` being the vector measured (all of
 * one length). Needs train-split fits in the training architectures; the caller checks that.
 */
export async function measureProtocol<F extends LabelledFit>(fits: readonly F[], vectorOf: (fit: F) => Float32Array, options: ProtocolOptions): Promise<ProtocolDetail> {
  const split = (s: Split): F[] => fits.filter((f) => f.split === s);
  const [train, val, test] = [split('train'), split('val'), split('test')];
  const asSet = (rows: readonly F[]): { embeddings: Float32Array[]; labels: number[] } => ({ embeddings: rows.map(vectorOf), labels: rows.map(labelOf) });

  const classifierOptions = options.classifier ?? {};
  const trainSet = asSet(train);
  const classifier = await trainClassifier(trainSet, val.length ? asSet(val) : undefined, CATEGORIES.length, options.sessions, options.provider, classifierOptions);
  const knnK = options.knnK ?? 5;
  const testArchitectures = Object.keys(ARCHITECTURES).filter((a) => test.some((f) => f.architecture === a));
  const training = testArchitectures.filter(isTrainingArchitecture);
  const unseen = testArchitectures.filter((a) => !isTrainingArchitecture(a));
  const score = async (architecture: string, kind: AccuracyRow['kind'], rows: F[]): Promise<AccuracyRow> => {
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
  options.onClassified?.();

  const pairs: RetrievalPair[] = [];
  const byObject = (a: string): Map<string, F> => new Map(test.filter((f) => f.architecture === a).map((f) => [f.objectId, f]));
  for (const query of training) {
    for (const gallery of training) {
      if (query === gallery) continue;
      const q = byObject(query);
      const g = byObject(gallery);
      const shared = [...q.keys()].filter((id) => g.has(id));
      const ranks = retrievalRanks(shared.map((id) => vectorOf(q.get(id)!)), shared.map((id) => vectorOf(g.get(id)!)), shared.map((_, i) => i));
      const recall = recallAtK(ranks, RECALL_KS);
      const chance: Record<string, number> = {};
      for (const k of RECALL_KS) chance[String(k)] = chanceRecall(k, shared.length);
      pairs.push({ query, gallery, objects: shared.length, recall: keyed(recall), chance });
    }
  }
  const average: Record<string, number> = {};
  for (const k of RECALL_KS) average[String(k)] = mean(pairs.map((p) => p.recall[String(k)]!));

  return {
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
  };
}

/** The fixed headline keys read off the tables: NaN where the group is absent or empty. */
export function headlineFigures(detail: ProtocolDetail): HeadlineFigures {
  const rows = detail.classification.rows;
  const row = (name: string): AccuracyRow | undefined => rows.find((r) => r.architecture === name && r.kind.startsWith('all'));
  const perArchitecture: Record<string, number> = {};
  for (const r of rows) if (r.kind === 'training') perArchitecture[r.architecture] = r.accuracy;
  const recall = (k: number): number => detail.retrieval.average[String(k)] ?? NaN;
  return {
    classification: {
      training: row('all training')?.accuracy ?? NaN,
      unseen: row('all unseen')?.accuracy ?? NaN,
      perArchitecture,
      knn: { training: row('all training')?.knnAccuracy ?? NaN, unseen: row('all unseen')?.knnAccuracy ?? NaN },
    },
    retrieval: { r1: recall(1), r5: recall(5), r10: recall(10) },
  };
}

function keyed(recall: Record<number, number>): RecallAtK {
  return Object.fromEntries(Object.entries(recall).map(([k, v]) => [String(k), v]));
}
