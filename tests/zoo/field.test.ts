import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { box, sphere } from '../../src/main/zoo/build';
import { FIELD_DEFAULTS, groundTruthField, sampleTrainingPoints } from '../../src/main/zoo/field';
import { generateObject } from '../../src/main/zoo/objects';
import { rgbOf } from '../../src/main/vocabulary/colours';
import { type Shape, evaluateShape } from '../../src/main/zoo/sdf';

const ball: Shape = { parts: [sphere('ball', 'red', [0, 0, 0], 0.5), box('stand', 'blue', [0, -0.7, 0], [0.3, 0.1, 0.3])] };

describe('groundTruthField', () => {
  it('is dense inside, empty outside, half density on the surface, part colours', () => {
    const field = groundTruthField(ball);
    const points = Float32Array.from([0, 0, 0, 0.9, 0.9, 0.9, 0.5, 0, 0, 0, -0.7, 0]);
    const out = { density: new Float32Array(4), rgb: new Float32Array(12) };
    field(points, out);
    expect(out.density[0]).toBeCloseTo(FIELD_DEFAULTS.sigmaMax, 3);
    expect(out.density[1]).toBeLessThan(1e-6);
    expect(out.density[2]).toBeCloseTo(FIELD_DEFAULTS.sigmaMax / 2, 3);
    expect(out.density[3]).toBeGreaterThan(59);
    expect([...out.rgb.subarray(0, 3)]).toEqual([...Float32Array.from(rgbOf('red'))]);
    expect([...out.rgb.subarray(9, 12)]).toEqual([...Float32Array.from(rgbOf('blue'))]);
  });

  it('follows sigmaMax * sigmoid(-sdf / softness) with custom options', () => {
    const field = groundTruthField(ball, { sigmaMax: 10, softness: 0.05 });
    const out = { density: new Float32Array(1), rgb: new Float32Array(3) };
    field(Float32Array.from([0.55, 0, 0]), out);
    expect(out.density[0]).toBeCloseTo(10 / (1 + Math.E), 4);
    expect(() => groundTruthField(ball, { softness: 0 })).toThrow(/softness must be positive, got 0/);
  });
});

describe('sampleTrainingPoints', () => {
  it('returns the asked count, half near the surface, with field targets', () => {
    const { shape } = generateObject('chair', 3);
    const n = 4000;
    const samples = sampleTrainingPoints(shape, n, seededRandom(1));
    expect(samples.points).toHaveLength(3 * n);
    expect(samples.density).toHaveLength(n);
    expect(samples.rgb).toHaveLength(3 * n);
    const surface = samples.nearSurface.reduce((s, f) => s + f, 0);
    expect(surface).toBe(n / 2);
    const sdf = new Float32Array(n);
    evaluateShape(shape, samples.points, { sdf });
    let near = 0;
    let nearUniform = 0;
    for (let i = 0; i < n; i++) {
      expect(Math.abs(samples.points[3 * i]!)).toBeLessThanOrEqual(1);
      if (Math.abs(sdf[i]!) < 0.06) {
        if (samples.nearSurface[i]) near++;
        else nearUniform++;
      }
    }
    // Surface points sit within 3 jitter widths of the surface; uniform points mostly do not.
    expect(near / surface).toBeGreaterThan(0.95);
    expect(nearUniform / (n - surface)).toBeLessThan(0.3);
    // Targets are the field at those points; some are solid, some empty, some in between.
    const check = { density: new Float32Array(n), rgb: new Float32Array(3 * n) };
    groundTruthField(shape)(samples.points, check);
    expect([...samples.density]).toEqual([...check.density]);
    expect(samples.density.some((d) => d > 50)).toBe(true);
    expect(samples.density.some((d) => d > 5 && d < 55)).toBe(true);
    // Shuffled: both kinds appear in the first tenth.
    const head = samples.nearSurface.subarray(0, n / 10).reduce((s, f) => s + f, 0);
    expect(head).toBeGreaterThan(n / 40);
    expect(head).toBeLessThan((3 * n) / 40);
  });

  it('is deterministic for the random source and respects surfaceFraction', () => {
    const { shape } = generateObject('car', 1);
    const a = sampleTrainingPoints(shape, 500, seededRandom(2));
    const b = sampleTrainingPoints(shape, 500, seededRandom(2));
    expect([...a.points]).toEqual([...b.points]);
    const uniform = sampleTrainingPoints(shape, 500, seededRandom(2), { surfaceFraction: 0 });
    expect(uniform.nearSurface.every((f) => f === 0)).toBe(true);
    expect(() => sampleTrainingPoints(shape, -1, seededRandom(2))).toThrow(RangeError);
  });
});
