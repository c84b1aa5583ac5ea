/**
 * The training driver: the one step loop every training job runs (train.loop, GMN training and
 * fine-tuning, the text model, NeRF fitting). A job brings its train-step session, its batches,
 * its reports and what it writes at the end; the driver owns the rest: the AdamW state between
 * steps, the learning-rate schedule, the non-finite-loss check, progress and cancellation through
 * the job's `JobContext`, and checkpoints in the one format of `checkpoint.ts`. Gradient clipping
 * and the AdamW update are inside the train-step graph (`optim.ts`).
 *
 * Train-step I/O (what `buildTrainStep` emits): inputs `params/<name>`, `adam_m/<name>`,
 * `adam_v/<name>`, `step` (1-based), `lr` and the batch inputs; outputs `next/params/<name>`,
 * `next/adam_m/<name>`, `next/adam_v/<name>`, `loss` and scalar `metrics/<name>`.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { type OptimizerState, saveCheckpoint, type SaveCheckpointOptions } from './checkpoint';
import type { JobContext, JobProgress } from './jobs';
import { learningRateAt, type TrainSchedule } from './schedules';
import { runSession } from './session';
import { allocate, elementAt, isFloat, numberToFloat16Bits, sizeOf, type DType, type HostTensor } from './tensor';

/** What a run carries from step to step: the parameters and their AdamW state. */
export interface TrainState {
  params: Record<string, HostTensor>;
  optimizer: OptimizerState;
}

/** A state for `params`, with the optimiser state given (a resumed run) or zero moments, step 0, for what is missing. */
export function trainState(params: Record<string, HostTensor>, optimizer: Partial<OptimizerState> = {}): TrainState {
  const m: Record<string, HostTensor> = { ...optimizer.m };
  const v: Record<string, HostTensor> = { ...optimizer.v };
  for (const [name, t] of Object.entries(params)) {
    m[name] ??= zerosLike(t);
    v[name] ??= zerosLike(t);
  }
  return { params: { ...params }, optimizer: { m, v, step: optimizer.step ?? 0 } };
}

/** What one step gave: every output of the train step, its loss, and `loss` with each `metrics/<name>` (names sorted). */
export interface StepOutputs {
  readonly outputs: Readonly<Record<string, HostTensor>>;
  readonly loss: number;
  readonly metrics: Record<string, number>;
}

/**
 * One optimiser step: runs `session` on `feeds` (the batch) plus the state and `lr`, moves the
 * state to the step's outputs. Throws naming `job` when the loss is not finite, leaving the state
 * at the last good step.
 */
export async function trainStep(session: InferenceSession, feeds: Readonly<Record<string, HostTensor>>, state: TrainState, lr: number, job: string): Promise<StepOutputs> {
  const { params, optimizer } = state;
  const dtype = scalarType(session, params);
  const all: Record<string, HostTensor> = { ...feeds, step: scalar(dtype, optimizer.step + 1), lr: scalar(dtype, lr) };
  for (const [name, t] of Object.entries(params)) {
    all[`params/${name}`] = t;
    all[`adam_m/${name}`] = optimizer.m[name]!;
    all[`adam_v/${name}`] = optimizer.v[name]!;
  }
  const outputs = await runSession(session, all);
  const loss = scalarValue(outputs, 'loss');
  if (!Number.isFinite(loss)) throw new Error(`${job}: the loss became ${loss} at step ${optimizer.step + 1}`);
  for (const name of Object.keys(params)) {
    params[name] = outputs[`next/params/${name}`]!;
    optimizer.m[name] = outputs[`next/adam_m/${name}`]!;
    optimizer.v[name] = outputs[`next/adam_v/${name}`]!;
  }
  optimizer.step++;
  const metrics: Record<string, number> = { loss };
  for (const key of Object.keys(outputs).filter((k) => k.startsWith('metrics/')).sort()) metrics[key.slice('metrics/'.length)] = scalarValue(outputs, key);
  return { outputs, loss, metrics };
}

/** One step as a run's `report` sees it. */
export interface StepReport extends StepOutputs {
  /** 0-based index of the step within this call. */
  readonly index: number;
  /** Steps this call takes. */
  readonly steps: number;
  /** The optimiser's step count after this step (1-based step number). */
  readonly step: number;
  readonly lr: number;
}

/** Where and how a run checkpoints; the file is a `checkpoint.ts` checkpoint of the whole state. */
export interface TrainCheckpoint {
  readonly path: string;
  /** Saved when the optimiser step is a multiple of this, at the end, and on cancelling after a step. */
  readonly every: number;
  readonly metadata?: Record<string, string>;
  readonly options?: SaveCheckpointOptions;
}

export interface TrainRun {
  /** Names the job in errors. */
  readonly job: string;
  /** The train-step graph's session. */
  readonly session: InferenceSession;
  /** Moved on in place, step by step. */
  readonly state: TrainState;
  /** Steps to take in this call. */
  readonly steps: number;
  /** The rate of step `i` of this call is the schedule's at `offset + i` of `totalSteps`. */
  readonly schedule: TrainSchedule;
  /** The batch feeds of step `index` of this call (every input besides the state, step and lr). */
  batch(index: number): Record<string, HostTensor> | Promise<Record<string, HostTensor>>;
  /** Called after each step; what it returns is posted as the job's progress. @default no progress */
  report?(step: StepReport): JobProgress | undefined | Promise<JobProgress | undefined>;
  /** @default no checkpoints */
  readonly checkpoint?: TrainCheckpoint;
}

export interface TrainResult {
  /** Steps taken by this call. */
  readonly steps: number;
  /** The loss of every step taken, in order. */
  readonly losses: number[];
  /** True when the job was cancelled between steps; the state is the one reached. */
  readonly cancelled: boolean;
}

/**
 * Runs `run.steps` optimiser steps, checking `ctx.cancelled` before each. A cancelled run
 * resolves with `cancelled: true` (checkpointed when it took a step) and leaves it to the job to
 * return or throw.
 */
export async function runTraining(run: TrainRun, ctx: JobContext): Promise<TrainResult> {
  if (!Number.isInteger(run.steps) || run.steps < 0) throw new RangeError(`${run.job}: steps must be an integer >= 0, got ${run.steps}`);
  const offset = run.schedule.offset ?? 0;
  const total = run.schedule.totalSteps ?? offset + run.steps;
  const { checkpoint } = run;
  const save = async (): Promise<void> => {
    if (checkpoint) await saveCheckpoint(checkpoint.path, { params: run.state.params, optimizer: run.state.optimizer, ...(checkpoint.metadata ? { metadata: checkpoint.metadata } : {}) }, checkpoint.options);
  };
  const losses: number[] = [];
  for (let index = 0; index < run.steps; index++) {
    if (ctx.cancelled) {
      if (index > 0) await save();
      return { steps: index, losses, cancelled: true };
    }
    const feeds = await run.batch(index);
    const lr = learningRateAt(run.schedule, offset + index, total);
    const out = await trainStep(run.session, feeds, run.state, lr, run.job);
    losses.push(out.loss);
    const step = run.state.optimizer.step;
    const progress = await run.report?.({ ...out, index, steps: run.steps, step, lr });
    if (progress) ctx.progress(progress);
    if (checkpoint && step % checkpoint.every === 0) await save();
  }
  await save();
  return { steps: run.steps, losses, cancelled: false };
}

/** The float type of the session's `step` input, else of the parameters. */
function scalarType(session: InferenceSession, params: Record<string, HostTensor>): DType {
  const meta = session.inputMetadata.find((m) => m.name === 'step');
  if (meta?.isTensor && isFloat(meta.type as DType)) return meta.type as DType;
  return Object.values(params)[0]?.dtype ?? 'float32';
}

function zerosLike(t: HostTensor): HostTensor {
  return { dtype: t.dtype, shape: [...t.shape], data: allocate(t.dtype, sizeOf(t.shape)) } as HostTensor;
}

function scalar(dtype: DType, value: number): HostTensor {
  const data = allocate(dtype, 1);
  if (dtype === 'float16') (data as Uint16Array)[0] = numberToFloat16Bits(value);
  else (data as Float64Array)[0] = value;
  return { dtype, shape: [], data } as HostTensor;
}

function scalarValue(outputs: Readonly<Record<string, HostTensor>>, name: string): number {
  const t = outputs[name];
  if (!t) throw new Error(`train step: the model has no output '${name}'`);
  if (t.data.length !== 1) throw new RangeError(`train step: output '${name}' must be a scalar, got shape [${t.shape.join(', ')}]`);
  return elementAt(t, 0);
}
