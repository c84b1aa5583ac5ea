/**
 * The worker job that lays out the latent map: exact t-SNE of the library's embeddings, which is
 * O(n^2) per iteration and so seconds for a few thousand assets, off the main thread.
 */

import type { JobContext } from '../compute/jobs';
import { tsne } from '../gmn/eval/tsne';

export interface MapLayoutInput {
  /** `count` rows of `dims` floats, row after row. */
  readonly rows: Float32Array;
  readonly count: number;
  readonly dims: number;
  /** @default 0 */
  readonly seed?: number;
}

export interface MapLayoutOutput {
  /** Point i at (points[2i], points[2i+1]). */
  readonly points: Float64Array;
}

/** Gradient steps: the usual 1,000 for small libraries, fewer where each step costs n^2. */
export function mapLayoutIterations(count: number): number {
  return count <= 1000 ? 1000 : 500;
}

export async function mapLayoutJob(input: MapLayoutInput, ctx: JobContext): Promise<MapLayoutOutput> {
  const { rows, count, dims } = input;
  if (rows.length !== count * dims) throw new RangeError(`map layout: ${rows.length} floats are not ${count} rows of ${dims}`);
  ctx.throwIfCancelled();
  const list = Array.from({ length: count }, (_, i) => rows.subarray(i * dims, (i + 1) * dims));
  const { points } = tsne(list, { iterations: mapLayoutIterations(count), seed: input.seed ?? 0 });
  ctx.progress({ done: 1, total: 1 });
  return { points };
}
