/**
 * The renderer's push channel: IPC events from the preload bridge in the desktop app, or serve
 * mode's WebSocket, which reconnects with a growing delay after it drops. Views watch `live` and
 * poll while it is false; every event is checked (`validateEvent`) before a view sees it.
 */

import { shallowRef, type ShallowRef } from 'vue';
import { EVENTS_PATH, EVENTS_PROTOCOL, EVENTS_TOKEN_PREFIX, type ApiEventListener, type ApiEvents } from '../shared/api';
import { validateEvent } from '../shared/events';

export interface EventChannel extends ApiEvents {
  /** Whether events arrive now; views that need fresh data poll while it is false. */
  readonly live: Readonly<ShallowRef<boolean>>;
  close(): void;
}

/** The desktop app's events: IPC cannot drop, so the channel is live from the start. */
export function ipcEventChannel(bridge: ApiEvents): EventChannel {
  const live = shallowRef(true);
  const stops = new Set<() => void>();
  return {
    live,
    onEvent(listener) {
      const stop = bridge.onEvent(listener);
      stops.add(stop);
      return () => {
        stops.delete(stop);
        stop();
      };
    },
    close() {
      for (const stop of stops) stop();
      stops.clear();
      live.value = false;
    },
  };
}

export interface WebSocketChannelOptions {
  /** @default globalThis.WebSocket */
  readonly WebSocketImpl?: typeof WebSocket;
  /**
   * Delay before the first reconnection, doubled after each failed one.
   * @default 1000
   */
  readonly retryMs?: number;
  /**
   * Longest delay between reconnections.
   * @default 30000
   */
  readonly maxRetryMs?: number;
}

/** Serve mode's events: a WebSocket to `EVENTS_PATH` that offers the token as a subprotocol. */
export function webSocketEventChannel(origin: string, token: string, options: WebSocketChannelOptions = {}): EventChannel {
  const WebSocketImpl = options.WebSocketImpl ?? globalThis.WebSocket;
  const firstRetry = options.retryMs ?? 1000;
  const maxRetry = options.maxRetryMs ?? 30_000;
  const url = `${origin.replace(/^http/, 'ws')}${EVENTS_PATH}`;
  const live = shallowRef(false);
  const listeners = new Set<ApiEventListener>();
  let socket: WebSocket | undefined;
  let retry = firstRetry;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const dispatch = (data: unknown): void => {
    let event;
    try {
      event = validateEvent(JSON.parse(typeof data === 'string' ? data : ''));
    } catch (error) {
      console.warn('nerfdex: dropped an event:', error instanceof Error ? error.message : String(error));
      return;
    }
    for (const listener of [...listeners]) listener(event);
  };

  const connect = (): void => {
    if (closed) return;
    const current = new WebSocketImpl(url, [EVENTS_PROTOCOL, `${EVENTS_TOKEN_PREFIX}${token}`]);
    socket = current;
    current.onopen = () => {
      retry = firstRetry;
      live.value = true;
    };
    current.onmessage = (message) => dispatch(message.data);
    current.onclose = () => {
      if (socket !== current) return;
      socket = undefined;
      live.value = false;
      if (closed) return;
      timer = setTimeout(connect, retry);
      retry = Math.min(maxRetry, retry * 2);
    };
  };
  connect();

  return {
    live,
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
      socket = undefined;
      live.value = false;
      listeners.clear();
    },
  };
}
