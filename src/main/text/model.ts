/**
 * The text model as a graph: a weighted bag of word and word-pair embeddings, a residual MLP to
 * the GMN embedding size, and a category head. The train step adds SigLIP against frozen GMN
 * embeddings of the same objects plus a small category cross-entropy, then AdamW.
 */
import { linear } from '../compute/functions';
import { Graph, type Value } from '../compute/graph';
import * as op from '../compute/ops';
import { type TrainStepModel, buildTrainStep } from '../compute/optim';
import { l2Normalize, siglipLoss } from '../gmn/losses';
import { CATEGORIES } from '../vocabulary/categories';

export interface TextModelConfig {
  /** Vocabulary size, padding included. */
  readonly vocabulary: number;
  /** Width of the word embeddings. @default 128 */
  readonly width: number;
  /** Hidden width of the MLP. @default 256 */
  readonly hidden: number;
  /** Output size: the GMN embedding size. */
  readonly embedding: number;
  /** Categories of the classification head. @default 13 */
  readonly categories: number;
}

export const DEFAULT_TEXT_MODEL: Omit<TextModelConfig, 'vocabulary' | 'embedding'> = { width: 128, hidden: 256, categories: CATEGORIES.length };

/** What the forward pass returns. */
export interface TextForward {
  /** L2-normalised text embeddings [B, embedding]. */
  readonly embeddings: Value;
  /** Unnormalised embeddings [B, embedding] (what SigLIP sees). */
  readonly raw: Value;
  /** Category logits [B, categories]. */
  readonly categoryLogits: Value;
}

/** Declares the inputs `tokens` (int64 [B, L]) and `weights` (float [B, L]) of a text model graph. */
export function declareTextInputs(g: Graph, batch: number | string = 'B'): { tokens: Value; weights: Value } {
  return { tokens: g.input('tokens', 'int64', [batch, 'L']), weights: g.input('weights', g.floatType, [batch, 'L']) };
}

/** The forward pass: pooled embeddings -> x + MLP(x) style residual projection, plus the head. */
export function buildTextModel(g: Graph, config: TextModelConfig, tokens: Value, weights: Value): TextForward {
  return g.scope('text', () => {
    const table = g.param('text/words', [config.vocabulary, config.width], { kind: 'normal', std: 0.1 });
    const rows = op.gather(table, tokens);
    const pooled = op.reduceSum(op.mul(rows, op.unsqueeze(weights, [2])), [1]);
    const w1 = g.param('text/mlp1/weight', [config.width, config.hidden]);
    const b1 = g.param('text/mlp1/bias', [config.hidden], { kind: 'constant', value: 0 });
    const w2 = g.param('text/mlp2/weight', [config.hidden, config.embedding]);
    const skip = g.param('text/skip/weight', [config.width, config.embedding]);
    const b2 = g.param('text/mlp2/bias', [config.embedding], { kind: 'constant', value: 0 });
    const hidden = op.relu(linear(pooled, w1, b1));
    const raw = op.add(linear(hidden, w2, b2), op.matmul(pooled, skip));
    const wc = g.param('text/category/weight', [config.hidden, config.categories]);
    const bc = g.param('text/category/bias', [config.categories], { kind: 'constant', value: 0 });
    return { embeddings: l2Normalize(raw), raw, categoryLogits: linear(hidden, wc, bc) };
  });
}

/**
 * The inference graph alone (exported as text.onnx). Training meets GMN embeddings standardised
 * per dimension, z = (x - mean) * scale; multiplying the output by `scale` gives a query q with
 * q . x = out . z + (a constant per query), so ranking raw GMN vectors by q ranks them as the
 * training objective did.
 */
export function textInferenceModel(config: TextModelConfig, outputScale?: readonly number[]): { graph: Graph; outputs: Record<string, Value> } {
  const g = new Graph('float32');
  const { tokens, weights } = declareTextInputs(g);
  const forward = buildTextModel(g, config, tokens, weights);
  if (outputScale && outputScale.length !== config.embedding) throw new RangeError(`textInferenceModel: ${outputScale.length} scales for ${config.embedding} dimensions`);
  const embeddings = outputScale ? l2Normalize(op.mul(forward.raw, g.constant({ dtype: 'float32', shape: [config.embedding], data: Float32Array.from(outputScale) }, 'text/output_scale'))) : forward.embeddings;
  return { graph: g, outputs: { embeddings, category_logits: forward.categoryLogits } };
}

export interface TextTrainConfig {
  readonly model: TextModelConfig;
  /** Caption-object pairs per step (distinct objects). @default 64 */
  readonly batch: number;
  /** Weight of the category cross-entropy beside SigLIP. @default 0.1 */
  readonly categoryWeight: number;
  /** @default 1e-4 */
  readonly weightDecay: number;
}

/** Mean softmax cross-entropy of logits [B, C] against one-hot targets [B, C]. */
export function softmaxCrossEntropy(logits: Value, onehot: Value): Value {
  const shifted = op.sub(logits, op.reduceMax(logits, [1], true));
  const logSum = op.log(op.reduceSum(op.exp(shifted), [1], true));
  return op.neg(op.meanAll(op.reduceSum(op.mul(onehot, op.sub(shifted, logSum)), [1])));
}

/**
 * The train step: inputs tokens [K, L], weights [K, L], target embeddings `gmn` [K, D] (frozen
 * GMN embeddings of the K objects, row i matching caption i) and one-hot `category` [K, C].
 */
export function buildTextTrainStep(config: TextTrainConfig): TrainStepModel & { graph: Graph } {
  const g = new Graph('float32');
  const k = config.batch;
  const { tokens, weights } = declareTextInputs(g, k);
  const gmn = g.input('gmn', 'float32', [k, config.model.embedding]);
  const category = g.input('category', 'float32', [k, config.model.categories]);
  const forward = buildTextModel(g, config.model, tokens, weights);
  const siglip = siglipLoss(g, forward.raw, gmn);
  const ce = softmaxCrossEntropy(forward.categoryLogits, category);
  const loss = op.add(siglip.loss, op.mul(ce, config.categoryWeight));
  const model = buildTrainStep({
    graph: g,
    loss,
    metrics: { siglip: siglip.loss, category: ce, temperature: siglip.temperature, bias: siglip.bias },
    optimizer: { weightDecay: config.weightDecay, clipNorm: 5, decays: (name) => name.endsWith('/weight') },
  });
  return { ...model, graph: g };
}
