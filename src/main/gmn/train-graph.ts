/**
 * The GMN train step: encoder -> (decoder + rendering loss) and/or SigLIP -> AdamW, one graph.
 * A batch holds K objects each in two architectures: graphs [0, K) are side A, [K, 2K) side B,
 * row i of each side the same object.
 */
import { Graph, type Value } from '../compute/graph';
import * as op from '../compute/ops';
import { type AdamWOptions, type TrainStepModel, buildTrainStep } from '../compute/optim';
import { buildModel } from '../compute/model';
import { type DecoderConfig, DEFAULT_DECODER, buildDecoder } from './decoder';
import { type EncoderConfig, DEFAULT_ENCODER, buildEncoder, declareEncoderInputs } from './encoder';
import { linear } from '../compute/functions';
import { renderingLoss, siglipLoss, softmaxCrossEntropy } from './losses';

export type LossMode = 'rec' | 'con' | 'rec+con';
export const LOSS_MODES: readonly LossMode[] = ['rec', 'con', 'rec+con'];

/** Weight of the contrastive loss in rec+con (PAPER.md). */
export const CONTRASTIVE_WEIGHT = 0.02;

export interface GmnTrainConfig {
  readonly encoder: EncoderConfig;
  readonly decoder: DecoderConfig;
  readonly loss: LossMode;
  /** Objects per batch (each in two architectures, so 2K graphs). @default 4 */
  readonly objectsPerBatch: number;
  /** Foreground and background rays per NeRF, samples per ray. */
  readonly foregroundRays: number;
  readonly backgroundRays: number;
  readonly samples: number;
  readonly optimizer?: AdamWOptions;
  /**
   * 'batch': each embedding dimension is standardised over the batch's 2K graphs before the
   * losses see it (batch normalisation without affine; the exported encoder applies the train
   * split's statistics instead). At initialisation a GMN's embeddings of different NeRFs agree
   * to 1e-4 of their size, so without it the losses' gradients drown in that common part.
   * @default 'none'
   */
  readonly embeddingNorm?: 'none' | 'batch';
  /**
   * 'init': each NeRF is embedded relative to the untrained reference NeRF of its config
   * (reference.ts); the batch then holds 2K + 2 graphs, the last two the references of side A
   * and side B. @default 'none'
   */
  readonly reference?: 'none' | 'init';
  /**
   * Fraction of grid edges (tri-plane texels, hash entries) each training graph keeps, drawn
   * afresh every step (batch.ts, `sampleGridEdges`); decoder edges are always kept, inference
   * uses whole graphs. Grid edges are 98 % of a tri-plane's or hash grid's graph, so 0.25 makes a
   * step about 3 times cheaper. @default 1
   */
  readonly gridEdgeFraction?: number;
  /**
   * Recolour each training NeRF and its rendering targets by a random one of the 48 exact colour
   * transforms (nerf/recolour.ts), drawn per graph and per step, so the two architectures of an
   * object rarely share colours and the contrastive loss must match them by shape. @default false
   */
  readonly colourAugment?: boolean;
  /** Weight of L_C in L_R + w L_C (the paper's 0.02). @default CONTRASTIVE_WEIGHT */
  readonly contrastiveWeight?: number;
  /**
   * Weight of a supervised category loss (not in the paper): a linear head on the embeddings,
   * softmax cross-entropy against the train split's category labels, added to the other losses.
   * The head is dropped at export; it only shapes the space. Needs `categories`. @default 0
   */
  readonly categoryWeight?: number;
  /** The head's classes in order (the train job fills it from the zoo's train split). */
  readonly categories?: readonly string[];
}

/** Parameters of the category head start afresh when --init's checkpoint has none. */
export const CATEGORY_HEAD_PREFIX = 'category_head/';

/** Standardises each column of x [G, D] over its G rows (static G). */
export function batchStandardize(g: Graph, x: Value): Value {
  const rows = x.shape[0];
  if (typeof rows !== 'number') throw new RangeError(`batchStandardize: the row count must be static, got ${String(rows)}`);
  const filled = (v: number) => (g.floatType === 'float64' ? { dtype: 'float64' as const, shape: [rows], data: new Float64Array(rows).fill(v) } : { dtype: 'float32' as const, shape: [rows], data: new Float32Array(rows).fill(v) });
  const ones = g.constant(filled(1));
  const zeros = g.constant(filled(0));
  return op.transposeLast(op.layerNorm(op.transposeLast(x), ones, zeros));
}

/**
 * The shipped recipe (docs/gmn.md, "Encoder v2"): probe features, SigLIP between the two
 * architectures of each of 8 objects plus the supervised category loss, both at weight 1, no
 * rendering loss; whole graphs, no embedding standardisation.
 */
export const DEFAULT_TRAIN: GmnTrainConfig = {
  encoder: DEFAULT_ENCODER,
  decoder: DEFAULT_DECODER,
  loss: 'con',
  objectsPerBatch: 8,
  foregroundRays: 128,
  backgroundRays: 32,
  samples: 24,
  optimizer: { weightDecay: 1e-2, clipNorm: 1 },
  contrastiveWeight: 1,
  categoryWeight: 1,
};

/** Builds the train-step graph; the batch inputs are the encoder feeds plus the ray targets. */
export function buildGmnTrainStep(config: GmnTrainConfig): TrainStepModel & { readonly graph: Graph } {
  const g = new Graph('float32');
  const inputs = declareEncoderInputs(g, config.encoder);
  const k = config.objectsPerBatch;
  const d = config.encoder.embedding;
  let raw = buildEncoder(g, inputs, config.encoder);
  if (config.reference === 'init') {
    const all = op.reshape(raw, [2 * k + 2, d]);
    raw = op.concat([op.sub(op.slice(all, 0, 0, k), op.slice(all, 0, 2 * k, 2 * k + 1)), op.sub(op.slice(all, 0, k, 2 * k), op.slice(all, 0, 2 * k + 1, 2 * k + 2))], 0);
  }
  const embeddings = config.embeddingNorm === 'batch' ? batchStandardize(g, op.reshape(raw, [2 * k, d])) : raw;
  const metrics: Record<string, Value> = {};
  let loss: Value | undefined;
  if (config.loss !== 'con') {
    const graphs = 2 * k;
    const rays = config.foregroundRays + config.backgroundRays;
    const s = config.samples;
    const points = g.input('points', 'float32', [graphs, rays * s, 3]);
    const deltas = g.input('deltas', 'float32', [graphs, rays, s]);
    const targetColour = g.input('target_colour', 'float32', [graphs, rays, 3]);
    const targetOpacity = g.input('target_opacity', 'float32', [graphs, rays]);
    const background = g.input('background', 'float32', [3]);
    const { density, rgb } = buildDecoder(g, embeddings, points, config.decoder);
    const rendering = renderingLoss({
      density: op.reshape(density, [graphs, rays, s]),
      rgb: op.reshape(rgb, [graphs, rays, s, 3]),
      deltas,
      targetColour,
      targetOpacity,
      background,
      foreground: config.foregroundRays,
    });
    metrics['rendering'] = rendering.loss;
    metrics['rendering_foreground'] = rendering.foreground;
    loss = rendering.loss;
  }
  if (config.loss !== 'rec') {
    const u = op.slice(embeddings, 0, 0, k);
    const v = op.slice(embeddings, 0, k, 2 * k);
    const contrastive = siglipLoss(g, u, v);
    metrics['contrastive'] = contrastive.loss;
    metrics['temperature'] = contrastive.temperature;
    loss = loss ? op.add(loss, op.mul(contrastive.loss, config.contrastiveWeight ?? CONTRASTIVE_WEIGHT)) : contrastive.loss;
  }
  if ((config.categoryWeight ?? 0) > 0) {
    const classes = config.categories?.length ?? 0;
    if (classes < 2) throw new RangeError(`buildGmnTrainStep: a category loss needs at least 2 categories, got ${classes}`);
    const labels = g.input('category', 'float32', [2 * k, classes]);
    const head = linear(op.reshape(embeddings, [2 * k, d]), g.param(`${CATEGORY_HEAD_PREFIX}weight`, [d, classes]), g.param(`${CATEGORY_HEAD_PREFIX}bias`, [classes], { kind: 'constant', value: 0 }));
    const category = softmaxCrossEntropy(head, labels);
    metrics['category'] = category;
    const weighted = op.mul(category, config.categoryWeight!);
    loss = loss ? op.add(loss, weighted) : weighted;
  }
  return { ...buildTrainStep({ graph: g, loss: loss!, metrics, optimizer: config.optimizer ?? { weightDecay: 1e-2 } }), graph: g };
}

/** Per-dimension statistics of raw embeddings, applied as (e - mean) / std. */
export interface EmbeddingStandardization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * The inference model: parameter graphs in, embeddings [G, D] out (parameters as inputs). With
 * `standardization` (encoders trained with embeddingNorm 'batch'), the raw embeddings are
 * standardised with the train split's statistics, as batch normalisation does at inference.
 * With `reference` (encoders trained with reference 'init'), inputs embed_index and
 * reference_index [M] pick the M embedded graphs and their references, and the output is
 * [M, D] differences.
 */
export function encoderModel(config: EncoderConfig, standardization?: EmbeddingStandardization, reference = false): { graph: Graph; embeddings: Value; bytes: Uint8Array } {
  const g = new Graph('float32');
  let embeddings = buildEncoder(g, declareEncoderInputs(g, config), config);
  if (reference) {
    // Rows embed_index[i] minus rows reference_index[i] (Embedder appends the references).
    const embedIndex = g.input('embed_index', 'int64', ['M']);
    const referenceIndex = g.input('reference_index', 'int64', ['M']);
    embeddings = op.sub(op.gather(embeddings, embedIndex), op.gather(embeddings, referenceIndex));
  }
  if (standardization) {
    const d = config.embedding;
    if (standardization.mean.length !== d || standardization.std.length !== d) throw new RangeError(`encoderModel: standardization needs ${d} means and stds, got ${standardization.mean.length} and ${standardization.std.length}`);
    if (standardization.std.some((x) => !(x > 0) || !Number.isFinite(x)) || standardization.mean.some((x) => !Number.isFinite(x))) throw new RangeError('encoderModel: standardization must hold finite means and positive stds');
    const mean = g.constant({ dtype: 'float32', shape: [d], data: Float32Array.from(standardization.mean) });
    const inverse = g.constant({ dtype: 'float32', shape: [d], data: Float32Array.from(standardization.std, (x) => 1 / x) });
    embeddings = op.mul(op.sub(embeddings, mean), inverse);
  }
  return { graph: g, embeddings, bytes: buildModel(g, { outputs: { embeddings }, name: 'gmn_encoder' }) };
}
