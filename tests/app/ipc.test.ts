import { describe, expect, it, vi } from 'vitest';
import { dispatch, registerApi, type IpcCallEvent, type IpcRegistry } from '../../src/main/app/ipc';
import { API_CHANNELS, type Api } from '../../src/shared/api';
import type { ProviderChoice } from '../../src/shared/compute';
import { fakeApiWith } from './fake-api';

const CHOICE: ProviderChoice = { name: 'cpu', request: 'auto', reason: 'test', attempts: [], threads: 0 };

function fakeApi(): Api {
  return fakeApiWith({
    appInfo: vi.fn(() =>
      Promise.resolve({ name: 'nerfdex', version: '0.0.0', electron: '1', chrome: '2', node: '3', platform: 'linux', canRevealFiles: true }),
    ),
    computeInfo: vi.fn(() => Promise.resolve(CHOICE)),
  });
}

type Listener = (event: IpcCallEvent, ...args: unknown[]) => Promise<unknown>;

function fakeIpc(): IpcRegistry & { listeners: Map<string, Listener> } {
  const listeners = new Map<string, Listener>();
  return {
    listeners,
    handle(channel, listener) {
      if (listeners.has(channel)) {
        throw new Error(`second handler for ${channel}`);
      }
      listeners.set(channel, listener);
    },
  };
}

const APP_FRAME: IpcCallEvent = { senderFrame: { url: 'file:///app/out/renderer/index.html' } };
const isTrustedSender = (url: string): boolean => url.startsWith('file:///app/out/renderer/');

describe('dispatch', () => {
  it('runs a validated call on the implementation', async () => {
    const api = fakeApi();
    await expect(dispatch(api, 'nerfdex:computeInfo', [])).resolves.toEqual(CHOICE);
    expect(api.computeInfo).toHaveBeenCalledOnce();
  });

  it('rejects an unknown channel with a TypeError naming it, calling nothing', async () => {
    const api = fakeApi();
    await expect(dispatch(api, 'nerfdex:deleteEverything', [])).rejects.toThrow(TypeError);
    await expect(dispatch(api, 'nerfdex:deleteEverything', [])).rejects.toThrow('"nerfdex:deleteEverything"');
  });

  it('rejects bad arguments with a TypeError naming the channel, calling nothing', async () => {
    const api = fakeApi();
    await expect(dispatch(api, 'nerfdex:appInfo', [1])).rejects.toThrow(
      new TypeError('nerfdex:appInfo: expected 0 arguments, got 1'),
    );
    expect(api.appInfo).not.toHaveBeenCalled();
  });
});

describe('registerApi', () => {
  it('handles every channel once and answers calls from the app', async () => {
    const ipc = fakeIpc();
    registerApi(ipc, fakeApi(), isTrustedSender);
    expect([...ipc.listeners.keys()].sort()).toEqual([...API_CHANNELS].sort());
    await expect(ipc.listeners.get('nerfdex:computeInfo')!(APP_FRAME)).resolves.toEqual(CHOICE);
    await expect(ipc.listeners.get('nerfdex:computeInfo')!(APP_FRAME, 'x')).rejects.toThrow(TypeError);
  });

  it.each<[string, IpcCallEvent]>([
    ['a foreign page', { senderFrame: { url: 'https://example.com/' } }],
    ['a frame that is gone', { senderFrame: null }],
    ['no frame', {}],
  ])('rejects calls from %s before they reach the implementation', async (_what, event) => {
    const ipc = fakeIpc();
    const api = fakeApi();
    registerApi(ipc, api, isTrustedSender);
    await expect(ipc.listeners.get('nerfdex:appInfo')!(event)).rejects.toThrow(/nerfdex:appInfo: call from a frame/);
    expect(api.appInfo).not.toHaveBeenCalled();
  });
});
