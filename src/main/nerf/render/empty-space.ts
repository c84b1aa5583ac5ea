/**
 * Empty-space skipping from a baked volume: the voxels whose alpha byte is non-zero, grown by one
 * voxel on every side, mark where a field may hold density; a render evaluates the field only at
 * samples inside marked voxels and treats the rest as empty. The bake samples the field at voxel
 * centres, so density confined between centres (thinner than a voxel and missed by all eight
 * around it) is skipped too, as the 3D preview already misses it.
 */
import type { Aabb, FieldFunction } from '../types';
import type { BakedVolume } from './bake';

/** Which voxels of a baked volume may hold density: [R^3], x fastest, as the bake orders them. */
export interface OccupancyGrid {
  readonly resolution: number;
  readonly aabb: Aabb;
  readonly occupied: Uint8Array;
  /** Fraction of voxels marked. */
  readonly fraction: number;
}

/** The voxels of `volume` with a non-zero alpha byte, dilated by `margin` voxels (Chebyshev). @default margin 1 */
export function occupancyOf(volume: BakedVolume, margin = 1): OccupancyGrid {
  if (!Number.isInteger(margin) || margin < 0) throw new RangeError(`occupancyOf: margin must be a non-negative integer, got ${margin}`);
  const R = volume.resolution;
  const seeds = new Uint8Array(R * R * R);
  for (let i = 0; i < seeds.length; i++) seeds[i] = volume.voxels[4 * i + 3]! > 0 ? 1 : 0;
  // A separable dilation: along x, then y, then z.
  let grid = seeds;
  for (const stride of [1, R, R * R]) {
    const next = new Uint8Array(grid.length);
    for (let i = 0; i < grid.length; i++) {
      if (!grid[i]) continue;
      const coordinate = Math.floor(i / stride) % R;
      for (let d = -margin; d <= margin; d++) {
        const c = coordinate + d;
        if (c >= 0 && c < R) next[i + d * stride] = 1;
      }
    }
    grid = next;
  }
  let marked = 0;
  for (const v of grid) marked += v;
  return { resolution: R, aabb: volume.aabb, occupied: grid, fraction: marked / grid.length };
}

/**
 * `field` evaluated only at points inside occupied voxels of `grid`; elsewhere density 0 and
 * colour 0. Points outside the grid's box are evaluated as they are.
 */
export function skipEmptySpace(field: FieldFunction, grid: OccupancyGrid): FieldFunction {
  const R = grid.resolution;
  const [lo, hi] = grid.aabb;
  const scale = [0, 1, 2].map((a) => R / (hi[a]! - lo[a]!));
  return async (points) => {
    const n = Math.floor(points.length / 3);
    const keep: number[] = [];
    for (let i = 0; i < n; i++) {
      let index = 0;
      let inside = true;
      for (let a = 2; a >= 0; a--) {
        const c = Math.floor((points[3 * i + a]! - lo[a]!) * scale[a]!);
        if (c < 0 || c >= R) {
          inside = false;
          break;
        }
        index = index * R + c;
      }
      if (!inside || grid.occupied[index]) keep.push(i);
    }
    const density = new Float32Array(n);
    const rgb = new Float32Array(n * 3);
    if (keep.length === 0) return { density, rgb };
    if (keep.length === n) return field(points);
    const subset = new Float32Array(keep.length * 3);
    keep.forEach((i, j) => subset.set(points.subarray(3 * i, 3 * i + 3), 3 * j));
    const out = await field(subset);
    keep.forEach((i, j) => {
      density[i] = out.density[j]!;
      rgb.set(out.rgb.subarray(3 * j, 3 * j + 3), 3 * i);
    });
    return { density, rgb };
  };
}
