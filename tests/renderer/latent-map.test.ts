import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { MAP_PALETTE, colourPoints, paletteColour } from '../../src/renderer/map/map-colours';
import { MAX_ZOOM, MIN_ZOOM, boundsOf, fitView, panBy, toData, toScreen, zoomAt } from '../../src/renderer/map/map-view';
import { PointGrid } from '../../src/renderer/map/point-grid';

/** The nearest point within `radius` by looking at every point (highest index on ties). */
function bruteNearest(xs: Float64Array, ys: Float64Array, x: number, y: number, radius: number): number {
  let best = -1;
  let bestDistance = radius * radius;
  for (let i = 0; i < xs.length; i++) {
    const d = (xs[i]! - x) ** 2 + (ys[i]! - y) ** 2;
    if (d < bestDistance || (d === bestDistance && i > best)) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}

describe('PointGrid', () => {
  it('finds the same point as a brute-force search, for 10,000 clustered points', () => {
    const random = seededRandom(7);
    const n = 10_000;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    // Tight clusters and a sparse background, like a latent map.
    for (let i = 0; i < n; i++) {
      const cluster = i % 13;
      const spread = i % 5 === 0 ? 400 : 12;
      xs[i] = 60 * (cluster % 5) + spread * (random() - 0.5);
      ys[i] = 70 * Math.floor(cluster / 5) + spread * (random() - 0.5);
    }
    const grid = PointGrid.build(xs, ys, 12);
    expect(grid.size).toBe(n);
    let hits = 0;
    for (let q = 0; q < 2_000; q++) {
      const x = 400 * random() - 100;
      const y = 300 * random() - 100;
      const radius = q % 3 === 0 ? 2 : 6;
      const found = grid.nearest(x, y, radius);
      expect(found).toBe(bruteNearest(xs, ys, x, y, radius));
      if (found >= 0) hits++;
    }
    expect(hits).toBeGreaterThan(100);
  });

  it('counts a point exactly at the radius, prefers the later of two equal ones, and skips non-finite points', () => {
    const grid = PointGrid.build([0, 3, 3, Number.NaN], [0, 4, 4, 0], 2);
    expect(grid.size).toBe(3);
    expect(grid.nearest(0, 0, 0)).toBe(0);
    expect(grid.nearest(0, 5, 5)).toBe(2);
    expect(grid.nearest(0, 0, 4.9)).toBe(0);
    expect(grid.nearest(-5, 0, 4.9)).toBe(-1);
    expect(grid.nearest(0, 0, -1)).toBe(-1);
  });

  it('stays small when two points are very far apart, and handles no points', () => {
    const grid = PointGrid.build([0, 1e9], [0, 1e9], 1);
    expect(grid.nearest(1e9, 1e9, 1)).toBe(1);
    expect(grid.nearest(0.5, 0, 1)).toBe(0);
    expect(PointGrid.build([], [], 1).nearest(0, 0, 10)).toBe(-1);
  });

  it('checks its arguments', () => {
    expect(() => PointGrid.build([1], [], 1)).toThrow(new RangeError('PointGrid: 1 x values but 0 y values'));
    expect(() => PointGrid.build([1], [1], 0)).toThrow(new RangeError('PointGrid: cellSize must be positive and finite, got 0'));
  });
});

describe('colourPoints', () => {
  const points = [
    { category: 'chair', architecture: 'mlp-train' },
    { category: 'airplane', architecture: 'hash-train' },
    { category: 'chair', architecture: 'triplane-train' },
    { category: 'table', architecture: 'mlp-train' },
  ];

  it('colours by category or by architecture, keys sorted, with counts for the legend', () => {
    const byCategory = colourPoints(points, 'category');
    expect(byCategory.legend).toEqual([
      { key: 'airplane', colour: MAP_PALETTE[0], count: 1 },
      { key: 'chair', colour: MAP_PALETTE[1], count: 2 },
      { key: 'table', colour: MAP_PALETTE[2], count: 1 },
    ]);
    expect(Array.from(byCategory.groupOf)).toEqual([1, 0, 1, 2]);
    const byArchitecture = colourPoints(points, 'architecture');
    expect(byArchitecture.legend.map((e) => [e.key, e.count])).toEqual([
      ['hash-train', 1],
      ['mlp-train', 2],
      ['triplane-train', 1],
    ]);
    expect(Array.from(byArchitecture.groupOf)).toEqual([1, 0, 2, 1]);
  });

  it('gives the same colours whatever the order of the points', () => {
    const a = colourPoints(points, 'category').legend;
    const b = colourPoints([...points].reverse(), 'category').legend;
    expect(b).toEqual(a);
  });

  it('has distinct colours for the 13 zoo categories and beyond the palette', () => {
    const colours = Array.from({ length: 40 }, (_, i) => paletteColour(i));
    expect(new Set(colours).size).toBe(40);
    expect(paletteColour(25)).toMatch(/^hsl\(\d+, 55%, 55%\)$/);
    expect(() => paletteColour(-1)).toThrow(RangeError);
  });
});

describe('map view', () => {
  it('fits the points inside the canvas with its margin, y up', () => {
    const bounds = boundsOf([
      { x: -2, y: 1 },
      { x: 6, y: 3 },
      { x: Number.NaN, y: 100 },
    ]);
    expect(bounds).toEqual({ minX: -2, minY: 1, maxX: 6, maxY: 3 });
    const view = fitView(bounds, 400, 300, 20);
    expect(view.scale).toBeCloseTo(45, 9);
    expect(toScreen(view, -2, 2)).toEqual([20, 150]);
    expect(toScreen(view, 6, 3)[1]).toBeCloseTo(150 - 45, 9);
    expect(toData(view, ...toScreen(view, 1.5, 2.5))).toEqual([1.5, 2.5]);
  });

  it('fits a single point and no points', () => {
    const single = fitView(boundsOf([{ x: 3, y: 3 }]), 200, 100, 0);
    expect(toScreen(single, 3, 3)).toEqual([100, 50]);
    expect(Number.isFinite(single.scale)).toBe(true);
    expect(boundsOf([])).toEqual({ minX: -1, minY: -1, maxX: 1, maxY: 1 });
  });

  it('zooms about the pointer within limits, and pans', () => {
    const view = fitView({ minX: 0, minY: 0, maxX: 10, maxY: 10 }, 100, 100, 0);
    const before = toData(view, 30, 70);
    const zoomed = zoomAt(view, 2, 30, 70, view.scale);
    expect(zoomed.scale).toBe(2 * view.scale);
    const after = toData(zoomed, 30, 70);
    expect(after[0]).toBeCloseTo(before[0], 12);
    expect(after[1]).toBeCloseTo(before[1], 12);
    expect(zoomAt(view, 1e9, 0, 0, view.scale).scale).toBe(MAX_ZOOM * view.scale);
    expect(zoomAt(view, 1e-9, 0, 0, view.scale).scale).toBe(MIN_ZOOM * view.scale);
    expect(toScreen(panBy(view, 5, -3), 0, 0)).toEqual([toScreen(view, 0, 0)[0] + 5, toScreen(view, 0, 0)[1] - 3]);
  });
});
