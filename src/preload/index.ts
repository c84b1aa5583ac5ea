/**
 * Preload: exposes the API contract to the renderer as `window.nerfdex`, one `ipcRenderer.invoke`
 * per method, and nothing else. Runs sandboxed, so it is bundled to one CommonJS file.
 */

import { contextBridge, ipcRenderer } from 'electron';
import { API_METHODS, channelOf, type Api } from '../shared/api';

const api = Object.freeze(
  Object.fromEntries(
    API_METHODS.map((method) => [method, (...args: unknown[]) => ipcRenderer.invoke(channelOf(method), ...args)]),
  ),
) as unknown as Api;

contextBridge.exposeInMainWorld('nerfdex', api);
