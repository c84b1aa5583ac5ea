/**
 * What an evaluation measures, as written to metrics.json and printed by `npm run eval -- --json`.
 * Fractions are in [0, 1]; NaN (null in JSON) where a group has no samples.
 *
 * The top level carries fixed headline keys (`classification.training`, `classification.unseen`,
 * `retrieval.r1`, `retrieval.r10`, ...) for the encoder and the same shape under `baseline` for the
 * functional baseline; the tables they are computed from sit under `detail` in each.
 */
import type { EncoderConfig } from '../encoder';
import type { ClassifierTraining } from './classifier';
import type { NeighbourShares } from './metrics';

/** Recall@k keyed by k ("1", "5", "10"). */
export type RecallAtK = Readonly<Record<string, number>>;

/** Accuracy on one group of test embeddings. */
export interface AccuracyRow {
  /** An architecture id, or `all training` / `all unseen`. */
  readonly architecture: string;
  readonly kind: 'training' | 'unseen' | 'all training' | 'all unseen';
  readonly count: number;
  /** The MLP probe's accuracy. */
  readonly accuracy: number;
  /** Accuracy of a cosine k-NN vote over the train split's embeddings. */
  readonly knnAccuracy: number;
}

/** Cross-architecture retrieval from architecture `query` into architecture `gallery`. */
export interface RetrievalPair {
  readonly query: string;
  readonly gallery: string;
  /** Test objects fitted in both architectures: the number of queries and the gallery size. */
  readonly objects: number;
  readonly recall: RecallAtK;
  /** Recall@k of a random ranking of this gallery. */
  readonly chance: RecallAtK;
}

/** The probe classifier's tables: one row per group of test vectors. */
export interface ClassificationDetail {
  readonly classifier: ClassifierTraining & { readonly hidden: number; readonly lr: number; readonly seed: number; readonly trainSamples: number; readonly validationSamples: number };
  readonly classes: number;
  /** 1 / number of categories in the train split. */
  readonly chance: number;
  readonly knnK: number;
  readonly rows: readonly AccuracyRow[];
}

/** The retrieval table: one entry per ordered pair of distinct training architectures. */
export interface RetrievalDetail {
  readonly ks: readonly number[];
  readonly pairs: readonly RetrievalPair[];
  /** Unweighted mean over the pairs. */
  readonly average: RecallAtK;
}

/** Everything the classification and retrieval protocol measures on one kind of vector. */
export interface ProtocolDetail {
  readonly classification: ClassificationDetail;
  readonly retrieval: RetrievalDetail;
}

/**
 * The fixed headline keys, the same for the encoder and the baseline. Each is a fraction in
 * [0, 1], or NaN (null in JSON) where its group has no test samples (no unseen variants, no pair).
 */
export interface HeadlineFigures {
  readonly classification: {
    /** The probe's accuracy on the test split of the training architectures together. */
    readonly training: number;
    /** The probe's accuracy on the test split of every unseen variant together. */
    readonly unseen: number;
    /** The probe's accuracy on each training architecture's test split, keyed by architecture id. */
    readonly perArchitecture: Readonly<Record<string, number>>;
    /** The k-NN vote's accuracy (k is `detail.classification.knnK`) on the same two groups. */
    readonly knn: { readonly training: number; readonly unseen: number };
  };
  /** Recall@1, @5 and @10, unweighted means over the ordered pairs of training architectures. */
  readonly retrieval: { readonly r1: number; readonly r5: number; readonly r10: number };
}

/** The functional baseline (density-descriptor.ts) put through the encoder's protocol. */
export interface BaselineMetrics extends HeadlineFigures {
  readonly descriptor: {
    readonly kind: 'log1p density';
    /** Cells per axis of the grid over each NeRF's aabb, and the descriptor's length (resolution^3). */
    readonly resolution: number;
    readonly length: number;
  };
  readonly detail: ProtocolDetail;
}

export interface EvalMetrics extends HeadlineFigures {
  readonly created: string;
  readonly model: {
    readonly path: string;
    readonly version: string;
    readonly encoder: EncoderConfig;
    /** Whether encoder.json names this zoo's manifest as its training data; null when it names none. */
    readonly trainedOnThisZoo: boolean | null;
  };
  readonly zoo: {
    readonly path: string;
    readonly manifestSha256: string;
    /** Objects per split in the manifest. */
    readonly objects: Readonly<Record<'train' | 'val' | 'test', number>>;
    readonly categories: number;
    /** Embedded fits per split. */
    readonly embeddings: Readonly<Record<'train' | 'val' | 'test', number>>;
    readonly trainingArchitectures: readonly string[];
    readonly unseenArchitectures: readonly string[];
  };
  readonly device: string;
  /** Seconds per stage; `embedding` includes computing the baseline's descriptors, `baseline` its probe and retrieval (0 without it). */
  readonly seconds: { readonly embedding: number; readonly classification: number; readonly retrieval: number; readonly baseline: number; readonly map: number; readonly total: number };
  /** The encoder's tables behind the headline keys. */
  readonly detail: ProtocolDetail;
  /** Absent when the run skipped it (`--no-baseline`). */
  readonly baseline?: BaselineMetrics;
  /**
   * What the 10 nearest neighbours of each test embedding of the training architectures share
   * with it: architecture, category, object (absent in reports written before it existed).
   */
  readonly neighbours?: NeighbourShares;
  readonly map: {
    readonly method: 't-SNE';
    readonly points: number;
    readonly perplexity: number;
    readonly iterations: number;
    readonly klDivergence: number;
    readonly files: { readonly byCategory: string; readonly byArchitecture: string };
  };
}
