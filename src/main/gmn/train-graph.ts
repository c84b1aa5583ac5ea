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
import { renderingLoss, siglipLoss } from './losses';

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
}

export const DEFAULT_TRAIN: GmnTrainConfig = {
  encoder: DEFAULT_ENCODER,
  decoder: DEFAULT_DECODER,
  loss: 'rec+con',
  objectsPerBatch: 4,
  foregroundRays: 128,
  backgroundRays: 32,
  samples: 24,
  optimizer: { weightDecay: 1e-2, clipNorm: 1 },
};

/** Builds the train-step graph; the batch inputs are the encoder feeds plus the ray targets. */
export function buildGmnTrainStep(config: GmnTrainConfig): TrainStepModel & { readonly graph: Graph } {
  const g = new Graph('float32');
  const inputs = declareEncoderInputs(g);
  const embeddings = buildEncoder(g, inputs, config.encoder);
  const k = config.objectsPerBatch;
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
    loss = loss ? op.add(loss, op.mul(contrastive.loss, CONTRASTIVE_WEIGHT)) : contrastive.loss;
  }
  return { ...buildTrainStep({ graph: g, loss: loss!, metrics, optimizer: config.optimizer ?? { weightDecay: 1e-2 } }), graph: g };
}

/** The inference model: parameter graphs in, embeddings [G, D] out (parameters as inputs). */
export function encoderModel(config: EncoderConfig): { graph: Graph; embeddings: Value; bytes: Uint8Array } {
  const g = new Graph('float32');
  const embeddings = buildEncoder(g, declareEncoderInputs(g), config);
  return { graph: g, embeddings, bytes: buildModel(g, { outputs: { embeddings }, name: 'gmn_encoder' }) };
}
