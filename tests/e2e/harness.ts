/**
 * What the end-to-end suites share: the renderer built as the app ships it, a page that records
 * every error, and screenshots kept as test artifacts (and, on request, as the docs' pictures).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';

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
