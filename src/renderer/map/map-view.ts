/**
 * The latent map's view: data coordinates (y up) to canvas pixels (y down) by one scale and an
 * offset, with fitting, zooming about a point and panning.
 */

/** screenX = x * scale + offsetX, screenY = -y * scale + offsetY. */
export interface MapView {
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

/** Bounds of data points. */
export interface Bounds {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** Zoom limits relative to the fitted view. */
export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 400;

/** Bounds of the finite points; a unit box around the origin when there are none. */
export function boundsOf(points: readonly { readonly x: number; readonly y: number }[]): Bounds {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const { x, y } of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  if (minX > maxX) return { minX: -1, minY: -1, maxX: 1, maxY: 1 };
  return { minX, minY, maxX, maxY };
}

/** The view that shows `bounds` centred in a width x height canvas with `margin` pixels around. */
export function fitView(bounds: Bounds, width: number, height: number, margin = 24): MapView {
  const usableX = Math.max(width - 2 * margin, 1);
  const usableY = Math.max(height - 2 * margin, 1);
  const spanX = bounds.maxX - bounds.minX;
  const spanY = bounds.maxY - bounds.minY;
  const fitted = Math.min(spanX > 0 ? usableX / spanX : Infinity, spanY > 0 ? usableY / spanY : Infinity);
  // A single point has no span: show a unit square around it.
  const s = Number.isFinite(fitted) ? fitted : Math.min(usableX, usableY);
  const cx = (bounds.minX + bounds.maxX) / 2;
  const cy = (bounds.minY + bounds.maxY) / 2;
  return { scale: s, offsetX: width / 2 - cx * s, offsetY: height / 2 + cy * s };
}

export function toScreen(view: MapView, x: number, y: number): [number, number] {
  return [x * view.scale + view.offsetX, -y * view.scale + view.offsetY];
}

export function toData(view: MapView, sx: number, sy: number): [number, number] {
  return [(sx - view.offsetX) / view.scale, -(sy - view.offsetY) / view.scale];
}

/**
 * Zooms by `factor` keeping the data point under the screen point (sx, sy) where it is; the
 * scale stays within [MIN_ZOOM, MAX_ZOOM] times `fittedScale`.
 */
export function zoomAt(view: MapView, factor: number, sx: number, sy: number, fittedScale: number): MapView {
  const scale = Math.min(Math.max(view.scale * factor, fittedScale * MIN_ZOOM), fittedScale * MAX_ZOOM);
  const [x, y] = toData(view, sx, sy);
  return { scale, offsetX: sx - x * scale, offsetY: sy + y * scale };
}

/** Moves the view by (dx, dy) pixels. */
export function panBy(view: MapView, dx: number, dy: number): MapView {
  return { scale: view.scale, offsetX: view.offsetX + dx, offsetY: view.offsetY + dy };
}
