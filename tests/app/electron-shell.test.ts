/**
 * The Electron shell (src/main/index.ts) loaded against a stand-in for the `electron` module,
 * since Electron's own binary cannot run on the machines that test nerfdex. The stand-in
 * records what the shell asks of Electron, so these tests check the wiring that the pure
 * helpers' tests (security, menu, ipc) cannot: the window's web preferences, the session's
 * permission and CSP handlers, navigation and new-window handling, one handler per API channel,
 * the single-instance lock, and the clean shutdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { API_CHANNELS } from '../../src/shared/api';

type Listener = (...args: unknown[]) => unknown;

/** A minimal event emitter with Electron's `on` / `once` and a way to fire. */
class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, listener: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }
  once(name: string, listener: Listener): this {
    return this.on(name, listener);
  }
  emit(name: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(name) ?? []) listener(...args);
  }
}

class FakeContents extends Emitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  url = '';
  sent: unknown[] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return false;
  }
  getURL(): string {
    return this.url;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
}

function fakeElectron(lock: boolean) {
  const calls = { quit: 0, exit: [] as number[], openExternal: [] as string[], revealed: [] as string[], focused: 0, restored: 0 };
  const windows: FakeWindow[] = [];
  const app = Object.assign(new Emitter(), {
    isPackaged: true,
    requestSingleInstanceLock: () => lock,
    quit: () => void calls.quit++,
    exit: (code: number) => void calls.exit.push(code),
    whenReady: () => Promise.resolve(),
    getName: () => 'nerfdex',
    getVersion: () => 'test',
  });
  class FakeWindow extends Emitter {
    static getAllWindows = (): FakeWindow[] => windows;
    static getFocusedWindow = (): FakeWindow | undefined => windows[0];
    readonly webContents = new FakeContents();
    loaded: string | undefined;
    minimized = true;
    constructor(readonly options: { webPreferences: Record<string, unknown> } & Record<string, unknown>) {
      super();
      windows.push(this);
    }
    loadFile(file: string): Promise<void> {
      this.loaded = file;
      return Promise.resolve();
    }
    loadURL(url: string): Promise<void> {
      this.loaded = url;
      return Promise.resolve();
    }
    show(): void {}
    isMinimized(): boolean {
      return this.minimized;
    }
    restore(): void {
      calls.restored++;
      this.minimized = false;
    }
    focus(): void {
      calls.focused++;
    }
  }
  const session = {
    defaultSession: {
      permissionRequest: undefined as Listener | undefined,
      permissionCheck: undefined as Listener | undefined,
      headers: undefined as Listener | undefined,
      setPermissionRequestHandler(handler: Listener) {
        this.permissionRequest = handler;
      },
      setPermissionCheckHandler(handler: Listener) {
        this.permissionCheck = handler;
      },
      webRequest: {
        onHeadersReceived(handler: Listener) {
          session.defaultSession.headers = handler;
        },
      },
    },
  };
  const handled: string[] = [];
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    session,
    ipcMain: { handle: (channel: string) => void handled.push(channel) },
    Menu: { buildFromTemplate: (template: unknown) => ({ template }), setApplicationMenu: vi.fn() },
    nativeTheme: { shouldUseDarkColors: false },
    shell: { openExternal: (url: string) => Promise.resolve(void calls.openExternal.push(url)), showItemInFolder: (path: string) => void calls.revealed.push(path) },
    dialog: { showOpenDialog: vi.fn(), showErrorBox: vi.fn() },
  };
  return { electron, calls, windows, handled, app, session };
}

let fake: ReturnType<typeof fakeElectron>;
const libraryDir = mkdtempSync(join(tmpdir(), 'nerfdex-shell-'));
vi.stubEnv('NERFDEX_LIBRARY', libraryDir);
/**
 * vitest keeps a mocked module once made, so the module is one set of forwarders to the fake of
 * the current load (each load is a fresh shell against fresh state).
 */
vi.mock('electron', () => {
  const forward = <K extends keyof ReturnType<typeof fakeElectron>['electron']>(key: K) =>
    new Proxy(function () {} as unknown as object, {
      get: (_target, property) => Reflect.get(fake.electron[key] as object, property),
      construct: (_target, args) => Reflect.construct(fake.electron[key] as unknown as new (...a: unknown[]) => object, args),
    });
  return {
    app: forward('app'),
    BrowserWindow: forward('BrowserWindow'),
    session: forward('session'),
    ipcMain: forward('ipcMain'),
    Menu: forward('Menu'),
    nativeTheme: forward('nativeTheme'),
    shell: forward('shell'),
    dialog: forward('dialog'),
  };
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(libraryDir, { recursive: true, force: true });
});

async function loadShell(lock: boolean): Promise<ReturnType<typeof fakeElectron>> {
  fake = fakeElectron(lock);
  vi.resetModules();
  await import('../../src/main/index');
  // start() runs after whenReady() resolves.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return fake;
}

describe('the Electron shell', () => {
  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  it('opens one locked-down window on the built renderer, with a handler for every API channel', async () => {
    const { windows, handled, electron } = await loadShell(true);
    expect(windows).toHaveLength(1);
    const prefs = windows[0]!.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, webviewTag: false });
    expect(String(prefs['preload'])).toMatch(/preload[\\/]index\.cjs$/);
    expect(windows[0]!.loaded).toMatch(/renderer[\\/]index\.html$/);
    expect([...handled].sort()).toEqual([...API_CHANNELS].sort());
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledTimes(1);
  });

  it('denies every permission and sends the CSP with the app\'s own pages only', async () => {
    const { session } = await loadShell(true);
    const s = session.defaultSession;
    let granted: unknown;
    s.permissionRequest!(undefined, 'media', (answer: unknown) => (granted = answer));
    expect(granted).toBe(false);
    expect(s.permissionCheck!()).toBe(false);
    const headersOf = (url: string): Record<string, unknown> => {
      let out: Record<string, unknown> = {};
      s.headers!({ url, responseHeaders: { 'X-Test': ['1'] } }, (answer: { responseHeaders?: Record<string, unknown> }) => (out = answer.responseHeaders ?? {}));
      return out;
    };
    const appPage = headersOf(fake.windows[0]!.loaded!.startsWith('/') ? `file://${fake.windows[0]!.loaded}` : fake.windows[0]!.loaded!);
    expect(String(appPage['Content-Security-Policy'])).toContain("default-src 'self'");
    expect(appPage['X-Test']).toEqual(['1']);
    expect(headersOf('https://example.com/')).toEqual({});
  });

  it('opens external links in the system browser, never in the app, and blocks navigation away and webviews', async () => {
    const { app, calls } = await loadShell(true);
    const contents = new FakeContents();
    app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    await Promise.resolve();
    expect(calls.openExternal).toEqual(['https://example.com/docs']);
    const navigate = (url: string): boolean => {
      let prevented = false;
      contents.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate(`file://${fake.windows[0]!.loaded}`)).toBe(false);
    let webview = false;
    contents.emit('will-attach-webview', { preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
  });

  it('focuses the open window when a second instance starts, and a second instance quits at once', async () => {
    const first = await loadShell(true);
    first.app.emit('second-instance');
    expect(first.calls).toMatchObject({ restored: 1, focused: 1 });
    const second = await loadShell(false);
    expect(second.calls.quit).toBe(1);
    expect(second.windows).toHaveLength(0);
    expect(second.handled).toHaveLength(0);
  });

  it('holds quitting until the library has closed, then quits once', async () => {
    const { app, calls } = await loadShell(true);
    let prevented = 0;
    const quit = (): void => app.emit('before-quit', { preventDefault: () => prevented++ });
    quit();
    // A second request while closing is held too, and starts nothing new.
    quit();
    expect(prevented).toBe(2);
    await vi.waitFor(() => expect(calls.quit).toBe(1));
    // The shell's own quit after closing goes through.
    quit();
    expect(prevented).toBe(2);
    expect(calls.exit).toEqual([]);
  });
});
