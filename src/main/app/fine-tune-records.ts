/**
 * What fine-tuning keeps on disk besides checkpoints: `finetune.json` in a candidate's folder (how
 * it was made and what it scored), and held-out metrics cached per encoder version; and those
 * metrics as the API contract carries them.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderName } from '../../shared/compute';
import type { FineTuneMetrics } from '../../shared/models';
import type { HeldOutMetrics } from '../gmn/finetune-eval';

/** Written into a candidate's folder: how it was made and what it scored. */
export const FINE_TUNE_RECORD = 'finetune.json';

/** What `finetune.json` holds. */
export interface FineTuneRecord {
  readonly base: string;
  readonly steps: number;
  readonly device: ProviderName;
  readonly before: FineTuneMetrics | null;
  readonly after: FineTuneMetrics | null;
  readonly libraryObjects: number;
  readonly anchorObjects: number;
  readonly finished: string;
}

/** Metrics as the contract carries them (JSON has no NaN). */
export function contractMetrics(m: HeldOutMetrics | undefined): FineTuneMetrics | null {
  if (!m) return null;
  const value = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    recallAt1: value(m.recallAt1),
    recallAt5: value(m.recallAt5),
    chanceAt1: value(m.chanceAt1),
    chanceAt5: value(m.chanceAt5),
    categoryAccuracy: value(m.categoryAccuracy),
    objects: m.objects,
    queries: m.queries,
  };
}

/** Held-out metrics cached as JSON (which writes NaN as null). */
export async function readHeldOutMetrics(file: string): Promise<HeldOutMetrics | undefined> {
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<keyof HeldOutMetrics, number | null>;
    return Object.fromEntries(Object.entries(stored).map(([key, value]) => [key, value ?? NaN])) as unknown as HeldOutMetrics;
  } catch {
    return undefined;
  }
}

export async function writeHeldOutMetrics(file: string, metrics: HeldOutMetrics): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(metrics)}\n`);
}

/** The record of a fine-tuned model folder, or undefined when it has none (or it is unreadable). */
export async function readFineTuneRecord(folder: string): Promise<FineTuneRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(folder, FINE_TUNE_RECORD), 'utf8')) as FineTuneRecord;
  } catch {
    return undefined;
  }
}
