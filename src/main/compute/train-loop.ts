/**
 * The training loop: runs a train-step model once per step, feeding its outputs back as inputs.
 *
 * Train-step model I/O convention (the optimiser emits exactly this):
 * - inputs `params/<name>`, `adam_m/<name>`, `adam_v/<name>` per parameter; `step` (scalar, the
 *   1-based step number) and `lr` (scalar), both of the parameters' float dtype; every other input
 *   is a batch input, fed from the dataset tensor of the same name.
 * - outputs `next/params/<name>`, `next/adam_m/<name>`, `next/adam_v/<name>`, `loss` (scalar) and
 *   any number of scalar `metrics/<name>`.
 */
import type { OptimizerState } from './checkpoint';
import { seededRandom } from './init';
import type { ProviderChoice } from '../../shared/compute';
import type { JobContext } from './jobs';
import { learningRateAt, type LearningRateSchedule } from './schedules';
import { runSession } from './session';

export type { OptimizerState } from './checkpoint';
import { allocate, elementAt, isFloat, numberToFloat16Bits, sizeOf, type DType, type HostTensor, type TensorData } from './tensor';


export interface TrainSchedule extends LearningRateSchedule {
  /** Steps the schedule spans, for a run split over several calls. @default steps */
  totalSteps?: number;
  /** Schedule position of this call's first step (steps done by earlier calls). @default 0 */
  offset?: number;
}

export interface TrainLoopInput {
  /** Train-step model bytes following the I/O convention above. */
  model: Uint8Array;
  provider: ProviderChoice;
  params: Record<string, HostTensor>;
  /** State to resume from. @default zero moments, step 0 */
  optimizer?: OptimizerState;
  /** Whole dataset, one tensor per batch input, examples along axis 0. */
  data: Record<string, HostTensor>;
  batchSize: number;
  steps: number;
  schedule: TrainSchedule;
  /** Seed of the batch sampler. @default 0 */
  seed?: number;
  /** Report progress every this many steps (and always after the last). @default max(1, floor(steps / 200)) */
  progressEvery?: number;
}

export interface TrainLoopOutput {
  params: Record<string, HostTensor>;
  optimizer: OptimizerState;
  /** Loss of every step taken, in order. */
  losses: number[];
  /** True when the job was cancelled; the state is the one reached after `losses.length` steps. */
  cancelled: boolean;
}

/**
 * The `train.loop` job. Cancellation is checked between steps; a cancelled loop resolves with the
 * state reached so far and `cancelled: true` rather than rejecting, so the caller can checkpoint.
 */
export async function trainLoopJob(input: TrainLoopInput, ctx: JobContext): Promise<TrainLoopOutput> {
  checkInput(input);
  const session = await ctx.sessions.get(input.model, input.provider);
  const inputs = new Set(session.inputNames);
  const outputs = new Set(session.outputNames);
  const names = Object.keys(input.params);
  const stateInputs = new Set(['step', 'lr']);
  for (const name of names) {
    for (const prefix of ['params/', 'adam_m/', 'adam_v/']) {
      requireName(inputs, prefix + name, 'input');
      requireName(outputs, `next/${prefix}${name}`, 'output');
      stateInputs.add(prefix + name);
    }
  }
  requireName(inputs, 'step', 'input');
  requireName(inputs, 'lr', 'input');
  requireName(outputs, 'loss', 'output');
  const unfed = session.inputNames.filter((n) => /^(params|adam_m|adam_v)\//.test(n) && !stateInputs.has(n));
  if (unfed.length > 0) throw new Error(`train.loop: the model takes parameters not given: ${unfed.join(', ')}`);
  const batchInputs = session.inputNames.filter((n) => !stateInputs.has(n));
  for (const n of batchInputs) if (!input.data[n]) throw new Error(`train.loop: no data for batch input '${n}'`);
  for (const n of Object.keys(input.data)) if (!batchInputs.includes(n)) throw new Error(`train.loop: data '${n}' is not a batch input of the model (batch inputs: ${batchInputs.join(', ') || 'none'})`);
  const examples = countExamples(input.data, batchInputs);
  if (batchInputs.length > 0 && input.batchSize > examples) throw new RangeError(`train.loop: batchSize ${input.batchSize} exceeds the ${examples} examples`);

  const stepMeta = session.inputMetadata.find((m) => m.name === 'step');
  const scalarType: DType = stepMeta?.isTensor && isFloat(stepMeta.type as DType) ? (stepMeta.type as DType) : (Object.values(input.params)[0]?.dtype ?? 'float32');
  const fetch = [...names.flatMap((n) => [`next/params/${n}`, `next/adam_m/${n}`, `next/adam_v/${n}`]), 'loss', ...session.outputNames.filter((n) => n.startsWith('metrics/'))];

  let params = { ...input.params };
  const m = { ...(input.optimizer?.m ?? {}) };
  const v = { ...(input.optimizer?.v ?? {}) };
  for (const n of names) {
    m[n] ??= zerosLike(params[n]!);
    v[n] ??= zerosLike(params[n]!);
  }
  const startStep = input.optimizer?.step ?? 0;
  const scheduleOffset = input.schedule.offset ?? 0;
  const scheduleTotal = input.schedule.totalSteps ?? scheduleOffset + input.steps;
  const progressEvery = input.progressEvery ?? Math.max(1, Math.floor(input.steps / 200));
  const sampler = new BatchSampler(examples, input.batchSize, input.seed ?? 0);
  const batch = Object.fromEntries(batchInputs.map((n) => [n, batchBuffer(input.data[n]!, input.batchSize)]));
  const losses: number[] = [];
  let cancelled = false;

  for (let i = 0; i < input.steps; i++) {
    if (ctx.cancelled) {
      cancelled = true;
      break;
    }
    const rows = sampler.next();
    for (const n of batchInputs) gatherRows(input.data[n]!, rows, batch[n]!);
    const lr = learningRateAt(input.schedule, scheduleOffset + i, scheduleTotal);
    const feeds: Record<string, HostTensor> = { ...batch, step: scalar(scalarType, startStep + i + 1), lr: scalar(scalarType, lr) };
    for (const n of names) {
      feeds[`params/${n}`] = params[n]!;
      feeds[`adam_m/${n}`] = m[n]!;
      feeds[`adam_v/${n}`] = v[n]!;
    }
    const out = await runSession(session, feeds, fetch);
    const next: Record<string, HostTensor> = {};
    for (const n of names) {
      next[n] = out[`next/params/${n}`]!;
      m[n] = out[`next/adam_m/${n}`]!;
      v[n] = out[`next/adam_v/${n}`]!;
    }
    params = next;
    const loss = scalarValue(out['loss']!, 'loss');
    losses.push(loss);
    if ((i + 1) % progressEvery === 0 || i + 1 === input.steps) {
      const metrics: Record<string, number> = { loss, lr };
      for (const [key, t] of Object.entries(out)) if (key.startsWith('metrics/')) metrics[key.slice('metrics/'.length)] = scalarValue(t, key);
      ctx.progress({ done: i + 1, total: input.steps, message: `step ${startStep + i + 1}`, metrics });
    }
  }
  return { params, optimizer: { m, v, step: startStep + losses.length }, losses, cancelled };
}

function checkInput(input: TrainLoopInput): void {
  if (!(input.model instanceof Uint8Array)) throw new TypeError('train.loop: model must be a Uint8Array of ONNX model bytes');
  if (!Number.isInteger(input.steps) || input.steps < 0) throw new RangeError(`train.loop: steps must be an integer >= 0, got ${input.steps}`);
  if (!Number.isInteger(input.batchSize) || input.batchSize < 1) throw new RangeError(`train.loop: batchSize must be an integer >= 1, got ${input.batchSize}`);
  if (input.progressEvery !== undefined && (!Number.isInteger(input.progressEvery) || input.progressEvery < 1)) {
    throw new RangeError(`train.loop: progressEvery must be an integer >= 1, got ${input.progressEvery}`);
  }
  if (Object.keys(input.params).length === 0) throw new RangeError('train.loop: no parameters given');
}

function requireName(names: Set<string>, name: string, what: 'input' | 'output'): void {
  if (!names.has(name)) throw new Error(`train.loop: the train-step model has no ${what} '${name}' (${what}s: ${[...names].join(', ')})`);
}

function countExamples(data: Record<string, HostTensor>, names: readonly string[]): number {
  let examples = -1;
  for (const n of names) {
    const t = data[n]!;
    const rows = t.shape[0];
    if (rows === undefined) throw new RangeError(`train.loop: data '${n}' is a scalar; examples run along axis 0`);
    if (examples >= 0 && rows !== examples) throw new RangeError(`train.loop: data '${n}' has ${rows} examples, others have ${examples}`);
    examples = rows;
  }
  return Math.max(examples, 0);
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

function scalarValue(t: HostTensor, name: string): number {
  if (t.data.length !== 1) throw new RangeError(`train.loop: output '${name}' must be a scalar, got shape [${t.shape.join(', ')}]`);
  return elementAt(t, 0);
}

/** A tensor of `batchSize` rows of `source`, refilled in place every step. */
function batchBuffer(source: HostTensor, batchSize: number): HostTensor {
  const shape = [batchSize, ...source.shape.slice(1)];
  return { dtype: source.dtype, shape, data: allocate(source.dtype, sizeOf(shape)) } as HostTensor;
}

function gatherRows(source: HostTensor, rows: readonly number[], target: HostTensor): void {
  const width = sizeOf(source.shape.slice(1));
  const src = source.data as TensorData as Uint8Array;
  const dst = target.data as TensorData as Uint8Array;
  rows.forEach((row, k) => dst.set(src.subarray(row * width, (row + 1) * width), k * width));
}


/** Batches without replacement within an epoch; a new shuffle when too few examples remain. */
export class BatchSampler {
  private readonly random: () => number;
  private order: number[] = [];
  private position = 0;

  constructor(
    private readonly examples: number,
    private readonly batchSize: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  next(): number[] {
    if (this.examples === 0) return [];
    if (this.position + this.batchSize > this.order.length) this.shuffle();
    const rows = this.order.slice(this.position, this.position + this.batchSize);
    this.position += this.batchSize;
    return rows;
  }

  private shuffle(): void {
    this.order = Array.from({ length: this.examples }, (_, i) => i);
    for (let i = this.examples - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
    }
    this.position = 0;
  }
}
