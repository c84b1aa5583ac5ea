/**
 * The `train.loop` job: a train-step model trained on a dataset held in memory, batches drawn
 * without replacement per epoch (`BatchSampler`), through the training driver (train-driver.ts,
 * which also states the train-step I/O convention). Every model input besides the state, `step`
 * and `lr` is a batch input, fed from the dataset tensor of the same name.
 */
import type { OptimizerState } from './checkpoint';
import { seededRandom } from './init';
import type { ProviderChoice } from '../../shared/compute';
import type { JobContext } from './jobs';
import type { TrainSchedule } from './schedules';
import { runTraining, trainState } from './train-driver';
import { allocate, sizeOf, type HostTensor, type TensorData } from './tensor';

export interface TrainLoopInput {
  /** Train-step model bytes following the I/O convention of train-driver.ts. */
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

  const state = trainState(input.params, input.optimizer ?? {});
  const progressEvery = input.progressEvery ?? Math.max(1, Math.floor(input.steps / 200));
  const sampler = new BatchSampler(examples, input.batchSize, input.seed ?? 0);
  const batch = Object.fromEntries(batchInputs.map((n) => [n, batchBuffer(input.data[n]!, input.batchSize)]));
  const result = await runTraining(
    {
      job: 'train.loop',
      session,
      state,
      steps: input.steps,
      schedule: input.schedule,
      batch: () => {
        const rows = sampler.next();
        for (const n of batchInputs) gatherRows(input.data[n]!, rows, batch[n]!);
        return batch;
      },
      report: ({ index, step, lr, metrics: { loss, ...metrics } }) =>
        (index + 1) % progressEvery === 0 || index + 1 === input.steps ? { done: index + 1, total: input.steps, message: `step ${step}`, metrics: { loss: loss!, lr, ...metrics } } : undefined,
    },
    ctx,
  );
  return { params: state.params, optimizer: state.optimizer, losses: result.losses, cancelled: result.cancelled };
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
