/**
 * A uniform grid over 2D points for nearest-point queries within a radius (the latent map's
 * hover and click). Points are bucketed once; a query looks only at the cells its circle touches,
 * so hovering over 10,000 points costs a handful of distance checks.
 */
export class PointGrid {
  private constructor(
    private readonly xs: ArrayLike<number>,
    private readonly ys: ArrayLike<number>,
    private readonly cellSize: number,
    private readonly minX: number,
    private readonly minY: number,
    private readonly columns: number,
    private readonly rows: number,
    /** Point indices sorted by cell; cell c holds order[start[c] .. start[c + 1]). */
    private readonly order: Uint32Array,
    private readonly start: Uint32Array,
  ) {}

  /**
   * Buckets the points (x[i], y[i]) into square cells of `cellSize`; points with a non-finite
   * coordinate are left out. The arrays are kept, not copied.
   */
  static build(xs: ArrayLike<number>, ys: ArrayLike<number>, cellSize: number): PointGrid {
    if (xs.length !== ys.length) throw new RangeError(`PointGrid: ${xs.length} x values but ${ys.length} y values`);
    if (!(cellSize > 0 && Number.isFinite(cellSize))) throw new RangeError(`PointGrid: cellSize must be positive and finite, got ${cellSize}`);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
    if (minX > maxX) {
      return new PointGrid(xs, ys, cellSize, 0, 0, 0, 0, new Uint32Array(0), new Uint32Array(1));
    }
    // A grid of at most ~4 cells per point keeps memory linear when points are far apart.
    const budget = Math.max(1, 4 * xs.length);
    let size = cellSize;
    while (Math.ceil((maxX - minX) / size + 1e-9) * Math.ceil((maxY - minY) / size + 1e-9) > budget) size *= 2;
    const columns = Math.floor((maxX - minX) / size) + 1;
    const rows = Math.floor((maxY - minY) / size) + 1;
    const cellOf = new Int32Array(xs.length).fill(-1);
    const start = new Uint32Array(columns * rows + 1);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const cell = Math.floor((y - minY) / size) * columns + Math.floor((x - minX) / size);
      cellOf[i] = cell;
      start[cell + 1]!++;
    }
    for (let c = 0; c < columns * rows; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, columns * rows);
    const order = new Uint32Array(start[columns * rows]!);
    for (let i = 0; i < xs.length; i++) {
      const cell = cellOf[i]!;
      if (cell >= 0) order[fill[cell]!++] = i;
    }
    return new PointGrid(xs, ys, size, minX, minY, columns, rows, order, start);
  }

  /** Number of points in the grid. */
  get size(): number {
    return this.order.length;
  }

  /**
   * The index of the point nearest (x, y) no farther than `radius`, or -1. Of points at the same
   * distance, the highest index wins: it is the one drawn on top.
   */
  nearest(x: number, y: number, radius: number): number {
    if (this.order.length === 0 || !(radius >= 0)) return -1;
    const c0 = Math.max(0, Math.floor((x - radius - this.minX) / this.cellSize));
    const c1 = Math.min(this.columns - 1, Math.floor((x + radius - this.minX) / this.cellSize));
    const r0 = Math.max(0, Math.floor((y - radius - this.minY) / this.cellSize));
    const r1 = Math.min(this.rows - 1, Math.floor((y + radius - this.minY) / this.cellSize));
    let best = -1;
    let bestDistance = radius * radius;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.columns + c;
        for (let k = this.start[cell]!; k < this.start[cell + 1]!; k++) {
          const i = this.order[k]!;
          const dx = this.xs[i]! - x;
          const dy = this.ys[i]! - y;
          const d = dx * dx + dy * dy;
          if (d < bestDistance || (d === bestDistance && i > best)) {
            best = i;
            bestDistance = d;
          }
        }
      }
    }
    return best;
  }
}
