import { describe, expect, it } from 'vitest';
import {
  API_ARGUMENTS,
  API_CHANNELS,
  API_METHODS,
  argumentsOf,
  channelOf,
  oneOfArgument,
  stringArgument,
  validateRequest,
} from '../../src/shared/api';

describe('API contract', () => {
  it('has one unique channel per method', () => {
    expect(API_METHODS).toEqual(Object.keys(API_ARGUMENTS).sort());
    expect(API_CHANNELS).toEqual(API_METHODS.map(channelOf));
    expect(new Set(API_CHANNELS).size).toBe(API_CHANNELS.length);
    expect(API_CHANNELS).toContain('nerfdex:appInfo');
    expect(API_CHANNELS).toContain('nerfdex:computeInfo');
  });

  it('accepts a known channel with fitting arguments', () => {
    expect(validateRequest('nerfdex:appInfo', [])).toEqual({ method: 'appInfo', args: [] });
    expect(validateRequest('nerfdex:computeInfo', [])).toEqual({ method: 'computeInfo', args: [] });
  });

  it.each([
    ['nerfdex:nope', /unknown API channel "nerfdex:nope"/],
    ['appInfo', /unknown API channel "appInfo"/],
    ['nerfdex:constructor', /unknown API channel "nerfdex:constructor"/],
    ['nerfdex:__proto__', /unknown API channel "nerfdex:__proto__"/],
    [42, /unknown API channel 42/],
  ])('rejects the unknown channel %s with a TypeError naming it', (channel, message) => {
    expect(() => validateRequest(channel, [])).toThrow(TypeError);
    expect(() => validateRequest(channel, [])).toThrow(message);
  });

  it('rejects extra arguments with a TypeError naming the channel', () => {
    expect(() => validateRequest('nerfdex:computeInfo', ['cuda'])).toThrow(TypeError);
    expect(() => validateRequest('nerfdex:computeInfo', ['cuda'])).toThrow(
      'nerfdex:computeInfo: expected 0 arguments, got 1',
    );
  });
});

describe('argument validators', () => {
  const validate = argumentsOf(stringArgument(8), oneOfArgument(['cpu', 'cuda'] as const));

  it('returns fitting arguments unchanged', () => {
    expect(validate('test:x', ['hello', 'cuda'])).toEqual(['hello', 'cuda']);
  });

  it.each<[unknown[], string]>([
    [['hello'], 'test:x: expected 2 arguments, got 1'],
    [['far too long', 'cpu'], 'test:x: argument 1 must be a string of at most 8 characters, got "far too long"'],
    [[7, 'cpu'], 'test:x: argument 1 must be a string of at most 8 characters, got 7'],
    [['hello', 'tpu'], 'test:x: argument 2 must be one of "cpu", "cuda", got "tpu"'],
    [['hello', { name: 'cpu' }], 'test:x: argument 2 must be one of "cpu", "cuda", got an object'],
    [['hello', () => 'cpu'], 'test:x: argument 2 must be one of "cpu", "cuda", got a function'],
  ])('rejects %j with a TypeError quoting the value', (args, message) => {
    expect(() => validate('test:x', args)).toThrow(TypeError);
    expect(() => validate('test:x', args)).toThrow(message);
  });
});
