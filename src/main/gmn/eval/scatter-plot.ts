/**
 * The embedding map as a picture: 2D points coloured by group, filled discs or rings, a title and
 * a legend in the bitmap font, encoded as PNG. Fixed size, aspect ratio of the layout kept.
 */
import { encode } from 'fast-png';
import { seededRandom } from '../../compute/init';
import { type RgbImage, drawText } from '../../image/bitmap-font';

/** Size of every map image in pixels. */
export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 720;

/** Distinct colours, one per group in order (tab20's strong half, then its pale half). */
export const GROUP_COLOURS: readonly (readonly [number, number, number])[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194],
  [127, 127, 127], [188, 189, 34], [23, 190, 207], [0, 0, 128], [255, 187, 120], [152, 223, 138], [255, 152, 150],
  [197, 176, 213], [196, 156, 148],
];

/** What `drawScatterPlot` draws. */
export interface ScatterPlot {
  readonly title: string;
  /** Point i at (points[2i], points[2i+1]) in any units. */
  readonly points: Float64Array;
  /** Group of each point: an index into `groups` and GROUP_COLOURS. */
  readonly groupOf: readonly number[];
  /** Points drawn as rings instead of filled discs. @default none */
  readonly hollow?: readonly boolean[];
  /** Legend label of each group. */
  readonly groups: readonly string[];
  /** Extra legend lines under the groups (what filled and hollow mean). @default [] */
  readonly notes?: readonly string[];
}

const BACKGROUND = 252;
const PLOT = { x: 16, y: 40, width: 680, height: 664 };
const LEGEND_X = 716;
const RADIUS = 4;
const ALPHA = 0.85;

function blend(image: RgbImage, x: number, y: number, colour: readonly [number, number, number], alpha: number): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const at = 3 * (y * image.width + x);
  for (let c = 0; c < 3; c++) image.data[at + c] = Math.round(image.data[at + c]! * (1 - alpha) + colour[c]! * alpha);
}

function disc(image: RgbImage, cx: number, cy: number, colour: readonly [number, number, number], hollow: boolean): void {
  for (let dy = -RADIUS; dy <= RADIUS; dy++) {
    for (let dx = -RADIUS; dx <= RADIUS; dx++) {
      const r2 = dx * dx + dy * dy;
      const inside = r2 <= RADIUS * RADIUS + 1;
      if (inside && (!hollow || r2 >= (RADIUS - 1.5) ** 2)) blend(image, cx + dx, cy + dy, colour, ALPHA);
    }
  }
}

function rectangle(image: RgbImage, x0: number, y0: number, w: number, h: number, shade: number): void {
  for (let x = x0; x < x0 + w; x++) {
    for (const y of [y0, y0 + h - 1]) image.data.fill(shade, 3 * (y * image.width + x), 3 * (y * image.width + x) + 3);
  }
  for (let y = y0; y < y0 + h; y++) {
    for (const x of [x0, x0 + w - 1]) image.data.fill(shade, 3 * (y * image.width + x), 3 * (y * image.width + x) + 3);
  }
}

/** Draws the plot into a MAP_WIDTH x MAP_HEIGHT RGB image. */
export function drawScatterPlot(plot: ScatterPlot): RgbImage {
  const n = plot.groupOf.length;
  if (plot.points.length !== 2 * n) throw new RangeError(`drawScatterPlot: ${plot.points.length / 2} points for ${n} group labels`);
  if (plot.groups.length > GROUP_COLOURS.length) throw new RangeError(`drawScatterPlot: at most ${GROUP_COLOURS.length} groups, got ${plot.groups.length}`);
  for (const g of plot.groupOf) if (!Number.isInteger(g) || g < 0 || g >= plot.groups.length) throw new RangeError(`drawScatterPlot: group ${g} is not an index into the ${plot.groups.length} groups`);
  const image: RgbImage = { width: MAP_WIDTH, height: MAP_HEIGHT, data: new Uint8Array(MAP_WIDTH * MAP_HEIGHT * 3).fill(BACKGROUND) };
  drawText(image, plot.title, PLOT.x, 14, { scale: 2, colour: [30, 30, 30] });
  rectangle(image, PLOT.x, PLOT.y, PLOT.width, PLOT.height, 200);

  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, plot.points[2 * i]!);
    maxX = Math.max(maxX, plot.points[2 * i]!);
    minY = Math.min(minY, plot.points[2 * i + 1]!);
    maxY = Math.max(maxY, plot.points[2 * i + 1]!);
  }
  const pad = RADIUS + 8;
  const span = Math.max(maxX - minX, maxY - minY, 1e-12);
  const scale = Math.min(PLOT.width - 2 * pad, PLOT.height - 2 * pad) / span;
  const cx = PLOT.x + PLOT.width / 2;
  const cy = PLOT.y + PLOT.height / 2;
  // A fixed shuffled order, so no group is always drawn on top of another.
  const order = Array.from({ length: n }, (_, i) => i);
  const next = seededRandom(1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const i of order) {
    const x = Math.round(cx + (plot.points[2 * i]! - (minX + maxX) / 2) * scale);
    const y = Math.round(cy - (plot.points[2 * i + 1]! - (minY + maxY) / 2) * scale);
    disc(image, x, y, GROUP_COLOURS[plot.groupOf[i]!]!, plot.hollow?.[i] ?? false);
  }

  plot.groups.forEach((label, g) => {
    const y = PLOT.y + 4 + g * 18;
    for (let dy = 0; dy < 10; dy++) for (let dx = 0; dx < 10; dx++) blend(image, LEGEND_X + dx, y + dy, GROUP_COLOURS[g]!, 1);
    drawText(image, label, LEGEND_X + 16, y, { scale: 2 });
  });
  (plot.notes ?? []).forEach((note, k) => drawText(image, note, LEGEND_X, PLOT.y + 4 + (plot.groups.length + 1 + k) * 18, { scale: 2, colour: [90, 90, 90] }));
  return image;
}

/** PNG bytes of an RGB image. */
export function encodeRgbPng(image: RgbImage): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8 });
}
