/**
 * `npm run bench -- app [--assets 10000] [--scroll-seconds 5] [--runs 3]`: the gallery in Chromium
 * (serve mode) over a library of `--assets` assets. Prints the time from navigation to the first
 * frame with gallery cells, and to the first frame whose visible cells all show their thumbnails;
 * then scrolls the grid at a steady pace for a few seconds and prints the frame times
 * (requestAnimationFrame deltas): median, p95, max and the share of frames dropped.
 *
 * The library is real: a few demo NeRFs imported as usual (thumbnails rendered by the importer),
 * then catalogue rows added through the library's own API until it holds `--assets`, each
 * sharing the thumbnail of a demo NeRF of its category.
 *
 * With `--trace [FILE]`, the first app run records a Chromium trace of its scroll (kept in FILE
 * when given, to open in the browser's performance panel) and prints where the
 * renderer's main thread, compositor and raster work spent their time (busy ms, the main thread's
 * also by kind of work), so a change meant to cut frame costs can be checked against the part it
 * targets.
 *
 * Then the same scroll over a baseline page: a scroller of the gallery's size and scroll height
 * whose content is one static block painted with a thumbnail repeated on the gallery's cell grid
 * (no script, no DOM changes). Its frame times are what this Chromium on this machine manages
 * for scrolling alone, against which the gallery's are read.
 */

import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { createApiService } from '../src/main/app/api-service';
import { AppLibrary } from '../src/main/app/app-library';
import type { AssetInput } from '../src/main/library/types';
import { startServer } from '../src/main/server/serve';
import { launchChromium } from '../tests/e2e/chromium';
import { numberOption } from './timing';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = path.join(ROOT, 'resources', 'demo');
/** One demo NeRF per category and family mix, imported for real. */
const SEEDS = [
  'airplane-070000.mlp-train',
  'bench-070001.hash-train',
  'chair-070000.triplane-train',
  'lamp-070000.mlp-train',
  'sofa-070001.triplane-train',
  'table-070000.hash-train',
].map((name) => `${name}.nerf.safetensors`);
/** A 60 Hz display: a frame longer than 1.5 intervals missed at least one. */
const FRAME_MS = 1000 / 60;
const VIEWPORT = { width: 1280, height: 800 };
/** Scroll speed, px/s: a brisk flick through the grid, about 15 rows a second. */
const SCROLL_PX_PER_S = 3000;

/** The few DOM features the page functions below use (this file is type-checked without the DOM). */
interface PageElement {
  getBoundingClientRect(): { top: number; bottom: number; left: number; width: number; height: number };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  readonly complete?: boolean;
  readonly naturalWidth?: number;
}
interface GalleryMarks {
  cells?: number;
  thumbnails?: number;
}
interface PageGlobals {
  readonly document: PageElement;
  requestAnimationFrame(callback: (time: number) => void): number;
  __galleryMarks?: GalleryMarks;
}

/** Fills `app`'s library with copies of its assets until it holds `count`. */
function fillLibrary(app: AppLibrary, count: number): void {
  const { library } = app;
  const seeds = library.listAssets({ limit: 100 }).items.map((summary) => ({ record: library.getAsset(summary.id)!, renditions: library.renditions(summary.id) }));
  if (seeds.length === 0) throw new Error('the demo import wrote no assets');
  const batch: AssetInput[] = [];
  for (let i = seeds.length; i < count; i++) {
    const { record, renditions } = seeds[i % seeds.length]!;
    batch.push({
      contentSha256: createHash('sha256').update(`bench-app-${i}`).digest('hex'),
      name: `${record.category ?? 'asset'}-${String(i).padStart(5, '0')}`,
      config: record.config,
      ...(record.category === null ? {} : { category: record.category }),
      ...(record.caption === null ? {} : { caption: record.caption }),
      renditions: renditions.filter((r) => r.kind === 'thumbnail'),
    });
    if (batch.length === 1000) library.putAssets(batch.splice(0));
  }
  if (batch.length > 0) library.putAssets(batch);
}

/**
 * Installed before the page's scripts: watches every animation frame from navigation on and
 * notes the first with a gallery cell, and the first whose cells in view all show a decoded
 * thumbnail. Times are ms since navigation start (performance.now()).
 */
function watchFirstPaint(): void {
  const page = globalThis as unknown as PageGlobals;
  const marks: GalleryMarks = {};
  page.__galleryMarks = marks;
  const frame = (time: number): void => {
    const gallery = page.document.querySelector('.gallery');
    const cells = gallery === null ? [] : [...gallery.querySelectorAll('.gallery-cell')];
    if (cells.length > 0 && marks.cells === undefined) marks.cells = time;
    if (gallery !== null && cells.length > 0) {
      const box = gallery.getBoundingClientRect();
      const inView = cells.filter((cell) => {
        const r = cell.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
      });
      const shown = inView.every((cell) => {
        const image = cell.querySelector('img');
        return image !== null && image.complete === true && (image.naturalWidth ?? 0) > 0;
      });
      if (inView.length > 0 && shown) marks.thumbnails = time;
    }
    if (marks.thumbnails === undefined) page.requestAnimationFrame(frame);
  };
  page.requestAnimationFrame(frame);
}

/** Scrolls the grid for `seconds` at `pxPerSecond`, bouncing at the ends; the frame deltas in ms. */
function scrollGrid([seconds, pxPerSecond]: [number, number]): Promise<number[]> {
  const page = globalThis as unknown as PageGlobals;
  const gallery = page.document.querySelector('.gallery');
  if (gallery === null) throw new Error('no .gallery on the page');
  return new Promise((resolve) => {
    const deltas: number[] = [];
    let start: number | undefined;
    let last: number | undefined;
    const frame = (time: number): void => {
      start ??= time;
      if (last !== undefined) deltas.push(time - last);
      last = time;
      const range = gallery.scrollHeight - gallery.clientHeight;
      const travelled = ((time - start) / 1000) * pxPerSecond;
      const lap = travelled % (2 * range);
      gallery.scrollTop = lap <= range ? lap : 2 * range - lap;
      if (time - start < seconds * 1000) page.requestAnimationFrame(frame);
      else resolve(deltas);
    };
    page.requestAnimationFrame(frame);
  });
}

/** The baseline page: a `.gallery` scroller like the app's, its content one static block tiled with `thumbnail`. */
function baselinePage(box: GalleryBox, thumbnail: string): string {
  return `<!doctype html><html><body style="margin:0">
<div class="gallery" style="position:absolute;left:${box.left}px;top:${box.top}px;width:${box.width}px;height:${box.height}px;overflow-y:auto">
<div style="height:${box.scrollHeight}px;background:url(${thumbnail}) repeat;background-size:168px 196px"></div>
</div></body></html>`;
}

interface GalleryBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly scrollHeight: number;
}

/** Where the app's gallery scroller sits and how far it scrolls. */
function galleryBox(): GalleryBox {
  const gallery = (globalThis as unknown as PageGlobals).document.querySelector('.gallery');
  if (gallery === null) throw new Error('no .gallery on the page');
  const r = gallery.getBoundingClientRect();
  return { left: r.left, top: r.top, width: r.width, height: r.height, scrollHeight: gallery.scrollHeight };
}

function frameStats(deltas: readonly number[]) {
  const sorted = [...deltas].sort((a, b) => a - b);
  const elapsed = deltas.reduce((sum, d) => sum + d, 0);
  const expected = Math.round(elapsed / FRAME_MS);
  return {
    frames: deltas.length,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1]!,
    dropped: expected > 0 ? Math.max(0, expected - deltas.length) / expected : 0,
    slow: deltas.filter((d) => d > 1.5 * FRAME_MS).length,
  };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(page: Page, url: string, scrollSeconds: number, trace?: (during: () => Promise<number[]>) => Promise<number[]>) {
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__galleryMarks?.thumbnails !== undefined, undefined, { timeout: 120_000 });
  const marks = (await page.evaluate(() => (globalThis as unknown as PageGlobals).__galleryMarks)) as Required<GalleryMarks>;
  const box = await page.evaluate(galleryBox);
  const scroll = (): Promise<number[]> => page.evaluate(scrollGrid, [scrollSeconds, SCROLL_PX_PER_S] as [number, number]);
  const deltas = await (trace ? trace(scroll) : scroll());
  return { cells: marks.cells, thumbnails: marks.thumbnails, box, ...frameStats(deltas) };
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: { readonly name?: string };
}

/** Kinds of main-thread work, by trace event name. */
const MAIN_THREAD_WORK: Readonly<Record<string, string>> = {
  FunctionCall: 'script',
  EvaluateScript: 'script',
  TimerFire: 'script',
  FireAnimationFrame: 'script',
  UpdateLayoutTree: 'style',
  Layout: 'layout',
  PrePaint: 'paint',
  Paint: 'paint',
  Layerize: 'paint',
  'Decode Image': 'image decode',
  ImageDecodeTask: 'image decode',
};
/** A thread's task events; they nest (RunTask around ThreadControllerImpl::RunTask). */
const TASK_EVENTS = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

/** Length of the union of [start, end) spans: nested or overlapping events count once. */
function unionLength(spans: [number, number][]): number {
  spans.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [start, stop] of spans) {
    if (stop <= end) continue;
    total += stop - Math.max(start, end);
    end = stop;
  }
  return total;
}

/**
 * Busy ms of the renderer's main thread (in all and by kind of work), of its compositor thread
 * and of the raster work on any thread, from a Chromium trace. Each figure is the union of its
 * events' spans per thread (events nest: a FunctionCall inside a FireAnimationFrame, a task
 * inside a task), summed over threads.
 */
function traceSummary(json: string): string {
  const events = (JSON.parse(json) as { traceEvents: TraceEvent[] }).traceEvents;
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  // Spans per figure and thread.
  const spans = new Map<string, Map<string, [number, number][]>>();
  const add = (figure: string, thread: string, e: TraceEvent & { ts: number; dur: number }): void => {
    const byThread = spans.get(figure) ?? new Map<string, [number, number][]>();
    spans.set(figure, byThread);
    const list = byThread.get(thread) ?? [];
    byThread.set(thread, list);
    list.push([e.ts, e.ts + e.dur]);
  };
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined || e.ts === undefined) continue;
    const timed = e as TraceEvent & { ts: number; dur: number };
    const thread = `${e.pid}:${e.tid}`;
    const name = threadNames.get(thread) ?? '';
    if (name === 'CrRendererMain') {
      if (TASK_EVENTS.has(e.name)) add('main thread, busy', thread, timed);
      const kind = MAIN_THREAD_WORK[e.name];
      if (kind) add(`main thread, ${kind}`, thread, timed);
    } else if (e.name === 'RasterTask') {
      add('raster, all threads', thread, timed);
    } else if (name === 'Compositor' && TASK_EVENTS.has(e.name)) {
      add('compositor thread, busy', thread, timed);
    }
  }
  return [...spans.entries()]
    .map(([figure, byThread]) => [figure, [...byThread.values()].reduce((sum, list) => sum + unionLength(list), 0) / 1000] as const)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([figure, ms]) => `  ${figure.padEnd(32)} ${ms.toFixed(0).padStart(7)} ms`)
    .join('\n');
}

function row(label: string, r: ReturnType<typeof frameStats> & { cells?: number; thumbnails?: number }): string {
  const ms = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(0));
  return `${label.padStart(8)}  ${ms(r.cells).padStart(14)}  ${ms(r.thumbnails).padStart(29)}  ${String(r.frames).padStart(6)}  ${r.median.toFixed(1).padStart(9)}  ${r.p95.toFixed(1).padStart(6)}  ${r.max.toFixed(1).padStart(6)}  ${String(r.slow).padStart(13)}  ${(100 * r.dropped).toFixed(1).padStart(6)} %`;
}

export async function run(args: string[]): Promise<void> {
  const assets = numberOption(args, 'assets', 10_000);
  const scrollSeconds = numberOption(args, 'scroll-seconds', 5);
  const runs = numberOption(args, 'runs', 3);
  const traceAt = args.indexOf('--trace');
  const tracing = traceAt >= 0;
  const traceFile = tracing && args[traceAt + 1] !== undefined && !args[traceAt + 1]!.startsWith('--') ? args[traceAt + 1] : undefined;
  if (!Number.isSafeInteger(assets) || assets < SEEDS.length) throw new RangeError(`--assets must be an integer of at least ${SEEDS.length}, got ${assets}`);
  if (!(scrollSeconds > 0) || !Number.isSafeInteger(runs) || runs < 1) throw new RangeError(`--scroll-seconds must be positive and --runs a positive integer, got ${scrollSeconds} and ${runs}`);

  const root = mkdtempSync(path.join(tmpdir(), 'nerfdex-bench-app-'));
  const demoDir = path.join(root, 'demo');
  mkdirSync(demoDir);
  for (const name of SEEDS) copyFileSync(path.join(DEMO, name), path.join(demoDir, name));
  mkdirSync(path.join(root, 'models'));
  const log = { info: () => undefined, warn: (message: string) => console.warn(message) };
  let app: AppLibrary | undefined;
  try {
    const t0 = performance.now();
    const rendererDir = path.join(root, 'renderer');
    await build({ configFile: false, root: path.join(ROOT, 'src/renderer'), base: './', plugins: [vue()], logLevel: 'error', build: { outDir: rendererDir, emptyOutDir: true } });
    app = await AppLibrary.open({ dir: path.join(root, 'library'), demoDir, encoderPath: path.join(root, 'models', 'encoder.onnx'), textModelPath: path.join(root, 'models', 'text.onnx'), poolSize: 1, log });
    await app.jobs.idle();
    fillLibrary(app, assets);
    const opened = app;
    console.log(`library of ${app.library.listAssets({ limit: 1 }).total} assets (${SEEDS.length} imported, the rest catalogue rows sharing their thumbnails) and the renderer built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const service = createApiService({ name: 'nerfdex', version: 'bench' }, { openLibrary: () => Promise.resolve(opened) });
    const server = await startServer({ api: service.api, events: service.events, rendererDir });
    const browser = await launchChromium();
    try {
      console.log(`Chromium ${browser.version()}, viewport ${VIEWPORT.width}x${VIEWPORT.height}, scrolling ${SCROLL_PX_PER_S} px/s for ${scrollSeconds} s; ${runs} runs, each in a fresh page`);
      console.log('     run  first cells ms  first screen of thumbnails ms  frames  median ms  p95 ms  max ms  slow (>25 ms)  dropped');
      let box: GalleryBox | undefined;
      for (let i = 0; i < runs; i++) {
        const page = await browser.newPage({ viewport: VIEWPORT });
        // tsx (esbuild, keepNames) wraps named functions in __name(), which pages lack.
        await page.addInitScript({ content: 'globalThis.__name = (target) => target;' });
        await page.addInitScript(watchFirstPaint);
        const trace = tracing && i === 0
          ? async (during: () => Promise<number[]>): Promise<number[]> => {
            await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'cc', 'blink'] });
            const deltas = await during();
            const bytes = await browser.stopTracing();
            if (traceFile) writeFileSync(traceFile, bytes);
            console.log(`trace of the app's scroll (busy time over ${scrollSeconds} s):\n${traceSummary(bytes.toString('utf8'))}`);
            return deltas;
          }
          : undefined;
        const r = await measure(page, server.url, scrollSeconds, trace);
        box = r.box;
        await page.close();
        console.log(row(`app ${i + 1}`, r));
      }
      const thumbnailFile = opened.library.renditions(opened.library.listAssets({ limit: 1 }).items[0]!.id).find((r) => r.kind === 'thumbnail');
      if (!thumbnailFile || !box) throw new Error('the library has no thumbnail to tile the baseline page with');
      const thumbnail = `data:image/png;base64,${readFileSync(path.join(opened.library.cacheDir, thumbnailFile.path)).toString('base64')}`;
      for (let i = 0; i < runs; i++) {
        const page = await browser.newPage({ viewport: VIEWPORT });
        await page.setContent(baselinePage(box, thumbnail));
        await page.evaluate('globalThis.__name = (target) => target;');
        const deltas = await page.evaluate(scrollGrid, [scrollSeconds, SCROLL_PX_PER_S] as [number, number]);
        await page.close();
        console.log(row(`static ${i + 1}`, frameStats(deltas)));
      }
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    await app?.close();
    await rm(root, { recursive: true, force: true });
  }
}
