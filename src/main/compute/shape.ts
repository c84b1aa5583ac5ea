/** Static shape rules shared by the op functions and the gradient rules. */
import type { Dim, Shape } from './graph';

export function shapeString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Numpy-style broadcast of two shapes. A symbolic dim never broadcasts (see graph.ts). */
export function broadcastShapes(op: string, a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else if (typeof da === 'string' || typeof db === 'string') {
      // Two different symbols (or a symbol and a size): assumed equal at run time.
      out.push(typeof da === 'number' ? da : db);
    } else throw new RangeError(`${op}: shapes ${shapeString(a)} and ${shapeString(b)} do not broadcast`);
  }
  return out;
}

/**
 * Axes of `out` that a value of shape `from` was broadcast along, and how many leading axes
 * were added. Its gradient sums over exactly these axes.
 */
export function broadcastAxes(from: Shape, out: Shape): { readonly axes: number[]; readonly leading: number } {
  const leading = out.length - from.length;
  if (leading < 0) throw new RangeError(`broadcast: ${shapeString(from)} has more axes than ${shapeString(out)}`);
  const axes: number[] = [];
  for (let i = 0; i < out.length; i++) {
    if (i < leading) axes.push(i);
    else if (from[i - leading] === 1 && out[i] !== 1) axes.push(i);
  }
  return { axes, leading };
}

/** Normalises a possibly negative axis, with a RangeError naming the op when out of range. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RangeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

/** The product of static dims, or undefined when any is symbolic. */
export function staticSize(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
