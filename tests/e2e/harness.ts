/**
 * What the end-to-end suites share: the renderer built as the app ships it, served with the real
 * API over a library, a page that records every error, and screenshots kept as test artifacts
 * (and, on request, as the docs' pictures).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { createApiService } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { startServer, type RunningServer } from '../../src/main/server/serve';
import type { Api } from '../../src/shared/api';
import { launchChromium } from './chromium';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds the renderer from the current source into `outDir` (not a stale out/). */
export async function buildRenderer(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: path.join(ROOT, 'src/renderer'),
    base: './',
    plugins: [vue()],
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

/**
 * A page at 1280x800 on `url` that records page errors, console errors and, unless `responses`
 * is false, every response with status 400 or above.
 */
export async function recordingPage(browser: Browser, url: string, options: { readonly responses?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  if (options.responses ?? true) {
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
    });
  }
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  return { page, errors };
}

/** test-results/<name>.png always; docs/<name>.png too when NERFDEX_UPDATE_DOCS=1 (so test runs leave the tree clean). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test-results', `${name}.png`) });
  if (process.env['NERFDEX_UPDATE_DOCS'] === '1') await page.screenshot({ path: path.join(ROOT, 'docs', `${name}.png`) });
}

/** A library served to Chromium as `npm run serve` serves it. */
export interface ServedApp {
  readonly api: Api;
  readonly server: RunningServer;
  readonly browser: Browser;
  /** The renderer built from source, for more servers in the same suite. */
  readonly rendererDir: string;
  /** Closes the browser and the server and removes the build (not the library). */
  close(): Promise<void>;
}

/** Builds the renderer into a scratch folder, serves `app` through the API contract and launches Chromium. */
export async function serveApp(app: AppLibrary): Promise<ServedApp> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'nerfdex-e2e-'));
  let server: RunningServer | undefined;
  try {
    const rendererDir = path.join(scratch, 'renderer');
    await buildRenderer(rendererDir);
    const service = createApiService({ name: 'nerfdex', version: 'e2e' }, { openLibrary: () => Promise.resolve(app) });
    server = await startServer({ api: service.api, events: service.events, rendererDir });
    // launch() gives every browser a fresh, temporary user-data dir of its own.
    const browser = await launchChromium();
    const running = server;
    return {
      api: service.api,
      server,
      browser,
      rendererDir,
      close: async () => {
        await browser.close();
        await running.close();
        await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}
