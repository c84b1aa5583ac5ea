/**
 * Keyboard navigation and multi-selection of the gallery grid, as pure functions of indices so
 * they are tested without a DOM.
 */

/** Where a key moves the focus in a grid of `count` cells laid out `columns` wide; undefined for other keys. */
export function moveFocus(current: number, key: string, columns: number, count: number, pageRows = 4): number | undefined {
  if (count === 0) return undefined;
  const from = Math.min(Math.max(current, 0), count - 1);
  let next: number;
  switch (key) {
    case 'ArrowLeft':
      next = from - 1;
      break;
    case 'ArrowRight':
      next = from + 1;
      break;
    case 'ArrowUp':
      next = from - columns;
      break;
    case 'ArrowDown':
      next = from + columns;
      break;
    case 'PageUp':
      next = from - columns * pageRows;
      break;
    case 'PageDown':
      next = from + columns * pageRows;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = count - 1;
      break;
    default:
      return undefined;
  }
  // Up from the first row and down from the last stay put rather than wrap.
  if ((key === 'ArrowUp' && next < 0) || (key === 'ArrowDown' && next >= count)) return from;
  return Math.min(Math.max(next, 0), count - 1);
}

export interface ClickModifiers {
  /** Shift: extend from the anchor. */
  readonly range: boolean;
  /** Ctrl (Cmd on macOS): toggle one cell. */
  readonly toggle: boolean;
}

export interface SelectionState {
  /** Selected indices. */
  readonly selected: ReadonlySet<number>;
  /** Where a shift-click range starts. */
  readonly anchor: number;
}

/** The selection after a click (or a keyboard move, with `range` when Shift is held) on `index`. */
export function clickSelection(state: SelectionState, index: number, modifiers: ClickModifiers): SelectionState {
  if (modifiers.range && state.anchor >= 0) {
    const [low, high] = state.anchor <= index ? [state.anchor, index] : [index, state.anchor];
    const selected = new Set(modifiers.toggle ? state.selected : []);
    for (let i = low; i <= high; i++) selected.add(i);
    return { selected, anchor: state.anchor };
  }
  if (modifiers.toggle) {
    const selected = new Set(state.selected);
    if (selected.has(index)) selected.delete(index);
    else selected.add(index);
    return { selected, anchor: index };
  }
  return { selected: new Set([index]), anchor: index };
}

/**
 * Stable keys for the rows of a virtualised grid: a row keeps its slot while it stays rendered,
 * and a row that comes into view takes the slot of one that left. Keyed by slot, the row that
 * scrolls in reuses the DOM and components of the one that scrolled out (patched with its
 * assets) instead of a row being mounted and another unmounted, and the rows that stay are not
 * touched even when the number rendered changes.
 */
export class RowSlots {
  private readonly slotOf = new Map<number, number>();

  /** The slot of each of `indices` (the rows rendered now, distinct). */
  assign(indices: readonly number[]): number[] {
    const rendered = new Set(indices);
    for (const index of [...this.slotOf.keys()]) if (!rendered.has(index)) this.slotOf.delete(index);
    const used = new Set(this.slotOf.values());
    let free = 0;
    return indices.map((index) => {
      let slot = this.slotOf.get(index);
      if (slot === undefined) {
        // The lowest slot no rendered row holds: the slots of rows that left are reused first.
        while (used.has(free)) free++;
        slot = free;
        used.add(slot);
        this.slotOf.set(index, slot);
      }
      return slot;
    });
  }
}
