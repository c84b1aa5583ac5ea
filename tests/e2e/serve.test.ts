/**
 * Serve mode end to end in real Chromium: the renderer built from source, served with the real
 * API over a temporary library of six demo NeRFs (imported as the first-run demo, no encoder).
 * Covers the status line, the gallery, search, the asset view with its 3D preview, tags, keyboard
 * navigation, and (once a small random encoder is installed) the latent map.
 */

import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decode } from 'fast-png';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiService } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { startServer, type RunningServer } from '../../src/main/server/serve';
import { boundsOf, fitView, toScreen } from '../../src/renderer/map/map-view';
import type { Api, ApiEvent, AssetCard, LibrarySummary, ListAssetsRequest } from '../../src/shared/api';
import { validateEvent } from '../../src/shared/events';
import { fakeApiWith } from '../app/fake-api';
import { DEMO, FIXTURE_NERFS, libraryFixture } from '../app/library-fixture';
import { testEncoder } from '../library/import-fixtures';
import { type ServedApp, recordingPage, screenshot, serveApp } from './harness';

/** The machine is slow and shared; waits are generous, and end as soon as the page is there. */
const WAIT = { timeout: 30_000 };
/** For an import job to finish: it shares two worker threads with whatever else runs. */
const JOB_WAIT = { timeout: 240_000, interval: 500 };

const fixture = libraryFixture();
let served: ServedApp | undefined;
let rendererDir: string;
let server: RunningServer;
let browser: Browser;
let app: AppLibrary;
let api: Api;

beforeAll(async () => {
  app = await fixture.open();
  await app.jobs.idle();
  served = await serveApp(app);
  ({ api, server, browser, rendererDir } = served);
}, 300_000);

afterAll(async () => {
  await served?.close();
  await app?.close();
  await fixture.remove();
});

/** Fraction of an element's pixels (as the user sees them) that differ from its top-left pixel by more than 24 in some channel. */
async function foregroundFraction(element: Locator): Promise<number> {
  const png = decode(await element.screenshot());
  const { width, height, channels, data } = png;
  let count = 0;
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < Math.min(channels, 3); c++) {
      if (Math.abs(Number(data[i * channels + c]) - Number(data[c])) > 24) {
        count++;
        break;
      }
    }
  }
  return count / (width * height);
}

describe('serve mode in Chromium', () => {
  it('shows the compute provider and its reason in the status line', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    const status = page.locator('footer .provider');
    await expect.poll(() => status.getAttribute('data-state'), WAIT).toBe('ok');
    const text = (await status.textContent()) ?? '';
    const choice = await api.computeInfo();
    expect(choice.name).toBe('cpu');
    expect(text).toContain('Compute: CPU');
    expect(text).toContain(choice.reason);
    // The token left the address bar once read.
    expect(page.url()).not.toContain(server.token);
    await expect.poll(() => page.locator('footer .versions').textContent(), WAIT).toContain('nerfdex e2e');
    await expect.poll(() => page.locator('footer .library').textContent(), WAIT).toContain('6 assets · 0 embedded · no encoder model installed');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a clear error without the token', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/`);
    await expect.poll(() => page.locator('[role=alert]').textContent(), WAIT).toContain('no access token');
    await page.close();
  });
});

describe('the gallery, search and asset view', () => {
  it('shows every asset with its thumbnail', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    const images = page.locator('.gallery-cell img');
    await expect.poll(() => images.count(), WAIT).toBe(6);
    // Node's types have no DOM: the image is read through the one property needed.
    const sources = await images.evaluateAll((list) => list.map((image) => [image.getAttribute('src')?.slice(0, 22), (image as unknown as { naturalWidth: number }).naturalWidth]));
    expect(sources).toEqual(Array.from({ length: 6 }, () => ['data:image/png;base64,', 48]));
    expect(await page.locator('.bar .count').textContent()).toBe('6 assets');
    // Every cell lies inside the gallery, whatever the length of the names.
    const gallery = (await page.locator('[role=listbox]').boundingBox())!;
    for (const box of await page.locator('.gallery-cell').evaluateAll((cells) => cells.map((cell) => cell.getBoundingClientRect().right))) {
      expect(box).toBeLessThanOrEqual(gallery.x + gallery.width);
    }
    await screenshot(page, 'app-gallery');
    expect(errors).toEqual([]);
    await page.close();

    const dark = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    await dark.goto(server.url);
    await expect.poll(() => dark.locator('.gallery-cell img').count(), WAIT).toBe(6);
    // An expression string: the node tsconfig has no DOM types.
    const background = await dark.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    expect(background).toBe('rgb(21, 23, 28)');
    await screenshot(dark, 'app-gallery-dark');
    await dark.close();
  });

  it('puts a category first when its name is searched, and opens an asset with its caption', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    await page.locator('input[type=search]').fill('chair');
    await page.locator('input[type=search]').press('Enter');
    const results = page.locator('.search-result');
    await expect.poll(() => results.count(), WAIT).toBeGreaterThanOrEqual(2);
    expect(await results.evaluateAll((list) => list.slice(0, 2).map((item) => item.getAttribute('data-category')))).toEqual(['chair', 'chair']);
    expect(await results.first().locator('.badge').first().textContent()).toBe('text');
    expect(await page.locator('.search-results .corrections').count()).toBe(0);

    // A misspelt category finds it too, and the headline says what was searched for it.
    await page.locator('input[type=search]').fill('chiar ');
    await page.locator('input[type=search]').press('Enter');
    await expect.poll(() => page.locator('.search-results .corrections').textContent(), WAIT).toContain('“chair” for “chiar”');
    expect(await results.evaluateAll((list) => list.slice(0, 2).map((item) => item.getAttribute('data-category')))).toEqual(['chair', 'chair']);
    await page.locator('input[type=search]').fill('chair');
    await page.locator('input[type=search]').press('Enter');
    await expect.poll(() => page.locator('.search-results .corrections').count(), WAIT).toBe(0);

    const id = Number(await results.first().getAttribute('data-asset-id'));
    const { caption } = await api.getAsset(id);
    expect(caption).toMatch(/\w/);
    await results.first().click();
    await expect.poll(() => page.locator(`.asset-panel[data-asset-id="${id}"] .caption`).textContent(), WAIT).toBe(caption);
    expect(await page.locator('#preview-slot').count()).toBe(1);
    await expect.poll(() => page.locator('.similar .message').textContent(), WAIT).toContain('no encoder model installed');
    // The 3D preview of the baked volume replaces the thumbnail, and draws the object.
    const preview = page.locator('#preview-slot .volume-preview');
    await expect.poll(() => preview.getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    await expect.poll(async () => Number(await preview.locator('canvas').getAttribute('data-render-count')), WAIT).toBeGreaterThan(0);
    expect(await foregroundFraction(preview.locator('.stage'))).toBeGreaterThan(0.02);
    await screenshot(page, 'app-asset');

    // Another asset: the first viewer is gone with its WebGL context, and the next one draws.
    type Context = { isContextLost(): boolean } | null;
    const firstCanvas = await preview.locator('canvas').elementHandle();
    const otherId = Number(await results.nth(1).getAttribute('data-asset-id'));
    await results.nth(1).click();
    await expect.poll(() => page.locator(`.asset-panel[data-asset-id="${otherId}"] .volume-preview`).getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    expect(await firstCanvas!.evaluate((c: { getContext(kind: string): Context }) => c.getContext('webgl2')?.isContextLost())).toBe(true);
    expect(await page.locator('.volume-preview').count()).toBe(1);
    await results.first().click();
    await expect.poll(() => page.locator(`.asset-panel[data-asset-id="${id}"] .volume-preview`).getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');

    const download = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Export GLB' }).click();
    const glb = await download;
    expect(glb.suggestedFilename()).toBe(`${(await api.getAsset(id)).name}.glb`);
    await expect.poll(() => page.locator('.export-message').textContent(), WAIT).toMatch(/^Saved .*\.glb \(\d/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps a tag added in the asset view after a reload', async () => {
    const { page } = await recordingPage(browser, server.url);
    const first = page.locator('.gallery-cell[data-index="0"]');
    await expect.poll(() => first.getAttribute('data-asset-id'), WAIT).toMatch(/^\d+$/);
    const id = Number(await first.getAttribute('data-asset-id'));
    await first.dblclick();
    const panel = page.locator(`.asset-panel[data-asset-id="${id}"]`);
    await panel.locator('.tag-editor input').fill('E2E Favourite');
    await panel.locator('.tag-editor input').press('Enter');
    await expect.poll(() => panel.locator('.tag-chip[data-tag="e2e favourite"]').count(), WAIT).toBe(1);

    await page.reload();
    await page.locator('.gallery-cell[data-index="0"]').dblclick(WAIT);
    await expect.poll(() => page.locator(`.asset-panel[data-asset-id="${id}"] .tag-chip[data-tag="e2e favourite"]`).count(), WAIT).toBe(1);
    expect((await api.getAsset(id)).tags.map((t) => t.tag)).toContain('e2e favourite');
    await page.close();
  });

  it('moves the selection with the arrow keys and opens the focused asset with Enter', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    const grid = page.locator('[role=listbox]');
    await expect.poll(() => page.locator('.gallery-cell img').count(), WAIT).toBe(6);
    await grid.focus();
    const selected = () => page.locator('.gallery-cell[aria-selected=true]').evaluateAll((list) => list.map((cell) => Number(cell.getAttribute('data-index'))));
    await grid.press('ArrowRight');
    await expect.poll(selected, WAIT).toEqual([0]);
    await grid.press('ArrowRight');
    await expect.poll(selected, WAIT).toEqual([1]);
    await grid.press('Shift+ArrowRight');
    await expect.poll(selected, WAIT).toEqual([1, 2]);
    await expect.poll(() => page.locator('.selection-bar strong').textContent(), WAIT).toBe('2 selected');
    await grid.press('ArrowLeft');
    await expect.poll(selected, WAIT).toEqual([1]);
    const id = await page.locator('.gallery-cell[data-index="1"]').getAttribute('data-asset-id');
    await grid.press('Enter');
    await expect.poll(() => page.locator('.asset-panel').getAttribute('data-asset-id'), WAIT).toBe(id);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('selection actions and jobs', () => {
  it('tags several selected assets and adds them to a new collection, which the filters then find', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    await expect.poll(() => page.locator('.gallery-cell img').count(), WAIT).toBe(6);
    await page.locator('.gallery-cell[data-index="1"]').click();
    await page.locator('.gallery-cell[data-index="3"]').click({ modifiers: ['Control'] });
    await expect.poll(() => page.locator('.selection-bar strong').textContent(), WAIT).toBe('2 selected');
    const ids = await page.locator('.gallery-cell[aria-selected=true]').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-asset-id')));
    expect(ids).toHaveLength(2);

    await page.locator('input[name=selection-tag]').fill('Shortlist');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => page.locator('.selection-bar .message').textContent(), WAIT).toBe('Tagged 2 “Shortlist”');
    await page.locator('select[name=selection-collection]').selectOption('new');
    await page.locator('input[name=new-collection]').fill('Picks');
    await page.getByRole('button', { name: 'Add to collection' }).click();
    await expect.poll(() => page.locator('.selection-bar .message').textContent(), WAIT).toBe('Added 2 to “Picks”');

    const shown = () => page.locator('.gallery-cell').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-asset-id')).sort());
    await page.locator('select[name=tag]').selectOption('shortlist', WAIT);
    await expect.poll(() => page.locator('.bar .count').textContent(), WAIT).toBe('2 assets');
    await expect.poll(shown, WAIT).toEqual([...ids].sort());
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('.bar .count').textContent(), WAIT).toBe('6 assets');
    await page.locator('select[name=collection]').selectOption({ label: 'Picks (2)' }, WAIT);
    await expect.poll(shown, WAIT).toEqual([...ids].sort());
    await page.locator('.gallery-cell[data-index="0"]').click();
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await expect.poll(() => page.locator('.gallery-cell[aria-selected=true]').count(), WAIT).toBe(0);
    expect(await page.locator('.selection-bar').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('imports a path from the jobs panel and lists the file that failed, with why', async () => {
    const bad = path.join(fixture.root, 'e2e-broken.nerf.safetensors');
    await writeFile(bad, 'not a NeRF');
    const { page, errors } = await recordingPage(browser, server.url);
    await page.locator('input[name=import-path]').fill(bad);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const job = page.locator('.job', { hasText: 'Import e2e-broken.nerf.safetensors' });
    // The job may queue behind other work of the worker pool on a loaded machine: wait for it, generously.
    await expect.poll(() => job.getAttribute('data-state'), JOB_WAIT).toBe('done');
    await expect.poll(() => job.locator('.failures summary').textContent(), WAIT).toBe('1 file failed');
    await job.locator('.failures summary').click();
    expect(await job.locator('.failures .reason').textContent()).toMatch(/^UnknownFormatError: .*not a NeRF file/);
    await screenshot(page, 'app-jobs');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('answers a file dragged onto the browser page with what to do instead, and stays usable', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    await expect.poll(() => page.locator('.gallery-cell img').count(), WAIT).toBeGreaterThan(0);
    // A drag of one file from outside the page: the events a browser sends, with a real DataTransfer.
    const drag = await page.evaluateHandle(() => {
      // This file is type-checked without the DOM's types.
      const page = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: string[], name: string) => unknown };
      const transfer = new page.DataTransfer();
      transfer.items.add(new page.File(['not a NeRF'], 'chair.nerf.safetensors'));
      return transfer;
    });
    await page.dispatchEvent('body', 'dragenter', { dataTransfer: drag, clientX: 300, clientY: 300 });
    await page.dispatchEvent('body', 'dragover', { dataTransfer: drag, clientX: 300, clientY: 300 });
    const zone = page.locator('.drop-zone');
    await expect.poll(() => zone.getAttribute('data-desktop'), WAIT).toBe('false');
    expect(await zone.textContent()).toContain('Dropping files works in the desktop app');
    await page.dispatchEvent('body', 'drop', { dataTransfer: drag, clientX: 300, clientY: 300 });
    await expect.poll(() => zone.count(), WAIT).toBe(0);
    expect(await page.getByRole('alert').textContent()).toContain('type the path of a file or folder');
    // Nothing was imported, and the gallery still answers.
    expect((await api.librarySummary()).assets).toBe((await api.listAssets({ limit: 1 })).total);
    await page.locator('input[type=search]').fill('chair');
    await page.locator('input[type=search]').press('Enter');
    await expect.poll(() => page.locator('.search-result').count(), WAIT).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

/** A 1x1 PNG. */
const TINY_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe('a gallery of 20,000 assets', () => {
  it('keeps a few rows in the DOM and fetches only the pages and thumbnails it shows', async () => {
    const count = 20_000;
    const card = (index: number): AssetCard => ({ id: index + 1, name: `asset-${index}`, family: 'mlp', architecture: 'mlp-train', category: 'chair', caption: null, hasThumbnail: true, missing: false, addedAt: 0 });
    const pages: ListAssetsRequest[] = [];
    const thumbnails: number[] = [];
    const summary: LibrarySummary = { path: '/fake', assets: count, embedded: 0, collections: 0, modelVersion: null, encoderInstalled: false, similarUnavailable: 'no encoder', families: [], architectures: [], categories: [], tags: [] };
    const fake = fakeApiWith({
      appInfo: api.appInfo,
      computeInfo: api.computeInfo,
      librarySummary: () => Promise.resolve(summary),
      listCollections: () => Promise.resolve([]),
      listJobs: () => Promise.resolve([]),
      listAssets: (request) => {
        pages.push(request);
        const offset = request.offset ?? 0;
        const items = Array.from({ length: Math.max(0, Math.min(request.limit ?? 100, count - offset)) }, (_, i) => card(offset + i));
        return Promise.resolve({ items, total: count, offset });
      },
      thumbnails: (ids) => {
        thumbnails.push(...ids);
        return Promise.resolve(ids.map(() => TINY_PNG));
      },
    });
    const big = await startServer({ api: fake, rendererDir });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(big.url);
      await expect.poll(() => page.locator('.gallery-cell img').count(), WAIT).toBeGreaterThan(0);
      expect(await page.locator('.bar .count').textContent()).toBe('20000 assets');
      const cells = await page.locator('.gallery-cell').count();
      expect(cells).toBeLessThan(120);
      expect(thumbnails.length).toBeLessThanOrEqual(cells);

      const grid = page.locator('[role=listbox]');
      await grid.focus();
      await grid.press('End');
      const last = page.locator(`.gallery-cell[data-index="${count - 1}"]`);
      await expect.poll(() => last.getAttribute('aria-selected'), WAIT).toBe('true');
      await expect.poll(() => last.getAttribute('data-asset-id'), WAIT).toBe(String(count));
      await expect.poll(() => last.locator('img').count(), WAIT).toBe(1);
      expect(await page.locator('.gallery-cell').count()).toBeLessThan(120);
      // The first page, and the page of the end; nothing in between.
      expect(new Set(pages.map((request) => request.offset))).toEqual(new Set([0, count - 200]));
      expect(thumbnails.length).toBeLessThan(250);
      await grid.press('ArrowUp');
      await expect.poll(() => page.locator('.gallery-cell[aria-selected=true]').getAttribute('data-index'), WAIT).not.toBe(String(count - 1));
    } finally {
      await page.close();
      await big.close();
    }
  });
});

describe('the latent map', () => {
  it('says why it is unavailable without an encoder, then draws the embedded assets; hover shows a thumbnail, click opens the asset', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    await page.getByRole('button', { name: 'Map', exact: true }).click();
    await expect.poll(() => page.locator('.map-view .message').textContent(), WAIT).toContain('no encoder model installed');

    await testEncoder(path.join(fixture.root, 'models'));
    await expect.poll(async () => (await api.librarySummary()).embedded, { timeout: 180_000, interval: 1000 }).toBe(6);
    await app.jobs.idle();

    await page.reload();
    await page.getByRole('button', { name: 'Map', exact: true }).click(WAIT);
    const map = page.locator('.latent-map');
    await expect.poll(() => map.getAttribute('data-drawn'), { timeout: 120_000 }).toBe('6');
    const canvas = map.locator('canvas');
    expect(await foregroundFraction(canvas)).toBeGreaterThan(0.0005);
    expect(await page.locator('.map-view .caption').textContent()).toContain('t-SNE of 6 embedded assets');

    // Where the map put each point: the renderer's own fit of the layout to the canvas.
    const answer = await api.latentMap();
    if ('unavailable' in answer) throw new Error(answer.unavailable);
    const { points } = answer;
    const box = (await canvas.boundingBox())!;
    const legend = (await map.locator('.legend').boundingBox())!;
    const view = fitView(boundsOf(points), box.width, box.height);
    const target = points
      .map((p) => ({ id: p.assetId, at: toScreen(view, p.x, p.y) }))
      .find(({ at: [x, y] }) => !(box.x + x > legend.x - 8 && box.y + y < legend.y + legend.height + 8));
    expect(target).toBeDefined();
    const [x, y] = target!.at;
    await page.mouse.move(box.x + x, box.y + y);
    const tooltip = page.locator('.latent-map [role=tooltip]');
    await expect.poll(() => tooltip.getAttribute('data-asset-id'), WAIT).toBe(String(target!.id));
    await expect.poll(() => tooltip.locator('img').getAttribute('src'), WAIT).toMatch(/^data:image\/png;base64,/);
    await screenshot(page, 'app-map');
    await page.mouse.click(box.x + x, box.y + y);
    await expect.poll(() => page.locator('.asset-panel').getAttribute('data-asset-id'), WAIT).toBe(String(target!.id));
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});

describe('import progress through events', () => {
  it('shows a running import and its new assets from pushed events, without polling the jobs', async () => {
    const small = libraryFixture([FIXTURE_NERFS[0]!], { batchSize: 1 });
    const smallApp = await small.open();
    await smallApp.jobs.idle();
    const service = createApiService({ name: 'nerfdex', version: 'e2e' }, { openLibrary: () => Promise.resolve(smallApp) });
    const smallServer = await startServer({ api: service.api, events: service.events, rendererDir });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // What Chromium received on the WebSocket, checked as the renderer checks it; and each poll of the jobs.
    const received: ApiEvent[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', (frame) => received.push(validateEvent(JSON.parse(String(frame.payload))))));
    let jobPolls = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/listJobs') jobPolls++;
    });
    try {
      await page.goto(smallServer.url);
      await expect.poll(() => page.locator('.jobs').getAttribute('data-events'), WAIT).toBe('live');
      await expect.poll(() => page.locator('.bar .count').textContent(), WAIT).toBe('1 assets');

      const names = ['chair-070002.hash-train', 'lamp-070000.mlp-train', 'sofa-070001.triplane-train', 'table-070000.hash-train'].map((name) => `${name}.nerf.safetensors`);
      const folder = path.join(small.root, 'incoming');
      await mkdir(folder);
      for (const name of names) await copyFile(path.join(DEMO, name), path.join(folder, name));
      const pollsBefore = jobPolls;
      await page.locator('input[name=import-path]').fill(folder);
      await page.getByRole('button', { name: 'Import', exact: true }).click();

      const job = page.locator('.job', { hasText: 'Import incoming' });
      await expect.poll(() => job.getAttribute('data-state'), { timeout: 180_000 }).toBe('done');
      expect(await job.locator('.facts').textContent()).toContain(`${names.length} / ${names.length}`);
      await expect.poll(() => page.locator('.bar .count').textContent(), WAIT).toBe(`${1 + names.length} assets`);
      // The panel reloads the list once after its own action; everything after that came pushed.
      expect(jobPolls - pollsBefore).toBeLessThanOrEqual(1);

      const id = Number(await job.getAttribute('data-job-id'));
      const progress = received.flatMap((event) => (event.type === 'job' && event.job.id === id ? [event.job] : []));
      expect(progress.some((info) => info.state === 'running' && info.done > 0 && info.done < names.length)).toBe(true);
      expect(progress[progress.length - 1]).toMatchObject({ state: 'done', done: names.length, imported: names.length });
      expect(received.some((event) => event.type === 'library' && event.change === 'assets')).toBe(true);
      expect(errors).toEqual([]);

      // The channel drops with the server: the panel falls back to polling, and goes live again
      // once a server answers on the same port with the same token.
      await smallServer.close();
      await expect.poll(() => page.locator('.jobs').getAttribute('data-events'), WAIT).toBe('polling');
      const again = await startServer({ api: service.api, events: service.events, rendererDir, port: smallServer.port, token: smallServer.token });
      try {
        await expect.poll(() => page.locator('.jobs').getAttribute('data-events'), { timeout: 60_000 }).toBe('live');
      } finally {
        await again.close();
      }
    } finally {
      await page.close();
      await smallServer.close();
      await service.close();
      await small.remove();
    }
  }, 300_000);
});
