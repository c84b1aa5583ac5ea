/**
 * Find-similar end to end in real Chromium with the shipped encoder (issue 7: "find-similar on an
 * object returns its other architectures near the top"). A temporary library imports the 39 demo
 * NeRFs of object 070000 (one object per category in three architectures, held out of the
 * encoder's training) as the first-run demo, embedded by resources/models/encoder.onnx; the asset
 * view's similar strip of several assets is checked for the object's two other architectures.
 */

import { copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppLibrary } from '../../src/main/app/app-library';
import type { RunningServer } from '../../src/main/server/serve';
import type { Api, AssetCard } from '../../src/shared/api';
import { DEMO, libraryFixture } from '../app/library-fixture';
import { ROOT, type ServedApp, recordingPage, screenshot, serveApp } from './harness';

const SHIPPED = path.join(ROOT, 'resources/models');
/** The machine is slow and shared; waits are generous, and end as soon as the page is there. */
const WAIT = { timeout: 60_000 };
/** The checked assets: every architecture of two objects, fixed in advance rather than picked by result. */
const CHECKED_OBJECTS = ['chair-070000', 'airplane-070000'];
/**
 * How many of the 12 sibling placements (6 assets x their 2 other architectures) must be in the
 * top 10 shown (chance: 26 % each, about 3 of 12). The shipped encoder (gmn-fb833842) places all
 * 78 placements of the 39 demo assets in the top 10 (tests/library/find-similar-shipped.test.ts,
 * which holds the floor over all of them); recipe v1's gmn-03dcc6b9 placed 6 of these 12.
 */
const MIN_PLACED = 11;
/** The asset whose view is saved as app-similar.png. */
const PICTURED = 'chair-070000.triplane-train';

const objectOf = (name: string): string => name.split('.')[0]!;

let fixture: ReturnType<typeof libraryFixture>;
let served: ServedApp | undefined;
let server: RunningServer;
let browser: Browser;
let app: AppLibrary;
let api: Api;
let assets: AssetCard[];

beforeAll(async () => {
  const files = (await readdir(DEMO)).filter((name) => /-070000\..*\.nerf\.safetensors$/.test(name)).sort();
  expect(files).toHaveLength(39);
  fixture = libraryFixture(files, { poolSize: 2, batchSize: 8 });
  await copyFile(path.join(SHIPPED, 'encoder.onnx'), fixture.encoderPath);
  await copyFile(path.join(SHIPPED, 'encoder.json'), path.join(path.dirname(fixture.encoderPath), 'encoder.json'));
  app = await fixture.open();
  await app.jobs.idle();
  await app.embeddingIdle();
  served = await serveApp(app);
  ({ api, server, browser } = served);
  assets = [...(await api.listAssets({ limit: 100 })).items];
}, 600_000);

afterAll(async () => {
  await served?.close();
  await app?.close();
  await fixture?.remove();
});

/** Opens an asset from a search for its name and returns the names in its similar strip, best first. */
async function similarShown(page: Page, asset: AssetCard): Promise<string[]> {
  const search = page.locator('input[type=search]');
  await search.fill(asset.name);
  await search.press('Enter');
  const result = page.locator(`.search-result[data-asset-id="${asset.id}"]`);
  await expect.poll(() => result.count(), WAIT).toBe(1);
  await result.click();
  const items = page.locator(`.asset-panel[data-asset-id="${asset.id}"] .similar .similar-item`);
  await expect.poll(() => items.count(), WAIT).toBe(10);
  // Each item's title is "<name> (<category>)".
  const titles = await items.evaluateAll((list) => list.map((item) => item.getAttribute('title') ?? ''));
  return titles.map((title) => title.replace(/ \([^)]*\)$/, ''));
}

describe('find-similar with the shipped encoder in Chromium', () => {
  it('has imported and embedded all 39 held-out demo NeRFs', async () => {
    const summary = await api.librarySummary();
    expect(summary).toMatchObject({ assets: 39, embedded: 39, encoderInstalled: true, similarUnavailable: null });
    expect(new Set(assets.map((a) => objectOf(a.name))).size).toBe(13);
  });

  it("shows an asset's other architectures among its top 10 similar shapes (at least 11 of 12 placements; chance about 3)", async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    const checked = assets.filter((a) => CHECKED_OBJECTS.includes(objectOf(a.name))).sort((a, b) => a.name.localeCompare(b.name));
    expect(checked).toHaveLength(6);
    const lines: string[] = [];
    let placed = 0;
    for (const asset of checked) {
      const shown = await similarShown(page, asset);
      // The strip shows what the API ranks, in its order.
      const ranked = (await api.findSimilar(asset.id, 10, {})).results.map((hit) => hit.asset.name);
      expect(shown).toEqual(ranked);
      expect(shown).not.toContain(asset.name);
      const siblings = assets.filter((a) => a.id !== asset.id && objectOf(a.name) === objectOf(asset.name)).map((a) => a.name);
      expect(siblings).toHaveLength(2);
      const ranks = siblings.map((name) => shown.indexOf(name) + 1);
      placed += ranks.filter((rank) => rank > 0).length;
      lines.push(`${asset.name}: siblings at ${ranks.map((rank) => (rank > 0 ? rank : '>10')).join(', ')}`);
      if (asset.name === PICTURED) {
        const strip = page.locator(`.asset-panel[data-asset-id="${asset.id}"] .similar`);
        await expect.poll(() => strip.locator('img').count(), WAIT).toBe(10);
        await expect.poll(() => page.locator('#preview-slot .volume-preview').getAttribute('data-state'), { timeout: 120_000 }).toBe('ready');
        await strip.scrollIntoViewIfNeeded();
        await screenshot(page, 'app-similar');
      }
    }
    console.log(`find-similar in the page, other architectures in the top 10: ${placed} of ${2 * checked.length}\n  ${lines.join('\n  ')}`);
    expect(placed).toBeGreaterThanOrEqual(MIN_PLACED);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('draws the latent map of all 39 embedded assets, coloured by category and by architecture', async () => {
    const { page, errors } = await recordingPage(browser, server.url);
    await page.getByRole('button', { name: 'Map', exact: true }).click();
    const map = page.locator('.latent-map');
    await expect.poll(() => map.getAttribute('data-drawn'), { timeout: 120_000 }).toBe('39');
    expect(await page.locator('.map-view .caption').textContent()).toContain('t-SNE of 39 embedded assets');
    // The legend lists every category, then every architecture once the colouring switches.
    await expect.poll(() => map.locator('.legend li').count(), WAIT).toBe(13);
    await screenshot(page, 'app-map-shipped');
    await map.getByRole('button', { name: 'Architecture' }).click();
    await expect.poll(() => map.locator('.legend li').count(), WAIT).toBe(3);
    await screenshot(page, 'app-map-shipped-architecture');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
