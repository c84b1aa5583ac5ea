/** An `Api` for transport tests: the given methods, and every other one rejecting as not faked. */
import { API_METHODS, type Api } from '../../src/shared/api';

export function fakeApiWith(methods: Partial<Api>): Api {
  const notFaked = Object.fromEntries(API_METHODS.map((method) => [method, () => Promise.reject(new Error(`${method} is not faked here`))]));
  return { ...notFaked, ...methods } as Api;
}
