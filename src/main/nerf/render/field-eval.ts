/**
 * Evaluating a FieldFunction over many points in bounded chunks, with progress and cancellation.
 * Each chunk gets a fresh points array, so a field may keep or transfer (postMessage) what it is given.
 */
import type { FieldFunction } from '../types';

/** Points per field call unless a caller says otherwise: 65536 points = 768 KiB of xyz. */
export const DEFAULT_CHUNK_POINTS = 65536;

/** Options shared by everything that evaluates a field in chunks. */
export interface ChunkOptions {
  /** Most points per field call. @default 65536 */
  chunkPoints?: number;
  /** Called after each chunk with points (or rays, for rendering) done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Checked before each chunk; an aborted render rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Field output for `count` points, checked: `RangeError` when the field returned too little. */
export async function callField(
  field: FieldFunction,
  points: Float32Array,
  count: number,
): Promise<{ density: Float32Array; rgb: Float32Array }> {
  const out = await field(points);
  if (!(out.density instanceof Float32Array) || !(out.rgb instanceof Float32Array)) {
    throw new TypeError('field must return Float32Array density and rgb');
  }
  if (out.density.length < count || out.rgb.length < count * 3) {
    throw new RangeError(
      `field returned density [${out.density.length}] and rgb [${out.rgb.length}] for ${count} points ` +
        `(expected [${count}] and [${count * 3}])`,
    );
  }
  return out;
}

/** Checks a chunk size option; returns the default when absent. */
export function chunkPointsOption(chunkPoints: number | undefined): number {
  const value = chunkPoints ?? DEFAULT_CHUNK_POINTS;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`chunkPoints must be a positive integer, got ${value}`);
  return value;
}

/**
 * Density [N] and rgb [N*3] of the field at `points` [N*3], evaluated in chunks.
 */
export async function evaluateField(
  field: FieldFunction,
  points: Float32Array,
  options: ChunkOptions = {},
): Promise<{ density: Float32Array; rgb: Float32Array }> {
  const chunk = chunkPointsOption(options.chunkPoints);
  const total = Math.floor(points.length / 3);
  const density = new Float32Array(total);
  const rgb = new Float32Array(total * 3);
  for (let start = 0; start < total; start += chunk) {
    options.signal?.throwIfAborted();
    const count = Math.min(chunk, total - start);
    const out = await callField(field, points.slice(start * 3, (start + count) * 3), count);
    density.set(out.density.subarray(0, count), start);
    rgb.set(out.rgb.subarray(0, count * 3), start * 3);
    options.onProgress?.(start + count, total);
  }
  return { density, rgb };
}
