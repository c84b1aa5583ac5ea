import { MeshBasicMaterial, Vector3 } from 'three';
import { describe, expect, it } from 'vitest';
import { bakeVolume } from '../../src/main/nerf/render/bake';
import { extractIsosurface } from '../../src/main/nerf/render/isosurface';
import type { Aabb } from '../../src/main/nerf/types';
import { createIsosurfaceMesh, updateIsosurface } from '../../src/renderer/components/preview/isosurface-mesh';
import type { PreviewVolume } from '../../src/renderer/components/preview/volume-format';
import { sdfField } from '../nerf/fixtures-render';

/** World positions of the mesh's drawn vertices. */
function worldVertices(mesh: ReturnType<typeof createIsosurfaceMesh>): Vector3[] {
  mesh.updateMatrixWorld();
  return Array.from({ length: mesh.count }, (_, i) =>
    new Vector3(mesh.positionArray[3 * i], mesh.positionArray[3 * i + 1], mesh.positionArray[3 * i + 2]).applyMatrix4(mesh.matrixWorld),
  );
}

/** Bounds of a set of points. */
function bounds(points: Iterable<Vector3>): [Vector3, Vector3] {
  const lo = new Vector3(Infinity, Infinity, Infinity);
  const hi = new Vector3(-Infinity, -Infinity, -Infinity);
  for (const p of points) {
    lo.min(p);
    hi.max(p);
  }
  return [lo, hi];
}

/** The main side's marching tetrahedra on the same samples (voxel centres, alpha in 0..1). */
function mainSideBounds(volume: PreviewVolume, threshold: number): [Vector3, Vector3] {
  const r = volume.resolution;
  const [lo, hi] = volume.aabb;
  const spacing = [0, 1, 2].map((a) => (hi[a]! - lo[a]!) / r) as [number, number, number];
  const values = new Float32Array(r ** 3);
  for (let i = 0; i < values.length; i++) values[i] = volume.voxels[4 * i + 3]! / 255;
  const mesh = extractIsosurface(
    { size: [r, r, r], origin: [lo[0] + spacing[0] / 2, lo[1] + spacing[1] / 2, lo[2] + spacing[2] / 2], spacing, values },
    threshold,
  );
  return bounds(Array.from({ length: mesh.positions.length / 3 }, (_, i) => new Vector3().fromArray(mesh.positions, 3 * i)));
}

describe('isosurface mesh', () => {
  it('puts a sphere where it is, in a box that is not a cube, with the colour of the voxels', async () => {
    const aabb: Aabb = [
      [-1, -0.5, -2],
      [1, 1.5, 1],
    ];
    const centre: [number, number, number] = [0.1, 0.4, -0.3];
    const field = sdfField([{ kind: 'sphere', centre, radius: 0.6, colour: [0.9, 0.2, 0.1] }], { shaded: false });
    const volume = await bakeVolume(field, aabb, { resolution: 24 });
    const mesh = createIsosurfaceMesh(volume, new MeshBasicMaterial());
    const triangles = updateIsosurface(mesh, volume, 0.5);
    expect(triangles).toBeGreaterThan(200);
    const cell = 3 / 24;
    for (const p of worldVertices(mesh)) {
      expect(Math.abs(p.distanceTo(new Vector3(...centre)) - 0.6)).toBeLessThan(cell / 2);
    }
    const [lo, hi] = bounds(worldVertices(mesh));
    const [mainLo, mainHi] = mainSideBounds(volume, 0.5);
    expect(lo.distanceTo(mainLo)).toBeLessThan(cell / 4);
    expect(hi.distanceTo(mainHi)).toBeLessThan(cell / 4);
    // Vertex colours: the sphere's red, linearised (0.9 in sRGB is about 0.79 linear).
    expect(mesh.colorArray[0]).toBeCloseTo(0.787, 1);
    expect(mesh.colorArray[2]).toBeLessThan(0.05);
  });

  it('closes a surface that reaches the side of the volume', async () => {
    const aabb: Aabb = [
      [-1, -1, -1],
      [1, 1, 1],
    ];
    // A slab through the whole box along x and z.
    const field = sdfField([{ kind: 'box', centre: [0, 0, 0], half: [2, 0.3, 2], colour: [0.2, 0.6, 0.9] }], { shaded: false });
    const volume = await bakeVolume(field, aabb, { resolution: 16 });
    const mesh = createIsosurfaceMesh(volume, new MeshBasicMaterial());
    updateIsosurface(mesh, volume, 0.5);
    const [lo, hi] = bounds(worldVertices(mesh));
    // The caps lie half a cell beyond the outermost voxel centres.
    expect(lo.x).toBeLessThan(-1 + 1 / 8 + 1e-6);
    expect(hi.x).toBeGreaterThan(1 - 1 / 8 - 1e-6);
    // Within a cell (1/8) of the slab's faces; the samples are a cell apart.
    expect(Math.abs(lo.y + 0.3)).toBeLessThan(1 / 8);
    expect(Math.abs(hi.y - 0.3)).toBeLessThan(1 / 8);
  });

  it('gets smaller as the threshold rises, and is empty above every voxel', async () => {
    const aabb: Aabb = [
      [-1, -1, -1],
      [1, 1, 1],
    ];
    const field = sdfField([{ kind: 'sphere', centre: [0, 0, 0], radius: 0.6, colour: [1, 1, 1] }], { peak: 20, sharpness: 0.1 });
    const volume = await bakeVolume(field, aabb, { resolution: 16 });
    const mesh = createIsosurfaceMesh(volume, new MeshBasicMaterial());
    const radiusAt = (threshold: number): number => {
      updateIsosurface(mesh, volume, threshold);
      return Math.max(...worldVertices(mesh).map((p) => p.length()));
    };
    expect(radiusAt(0.1)).toBeGreaterThan(radiusAt(0.4));
    let maxAlpha = 0;
    for (let i = 3; i < volume.voxels.length; i += 4) maxAlpha = Math.max(maxAlpha, volume.voxels[i]!);
    expect(updateIsosurface(mesh, volume, (maxAlpha + 1) / 255)).toBe(0);
    expect(() => updateIsosurface(mesh, { ...volume, resolution: 8, voxels: new Uint8Array(8 ** 3 * 4) }, 0.5)).toThrow(RangeError);
  });
});
