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

/**
 * Options of recipe v1 that this build no longer trains with (docs/gmn.md, "Earlier runs"),
 * with the value each had when off.
 */
const RETIRED_OPTIONS: Readonly<Record<string, unknown>> = { embeddingNorm: 'none', reference: 'none', gridEdgeFraction: 1, colourAugment: false };

/**
 * Refuses a training configuration read from a checkpoint that uses a retired option: this build
 * would silently train or export something else from it.
 * @throws {Error} naming `file` and the options.
 */
export function checkTrainRecipe(config: object, file: string): void {
  const used = Object.entries(RETIRED_OPTIONS).filter(([key, off]) => key in config && (config as Record<string, unknown>)[key] !== off).map(([key]) => `${key} ${JSON.stringify((config as Record<string, unknown>)[key])}`);
  if (used.length > 0) throw new Error(`${file}: trained with a retired recipe (${used.join(', ')}), which this version of nerfdex no longer trains or exports; retrain with \`npm run train\` (docs/gmn.md)`);
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
  const embeddings = buildEncoder(g, inputs, config.encoder);
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

/** The inference model: parameter graphs in, embeddings [G, D] out (parameters as inputs). */
export function encoderModel(config: EncoderConfig): { graph: Graph; embeddings: Value; bytes: Uint8Array } {
  const g = new Graph('float32');
  const embeddings = buildEncoder(g, declareEncoderInputs(g, config), config);
  return { graph: g, embeddings, bytes: buildModel(g, { outputs: { embeddings }, name: 'gmn_encoder' }) };
}
