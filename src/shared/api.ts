/**
 * The one API contract between the renderer and the main process. Every request is an `Api`
 * method; every method has a channel and an argument validator, so main checks each call at the
 * boundary whatever the transport. Imports nothing from Node, Electron or the DOM.
 *
 * To add a method: declare it on `Api`, then give it an entry in `API_ARGUMENTS` (the compiler
 * insists on both); its channel follows from its name.
 */

import type { ProviderChoice } from './compute';

/** The app and the runtimes it runs on, for the status line and bug reports. */
export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly electron: string;
  readonly chrome: string;
  readonly node: string;
  /** Operating system as Node names it (`linux`, `darwin`, `win32`). */
  readonly platform: string;
}

/** Every request the renderer can make. Each method returns a Promise, whatever the transport. */
export interface Api {
  /** Name and version of the app and of the runtimes under it. */
  appInfo(): Promise<AppInfo>;
  /** The execution provider that runs the models, and why it was chosen. */
  computeInfo(): Promise<ProviderChoice>;
}

export type ApiMethod = keyof Api;

/**
 * Checks the arguments of one call and returns them typed, or throws a `TypeError` that names
 * the channel and quotes what was wrong.
 */
export type ArgumentsValidator<M extends ApiMethod> = (
  channel: string,
  args: readonly unknown[],
) => Parameters<Api[M]>;

/** One argument's check: what it should be, in words, and the test. */
export interface ArgumentCheck<T> {
  readonly expected: string;
  readonly test: (value: unknown) => value is T;
}

/** Arguments checked one by one, in order; the count must match exactly. `argumentsOf()` takes none. */
export function argumentsOf<T extends unknown[]>(
  ...checks: { [K in keyof T]: ArgumentCheck<T[K]> }
): (channel: string, args: readonly unknown[]) => T {
  return (channel, args) => {
    if (args.length !== checks.length) {
      throw new TypeError(
        `${channel}: expected ${checks.length} argument${checks.length === 1 ? '' : 's'}, got ${args.length}`,
      );
    }
    checks.forEach((check, index) => {
      const value = args[index];
      if (!check.test(value)) {
        throw new TypeError(`${channel}: argument ${index + 1} must be ${check.expected}, got ${describe(value)}`);
      }
    });
    return args as T;
  };
}

/** A string, optionally bounded in length. */
export function stringArgument(maxLength = 4096): ArgumentCheck<string> {
  return {
    expected: `a string of at most ${maxLength} characters`,
    test: (value): value is string => typeof value === 'string' && value.length <= maxLength,
  };
}

/** One of a fixed set of strings. */
export function oneOfArgument<const T extends readonly string[]>(values: T): ArgumentCheck<T[number]> {
  return {
    expected: `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`,
    test: (value): value is T[number] => typeof value === 'string' && values.includes(value),
  };
}

/** The argument validator of every method; the keys are the list of methods. */
export const API_ARGUMENTS: { readonly [M in ApiMethod]: ArgumentsValidator<M> } = {
  appInfo: argumentsOf(),
  computeInfo: argumentsOf(),
};

/** Methods in a stable order. */
export const API_METHODS = Object.freeze(Object.keys(API_ARGUMENTS).sort() as ApiMethod[]);

/** IPC channel of a method. */
export function channelOf(method: ApiMethod): string {
  return `nerfdex:${method}`;
}

/** Every IPC channel the main process answers, one per method. */
export const API_CHANNELS: readonly string[] = Object.freeze(API_METHODS.map(channelOf));

const METHOD_BY_CHANNEL: ReadonlyMap<string, ApiMethod> = new Map(API_METHODS.map((method) => [channelOf(method), method]));

/** A call checked at the boundary: a known method and its typed arguments. */
export type ValidatedRequest = { [M in ApiMethod]: { readonly method: M; readonly args: Parameters<Api[M]> } }[ApiMethod];

/**
 * Checks one incoming call. Throws a `TypeError` naming the channel when the channel is unknown
 * or the arguments do not fit the method.
 */
export function validateRequest(channel: unknown, args: readonly unknown[]): ValidatedRequest {
  const method = typeof channel === 'string' ? METHOD_BY_CHANNEL.get(channel) : undefined;
  if (method === undefined) {
    throw new TypeError(`unknown API channel ${describe(channel)}`);
  }
  const validate = API_ARGUMENTS[method] as (channel: string, args: readonly unknown[]) => unknown[];
  return { method, args: validate(channel as string, args) } as ValidatedRequest;
}

/** A short, safe rendering of a value for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  }
  if (typeof value === 'function') {
    return 'a function';
  }
  if (value === null || typeof value !== 'object') {
    return String(value);
  }
  return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
}
