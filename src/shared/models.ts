/**
 * The contract's shapes for fine-tuning, encoder versions and settings (the methods are declared
 * on `Api` in api.ts). Shared by main and renderer; imports nothing at run time.
 */

import type { ProviderName, ProviderRequest } from './compute';

/** An execution provider the user can pick, and whether it can start here. */
export interface DeviceInfo {
  readonly name: ProviderName;
  readonly available: boolean;
  /** Why it is or is not available, in words a user can act on. */
  readonly reason: string;
}

/** Most steps one fine-tuning run may take. */
export const MAX_FINE_TUNE_STEPS = 5000;

export interface FineTuneRequest {
  /** 'auto' or an explicit provider (rejects when it cannot start). */
  readonly device: ProviderRequest;
  /** Optimisation steps, 1 to MAX_FINE_TUNE_STEPS. */
  readonly steps: number;
}

/** Held-out metrics of one model (docs/app.md, "Fine-tuning"); null where they cannot be computed. */
export interface FineTuneMetrics {
  /** Cross-architecture retrieval among the held-out objects: the same object ranked first. */
  readonly recallAt1: number | null;
  /** ... ranked in the first five. */
  readonly recallAt5: number | null;
  /** What a random ranking scores. */
  readonly chanceAt1: number | null;
  readonly chanceAt5: number | null;
  /** Held-out NeRFs whose nearest anchor NeRF has their category. */
  readonly categoryAccuracy: number | null;
  readonly objects: number;
  readonly queries: number;
}

/** One training step's losses, for the live chart. */
export interface FineTuneLossPoint {
  readonly step: number;
  readonly loss: number;
  /** Null for recipes without it (recipe v2 has no rendering loss). */
  readonly rendering: number | null;
  readonly contrastive: number | null;
  /** The supervised category loss; null for recipes without it. */
  readonly category: number | null;
}

/**
 * running: measuring or training; done: a candidate waits for keep or discard; kept: the candidate
 * is the app's encoder (re-embedding may still run); discarded: its folder is gone.
 */
export const FINE_TUNE_STATES = ['running', 'done', 'failed', 'cancelled', 'kept', 'discarded'] as const;
export type FineTuneState = (typeof FINE_TUNE_STATES)[number];

export interface FineTuneStatus {
  readonly id: number;
  readonly state: FineTuneState;
  /** What it is doing now, in words. */
  readonly stage: string;
  /** The provider it runs on. */
  readonly device: ProviderName;
  readonly step: number;
  readonly steps: number;
  /** Seconds left at the current pace, while training and once the pace is known. */
  readonly etaSeconds: number | null;
  /** Losses of the steps after `fromStep` of the request, in order. */
  readonly losses: FineTuneLossPoint[];
  /** The model it started from. */
  readonly baseVersion: string;
  /** The candidate's version once written. */
  readonly candidateVersion: string | null;
  /** Library objects in the training mix (besides the demo anchors). */
  readonly libraryObjects: number;
  readonly anchorObjects: number;
  readonly before: FineTuneMetrics | null;
  readonly after: FineTuneMetrics | null;
  readonly error: string | null;
  readonly startedAt: number;
}

/** An encoder version the app can use. */
export interface ModelVersionInfo {
  readonly version: string;
  readonly source: 'shipped' | 'fine-tuned';
  /** The app embeds and searches with it (or will, once it has embedded every asset). */
  readonly selected: boolean;
  /** Search answers with its embeddings now. */
  readonly active: boolean;
  /** Assets it has embedded, of all assets. */
  readonly embedded: number;
  readonly assets: number;
  readonly created: string | null;
  /** What it scored on the held-out objects when it was fine-tuned. */
  readonly metrics: FineTuneMetrics | null;
  /** A fine-tuning run whose candidate it is and that waits for keep or discard. */
  readonly pendingFineTune: number | null;
}

export interface AppSettings {
  /** Folders whose NeRFs are imported, and followed as they change. */
  readonly watchedFolders: string[];
  /** Provider for fine-tuning, and for imports from the next start. */
  readonly device: ProviderRequest;
  /** Intra-op threads of CPU sessions; 0 is ONNX Runtime's default. */
  readonly threads: number;
}

/** A change of settings; fields left out stay as they are. */
export interface AppSettingsPatch {
  readonly addWatchedFolder?: string;
  readonly removeWatchedFolder?: string;
  readonly device?: ProviderRequest;
  readonly threads?: number;
}

/** Most intra-op threads the settings accept. */
export const MAX_THREADS = 256;
