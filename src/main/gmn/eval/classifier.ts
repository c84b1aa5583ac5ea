/**
 * The probe classifier of the evaluation: an MLP (D -> hidden -> classes, ReLU) on frozen
 * embeddings, trained with softmax cross-entropy through the compute core's train step (one
 * `session.run` per full-batch AdamW step), with early stopping on a validation set.
 *
 * Inputs are L2-normalised, then standardised per dimension with the mean and standard deviation
 * of the training set's L2-normalised rows (an untrained GMN's embeddings are all-positive and
 * nearly parallel, which a small MLP cannot separate without centring).
 */
import type { ProviderChoice } from '../../../shared/compute';
import { linear } from '../../compute/functions';
import { Graph, type Value } from '../../compute/graph';
import { initialParams } from '../../compute/init';
import { buildModel } from '../../compute/model';
import * as op from '../../compute/ops';
import { buildTrainStep } from '../../compute/optim';
import { cosineLr } from '../../compute/schedules';
import { type SessionCache, runSession } from '../../compute/session';
import type { HostTensor } from '../../compute/tensor';
import { accuracy, argmax, l2NormalizeRows } from './metrics';

/** Options of `trainClassifier`. */
export interface ClassifierOptions {
  /** Width of the hidden layer. @default 256 */
  readonly hidden?: number;
  /** Full-batch AdamW steps. @default 300 */
  readonly steps?: number;
  /** Peak learning rate, decayed by a cosine. @default 1e-3 */
  readonly lr?: number;
  /** Decoupled weight decay. @default 1e-2 */
  readonly weightDecay?: number;
  /** Seed of the initial weights. @default 0 */
  readonly seed?: number;
  /** Steps between validation checks (early stopping keeps the best check). @default 10 */
  readonly validateEvery?: number;
}

/** Labelled embeddings: labels are class indices in [0, classes). */
export interface LabelledEmbeddings {
  readonly embeddings: readonly Float32Array[];
  readonly labels: readonly number[];
}

/** How training went. */
export interface ClassifierTraining {
  readonly steps: number;
  /** The step whose weights were kept: the best validation accuracy (then loss), or the last step without validation. */
  readonly keptStep: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  /** Absent without a validation set. */
  readonly validationAccuracy?: number;
  readonly validationLoss?: number;
}

/** A trained probe: predicts class indices for embeddings. */
export interface Classifier {
  readonly training: ClassifierTraining;
  predict(embeddings: readonly Float32Array[]): Promise<number[]>;
}

interface ClassifierGraph {
  readonly forward: Uint8Array;
  readonly trainStep: ReturnType<typeof buildTrainStep>;
  readonly graph: Graph;
}

/** log softmax over the last axis from primitives: x - m - log(sum(exp(x - m))), m the row max. */
export function logSoftmax(logits: Value): Value {
  const shifted = op.sub(logits, op.reduceMax(logits, [-1], true));
  return op.sub(shifted, op.log(op.reduceSum(op.exp(shifted), [-1], true)));
}

function buildClassifierGraph(width: number, hidden: number, classes: number, weightDecay: number): ClassifierGraph {
  const g = new Graph('float32');
  const x = g.input('x', 'float32', ['N', width]);
  const target = g.input('target', 'float32', ['N', classes]);
  const logits = g.scope('classifier', () => {
    const h = op.relu(linear(x, g.param('classifier/hidden/weight', [width, hidden]), g.param('classifier/hidden/bias', [hidden], { kind: 'constant', value: 0 })));
    return linear(h, g.param('classifier/output/weight', [hidden, classes]), g.param('classifier/output/bias', [classes], { kind: 'constant', value: 0 }));
  });
  const loss = op.neg(op.meanAll(op.reduceSum(op.mul(target, logSoftmax(logits)), [1])));
  const forward = buildModel(g, { outputs: { logits }, name: 'probe_classifier' });
  const trainStep = buildTrainStep({ graph: g, loss, optimizer: { weightDecay, decays: (name) => name.endsWith('/weight') } });
  return { forward, trainStep, graph: g };
}

/**
 * A dimension whose standard deviation on the training set is below this fraction of the mean one
 * over dimensions is set to 0: it is (almost) constant there, so the probe can learn nothing from
 * it, and dividing by its tiny spread would turn a test value into a huge input on untrained
 * weights (an empty cell of every training NeRF in a density descriptor, say).
 */
export const CONSTANT_DIMENSION_FRACTION = 0.1;

/**
 * Standardisation fitted on `rows`: it L2-normalises each row, then subtracts the per-dimension
 * mean and divides by the standard deviation of the L2-normalised training rows, so the training
 * rows come out centred with unit variance; (almost) constant dimensions come out 0.
 */
export function fitStandardiser(rows: readonly Float32Array[], width: number): (rows: readonly Float32Array[]) => Float32Array {
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  const normalised = l2NormalizeRows(rows);
  for (const r of normalised) for (let d = 0; d < width; d++) mean[d] = mean[d]! + r[d]! / rows.length;
  for (const r of normalised) for (let d = 0; d < width; d++) std[d] = std[d]! + (r[d]! - mean[d]!) ** 2 / rows.length;
  for (let d = 0; d < width; d++) std[d] = Math.sqrt(std[d]!);
  const threshold = Math.max(1e-6, (CONSTANT_DIMENSION_FRACTION * std.reduce((a, b) => a + b, 0)) / width);
  const scale = Float64Array.from(std, (s) => (s < threshold ? 0 : 1 / s));
  return (batch) => {
    const out = new Float32Array(batch.length * width);
    l2NormalizeRows(batch).forEach((r, i) => {
      for (let d = 0; d < width; d++) out[i * width + d] = (r[d]! - mean[d]!) * scale[d]!;
    });
    return out;
  };
}

function oneHot(labels: readonly number[], classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new RangeError(`trainClassifier: label ${label} of sample ${i} is not a class index in [0, ${classes})`);
    out[i * classes + label] = 1;
  });
  return out;
}

/** Mean cross-entropy and predictions of row-major logits [N, classes]. */
function scoreLogits(logits: Float32Array, labels: readonly number[], classes: number): { loss: number; predicted: number[] } {
  let loss = 0;
  const predicted: number[] = [];
  labels.forEach((label, i) => {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const max = row[argmax(row)]!;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    loss += -(row[label]! - max - Math.log(sum)) / labels.length;
    predicted.push(argmax(row));
  });
  return { loss, predicted };
}

/**
 * Trains the probe on `train`, early-stopping on `validation` when it has samples.
 * @param classes number of classes (the output width).
 */
export async function trainClassifier(
  train: LabelledEmbeddings,
  validation: LabelledEmbeddings | undefined,
  classes: number,
  sessions: SessionCache,
  provider: ProviderChoice,
  options: ClassifierOptions = {},
): Promise<Classifier> {
  const n = train.embeddings.length;
  if (n === 0) throw new RangeError('trainClassifier: no training embeddings');
  if (train.labels.length !== n) throw new RangeError(`trainClassifier: ${train.labels.length} labels for ${n} embeddings`);
  const width = train.embeddings[0]!.length;
  const hidden = options.hidden ?? 256;
  const steps = options.steps ?? 300;
  const lr = options.lr ?? 1e-3;
  const validateEvery = options.validateEvery ?? 10;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`trainClassifier: steps must be an integer >= 1, got ${steps}`);
  if (!Number.isInteger(validateEvery) || validateEvery < 1) throw new RangeError(`trainClassifier: validateEvery must be an integer >= 1, got ${validateEvery}`);

  const { forward, trainStep, graph } = buildClassifierGraph(width, hidden, classes, options.weightDecay ?? 1e-2);
  const prepare = fitStandardiser(train.embeddings, width);
  const x: HostTensor = { dtype: 'float32', shape: [n, width], data: prepare(train.embeddings) };
  const target: HostTensor = { dtype: 'float32', shape: [n, classes], data: oneHot(train.labels, classes) };
  const state: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(initialParams(graph, options.seed ?? 0))) {
    state[`params/${name}`] = t;
    state[`adam_m/${name}`] = { dtype: 'float32', shape: [...t.shape], data: new Float32Array(t.data.length) };
    state[`adam_v/${name}`] = { dtype: 'float32', shape: [...t.shape], data: new Float32Array(t.data.length) };
  }
  const stepSession = await sessions.get(trainStep.bytes, provider);
  const forwardSession = await sessions.get(forward, provider, { variableShapes: true });
  const paramsOf = (s: Record<string, HostTensor>): Record<string, HostTensor> => Object.fromEntries(trainStep.params.map((p) => [`params/${p}`, s[`params/${p}`]!]));
  const logitsOf = async (params: Record<string, HostTensor>, rows: Float32Array, count: number): Promise<Float32Array> =>
    (await runSession(forwardSession, { x: { dtype: 'float32', shape: [count, width], data: rows }, ...params }))['logits']!.data as Float32Array;

  const hasValidation = validation !== undefined && validation.embeddings.length > 0;
  const validationRows = hasValidation ? prepare(validation.embeddings) : undefined;
  let kept: { step: number; params: Record<string, HostTensor>; accuracy: number; loss: number } | undefined;
  for (let t = 1; t <= steps; t++) {
    const feeds = { ...state, x, target, step: scalar(t), lr: scalar(cosineLr(lr, t - 1, steps)) };
    const out = await runSession(stepSession, feeds);
    for (const key of Object.keys(state)) state[key] = out[`next/${key}`]!;
    const loss = (out['loss']!.data as Float32Array)[0]!;
    if (!Number.isFinite(loss)) throw new Error(`trainClassifier: the loss became ${loss} at step ${t}`);
    if (hasValidation && (t % validateEvery === 0 || t === steps)) {
      const params = paramsOf(state);
      const scored = scoreLogits(await logitsOf(params, validationRows!, validation.embeddings.length), validation.labels, classes);
      const acc = accuracy(scored.predicted, validation.labels);
      if (!kept || acc > kept.accuracy || (acc === kept.accuracy && scored.loss < kept.loss)) kept = { step: t, params, accuracy: acc, loss: scored.loss };
    }
  }
  const params = kept?.params ?? paramsOf(state);
  const trainScore = scoreLogits(await logitsOf(params, x.data as Float32Array, n), train.labels, classes);
  const training: ClassifierTraining = {
    steps,
    keptStep: kept?.step ?? steps,
    trainLoss: trainScore.loss,
    trainAccuracy: accuracy(trainScore.predicted, train.labels),
    ...(kept ? { validationAccuracy: kept.accuracy, validationLoss: kept.loss } : {}),
  };
  return {
    training,
    async predict(embeddings) {
      if (embeddings.length === 0) return [];
      const logits = await logitsOf(params, prepare(embeddings), embeddings.length);
      return Array.from({ length: embeddings.length }, (_, i) => argmax(logits.subarray(i * classes, (i + 1) * classes)));
    },
  };
}

function scalar(value: number): HostTensor {
  return { dtype: 'float32', shape: [], data: Float32Array.of(value) };
}
