/**
 * The 3D preview and the latent map in real Chromium (WebGL by SwiftShader, no GPU): a test page
 * (tests/e2e/fixtures/preview) built with Vite from the components' source, served from memory,
 * shows a real demo NeRF baked by the main-side baker, and a map of 10,000 points.
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { decode, encode } from 'fast-png';
import type { Browser, Locator, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { boundsOf, fitView, toScreen } from '../../src/renderer/map/map-view';
import type { LatentMapPoint } from '../../src/renderer/map/latent-map-point';
import { bakeDemoNerf } from '../renderer/baked-demo';
import { launchChromium } from './chromium';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'tests/e2e/fixtures/preview');
/** Reference images; `NERFDEX_UPDATE_SCREENSHOTS=1` records them anew. */
const SCREENSHOTS = path.join(FIXTURE, 'screenshots');
const ORIGIN = 'http://nerfdex.test';
const CATEGORIES = ['airplane', 'bench', 'cabinet', 'car', 'chair', 'display', 'lamp', 'speaker', 'rifle', 'sofa', 'table', 'phone', 'watercraft'];
const ARCHITECTURES = ['mlp-train', 'triplane-train', 'hash-train'];
/** Per test: Chromium renders on the CPU, which is slow on a busy two-core machine. */
const TEST_TIMEOUT_MS = 180_000;

let scratch: string;
let pageDir: string;
let browser: Browser;
const files = new Map<string, Uint8Array>();

/** 10,000 points in 13 clusters; point 0 sits alone in the top-left corner. */
function mapPoints(): LatentMapPoint[] {
  const random = seededRandom(11);
  return Array.from({ length: 10_000 }, (_, i) => {
    const c = i % CATEGORIES.length;
    const lone = i === 0;
    return {
      x: lone ? -40 : 10 * Math.cos(c) + 2 * (random() - 0.5) * (1 + (i % 3)),
      y: lone ? 40 : 10 * Math.sin(c) + 2 * (random() - 0.5) * (1 + (i % 3)),
      category: CATEGORIES[c]!,
      architecture: ARCHITECTURES[i % 3]!,
      assetId: 1000 + i,
      label: `${CATEGORIES[c]} ${i}`,
    };
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'nerfdex-e2e-preview-'));
  pageDir = path.join(scratch, 'page');
  await build({
    configFile: false,
    root: FIXTURE,
    base: './',
    plugins: [vue()],
    logLevel: 'warn',
    build: { outDir: pageDir, emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  });
  const { bytes } = await bakeDemoNerf();
  files.set('/volume.ndxv', bytes);
  files.set('/bad.ndxv', bytes.subarray(0, 1000));
  files.set('/points.json', new TextEncoder().encode(JSON.stringify(mapPoints())));
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/**
 * A page on the fixture, its requests answered from the build and `files`; errors collected.
 * `prepare` runs before the page loads.
 */
async function openFixture(hash: string, errors: string[], prepare?: (page: Page) => Promise<unknown>): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 960, height: 640 } });
  await prepare?.(page);
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const pathname = new URL(route.request().url()).pathname;
    const thumb = /^\/thumbs\/(\d+)\.png$/.exec(pathname);
    if (thumb !== null) {
      // A flat swatch whose red channel says which asset it is.
      const data = new Uint8Array(16 * 16 * 3).map((_, i) => (i % 3 === 0 ? Number(thumb[1]) % 256 : 128));
      return route.fulfill({ contentType: 'image/png', body: Buffer.from(encode({ width: 16, height: 16, data, channels: 3 })) });
    }
    const generated = files.get(pathname);
    if (generated !== undefined) return route.fulfill({ contentType: 'application/octet-stream', body: Buffer.from(generated) });
    const file = path.join(pageDir, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(pageDir) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    return route.fulfill({ contentType: type, body: await readFile(file) });
  });
  await page.goto(`${ORIGIN}/index.html#${hash}`);
  return page;
}

interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** RGBA pixels of an element as the user sees it. */
async function pixelsOf(element: Locator): Promise<Rgba> {
  return rgbaOf(await element.screenshot());
}

/** A canvas's own pixels, without what is drawn over it. */
async function canvasPixels(canvas: Locator): Promise<Rgba> {
  const url = await canvas.evaluate((c: { toDataURL(type: string): string }) => c.toDataURL('image/png'));
  return rgbaOf(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
}

function rgbaOf(bytes: Uint8Array): Rgba {
  const png = decode(bytes);
  const { width, height, channels } = png;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 4; c++) data[4 * i + c] = c < channels ? Number(png.data[i * channels + c]) : 255;
  }
  return { width, height, data };
}

/** Fraction of pixels that differ from the image's top-left pixel (the background) by more than 24 in some channel (alpha included). */
function foregroundFraction(image: { data: Uint8Array }): number {
  const { data } = image;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if ([0, 1, 2, 3].some((c) => Math.abs(data[i + c]! - data[c]!) > 24)) count++;
  }
  return count / (data.length / 4);
}

/** Fraction of pixels that differ between two images of the same size by more than 24 in some channel (alpha included). */
function changedFraction(a: { data: Uint8Array }, b: { data: Uint8Array }): number {
  let count = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if ([0, 1, 2, 3].some((c) => Math.abs(a.data[i + c]! - b.data[i + c]!) > 24)) count++;
  }
  return count / (a.data.length / 4);
}

/**
 * Compares `image` with the stored reference `name`: fewer than 2% of the pixels may differ by
 * more than 24 in a channel (the bake and SwiftShader may move an edge by a pixel).
 */
async function expectMatchesReference(image: Rgba, name: string): Promise<void> {
  const file = path.join(SCREENSHOTS, name);
  if (process.env['NERFDEX_UPDATE_SCREENSHOTS'] === '1') {
    await mkdir(SCREENSHOTS, { recursive: true });
    await writeFile(file, encode({ width: image.width, height: image.height, data: image.data, channels: 4 }));
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: run this test with NERFDEX_UPDATE_SCREENSHOTS=1 to record it`);
  const reference = rgbaOf(await readFile(file));
  expect([image.width, image.height]).toEqual([reference.width, reference.height]);
  expect(changedFraction(reference, image)).toBeLessThan(0.02);
}

/** Waits until the preview has drawn a frame after `since` frames. */
async function renderedAfter(page: Page, since: number): Promise<number> {
  const canvas = page.locator('.volume-preview canvas');
  await expect.poll(async () => Number(await canvas.getAttribute('data-render-count')), { timeout: 60_000 }).toBeGreaterThan(since);
  return Number(await canvas.getAttribute('data-render-count'));
}

async function setRange(page: Page, selector: string, value: number): Promise<void> {
  // Structural types: the tests are type-checked without the DOM's.
  type RangeInput = { value: string; dispatchEvent(event: object): boolean };
  type EventConstructor = new (type: string, init: { bubbles: boolean }) => object;
  await page.locator(selector).evaluate((input: RangeInput, v: number) => {
    input.value = String(v);
    input.dispatchEvent(new (globalThis as unknown as { Event: EventConstructor }).Event('input', { bubbles: true }));
  }, value);
}

async function saveScreenshot(element: Locator, name: string): Promise<void> {
  await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  await element.screenshot({ path: path.join(ROOT, 'test-results', name) });
}

describe('3D preview in Chromium', () => {
  it('ray-marches a baked demo chair, follows the threshold, and shows its mesh', async () => {
    const errors: string[] = [];
    const page = await openFixture('preview', errors);
    const root = page.locator('.volume-preview');
    await expect.poll(() => root.getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    let frames = await renderedAfter(page, 0);
    const stage = page.locator('.volume-preview .stage');
    const low = await pixelsOf(stage);
    const lowFraction = foregroundFraction(low);
    expect(lowFraction).toBeGreaterThan(0.02);
    expect(lowFraction).toBeLessThan(0.9);
    await expectMatchesReference(low, 'preview-volume.png');
    await saveScreenshot(root, 'preview-volume.png');

    await setRange(page, 'input.threshold', 0.95);
    frames = await renderedAfter(page, frames);
    const high = await pixelsOf(stage);
    expect(changedFraction(low, high)).toBeGreaterThan(0.005);
    expect(foregroundFraction(high)).toBeLessThan(lowFraction);

    await setRange(page, 'input.threshold', 0.25);
    frames = await renderedAfter(page, frames);
    // Fewer samples per ray: a coarser image of the same chair.
    await page.locator('select.steps').selectOption('0.5');
    frames = await renderedAfter(page, frames);
    const coarse = await pixelsOf(stage);
    expect(changedFraction(low, coarse)).toBeGreaterThan(0.001);
    expect(Math.abs(foregroundFraction(coarse) - lowFraction)).toBeLessThan(0.3 * lowFraction);
    await page.getByRole('button', { name: 'Mesh' }).click();
    frames = await renderedAfter(page, frames);
    await expect.poll(async () => Number(((await page.locator('.triangles').textContent()) ?? '').replace(/\D/g, ''))).toBeGreaterThan(500);
    const mesh = await pixelsOf(stage);
    expect(foregroundFraction(mesh)).toBeGreaterThan(0.02);
    await expectMatchesReference(mesh, 'preview-mesh.png');
    await saveScreenshot(root, 'preview-mesh.png');

    // Orbiting redraws from another side.
    const box = (await stage.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await renderedAfter(page, frames);
    expect(changedFraction(mesh, await pixelsOf(stage))).toBeGreaterThan(0.005);

    // Unmounting frees the WebGL context.
    const canvas = await page.locator('.volume-preview canvas').elementHandle();
    await page.locator('#unmount').click();
    await expect.poll(() => page.locator('.volume-preview').count()).toBe(0);
    type Context = { isContextLost(): boolean } | null;
    expect(await canvas!.evaluate((c: { getContext(kind: string): Context }) => c.getContext('webgl2')?.isContextLost())).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, TEST_TIMEOUT_MS);

  it('says what is wrong with a truncated volume', async () => {
    const errors: string[] = [];
    const page = await openFixture('bad', errors);
    await expect.poll(() => page.locator('.volume-preview').getAttribute('data-state'), { timeout: 60_000 }).toBe('error');
    const alert = (await page.locator('.volume-preview [role=alert]').textContent()) ?? '';
    expect(alert).toContain('bad.ndxv: truncated: 1000 bytes, resolution 64 needs');
    expect(await page.locator('#errors').textContent()).toContain('truncated');
    expect(errors).toEqual([]);
    await page.close();
  }, TEST_TIMEOUT_MS);

  it('shows a message instead of a blank canvas without WebGL', async () => {
    const errors: string[] = [];
    // Every attempt at a WebGL context fails, as on a machine with WebGL blocked.
    const page = await openFixture('preview', errors, (p) =>
      p.addInitScript({
        content: `{
          const original = HTMLCanvasElement.prototype.getContext;
          HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
            return kind.startsWith('webgl') ? null : original.call(this, kind, ...rest);
          };
        }`,
      }),
    );
    await expect.poll(() => page.locator('.volume-preview').getAttribute('data-state'), { timeout: 60_000 }).toBe('no-webgl');
    expect(await page.locator('.volume-preview [role=alert]').textContent()).toContain('WebGL 2 is not available');
    expect(errors).toEqual([]);
    await page.close();
  }, TEST_TIMEOUT_MS);

  it('says so when the WebGL context is lost', async () => {
    const errors: string[] = [];
    const page = await openFixture('preview', errors);
    const root = page.locator('.volume-preview');
    await expect.poll(() => root.getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    type LoseContext = { loseContext(): void } | null;
    type Context = { getExtension(name: string): LoseContext } | null;
    await page.locator('.volume-preview canvas').evaluate((c: { getContext(kind: string): Context }) => c.getContext('webgl2')?.getExtension('WEBGL_lose_context')?.loseContext());
    await expect.poll(() => root.getAttribute('data-state')).toBe('no-webgl');
    expect(await root.locator('[role=alert]').textContent()).toContain('lost its WebGL context');
    expect(errors).toEqual([]);
    await page.close();
  }, TEST_TIMEOUT_MS);
});

describe('latent map in Chromium', () => {
  it('draws 10,000 points, shows a tooltip with the thumbnail on hover, opens on click, recolours and zooms', async () => {
    const errors: string[] = [];
    const page = await openFixture('map', errors);
    const map = page.locator('.latent-map');
    await expect.poll(async () => Number(await map.getAttribute('data-drawn')), { timeout: 60_000 }).toBe(10_000);
    const canvas = page.locator('.latent-map canvas');
    const drawnMap = await canvasPixels(canvas);
    expect(foregroundFraction(drawnMap)).toBeGreaterThan(0.01);
    await expectMatchesReference(drawnMap, 'latent-map.png');
    expect(await page.locator('.legend li').count()).toBe(13);
    await saveScreenshot(map, 'latent-map.png');

    // Where the map put the lone point 0: its view fits the points to the canvas.
    const box = (await canvas.boundingBox())!;
    const points = mapPoints();
    const [sx, sy] = toScreen(fitView(boundsOf(points), box.width, box.height), points[0]!.x, points[0]!.y);
    await page.mouse.move(box.x + sx + 1, box.y + sy + 1);
    const tooltip = page.getByRole('tooltip');
    await expect.poll(() => tooltip.getAttribute('data-asset-id')).toBe('1000');
    expect(await tooltip.textContent()).toContain('airplane 0');
    expect(await tooltip.textContent()).toContain('airplane · mlp-train');
    const image = tooltip.locator('img');
    expect(await image.getAttribute('src')).toBe('./thumbs/1000.png');
    await expect.poll(() => image.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(16);
    await saveScreenshot(map, 'latent-map-tooltip.png');

    await page.mouse.down();
    await page.mouse.up();
    await expect.poll(() => page.locator('#opened').textContent()).toBe('1000');

    // Away from every point: no tooltip.
    await page.mouse.move(box.x + box.width - 5, box.y + box.height - 5);
    await expect.poll(() => tooltip.count()).toBe(0);

    await page.getByRole('button', { name: 'Architecture' }).click();
    await expect.poll(async () => page.locator('.legend li').allTextContents()).toEqual(['hash-train3,333', 'mlp-train3,334', 'triplane-train3,333']);

    // Zooming into the clusters leaves part of the points outside the canvas.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -400);
    await expect.poll(async () => Number(await map.getAttribute('data-drawn'))).toBeLessThan(10_000);
    await page.getByRole('button', { name: 'Fit' }).click();
    await expect.poll(async () => Number(await map.getAttribute('data-drawn'))).toBe(10_000);
    expect(errors).toEqual([]);
    await page.close();
  }, TEST_TIMEOUT_MS);
});
