/**
 * The functional baseline's descriptor of a NeRF: what its field says about where matter is, with
 * no colour and nothing of its weights, so the evaluation can show how far the weight-space encoder
 * is from what the function alone gives.
 *
 * The descriptor is log1p(density) at the centres of a 16 x 16 x 16 grid of cells over the NeRF's
 * aabb, x fastest, then y, then z (the voxel order of render/bake.ts): 4,096 numbers. log1p keeps
 * empty space at exactly 0 and tames truncExp densities (up to e^15) so a few dense cells do not
 * dominate cosine similarities.
 */
import type { ProviderChoice } from '../../../shared/compute';
import type { SessionCache } from '../../compute/session';
import { nerfField } from '../../nerf/field-runtime';
import type { Aabb, FieldFunction, Nerf } from '../../nerf/types';

/** Cells along each axis of the descriptor's grid. */
export const DESCRIPTOR_RESOLUTION = 16;

/** Values in a descriptor: DESCRIPTOR_RESOLUTION^3. */
export const DESCRIPTOR_LENGTH = DESCRIPTOR_RESOLUTION ** 3;

/**
 * Cell centres of a `resolution`^3 grid over `aabb`, flattened [x, y, z, x, y, z, ...], x fastest:
 * centre (i, j, k) is min + (i + 0.5, j + 0.5, k + 0.5) * (max - min) / resolution.
 * @param resolution cells per axis. @default DESCRIPTOR_RESOLUTION
 */
export function gridCentres(aabb: Aabb, resolution = DESCRIPTOR_RESOLUTION): Float32Array {
  if (!Number.isInteger(resolution) || resolution < 1) throw new RangeError(`gridCentres: resolution must be an integer >= 1, got ${resolution}`);
  const [lo, hi] = aabb;
  const cell = [0, 1, 2].map((a) => (hi[a]! - lo[a]!) / resolution);
  if (!cell.every((c) => c > 0 && Number.isFinite(c))) throw new RangeError(`gridCentres: the aabb must have positive finite extent, got ${JSON.stringify(aabb)}`);
  const points = new Float32Array(3 * resolution ** 3);
  let i = 0;
  for (let z = 0; z < resolution; z++) {
    for (let y = 0; y < resolution; y++) {
      for (let x = 0; x < resolution; x++) {
        points[i++] = lo[0] + (x + 0.5) * cell[0]!;
        points[i++] = lo[1] + (y + 0.5) * cell[1]!;
        points[i++] = lo[2] + (z + 0.5) * cell[2]!;
      }
    }
  }
  return points;
}

/**
 * log1p(density) of `field` at the grid's cell centres (one field call). A density that is not a
 * finite number >= 0 is a broken field, so it throws a RangeError quoting the value and the point.
 * @param resolution cells per axis. @default DESCRIPTOR_RESOLUTION
 */
export async function densityDescriptor(field: FieldFunction, aabb: Aabb, resolution = DESCRIPTOR_RESOLUTION): Promise<Float32Array> {
  const points = gridCentres(aabb, resolution);
  const count = points.length / 3;
  const { density } = await field(points);
  if (density.length !== count) throw new RangeError(`densityDescriptor: the field returned ${density.length} densities for ${count} points`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const d = density[i]!;
    if (!(d >= 0 && Number.isFinite(d))) {
      throw new RangeError(`densityDescriptor: density ${d} at point (${points[3 * i]}, ${points[3 * i + 1]}, ${points[3 * i + 2]}) is not a finite number >= 0`);
    }
    out[i] = Math.log1p(d);
  }
  return out;
}

/** The descriptor of `nerf` over its own aabb, evaluated through ONNX Runtime (field-runtime.ts). */
export function nerfDensityDescriptor(nerf: Nerf, sessions: SessionCache, provider: ProviderChoice, resolution = DESCRIPTOR_RESOLUTION): Promise<Float32Array> {
  return densityDescriptor(nerfField(nerf, sessions, provider), nerf.config.aabb, resolution);
}
