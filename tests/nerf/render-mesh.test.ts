import { NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { type ScalarGrid, type TriangleMesh, extractIsosurface, surfaceArea } from '../../src/main/nerf/render/isosurface';
import { exportMeshGlb, extractMesh, meshToGlb, sampleDensityGrid } from '../../src/main/nerf/render/mesh';
import type { FieldFunction } from '../../src/main/nerf/types';
import { UNIT_AABB, constantField, sceneField, sphereField } from './fixtures-render';

/** Samples of f on an n^3 lattice spanning [-1, 1]^3. */
function lattice(n: number, f: (x: number, y: number, z: number) => number): ScalarGrid {
  const h = 2 / (n - 1);
  const values = new Float32Array(n ** 3);
  for (let k = 0, i = 0; k < n; k++) for (let j = 0; j < n; j++) for (let x = 0; x < n; x++, i++) values[i] = f(-1 + x * h, -1 + j * h, -1 + k * h);
  return { size: [n, n, n], origin: [-1, -1, -1], spacing: [h, h, h], values };
}

/** Closed and consistently wound: every directed edge once, its reverse once. Returns V - E + F. */
function checkClosed(mesh: TriangleMesh): number {
  const vertices = mesh.positions.length / 3;
  const directed = new Set<number>();
  let repeated = 0;
  const { indices } = mesh;
  for (let f = 0; f < indices.length; f += 3) {
    for (let e = 0; e < 3; e++) {
      const key = indices[f + e]! * vertices + indices[f + ((e + 1) % 3)]!;
      if (directed.has(key)) repeated++;
      directed.add(key);
    }
  }
  let unpaired = 0;
  for (const key of directed) {
    const a = Math.floor(key / vertices);
    if (!directed.has((key - a * vertices) * vertices + a)) unpaired++;
  }
  expect({ repeated, unpaired }).toEqual({ repeated: 0, unpaired: 0 });
  return vertices - directed.size / 2 + indices.length / 3;
}

function worstRadiusError(positions: Float32Array, r: number): number {
  let worst = 0;
  for (let v = 0; v < positions.length; v += 3) worst = Math.max(worst, Math.abs(Math.hypot(positions[v]!, positions[v + 1]!, positions[v + 2]!) - r));
  return worst;
}

describe('extractIsosurface (marching tetrahedra)', () => {
  const r = 0.62;
  const n = 41;
  const voxel = 2 / (n - 1);
  const mesh = extractIsosurface(lattice(n, (x, y, z) => r - Math.hypot(x, y, z)), 0);

  it('puts every vertex within a voxel of the sphere', () => {
    expect(mesh.indices.length).toBeGreaterThan(1000);
    expect(worstRadiusError(mesh.positions, r)).toBeLessThan(voxel);
  });

  it('has the area of the sphere to within 5 %', () => {
    const area = surfaceArea(mesh.positions, mesh.indices);
    expect(Math.abs(area / (4 * Math.PI * r * r) - 1)).toBeLessThan(0.05);
  });

  it('is closed, consistently wound, a sphere topologically, with outward normals', () => {
    expect(checkClosed(mesh)).toBe(2);
    let worstLength = 0;
    let worstCosine = 1;
    for (let v = 0; v < mesh.positions.length; v += 3) {
      const p = [mesh.positions[v]!, mesh.positions[v + 1]!, mesh.positions[v + 2]!] as const;
      const normal = [mesh.normals[v]!, mesh.normals[v + 1]!, mesh.normals[v + 2]!] as const;
      worstLength = Math.max(worstLength, Math.abs(Math.hypot(...normal) - 1));
      worstCosine = Math.min(worstCosine, (p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2]) / Math.hypot(...p));
    }
    expect(worstLength).toBeLessThan(1e-5);
    expect(worstCosine).toBeGreaterThan(0.9);
  });

  it('gives a torus genus 1 (V - E + F = 0) and nothing for a grid entirely outside', () => {
    const torus = extractIsosurface(lattice(48, (x, y, z) => 0.25 - Math.hypot(Math.hypot(x, z) - 0.55, y)), 0);
    expect(checkClosed(torus)).toBe(0);
    const empty = extractIsosurface(lattice(8, () => -1), 0);
    expect([empty.positions.length, empty.indices.length]).toEqual([0, 0]);
  });

  it('rejects a grid whose values do not match its size', () => {
    expect(() => extractIsosurface({ size: [2, 2, 2], origin: [0, 0, 0], spacing: [1, 1, 1], values: new Float32Array(7) }, 0)).toThrow(/needs 8 values, got 7/);
  });
});

describe('extractMesh', () => {
  it('meshes the sphere field: near the surface, right area, closed, with its colour', async () => {
    const r = 0.6;
    const mesh = await extractMesh(sphereField(r, { shaded: false }), UNIT_AABB, { resolution: 48 });
    const voxel = 2 / 47;
    expect(worstRadiusError(mesh.positions, r)).toBeLessThan(voxel);
    expect(Math.abs(surfaceArea(mesh.positions, mesh.indices) / (4 * Math.PI * r * r) - 1)).toBeLessThan(0.05);
    // Without refinement, linear interpolation across the sharp shell inflates the area.
    const coarse = await extractMesh(sphereField(r, { shaded: false }), UNIT_AABB, { resolution: 48, refineSteps: 0 });
    expect(surfaceArea(coarse.positions, coarse.indices) / (4 * Math.PI * r * r) - 1).toBeGreaterThan(0.08);
    expect(coarse.indices).toEqual(mesh.indices);
    expect(checkClosed(mesh)).toBe(2);
    expect(mesh.colors.length).toBe(mesh.positions.length);
    expect(Array.from(mesh.colors.subarray(0, 3)).map((c) => c.toFixed(3))).toEqual(['0.900', '0.300', '0.200']);
  });

  it('closes objects where they meet the box, and meshes separate objects separately', async () => {
    const full = await extractMesh(constantField(50, [1, 1, 1]), UNIT_AABB, { resolution: 12 });
    expect(checkClosed(full)).toBe(2);
    const scene = await extractMesh(sceneField(), UNIT_AABB, { resolution: 64 });
    expect(checkClosed(scene)).toBe(6); // three separate closed shapes
  });

  it('pads the lattice with empty space one spacing outside the box', async () => {
    const grid = await sampleDensityGrid(constantField(5, [0, 0, 0]), UNIT_AABB, 5);
    expect(grid.size).toEqual([7, 7, 7]);
    expect(grid.origin).toEqual([-1.5, -1.5, -1.5]);
    expect(grid.values[0]).toBe(0);
    expect(grid.values[(1 * 7 + 1) * 7 + 1]).toBe(5);
  });

  it('reports progress by stage and stops when aborted', async () => {
    const progress: [number, number][] = [];
    await extractMesh(sphereField(), UNIT_AABB, { resolution: 12, onProgress: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual(Array.from({ length: 8 }, (_, i) => [i + 1, 8]));
    const controller = new AbortController();
    const stopped = extractMesh(sphereField(), UNIT_AABB, { resolution: 12, signal: controller.signal, onProgress: () => controller.abort(new Error('closed')) });
    await expect(stopped).rejects.toThrow('closed');
  });

  it('rejects a threshold that is not a positive density', async () => {
    await expect(extractMesh(sphereField(), UNIT_AABB, { resolution: 8, threshold: 0 })).rejects.toThrow(/positive density/);
  });
});

describe('exportMeshGlb', () => {
  it('writes a GLB that @gltf-transform reads back with POSITION, NORMAL, COLOR_0 and indices', async () => {
    const options = { resolution: 32 };
    const mesh = await extractMesh(sceneField(), UNIT_AABB, options);
    const glb = await exportMeshGlb(sceneField(), UNIT_AABB, options);
    expect(new TextDecoder().decode(glb.subarray(0, 4))).toBe('glTF');
    const doc = await new NodeIO().readBinary(glb);
    const meshes = doc.getRoot().listMeshes();
    expect(meshes.length).toBe(1);
    const primitive = meshes[0]!.listPrimitives()[0]!;
    const vertices = mesh.positions.length / 3;
    expect(primitive.getAttribute('POSITION')!.getCount()).toBe(vertices);
    expect(primitive.getAttribute('NORMAL')!.getCount()).toBe(vertices);
    const color = primitive.getAttribute('COLOR_0')!;
    expect([color.getCount(), color.getType()]).toEqual([vertices, 'VEC3']);
    expect(primitive.getIndices()!.getCount()).toBe(mesh.indices.length);
    expect(Array.from(primitive.getIndices()!.getArray()!)).toEqual(Array.from(mesh.indices));
    expect(primitive.getAttribute('POSITION')!.getArray()).toEqual(mesh.positions);
    // Colours are stored linear: sRGB 0.9 -> about 0.79.
    expect(Math.max(...(color.getArray() as Float32Array))).toBeLessThan(0.95);
    expect(doc.getRoot().getDefaultScene()!.listChildren().length).toBe(1);
  });

  it('writes an empty scene for a field with no surface', async () => {
    const empty: FieldFunction = async (points) => ({ density: new Float32Array(points.length / 3), rgb: new Float32Array(points.length) });
    const doc = await new NodeIO().readBinary(await exportMeshGlb(empty, UNIT_AABB, { resolution: 8 }));
    expect(doc.getRoot().listMeshes().length).toBe(0);
    expect(doc.getRoot().getDefaultScene()).not.toBeNull();
  });

  it('uses 32-bit indices when 16 bits cannot address the vertices', async () => {
    const many = { positions: new Float32Array(70000 * 3), normals: new Float32Array(70000 * 3), colors: new Float32Array(70000 * 3), indices: Uint32Array.from([0, 1, 69999]) };
    const doc = await new NodeIO().readBinary(await meshToGlb(many));
    expect(doc.getRoot().listMeshes()[0]!.listPrimitives()[0]!.getIndices()!.getArray()).toBeInstanceOf(Uint32Array);
  });
});
