/**
 * What an evaluation measures, as written to metrics.json and printed by `npm run eval -- --json`.
 * Fractions are in [0, 1]; NaN (null in JSON) where a group has no samples.
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

export interface EvalMetrics {
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
  readonly seconds: { readonly embedding: number; readonly classification: number; readonly retrieval: number; readonly map: number; readonly total: number };
  readonly classification: {
    readonly classifier: ClassifierTraining & { readonly hidden: number; readonly lr: number; readonly seed: number; readonly trainSamples: number; readonly validationSamples: number };
    readonly classes: number;
    /** 1 / number of categories in the train split. */
    readonly chance: number;
    readonly knnK: number;
    readonly rows: readonly AccuracyRow[];
  };
  readonly retrieval: {
    readonly ks: readonly number[];
    readonly pairs: readonly RetrievalPair[];
    /** Unweighted mean over the pairs. */
    readonly average: RecallAtK;
  };
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
