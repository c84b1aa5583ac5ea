/**
 * The Electron IPC transport of the API contract, main side: one handler per channel, each call
 * checked at the boundary before it reaches the implementation. Takes the IPC registry as a
 * parameter so it runs, and is tested, without Electron.
 */

import { API_CHANNELS, validateRequest, type Api } from '../../shared/api';

/** What a handler learns about its caller: the frame that sent the call, when it still exists. */
export interface IpcCallEvent {
  readonly senderFrame?: { readonly url: string } | null;
}

/** The part of Electron's `ipcMain` this module uses. */
export interface IpcRegistry {
  handle(channel: string, listener: (event: IpcCallEvent, ...args: unknown[]) => Promise<unknown>): void;
}

/**
 * Validates one call and runs it on `api`. Rejects with a `TypeError` naming the channel when
 * the channel is unknown or the arguments do not fit.
 */
export async function dispatch(api: Api, channel: string, args: readonly unknown[]): Promise<unknown> {
  const request = validateRequest(channel, args);
  const method = api[request.method] as (...methodArgs: unknown[]) => Promise<unknown>;
  return Reflect.apply(method, api, request.args);
}

/**
 * Answers every API channel on `ipc` with `api`. Calls from frames that `isTrustedSender` does
 * not accept (judged by the frame's URL) are rejected before validation.
 */
export function registerApi(ipc: IpcRegistry, api: Api, isTrustedSender: (frameUrl: string) => boolean): void {
  for (const channel of API_CHANNELS) {
    ipc.handle(channel, async (event, ...args) => {
      const frameUrl = event.senderFrame?.url;
      if (frameUrl === undefined || !isTrustedSender(frameUrl)) {
        throw new Error(`${channel}: call from a frame that is not the app's own (${frameUrl ?? 'gone'})`);
      }
      return dispatch(api, channel, args);
    });
  }
}
