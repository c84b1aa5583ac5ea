/**
 * Electron entry: one window, locked down, and the API contract wired to IPC. Everything that
 * can run without Electron lives in the modules imported here.
 */

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, session, shell, type Session, type WebContents } from 'electron';
import { EVENT_CHANNEL } from '../shared/api';
import { createApiService, type ApiService } from './app/api-service';
import { registerApi } from './app/ipc';
import { appMenuTemplate, importDialogOptions, type ImportPick } from './menu';
import { contentSecurityPolicy, externalUrl, isAppUrl } from './app/security';

/** Vite's dev server, set by `electron-vite dev` only. */
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const rendererIndexPath = join(import.meta.dirname, '../renderer/index.html');
const appIndexUrl = devServerUrl ?? pathToFileURL(rendererIndexPath).href;
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');

let mainWindow: BrowserWindow | undefined;
let service: ApiService | undefined;
/** Quitting waits for the library to close: running jobs checkpoint after their current batch. */
let shutdown: 'running' | 'closing' | 'closed' = 'running';
/** A job that does not stop by then is left as it is; the next start resumes it all the same. */
const SHUTDOWN_DEADLINE_MS = 30_000;

function openInSystemBrowser(url: string): void {
  const safeUrl = externalUrl(url);
  if (safeUrl !== undefined) {
    void shell.openExternal(safeUrl);
  }
}

/** The File menu's import: the open dialog, then the chosen paths through `importPaths` (progress in the jobs panel). */
async function importFromDialog(pick: ImportPick): Promise<void> {
  if (service === undefined) return;
  const options = importDialogOptions(pick);
  const parent = BrowserWindow.getFocusedWindow() ?? mainWindow;
  const chosen = await (parent === undefined ? dialog.showOpenDialog(options) : dialog.showOpenDialog(parent, options));
  if (chosen.canceled || chosen.filePaths.length === 0) return;
  await service.api.importPaths(chosen.filePaths);
}

function hardenSession(target: Session): void {
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  const policy = contentSecurityPolicy();
  // Pages served without response headers get the same policy from the meta tag in index.html.
  target.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, appIndexUrl)) {
      callback({});
      return;
    }
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}

function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    openInSystemBrowser(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url, appIndexUrl)) {
      event.preventDefault();
      openInSystemBrowser(event.url);
    }
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url, appIndexUrl)) {
      event.preventDefault();
    }
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'nerfdex',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) {
      mainWindow = undefined;
    }
  });
  void (devServerUrl !== undefined ? window.loadURL(devServerUrl) : window.loadFile(rendererIndexPath));
  return window;
}

function start(): void {
  hardenSession(session.defaultSession);
  const importFrom = (pick: ImportPick): void => {
    importFromDialog(pick).catch((error: unknown) => dialog.showErrorBox('Import failed', error instanceof Error ? error.message : String(error)));
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, !app.isPackaged, { importFrom })));
  service = createApiService({ name: app.getName(), version: app.getVersion() }, { revealPath: (filePath) => shell.showItemInFolder(filePath) });
  registerApi(ipcMain, service.api, (frameUrl) => isAppUrl(frameUrl, appIndexUrl));
  // Events go to the app's own pages only, never to a page that navigated elsewhere.
  service.events.onEvent((event) => {
    for (const window of BrowserWindow.getAllWindows()) {
      const contents = window.webContents;
      if (!contents.isDestroyed() && isAppUrl(contents.getURL(), appIndexUrl)) contents.send(EVENT_CHANNEL, event);
    }
  });
  mainWindow = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) {
      mainWindow = createWindow();
    }
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow !== undefined) {
      if (mainWindow.isMinimized()) {
        mainWindow.restore();
      }
      mainWindow.focus();
    }
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('before-quit', (event) => {
    if (service === undefined || shutdown === 'closed') return;
    event.preventDefault();
    if (shutdown === 'closing') return;
    shutdown = 'closing';
    const deadline = setTimeout(() => {
      console.error(`nerfdex: the library did not close within ${SHUTDOWN_DEADLINE_MS / 1000} s; quitting anyway`);
      app.exit(0);
    }, SHUTDOWN_DEADLINE_MS);
    service
      .close()
      .catch((error: unknown) => console.error('nerfdex: closing the library failed:', error))
      .finally(() => {
        clearTimeout(deadline);
        shutdown = 'closed';
        app.quit();
      });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') {
      app.quit();
    }
  });
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      console.error('nerfdex failed to start:', error);
      app.exit(1);
    });
}
