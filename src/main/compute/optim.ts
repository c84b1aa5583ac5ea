/**
 * The optimiser inside the graph: gradient clipping by global norm and AdamW (bias-corrected,
 * decoupled weight decay). One train step is one `session.run`.
 *
 * Train-step I/O convention (the train loop and checkpoints rely on it):
 *   inputs  params/<name>, adam_m/<name>, adam_v/<name>, step (1-based scalar), lr (scalar), batch inputs
 *   outputs next/params/<name>, next/adam_m/<name>, next/adam_v/<name>, loss, metrics/<name>
 */
import { gradients } from './autodiff';
import type { Graph, Value } from './graph';
import { buildModel } from './model';
import * as op from './ops';

export interface AdamWOptions {
  /** @default 0.9 */
  readonly beta1?: number;
  /** @default 0.999 */
  readonly beta2?: number;
  /** @default 1e-8 */
  readonly epsilon?: number;
  /** Decoupled weight decay. @default 0.01 */
  readonly weightDecay?: number;
  /** Clip gradients to this global L2 norm; 0 disables. @default 0 */
  readonly clipNorm?: number;
  /** Which parameters decay. @default every parameter */
  readonly decays?: (name: string) => boolean;
}

export interface TrainStepSpec {
  /** The graph holding the forward pass, its parameters and batch inputs. */
  readonly graph: Graph;
  /** Scalar loss to minimise. */
  readonly loss: Value;
  /** Extra scalars reported each step as metrics/<name>. */
  readonly metrics?: Readonly<Record<string, Value>>;
  readonly optimizer?: AdamWOptions;
}

export interface TrainStepModel {
  /** ONNX model bytes of the whole step. */
  readonly bytes: Uint8Array;
  /** Parameter names in declaration order. */
  readonly params: readonly string[];
  /** Batch input names (everything fed besides state, step and lr). */
  readonly batchInputs: readonly string[];
  /** Metric names, without the `metrics/` prefix; always includes grad_norm. */
  readonly metrics: readonly string[];
}

/** Appends backward pass, clipping and AdamW to `spec.graph` and serialises the step. */
export function buildTrainStep(spec: TrainStepSpec): TrainStepModel {
  const { graph, loss } = spec;
  const o = spec.optimizer ?? {};
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const epsilon = o.epsilon ?? 1e-8;
  const weightDecay = o.weightDecay ?? 0.01;
  const clipNorm = o.clipNorm ?? 0;
  if (!graph.params.length) throw new RangeError('buildTrainStep: the graph has no parameters');
  const batchInputs = graph.inputs.map((v) => v.name);

  const params = graph.params;
  const grads = gradients(loss, params.map((p) => p.value));
  const outputs: Record<string, Value> = { loss };
  graph.scope('optimizer', () => {
    const dtype = graph.floatType;
    const step = graph.input('step', dtype, []);
    const lr = graph.input('lr', dtype, []);
    const squares = grads.map((g) => op.sumAll(op.mul(g, g)));
    const norm = op.sqrt(squares.reduce((acc, s) => op.add(acc, s)));
    outputs['metrics/grad_norm'] = norm;
    let scaled = grads;
    if (clipNorm > 0) {
      const scale = op.div(clipNorm, op.where(op.greater(norm, clipNorm), norm, clipNorm));
      scaled = grads.map((g) => op.mul(g, scale));
    }
    const correction1 = op.sub(1, op.pow(graph.scalar(beta1), step));
    const correction2 = op.sub(1, op.pow(graph.scalar(beta2), step));
    params.forEach(({ name, value }, i) => {
      graph.scope(name, () => {
        const shape = value.shape;
        const m = graph.input(`adam_m/${name}`, dtype, shape);
        const v = graph.input(`adam_v/${name}`, dtype, shape);
        const g = scaled[i]!;
        const m2 = op.add(op.mul(m, beta1), op.mul(g, 1 - beta1));
        const v2 = op.add(op.mul(v, beta2), op.mul(op.mul(g, g), 1 - beta2));
        const update = op.div(op.div(m2, correction1), op.add(op.sqrt(op.div(v2, correction2)), epsilon));
        const decay = weightDecay > 0 && (o.decays ? o.decays(name) : true);
        const decayed = decay ? op.mul(value, op.sub(1, op.mul(lr, weightDecay))) : value;
        outputs[`next/params/${name}`] = op.sub(decayed, op.mul(lr, update));
        outputs[`next/adam_m/${name}`] = m2;
        outputs[`next/adam_v/${name}`] = v2;
      });
    });
  });
  for (const [name, value] of Object.entries(spec.metrics ?? {})) {
    if (value.rank !== 0) throw new RangeError(`buildTrainStep: metric "${name}" must be a scalar, got ${value}`);
    outputs[`metrics/${name}`] = value;
  }
  const bytes = buildModel(graph, { outputs, name: 'train_step' });
  return {
    bytes,
    params: params.map((p) => p.name),
    batchInputs,
    metrics: Object.keys(outputs).filter((k) => k.startsWith('metrics/')).map((k) => k.slice('metrics/'.length)).sort(),
  };
}
