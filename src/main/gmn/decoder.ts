/**
 * The nf2vec-style decoder: an MLP conditioned on the embedding, from a frequency-encoded point
 * to (density, rgb), not view-dependent, with one additive skip that re-injects the input.
 * The embedding enters every conditioned layer through its own weight and broadcasts over the
 * points, so no [G, P, D] copy of the embedding is ever made.
 */
import { linear, softplus } from '../compute/functions';
import type { Graph, Value } from '../compute/graph';
import * as op from '../compute/ops';
import { frequencyEncoding } from '../nerf/families/blocks';
import { frequencyEncodingWidth } from '../nerf/layout';

export interface DecoderConfig {
  /** Width of the hidden layers. @default 128 */
  readonly hidden: number;
  /** Hidden layers; the input is re-injected before the middle one. @default 4 */
  readonly layers: number;
  /** Frequencies of the point encoding. @default 6 */
  readonly frequencies: number;
}

export const DEFAULT_DECODER: DecoderConfig = { hidden: 128, layers: 4, frequencies: 6 };

/** input = [embedding, encoded point]: the embedding part broadcasts over the points. */
function conditioned(g: Graph, name: string, latent: Value, encoded: Value, previous: Value | null, previousWidth: number, width: number): Value {
  const embedding = latent.shape[1] as number;
  const fromLatent = op.unsqueeze(op.matmul(latent, g.param(`${name}/latent_weight`, [embedding, width])), [1]);
  let y = op.add(linear(encoded, g.param(`${name}/point_weight`, [encoded.shape[2] as number, width]), g.param(`${name}/bias`, [width], { kind: 'constant', value: 0 })), fromLatent);
  if (previous) y = op.add(y, op.matmul(previous, g.param(`${name}/weight`, [previousWidth, width])));
  return y;
}

/**
 * Density [G, P] and rgb [G, P, 3] at `points` [G, P, 3] (in [-1, 1]^3) for each of the G
 * embeddings `latent` [G, D].
 */
export function buildDecoder(g: Graph, latent: Value, points: Value, config: DecoderConfig = DEFAULT_DECODER): { density: Value; rgb: Value } {
  return g.scope('decoder', () => {
    const encoded = frequencyEncoding(points, config.frequencies);
    const skipAt = Math.floor(config.layers / 2);
    let h = op.relu(conditioned(g, 'decoder/layer0', latent, encoded, null, 0, config.hidden));
    for (let i = 1; i < config.layers; i++) {
      const name = `decoder/layer${i}`;
      const pre = i === skipAt ? conditioned(g, name, latent, encoded, h, config.hidden, config.hidden) : linear(h, g.param(`${name}/weight`, [config.hidden, config.hidden]), g.param(`${name}/bias`, [config.hidden], { kind: 'constant', value: 0 }));
      h = op.relu(pre);
    }
    const out = linear(h, g.param('decoder/out/weight', [config.hidden, 4]), g.param('decoder/out/bias', [4], { kind: 'constant', value: 0 }));
    // Softplus keeps a gradient where the decoder has not found the surface yet.
    const density = softplus(op.squeeze(op.slice(out, 2, 0, 1), [2]));
    const rgb = op.sigmoid(op.slice(out, 2, 1, 4));
    return { density, rgb };
  });
}

/** Width of the decoder's point encoding. */
export function decoderPointWidth(config: DecoderConfig): number {
  return frequencyEncodingWidth(config.frequencies);
}
