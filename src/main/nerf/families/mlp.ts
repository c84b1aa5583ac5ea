/** The MLP family: frequency-encoded xyz -> ReLU MLP -> 4 raw outputs (nf2vec's NeRFs). */
import type { ParamInit, Value } from '../../compute/graph';
import * as op from '../../compute/ops';
import { decoderWidths } from '../layout';
import type { MlpConfig } from '../types';
import { decoder, decoderInits, frequencyEncoding, unitPositions } from './blocks';

/**
 * Raw outputs [B, N, 4] of B MLP NeRFs at points [B, N, 3]. Positions map from the aabb to
 * [-1, 1]^3 before the frequency encoding; no clamping (the encoding is defined everywhere).
 */
export function buildMlpField(config: MlpConfig, points: Value, params: Readonly<Record<string, Value>>): Value {
  const signed = op.sub(op.mul(unitPositions(points, config.aabb), 2), 1);
  return decoder(frequencyEncoding(signed, config.frequencies), params, config.hidden.length + 1, 'relu');
}

/** How each parameter of an MLP NeRF starts. */
export function mlpInits(config: MlpConfig): Record<string, ParamInit> {
  return decoderInits(decoderWidths(config), 'relu');
}
