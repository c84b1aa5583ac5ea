/**
 * Serve mode end to end in real Chromium: the renderer built from source, served with the real
 * API, shows the chosen compute provider in its status line.
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/api-impl';
import { startServer, type RunningServer } from '../../src/main/server/serve';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let scratch: string;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the end-to-end tests need Debian's chromium (apt-get install chromium; .ci/run does this)`);
  }
  scratch = await mkdtemp(path.join(os.tmpdir(), 'nerfdex-e2e-'));
  const rendererDir = path.join(scratch, 'renderer');
  // The renderer as the app ships it, built from the current source rather than a stale out/.
  await build({
    configFile: false,
    root: path.join(ROOT, 'src/renderer'),
    base: './',
    plugins: [vue()],
    logLevel: 'warn',
    build: { outDir: rendererDir, emptyOutDir: true },
  });
  server = await startServer({ api: createApi({ name: 'nerfdex', version: 'e2e' }), rendererDir });
  // launch() gives every browser a fresh, temporary user-data dir of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('serve mode in Chromium', () => {
  it('shows the compute provider and its reason in the status line', async () => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });

    await page.goto(server.url);
    const status = page.locator('footer .provider');
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 30_000 }).toBe('ok');
    const text = (await status.textContent()) ?? '';
    const choice = await createApi({ name: 'nerfdex', version: 'e2e' }).computeInfo();
    expect(choice.name).toBe('cpu');
    expect(text).toContain('Compute: CPU');
    expect(text).toContain(choice.reason);
    // The token left the address bar once read.
    expect(page.url()).not.toContain(server.token);
    await expect.poll(() => page.locator('footer .versions').textContent()).toContain('nerfdex e2e');
    expect(errors).toEqual([]);

    await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'serve-status.png') });
    // The README's picture is refreshed on request only, so test runs leave the tree clean.
    if (process.env['NERFDEX_UPDATE_DOCS'] === '1') await page.screenshot({ path: path.join(ROOT, 'docs', 'app-status.png') });
    await page.close();
  });

  it('shows a clear error without the token', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/`);
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('no access token');
    await page.close();
  });
});
