/**
 * instant-ngp's density grid applied to a field for thumbnails and previews. instant-ngp marches
 * rays only through cells its occupancy bitfield marks, and a cell is marked when its grid value
 * exceeds min(NERF_MIN_OPTICAL_THICKNESS = 0.01, the mean of max(value, 0) over cascade 0)
 * (testbed_nerf.cu: grid_to_bitfield). Density the network holds elsewhere (floaters in space no
 * camera constrained) never shows in instant-ngp, so it must not show in nerfdex's renditions
 * either. Only cascade 0 (the unit cube) is decoded; points outside it are left as they are.
 */
import type { InstantNgpDensityGrid } from '../../nerf/formats/instant-ngp-density-grid';
import type { FieldFunction } from '../../nerf/types';

/** instant-ngp's NERF_MIN_OPTICAL_THICKNESS(). */
export const INSTANT_NGP_MIN_OPTICAL_THICKNESS = 0.01;

/** The value above which a cell of `grid` is occupied, as instant-ngp computes it. */
export function occupancyThreshold(grid: InstantNgpDensityGrid): number {
  let sum = 0;
  for (const v of grid.values) sum += Math.max(v, 0);
  return Math.min(INSTANT_NGP_MIN_OPTICAL_THICKNESS, sum / grid.values.length);
}

/** Whether each cell of `grid` is occupied: [resolution^3], x fastest. */
export function occupancy(grid: InstantNgpDensityGrid): Uint8Array {
  const threshold = occupancyThreshold(grid);
  return Uint8Array.from(grid.values, (v) => (v > threshold ? 1 : 0));
}

/** `field` with zero density at points in unoccupied cells of `grid` (colour unchanged). */
export function maskByOccupancy(field: FieldFunction, grid: InstantNgpDensityGrid): FieldFunction {
  const occupied = occupancy(grid);
  const R = grid.resolution;
  const [lo, hi] = grid.aabb;
  const cellOf = (p: number, axis: number): number => Math.floor(((p - lo[axis]!) / (hi[axis]! - lo[axis]!)) * R);
  return async (points) => {
    const out = await field(points);
    const density = out.density.slice();
    for (let i = 0; i < density.length; i++) {
      const x = cellOf(points[3 * i]!, 0);
      const y = cellOf(points[3 * i + 1]!, 1);
      const z = cellOf(points[3 * i + 2]!, 2);
      if (x < 0 || y < 0 || z < 0 || x >= R || y >= R || z >= R) continue;
      if (!occupied[x + R * (y + R * z)]) density[i] = 0;
    }
    return { density, rgb: out.rgb };
  };
}
