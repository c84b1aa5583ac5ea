/**
 * instant-ngp's occupancy ("density") grid, as a snapshot stores it: "density_grid_binary" holds
 * float16 values, NERF_GRIDSIZE()^3 = 128^3 cells per cascade, cascade after cascade, each cascade
 * in Morton order (cell (x, y, z) at morton3D(x, y, z): bit i of x, y, z at bits 3i, 3i + 1,
 * 3i + 2). Cascade c covers the world box 0.5 +- 2^(c - 1) on every axis, so cascade 0 is the unit
 * cube [0, 1]^3 (nerf_device.cuh cascaded_grid_idx_at, grid_mip_offset).
 *
 * A value is an exponential moving average of the optical thickness of the smallest ray-marching
 * step (density x sqrt(3) / 1024) at samples in the cell; -1 marks cells no training camera saw.
 */
import type { Aabb } from '../types';

/** instant-ngp's NERF_GRIDSIZE(). */
export const INSTANT_NGP_GRID_SIZE = 128;
/** instant-ngp's MIN_CONE_STEPSIZE(): density = value / this. */
export const INSTANT_NGP_MIN_STEP = Math.fround(1.73205080757 / 1024);

/** Cascade 0 of instant-ngp's density grid, for previews. */
export interface InstantNgpDensityGrid {
  /** Cells per axis: 128. */
  readonly resolution: number;
  /** World box the grid covers: cascade 0 is always [0, 1]^3. */
  readonly aabb: Aabb;
  /** Cascades in the file (only cascade 0 is decoded). */
  readonly cascades: number;
  /**
   * [resolution^3] optical thickness per cell, x fastest: cell (x, y, z) at
   * x + R y + R^2 z covers [x, x + 1) / R along x (and so on); negative = never observed.
   */
  readonly values: Float32Array;
}

/** Spreads the 7 bits of v to every third bit (tcnn's expand_bits). */
function spread(v: number): number {
  let out = 0;
  for (let bit = 0; bit < 7; bit++) out |= ((v >> bit) & 1) << (3 * bit);
  return out;
}

/**
 * Decodes cascade 0 of `grid` (float16 bytes, little-endian). `half` turns float16 bits into
 * numbers. Throws RangeError when the size is not whole cascades.
 */
export function decodeDensityGrid(grid: Uint8Array, half: (bits: number) => number): InstantNgpDensityGrid | undefined {
  const R = INSTANT_NGP_GRID_SIZE;
  const cells = R * R * R;
  if (grid.length === 0) return undefined;
  if (grid.length % (2 * cells) !== 0) throw new RangeError(`density_grid_binary holds ${grid.length} bytes, not a whole number of ${R}^3 float16 cascades (${2 * cells} bytes each)`);
  const view = new DataView(grid.buffer, grid.byteOffset, grid.byteLength);
  const spreadTable = Int32Array.from({ length: R }, (_, i) => spread(i));
  const values = new Float32Array(cells);
  for (let z = 0; z < R; z++) {
    for (let y = 0; y < R; y++) {
      const yz = (spreadTable[y]! << 1) | (spreadTable[z]! << 2);
      const row = (z * R + y) * R;
      for (let x = 0; x < R; x++) values[row + x] = half(view.getUint16(2 * (spreadTable[x]! | yz), true));
    }
  }
  return { resolution: R, aabb: [[0, 0, 0], [1, 1, 1]], cascades: grid.length / (2 * cells), values };
}
