/**
 * The preview's mesh view: an isosurface of the voxels' alpha by three.js's MarchingCubes, with
 * vertex colours from the voxels' rgb.
 *
 * MarchingCubes skips its outermost cells, so the volume sits in its field with a border of
 * PADDING empty samples: a surface that reaches the volume's side still closes there. Its field
 * spans [-1, 1] on each axis with sample n at n / half - 1 (half = size / 2); the mesh's scale and
 * position map that onto voxel centres min + (i + 0.5) * cell.
 */
import { type Material, Vector3 } from 'three';
import { MarchingCubes } from 'three/examples/jsm/objects/MarchingCubes.js';
import type { PreviewVolume } from './volume-format';

/** Empty samples around the volume in the marching-cubes field. */
export const PADDING = 2;

/** Triangles the mesh has room for at resolution R: enough for a surface crossing every cell of a few slices. */
export function maxTrianglesFor(resolution: number): number {
  return Math.min(600_000, Math.max(10_000, 24 * resolution * resolution));
}

/** A marching-cubes object sized and placed for `volume`; fill it with {@link updateIsosurface}. */
export function createIsosurfaceMesh(volume: PreviewVolume, material: Material): MarchingCubes {
  const size = volume.resolution + 2 * PADDING;
  const mesh = new MarchingCubes(size, material, false, true, maxTrianglesFor(volume.resolution));
  const half = size / 2;
  const [lo, hi] = volume.aabb;
  const cell = new Vector3(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]).divideScalar(volume.resolution);
  mesh.scale.copy(cell).multiplyScalar(half);
  mesh.position.set(lo[0], lo[1], lo[2]).addScaledVector(cell, half - PADDING + 0.5);
  // The geometry changes with the threshold; its bounds would go stale.
  mesh.frustumCulled = false;
  return mesh;
}

/**
 * Rebuilds the surface where the voxels' alpha crosses `threshold` (0..1), the inside being
 * alpha >= threshold. Returns the number of triangles.
 */
export function updateIsosurface(mesh: MarchingCubes, volume: PreviewVolume, threshold: number): number {
  const r = volume.resolution;
  const size = r + 2 * PADDING;
  if (mesh.resolution !== size) throw new RangeError(`mesh was made for resolution ${mesh.resolution - 2 * PADDING}, volume has ${r}`);
  mesh.reset();
  const { field, palette } = mesh;
  const voxels = volume.voxels;
  for (let z = 0, v = 0; z < r; z++) {
    for (let y = 0; y < r; y++) {
      let q = ((z + PADDING) * size + (y + PADDING)) * size + PADDING;
      for (let x = 0; x < r; x++, q++, v += 4) {
        field[q] = voxels[v + 3]! / 255;
        palette[3 * q] = SRGB_TO_LINEAR[voxels[v]!]!;
        palette[3 * q + 1] = SRGB_TO_LINEAR[voxels[v + 1]!]!;
        palette[3 * q + 2] = SRGB_TO_LINEAR[voxels[v + 2]!]!;
      }
    }
  }
  // Colours of the empty border: the nearest voxel's, so edge vertices do not fade to black.
  extendPaletteIntoBorder(palette, size);
  // A threshold of exactly 0 would make all of space inside; keep the surface meaningful.
  mesh.isolation = Math.min(Math.max(threshold, 0.5 / 255), 1);
  mesh.update();
  return mesh.count / 3;
}

/** Copies each border sample's colour from the nearest sample inside the volume. */
function extendPaletteIntoBorder(palette: Float32Array, size: number): void {
  const clamp = (n: number): number => Math.min(Math.max(n, PADDING), size - 1 - PADDING);
  for (let z = 0; z < size; z++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const cx = clamp(x);
        const cy = clamp(y);
        const cz = clamp(z);
        if (cx === x && cy === y && cz === z) continue;
        const from = 3 * ((cz * size + cy) * size + cx);
        const to = 3 * ((z * size + y) * size + x);
        palette[to] = palette[from]!;
        palette[to + 1] = palette[from + 1]!;
        palette[to + 2] = palette[from + 2]!;
      }
    }
  }
}

/** sRGB byte to linear, for vertex colours (three.js takes vertex colours as linear). */
const SRGB_TO_LINEAR = Float32Array.from({ length: 256 }, (_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
