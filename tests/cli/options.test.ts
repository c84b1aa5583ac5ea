import { describe, expect, it } from 'vitest';
import { numberOption } from '../../src/main/cli/run';

describe('numberOption (numeric command-line options)', () => {
  it('gives the fallback when absent and the number when valid', () => {
    expect(numberOption(undefined, 'lr', 1e-3)).toBe(1e-3);
    expect(numberOption('2e-3', 'lr', 1e-3)).toBe(2e-3);
    expect(numberOption('0', 'seed', 5, { integer: true, min: 0 })).toBe(0);
    expect(numberOption('12', 'epochs', 10, { integer: true })).toBe(12);
  });

  it('refuses what breaks the rule with a RangeError naming the option and the value', () => {
    expect(() => numberOption('0', 'lr', 1e-3)).toThrow(new RangeError('--lr must be a number > 0, got "0"'));
    expect(() => numberOption('1.5', 'epochs', 10, { integer: true })).toThrow(new RangeError('--epochs must be an integer > 0, got "1.5"'));
    expect(() => numberOption('1', 'batch', 4, { integer: true, min: 2 })).toThrow(new RangeError('--batch must be an integer >= 2, got "1"'));
    expect(() => numberOption('-1', 'seed', 0, { integer: true, min: 0 })).toThrow(/--seed must be an integer >= 0/);
    expect(() => numberOption('1.5', 'fraction', 1, { min: 0.01, max: 1 })).toThrow(new RangeError('--fraction must be a number >= 0.01 and <= 1, got "1.5"'));
    expect(numberOption('0.25', 'fraction', 1, { min: 0.01, max: 1 })).toBe(0.25);
    for (const bad of ['', ' ', 'abc', 'NaN', 'Infinity', '1e400']) expect(() => numberOption(bad, 'steps', 300, { integer: true, min: 1 })).toThrow(RangeError);
  });
});
