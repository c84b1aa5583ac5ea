/**
 * The tri-plane family: three axis-aligned feature planes sampled bilinearly (align_corners =
 * True: texel i of R sits at i / (R - 1)), features summed over the planes, concatenated with a
 * frequency encoding, then a sine MLP with a linear last layer -> 4 raw outputs.
 */
import type { ParamInit, Value } from '../../compute/graph';
import * as op from '../../compute/ops';
import { TRIPLANE_AXES, decoderWidths } from '../layout';
import type { TriplaneConfig } from '../types';
import { decoder, decoderInits, frequencyEncoding, gatherWeighted, unitPositions } from './blocks';

/** Initial plane features: N(0, PLANE_INIT_STD^2). Small, but large enough to steer the sine MLP. */
export const PLANE_INIT_STD = 0.1;

/** Texel rows and bilinear weights of the 12 corners (3 planes x 4) of each point. */
export interface TriplaneCorners {
  /** int64 [B, N, 12]: row of each corner in one NeRF's planes flattened to [3 R R, C]. */
  readonly rows: Value;
  /** [B, N, 12]: bilinear weights; the 4 of each plane sum to 1. */
  readonly weights: Value;
}

/**
 * Corners of points `unit` [B, N, 3] (normalised to [0, 1], clamped here) on the planes xy, xz,
 * yz: plane p, texel (i, j) is row p R^2 + i R + j. Corner order per plane: (i, j), (i, j + 1),
 * (i + 1, j), (i + 1, j + 1). Index computations are int64 and carry no gradient.
 */
export function triplaneCorners(config: TriplaneConfig, unit: Value): TriplaneCorners {
  const R = config.resolution;
  const t = op.mul(op.clip(unit, 0, 1), R - 1);
  // The last cell is [R - 2, R - 1], so t = R - 1 takes weight 1 on the last texel.
  const cellFloat = op.clip(op.floor(t), 0, R - 2);
  const frac = op.sub(t, cellFloat);
  const cell = op.cast(cellFloat, 'int64');
  const axisCell = [0, 1, 2].map((a) => op.slice(cell, 2, a, a + 1));
  const axisFrac = [0, 1, 2].map((a) => op.slice(frac, 2, a, a + 1));
  const rows: Value[] = [];
  const weights: Value[] = [];
  TRIPLANE_AXES.forEach(([first, second], plane) => {
    const base = op.add(op.add(op.mul(axisCell[first]!, R), axisCell[second]!), plane * R * R);
    const f = axisFrac[first]!;
    const s = axisFrac[second]!;
    for (const di of [0, 1]) {
      for (const dj of [0, 1]) {
        rows.push(di + dj === 0 ? base : op.add(base, di * R + dj));
        weights.push(op.mul(di ? f : op.sub(1, f), dj ? s : op.sub(1, s)));
      }
    }
  });
  return { rows: op.concat(rows, 2), weights: op.concat(weights, 2) };
}

/** Plane features [B, N, C] summed over the three planes; planes [B, 3, R, R, C]. */
export function triplaneFeatures(config: TriplaneConfig, unit: Value, planes: Value): Value {
  const { resolution: R, channels: C } = config;
  const { rows, weights } = triplaneCorners(config, unit);
  return gatherWeighted(op.reshape(planes, [planes.shape[0]!, 3 * R * R, C]), rows, weights, 2);
}

/** Raw outputs [B, N, 4] of B tri-plane NeRFs at points [B, N, 3]. */
export function buildTriplaneField(config: TriplaneConfig, points: Value, params: Readonly<Record<string, Value>>): Value {
  const planes = params['planes'];
  if (!planes) throw new RangeError('triplane field: missing parameter planes');
  const unit = unitPositions(points, config.aabb);
  const features = triplaneFeatures(config, unit, planes);
  const signed = op.sub(op.mul(unit, 2), 1);
  const x = op.concat([features, frequencyEncoding(signed, config.frequencies)], 2);
  return decoder(x, params, config.hidden.length + 1, 'sine');
}

/** How each parameter of a tri-plane NeRF starts. */
export function triplaneInits(config: TriplaneConfig): Record<string, ParamInit> {
  return { planes: { kind: 'normal', std: PLANE_INIT_STD }, ...decoderInits(decoderWidths(config), 'sine') };
}
