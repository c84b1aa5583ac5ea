/** Occupancy grids of zoo shapes, for the zoo tests. */

import { type Shape, evaluateShape } from '../../src/main/zoo/sdf';

/**
 * Cell centres of a res^3 grid over [-1, 1]^3, x-major; with `next`, one uniform point per cell
 * instead (stratified sampling: an unbiased volume estimate that thin parts cannot slip through).
 */
export function gridPoints(res: number, next?: () => number): Float32Array {
  const points = new Float32Array(3 * res ** 3);
  let i = 0;
  for (let x = 0; x < res; x++) {
    for (let y = 0; y < res; y++) {
      for (let z = 0; z < res; z++) {
        points[i++] = ((x + (next ? next() : 0.5)) / res) * 2 - 1;
        points[i++] = ((y + (next ? next() : 0.5)) / res) * 2 - 1;
        points[i++] = ((z + (next ? next() : 0.5)) / res) * 2 - 1;
      }
    }
  }
  return points;
}

/** 1 where the cell centre is within `margin` of the shape (inside when margin is 0), else 0. */
export function occupancy(shape: Shape, points: Float32Array, margin = 0): Uint8Array {
  const sdf = new Float32Array(points.length / 3);
  evaluateShape(shape, points, { sdf });
  return Uint8Array.from(sdf, (d) => (d < margin ? 1 : 0));
}

/** Intersection over union of two occupancy grids (1 when both are empty). */
export function iou(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    intersection += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return union === 0 ? 1 : intersection / union;
}
