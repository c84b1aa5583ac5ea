import { describe, expect, it } from 'vitest';
import {
  type Camera,
  type Vec3,
  cameraBasis,
  cameraRays,
  intersectAabb,
  intersectRays,
  orbitCamera,
} from '../../src/main/nerf/render/camera';
import type { Aabb } from '../../src/main/nerf/types';
import { UNIT_AABB } from './fixtures-render';

const front: Camera = { position: [0, 0, 5], target: [0, 0, 0], up: [0, 1, 0], fovYDeg: 40, width: 8, height: 6 };
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const ray = (d: Float32Array, i: number): Vec3 => [d[3 * i]!, d[3 * i + 1]!, d[3 * i + 2]!];

describe('intersectAabb', () => {
  // [name, origin, direction, expected interval or null]
  const cases: [string, Vec3, Vec3, [number, number] | null][] = [
    ['straight through', [0, 0, -5], [0, 0, 1], [4, 6]],
    ['axis-parallel inside the other slabs', [0.5, -0.5, -5], [0, 0, 1], [4, 6]],
    ['axis-parallel outside a slab', [2, 0, -5], [0, 0, 1], null],
    ['pointing away', [0, 0, -5], [0, 0, -1], null],
    ['starting inside', [0, 0, 0], [1, 0, 0], [0, 1]],
    ['diagonal through corners', [-2, -2, -2], [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)], [Math.sqrt(3), 3 * Math.sqrt(3)]],
    ['passing beside', [0, 1.5, -5], [0, 0.01, 0.99995], null],
    ['negative direction', [3, 0.2, 0.1], [-1, 0, 0], [2, 4]],
  ];
  it.each(cases)('%s', (_name, origin, direction, expected) => {
    const hit = intersectAabb(origin, direction, UNIT_AABB);
    if (expected === null) expect(hit).toBeNull();
    else {
      expect(hit!.near).toBeCloseTo(expected[0], 9);
      expect(hit!.far).toBeCloseTo(expected[1], 9);
    }
  });

  it('handles an off-centre box', () => {
    const box: Aabb = [
      [2, 3, 4],
      [3, 5, 8],
    ];
    expect(intersectAabb([2.5, 4, 0], [0, 0, 1], box)).toEqual({ near: 4, far: 8 });
    expect(intersectAabb([0, 0, 0], [0, 0, 1], box)).toBeNull();
  });
});

describe('intersectRays', () => {
  it('agrees with intersectAabb ray by ray and counts hits', () => {
    const { origins, directions } = cameraRays({ ...front, width: 32, height: 24, fovYDeg: 60 });
    const n = 32 * 24;
    const near = new Float32Array(n);
    const far = new Float32Array(n);
    const hits = intersectRays(origins, directions, UNIT_AABB, near, far);
    let expectedHits = 0;
    for (let i = 0; i < n; i++) {
      const one = intersectAabb(ray(origins, i), ray(directions, i), UNIT_AABB);
      if (one) {
        expectedHits++;
        expect(near[i]).toBeCloseTo(one.near, 5);
        expect(far[i]).toBeCloseTo(one.far, 5);
      } else {
        expect([near[i], far[i]]).toEqual([0, 0]);
      }
    }
    expect(hits).toBe(expectedHits);
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThan(n);
  });
});

describe('cameraRays', () => {
  it('gives unit directions, +y up and +x right in the image for a camera looking down -z', () => {
    const { origins, directions } = cameraRays(front);
    for (let i = 0; i < 48; i++) {
      expect(Math.hypot(...ray(directions, i))).toBeCloseTo(1, 6);
      expect(ray(origins, i)).toEqual([0, 0, 5]);
    }
    const at = (x: number, y: number): Vec3 => ray(directions, y * front.width + x);
    expect(at(3, 0)[1]).toBeGreaterThan(0); // top row looks up
    expect(at(3, 5)[1]).toBeLessThan(0);
    expect(at(0, 3)[0]).toBeLessThan(0); // left column looks left
    expect(at(7, 3)[0]).toBeGreaterThan(0);
    // With an odd width the middle column looks straight; its top pixel centre is half a pixel inside the fov.
    const odd = cameraRays({ ...front, width: 9 }).directions;
    const [x, y, z] = ray(odd, 4);
    expect(x).toBeCloseTo(0, 7);
    expect(Math.atan2(y, -z)).toBeCloseTo(Math.atan(Math.tan((20 * Math.PI) / 180) * (1 - 1 / 6)), 6);
  });

  it('rejects cameras that cannot form an image', () => {
    expect(() => cameraRays({ ...front, width: 0 })).toThrow(RangeError);
    expect(() => cameraRays({ ...front, height: 2.5 })).toThrow(/positive integers/);
    expect(() => cameraRays({ ...front, fovYDeg: 180 })).toThrow(/fovYDeg/);
    expect(() => cameraRays({ ...front, target: [0, 0, 5] })).toThrow(/target equals its position/);
    expect(() => cameraRays({ ...front, position: [0, Number.NaN, 5] })).toThrow(/position must be finite/);
  });
});

describe('orbitCamera', () => {
  it('looks at the box centre from the given azimuth and elevation', () => {
    const box: Aabb = [
      [1, 2, 3],
      [3, 4, 7],
    ];
    const camera = orbitCamera(box, 90, 0, 1.1, 64);
    expect(camera.target).toEqual([2, 3, 5]);
    expect(camera.position[0]).toBeGreaterThan(3); // azimuth 90 looks from +x
    expect(camera.position[1]).toBeCloseTo(3, 9);
    expect(camera.position[2]).toBeCloseTo(5, 9);
    const above = orbitCamera(box, 0, 60, 1.1, 64);
    expect(above.position[1]).toBeGreaterThan(3);
  });

  it('frames the whole box: every corner projects inside the image', () => {
    for (const [az, el] of [
      [35, 25],
      [0, 0],
      [200, -40],
      [90, 89],
    ] as const) {
      const camera = orbitCamera(UNIT_AABB, az, el, 1, { width: 80, height: 60 });
      const { forward, right, up } = cameraBasis(camera);
      const tanY = Math.tan((camera.fovYDeg * Math.PI) / 360);
      const tanX = (tanY * 80) / 60;
      for (let c = 0; c < 8; c++) {
        const p: Vec3 = [c & 1 ? 1 : -1, c & 2 ? 1 : -1, c & 4 ? 1 : -1];
        const v: Vec3 = [p[0] - camera.position[0], p[1] - camera.position[1], p[2] - camera.position[2]];
        const depth = dot(v, forward);
        expect(Math.abs(dot(v, right) / depth)).toBeLessThanOrEqual(tanX);
        expect(Math.abs(dot(v, up) / depth)).toBeLessThanOrEqual(tanY);
      }
      // At distance factor 1 the bounding sphere touches the narrower (vertical) field of view.
      const distance = Math.hypot(...camera.position);
      expect(distance * Math.sin((camera.fovYDeg * Math.PI) / 360)).toBeCloseTo(Math.sqrt(3), 9);
    }
  });

  it('has a well-defined frame looking straight down', () => {
    const camera = orbitCamera(UNIT_AABB, 0, 90, 1.1, 16);
    const { forward, right, up } = cameraBasis(camera);
    expect(forward[1]).toBeCloseTo(-1, 9);
    expect(Math.hypot(...right)).toBeCloseTo(1, 9);
    expect(dot(right, up)).toBeCloseTo(0, 9);
    const { directions } = cameraRays(camera);
    expect(directions.every(Number.isFinite)).toBe(true);
  });

  it('rejects a non-positive distance factor', () => {
    expect(() => orbitCamera(UNIT_AABB, 0, 0, 0, 16)).toThrow(RangeError);
  });
});
