/**
 * The host side of a train-step graph's AdamW state (optim.ts): the parameters and both moments
 * live here between steps; each step feeds them as `params/`, `adam_m/`, `adam_v/` with `step`
 * and `lr`, and takes back `next/params/`, `next/adam_m/`, `next/adam_v/`. One place for that
 * hand-off, so every training job (GMN, fine-tuning, text, probes) does it the same way.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { runSession } from './session';
import type { HostTensor } from './tensor';

export interface AdamWState {
  readonly params: Record<string, HostTensor>;
  readonly m: Record<string, HostTensor>;
  readonly v: Record<string, HostTensor>;
  /** Steps taken so far (the next step is `step + 1`, as AdamW's bias correction counts). */
  step: number;
}

/** A state for `params`, with the moments given (a resumed run) or zero for those missing. */
export function adamWState(params: Record<string, HostTensor>, moments: { readonly m?: Record<string, HostTensor>; readonly v?: Record<string, HostTensor>; readonly step?: number } = {}): AdamWState {
  const m: Record<string, HostTensor> = { ...moments.m };
  const v: Record<string, HostTensor> = { ...moments.v };
  for (const [name, t] of Object.entries(params)) {
    m[name] ??= { ...t, data: new Float32Array(t.data.length) };
    v[name] ??= { ...t, data: new Float32Array(t.data.length) };
  }
  return { params: { ...params }, m, v, step: moments.step ?? 0 };
}

/**
 * One optimiser step: runs `session` on `feeds` (the batch) plus the state and `lr`, moves the
 * state to the step's outputs and returns all outputs (loss, metrics). Throws naming `job` when
 * the loss is not finite, leaving the state at the last good step.
 */
export async function adamWStep(session: InferenceSession, feeds: Record<string, HostTensor>, state: AdamWState, lr: number, job: string): Promise<Record<string, HostTensor>> {
  const all: Record<string, HostTensor> = { ...feeds };
  for (const [name, t] of Object.entries(state.params)) {
    all[`params/${name}`] = t;
    all[`adam_m/${name}`] = state.m[name]!;
    all[`adam_v/${name}`] = state.v[name]!;
  }
  all['step'] = { dtype: 'float32', shape: [], data: Float32Array.of(state.step + 1) };
  all['lr'] = { dtype: 'float32', shape: [], data: Float32Array.of(lr) };
  const out = await runSession(session, all);
  const loss = (out['loss']!.data as Float32Array)[0]!;
  if (!Number.isFinite(loss)) throw new Error(`${job}: the loss became ${loss} at step ${state.step + 1}`);
  for (const name of Object.keys(state.params)) {
    state.params[name] = out[`next/params/${name}`]!;
    state.m[name] = out[`next/adam_m/${name}`]!;
    state.v[name] = out[`next/adam_v/${name}`]!;
  }
  state.step++;
  return out;
}

/** The scalar `loss` and each `metrics/<name>` output of a step. */
export function stepMetrics(out: Readonly<Record<string, HostTensor>>, names: readonly string[]): Record<string, number> {
  const metrics: Record<string, number> = { loss: (out['loss']!.data as Float32Array)[0]! };
  for (const name of names) metrics[name] = (out[`metrics/${name}`]!.data as Float32Array)[0]!;
  return metrics;
}
