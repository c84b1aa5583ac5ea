/**
 * What a fine-tuning run keeps outside the process so that the next open of the library can
 * restart it: the job row's payload, and the losses in the run folder's training log.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderName, ProviderRequest } from '../../shared/compute';
import type { FineTuneLossPoint } from '../../shared/models';
import { FINE_TUNE_LOG } from '../gmn/finetune-job';
import type { JobRecord } from '../library/types';

/** The payload of a fine-tuning run's job row. */
export interface FineTunePayload {
  /** Version of the encoder the run starts from. */
  readonly base: string;
  /** That encoder's `encoder.onnx`; its training checkpoint lies beside it. */
  readonly baseEncoder: string;
  /** The device asked for: chosen again on restart, since the machine's providers may have changed. */
  readonly request: ProviderRequest;
  /** The provider it ran on last. */
  readonly device: ProviderName;
  readonly steps: number;
  /** The run's folder (named by its start time, so it cannot be recomputed): checkpoint, log, later the candidate. */
  readonly folder: string;
  /** When the run was first started (ms since the epoch). */
  readonly startedAt: number;
  /** What the run was doing when shutdown interrupted it; absent otherwise. */
  readonly stage?: string;
}

/**
 * The payload of `row` as a run can be restarted from.
 * @throws {RangeError} naming the row and the field that is missing or wrong (a row written by an older version).
 */
export function fineTunePayloadOf(row: JobRecord): FineTunePayload {
  const payload = (row.payload ?? {}) as Partial<Record<keyof FineTunePayload, unknown>>;
  const missing = (field: keyof FineTunePayload): never => {
    throw new RangeError(`fine-tuning job ${row.id}: its row has no valid ${field} (${JSON.stringify(payload[field])}), so the run cannot be restarted`);
  };
  for (const field of ['base', 'baseEncoder', 'request', 'device', 'folder'] as const) if (typeof payload[field] !== 'string' || payload[field] === '') missing(field);
  if (!Number.isInteger(payload.steps) || (payload.steps as number) < 1) missing('steps');
  return {
    ...(payload as FineTunePayload),
    startedAt: typeof payload.startedAt === 'number' ? payload.startedAt : row.createdAt,
  };
}

/**
 * The losses of the steps in `folder`'s training log, one point per step (a step trained again
 * after a restart counts with its latest line); empty when there is no log. A line cut short by
 * a process that died while writing it is skipped.
 */
export async function readLossLog(folder: string): Promise<FineTuneLossPoint[]> {
  let text: string;
  try {
    text = await readFile(path.join(folder, FINE_TUNE_LOG), 'utf8');
  } catch {
    return [];
  }
  const byStep = new Map<number, FineTuneLossPoint>();
  for (const line of text.split('\n')) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const { step, loss, rendering, contrastive, category } = entry;
    if (typeof step !== 'number' || typeof loss !== 'number') continue;
    const orNull = (x: unknown): number | null => (typeof x === 'number' ? x : null);
    byStep.set(step, { step, loss, rendering: orNull(rendering), contrastive: orNull(contrastive), category: orNull(category) });
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
