/**
 * The renderer's transport of the API contract: the preload bridge (`window.nerfdex`) inside the
 * desktop app, or HTTP calls to serve mode (`src/main/server/serve.ts`) in a plain browser; and
 * the matching push channel for events (`api-events.ts`).
 */

import { API_METHODS, type Api } from '../shared/api';
import { ipcEventChannel, webSocketEventChannel, type EventChannel } from './api-events';

/** Query parameter the serve-mode URL carries the access token in. */
const TOKEN_PARAMETER = 'token';
/** Where the token is kept for reloads once it has been taken out of the address bar. */
const TOKEN_STORAGE_KEY = 'nerfdex.token';

/** The transport chosen at startup, or why there is none. */
export type ApiConnection =
  | { readonly kind: 'ipc' | 'http'; readonly api: Api; readonly events: EventChannel }
  | { readonly kind: 'none'; readonly reason: string };

/** An `Api` that posts each call's arguments to `<origin>/api/<method>` with a bearer token. */
export function createHttpApi(origin: string, token: string, fetchImpl: typeof fetch = fetch.bind(globalThis)): Api {
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const response = await fetchImpl(`${origin}/api/${encodeURIComponent(method)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(args),
    });
    const body = (await response.json().catch(() => ({}))) as { result?: unknown; error?: unknown };
    if (!response.ok) {
      const message = typeof body.error === 'string' ? body.error : response.statusText;
      throw new Error(`${method}: ${message} (HTTP ${response.status})`);
    }
    return body.result;
  };
  return Object.freeze(
    Object.fromEntries(API_METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)])),
  ) as unknown as Api;
}

/**
 * Picks the transport: the preload bridge when present; otherwise, on an http(s) page, serve
 * mode with the token from `?token=` (then removed from the address bar and kept for reloads in
 * session storage).
 */
export function connectApi(): ApiConnection {
  if (window.nerfdex !== undefined) {
    return { kind: 'ipc', api: window.nerfdex, events: ipcEventChannel(window.nerfdex) };
  }
  const location = window.location;
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    return { kind: 'none', reason: 'the desktop app\u2019s preload bridge is missing, and this page is not served over HTTP' };
  }
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAMETER);
  if (fromUrl !== null && fromUrl !== '') {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    url.searchParams.delete(TOKEN_PARAMETER);
    window.history.replaceState(window.history.state, '', url.href);
  }
  const token = window.sessionStorage.getItem(TOKEN_STORAGE_KEY);
  if (token === null || token === '') {
    return {
      kind: 'none',
      reason: 'no access token: open the URL that `npm run serve` printed, which ends in ?token=…',
    };
  }
  return { kind: 'http', api: createHttpApi(location.origin, token), events: webSocketEventChannel(location.origin, token) };
}
