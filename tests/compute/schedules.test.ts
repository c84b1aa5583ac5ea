import { describe, expect, it } from 'vitest';
import { constantLr, cosineLr, learningRateAt, oneCycleLr } from '../../src/main/compute/schedules';

const series = (f: (step: number) => number, total: number) => Array.from({ length: total }, (_, s) => f(s));
const nonIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x <= xs[i - 1]! + 1e-15);
const nonDecreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]! - 1e-15);

describe('schedules', () => {
  it('constant gives lr at every step', () => {
    expect(series((s) => constantLr(0.1, s, 5), 5)).toEqual([0.1, 0.1, 0.1, 0.1, 0.1]);
  });

  it('cosine starts at lr, falls monotonically and ends near 0', () => {
    const lrs = series((s) => cosineLr(1, s, 100), 100);
    expect(lrs[0]).toBe(1);
    expect(lrs[50]).toBeCloseTo(0.5, 12);
    expect(lrs[99]).toBeGreaterThan(0);
    expect(lrs[99]).toBeLessThan(1e-3);
    expect(nonIncreasing(lrs)).toBe(true);
  });

  it('one-cycle warms up from lr/25 to lr, then anneals to lr/1e4', () => {
    const total = 100;
    const lrs = series((s) => oneCycleLr(2, s, total, 0.3), total);
    expect(lrs[0]).toBeCloseTo(2 / 25, 12);
    const peak = lrs.indexOf(Math.max(...lrs));
    expect(lrs[peak]).toBeCloseTo(2, 12);
    expect(peak).toBe(29);
    expect(lrs[99]).toBeCloseTo(2 / 1e4, 12);
    expect(nonDecreasing(lrs.slice(0, peak + 1))).toBe(true);
    expect(nonIncreasing(lrs.slice(peak))).toBe(true);
  });

  it('one-cycle defaults to 30% warm-up and copes with tiny step counts', () => {
    expect(learningRateAt({ kind: 'one-cycle', lr: 1 }, 29, 100)).toBeCloseTo(1, 12);
    expect(oneCycleLr(1, 0, 1)).toBe(1);
    expect(series((s) => oneCycleLr(1, s, 2), 2).every(Number.isFinite)).toBe(true);
    expect(series((s) => oneCycleLr(1, s, 3), 3).every(Number.isFinite)).toBe(true);
  });

  it('dispatches on kind', () => {
    expect(learningRateAt({ kind: 'constant', lr: 0.5 }, 3, 10)).toBe(0.5);
    expect(learningRateAt({ kind: 'cosine', lr: 0.5 }, 0, 10)).toBe(0.5);
    expect(() => learningRateAt({ kind: 'linear' as never, lr: 0.5 }, 0, 10)).toThrow(new TypeError('schedule: unknown kind "linear" (valid: constant, cosine, one-cycle)'));
  });

  it('constant and cosine warm up linearly over warmupSteps, then follow their rule', () => {
    expect([0, 1, 3, 4, 9].map((step) => learningRateAt({ kind: 'constant', lr: 0.4, warmupSteps: 4 }, step, 10))).toEqual([0.1, 0.2, 0.4, 0.4, 0.4]);
    expect(learningRateAt({ kind: 'cosine', lr: 1, warmupSteps: 2 }, 0, 10)).toBeCloseTo(0.5, 12);
    expect(learningRateAt({ kind: 'cosine', lr: 1, warmupSteps: 2 }, 5, 10)).toBeCloseTo(cosineLr(1, 5, 10), 12);
    expect(() => learningRateAt({ kind: 'constant', lr: 1, warmupSteps: 1.5 }, 0, 10)).toThrow(new RangeError('schedule: warmupSteps must be an integer >= 0, got 1.5'));
  });

  it('rejects steps out of range, bad totals, rates and warm-ups', () => {
    expect(() => cosineLr(1, 10, 10)).toThrow(RangeError);
    expect(() => cosineLr(1, -1, 10)).toThrow(RangeError);
    expect(() => cosineLr(1, 0, 0)).toThrow(RangeError);
    expect(() => constantLr(Number.NaN, 0, 1)).toThrow(RangeError);
    expect(() => oneCycleLr(1, 0, 10, 1)).toThrow(/warmup must be in \(0, 1\), got 1/);
  });
});
