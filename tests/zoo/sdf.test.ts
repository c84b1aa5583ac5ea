import { describe, expect, it } from 'vitest';
import { box, capsule, cone, cylinder, ellipsoid, mirrorX, prism, sphere, torus } from '../../src/main/zoo/build';
import {
  type Part,
  type Shape,
  evaluateShape,
  euler,
  makePart,
  multiply,
  normalizeShape,
  rotationX,
  rotationY,
  rotationZ,
  scaleShape,
  shapeBounds,
} from '../../src/main/zoo/sdf';

function sdfAt(shape: Shape, ...points: [number, number, number][]): number[] {
  const out = { sdf: new Float32Array(points.length) };
  evaluateShape(shape, Float32Array.from(points.flat()), out);
  return [...out.sdf];
}

const one = (part: Part): Shape => ({ parts: [part] });

describe('primitives', () => {
  it('sphere, box and round box distances are exact', () => {
    expect(sdfAt(one(sphere('s', 'red', [1, 0, 0], 0.5)), [1, 0, 0], [2, 0, 0], [1, 0.25, 0])).toEqual([-0.5, 0.5, -0.25]);
    const b = one(box('b', 'red', [0, 0, 0], [1, 2, 3]));
    const [inside, face, corner] = sdfAt(b, [0, 0, 0], [0, 3, 0], [2, 3, 3]);
    expect(inside).toBeCloseTo(-1);
    expect(face).toBeCloseTo(1);
    expect(corner).toBeCloseTo(Math.SQRT2);
    const rounded = one(makePart('r', { kind: 'roundBox', halfSize: [1, 1, 1], radius: 0.5 }, 'red'));
    expect(sdfAt(rounded, [2, 2, 0])[0]).toBeCloseTo(Math.SQRT2 * 1.5 - 0.5, 5);
    expect(sdfAt(rounded, [2, 0, 0])[0]).toBeCloseTo(1, 5);
  });

  it('cylinders and cones run along their axis', () => {
    for (const axis of ['x', 'y', 'z'] as const) {
      const c = one(cylinder('c', 'red', [0, 0, 0], axis, 0.5, 1));
      const along: [number, number, number] = [axis === 'x' ? 1.5 : 0, axis === 'y' ? 1.5 : 0, axis === 'z' ? 1.5 : 0];
      const across: [number, number, number] = [axis === 'x' ? 0 : 1, axis === 'x' ? 1 : 0, 0];
      const [a, b] = sdfAt(c, along, across);
      expect(a).toBeCloseTo(0.5);
      expect(b).toBeCloseTo(0.5);
    }
    const frustum = one(cone('f', 'red', [0, 0, 0], 'y', 1, 0.5, 1));
    const [bottomRim, topRim, middle] = sdfAt(frustum, [1, -1, 0], [0.5, 1, 0], [0.75, 0, 0]);
    expect(bottomRim).toBeCloseTo(0, 5);
    expect(topRim).toBeCloseTo(0, 5);
    expect(middle).toBeCloseTo(0, 5);
    expect(sdfAt(frustum, [0, 2, 0])[0]).toBeCloseTo(1, 5);
  });

  it('capsules, tapered capsules, tori and ellipsoids', () => {
    const c = one(capsule('c', 'red', [0, 0, 0], [0, 2, 0], 0.5));
    expect(sdfAt(c, [1, 1, 0], [0, 3, 0])).toEqual([0.5, 0.5]);
    const tapered = one(capsule('t', 'red', [0, 0, 0], [0, 2, 0], 0.5, 0.25));
    const [bottom, top] = sdfAt(tapered, [0, -1, 0], [0, 3, 0]);
    expect(bottom).toBeCloseTo(0.5, 5);
    expect(top).toBeCloseTo(0.75, 5);
    const ring = one(torus('t', 'red', [0, 0, 0], 'y', 1, 0.25));
    expect(sdfAt(ring, [1, 0, 0], [0, 0, 0], [0, 0, 2])).toEqual([-0.25, 0.75, 0.75]);
    const e = one(ellipsoid('e', 'red', [0, 0, 0], [1, 2, 3]));
    const [x, y, z, centre] = sdfAt(e, [1, 0, 0], [0, 2.5, 0], [0, 0, 2], [0, 0, 0]);
    expect(x).toBeCloseTo(0, 5);
    expect(y).toBeGreaterThan(0);
    expect(z).toBeLessThan(0);
    expect(centre).toBeLessThan(0);
  });

  it('a square prism matches the box it extrudes', () => {
    const square = one(prism('p', 'red', [0, 0, 0], 'y', [-1, -1, 1, -1, 1, 1, -1, 1], 0.5));
    const cube = one(box('b', 'red', [0, 0, 0], [1, 0.5, 1]));
    const probes: [number, number, number][] = [[0, 0, 0], [2, 0, 0], [0.5, 1, 0.2], [3, 2, -4], [0.9, 0.4, -0.9]];
    const a = sdfAt(square, ...probes);
    const b = sdfAt(cube, ...probes);
    a.forEach((value, i) => expect(value).toBeCloseTo(b[i]!, 5));
  });
});

describe('transforms', () => {
  it('rotations are right-handed and compose', () => {
    const apply = (m: readonly number[], v: [number, number, number]): number[] => [0, 1, 2].map((r) => m[3 * r]! * v[0] + m[3 * r + 1]! * v[1] + m[3 * r + 2]! * v[2]);
    const close = (a: number[], b: number[]): void => a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 9));
    close(apply(rotationZ(Math.PI / 2), [1, 0, 0]), [0, 1, 0]);
    close(apply(rotationX(Math.PI / 2), [0, 1, 0]), [0, 0, 1]);
    close(apply(rotationY(Math.PI / 2), [0, 0, 1]), [1, 0, 0]);
    close([...euler(0.3, 0.2, 0.1)], [...multiply(rotationZ(0.1), multiply(rotationY(0.2), rotationX(0.3)))]);
  });

  it('a rotated part turns with its rotation', () => {
    const stick = one(box('b', 'red', [0, 1, 0], [0.1, 1, 0.1], rotationZ(Math.PI / 2)));
    expect(sdfAt(stick, [0, 1, 0])[0]).toBeCloseTo(-0.1);
    expect(sdfAt(stick, [0.9, 1, 0])[0]).toBeCloseTo(-0.1);
    expect(sdfAt(stick, [0, 1.9, 0])[0]).toBeCloseTo(0.8);
  });

  it('clips cut a part to a local box', () => {
    const dome = one(makePart('d', { kind: 'sphere', radius: 1 }, 'red', [0, 0, 0], undefined, { min: [-Infinity, 0, -Infinity] }));
    const [below, above, inside] = sdfAt(dome, [0, -0.5, 0], [0, 1.5, 0], [0, 0.5, 0]);
    expect(below).toBeCloseTo(0.5);
    expect(above).toBeCloseTo(0.5);
    expect(inside).toBeCloseTo(-0.5);
  });

  it('scaling scales distances exactly and normalising fits the box', () => {
    const shape: Shape = { parts: [sphere('a', 'red', [1, 0, 0], 1), box('b', 'blue', [-2, 1, 0], [1, 1, 3], rotationY(0.4))] };
    const probes: [number, number, number][] = [[0, 0, 0], [3, 1, 2], [-2, 0.5, 0]];
    const scaled = scaleShape(shape, 0.5, [0.1, 0.2, 0.3]);
    const before = sdfAt(shape, ...probes);
    const after = sdfAt(scaled, ...probes.map(([x, y, z]) => [x * 0.5 + 0.1, y * 0.5 + 0.2, z * 0.5 + 0.3] as [number, number, number]));
    before.forEach((d, i) => expect(after[i]).toBeCloseTo(d * 0.5, 5));
    const bounds = shapeBounds(normalizeShape(shape));
    expect(Math.max(...bounds.max.map((x, k) => Math.max(x, -bounds.min[k]!)))).toBeCloseTo(0.85, 9);
    for (let k = 0; k < 3; k++) expect(bounds.max[k]! + bounds.min[k]!).toBeCloseTo(0, 9);
  });
});

describe('evaluateShape', () => {
  it('takes the minimum distance and the nearest part colour', () => {
    const shape: Shape = { parts: [sphere('a', 'red', [-1, 0, 0], 0.5), sphere('b', 'blue', [1, 0, 0], 0.5)] };
    const out = { sdf: new Float32Array(2), rgb: new Float32Array(6) };
    evaluateShape(shape, Float32Array.from([-0.8, 0, 0, 2, 0, 0]), out);
    expect(out.sdf[0]).toBeCloseTo(-0.3);
    expect(out.sdf[1]).toBeCloseTo(0.5);
    expect([...out.rgb.subarray(0, 3)]).toEqual([...Float32Array.from(shape.parts[0]!.rgb)]);
    expect([...out.rgb.subarray(3, 6)]).toEqual([...Float32Array.from(shape.parts[1]!.rgb)]);
  });

  it('culling by bounding spheres leaves the union unchanged', () => {
    const parts = Array.from({ length: 12 }, (_, k) => box(`b${k}`, 'red', [Math.cos(k) * 0.6, Math.sin(k * 1.7) * 0.5, (k / 12) * 1.2 - 0.6], [0.05 + 0.02 * k, 0.1, 0.05], rotationY(k)));
    const points = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i * 12.9898) * 1.2);
    const union = { sdf: new Float32Array(1000) };
    evaluateShape({ parts }, points, union);
    const brute = new Float32Array(1000).fill(Infinity);
    for (const part of parts) {
      const single = { sdf: new Float32Array(1000) };
      evaluateShape({ parts: [part] }, points, single);
      single.sdf.forEach((d, i) => (brute[i] = Math.min(brute[i]!, d)));
    }
    expect([...union.sdf]).toEqual([...brute]);
  });

  it('rejects output buffers that are too small', () => {
    expect(() => evaluateShape({ parts: [] }, new Float32Array(6), { sdf: new Float32Array(1) })).toThrow(RangeError);
  });
});

describe('mirrorX', () => {
  it('gives the mirror image: sdf(x, y, z) of the copy equals sdf(-x, y, z) of the original', () => {
    const originals: Part[] = [
      capsule('c', 'red', [0.2, 0.1, 0.3], [0.5, -0.2, 0.1], 0.05, 0.02),
      prism('wing', 'red', [0.1, 0.2, 0], 'y', [0, 0.2, 0.6, 0.05, 0.6, -0.05, 0, -0.2], 0.02, euler(0.1, 0.3, 0.2)),
      prism('fin', 'red', [0.1, 0, 0], 'z', [0, 0, 0.3, 0.1, 0.1, 0.4], 0.02, rotationY(0.4)),
      makePart('dome', { kind: 'ellipsoid', radii: [0.3, 0.2, 0.1] }, 'red', [0.3, 0, 0], rotationZ(0.5), { min: [0, -Infinity, -Infinity] }),
      box('b', 'red', [0.4, 0.1, -0.2], [0.1, 0.2, 0.05], euler(0.2, 0.5, 0.7)),
    ];
    const copies = mirrorX(originals);
    const points = Float32Array.from({ length: 900 }, (_, i) => Math.sin(i * 3.7) * 0.8);
    const flipped = points.map((v, i) => (i % 3 === 0 ? -v : v));
    originals.forEach((part, k) => {
      const a = { sdf: new Float32Array(300) };
      const b = { sdf: new Float32Array(300) };
      evaluateShape({ parts: [part] }, flipped, a);
      evaluateShape({ parts: [copies[k]!] }, points, b);
      b.sdf.forEach((d, i) => expect(d, part.name).toBeCloseTo(a.sdf[i]!, 5));
    });
  });
});
