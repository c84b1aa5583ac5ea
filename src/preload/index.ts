/**
 * Preload: exposes the API contract to the renderer as `window.nerfdex`, one `ipcRenderer.invoke`
 * per method, plus `onEvent` for what main pushes and `pathForFile` for dropped files, and nothing
 * else. Runs sandboxed, so it is bundled to one CommonJS file.
 */

import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_METHODS, channelOf, EVENT_CHANNEL, type Api, type ApiEventListener, type ApiEvents } from '../shared/api';
import { validateEvent } from '../shared/events';

const methods = Object.fromEntries(
  API_METHODS.map((method) => [method, (...args: unknown[]) => ipcRenderer.invoke(channelOf(method), ...args)]),
) as unknown as Api;

/** Hands each event from main, once checked, to `listener`; never the IPC event object itself. */
function onEvent(listener: ApiEventListener): () => void {
  if (typeof listener !== 'function') throw new TypeError(`onEvent: the listener must be a function, got ${typeof listener}`);
  const handler = (_event: IpcRendererEvent, payload: unknown): void => {
    try {
      listener(validateEvent(payload));
    } catch (error) {
      console.warn('nerfdex: dropped an event from main:', error instanceof Error ? error.message : String(error));
    }
  };
  ipcRenderer.on(EVENT_CHANNEL, handler);
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  };
}

/**
 * The path on disk of a file dragged onto the page ('' for a file with none, such as one made in
 * the page): a sandboxed, isolated renderer cannot read `File.path`, so drops ask here. The
 * renderer types it in src/renderer/env.d.ts.
 */
function pathForFile(file: File): string {
  // getPathForFile checks its argument (a TypeError for anything but a File).
  return webUtils.getPathForFile(file);
}

const bridge: Api & ApiEvents & { pathForFile(file: File): string } = Object.freeze({ ...methods, onEvent, pathForFile });

contextBridge.exposeInMainWorld('nerfdex', bridge);
