/** The gallery's keyboard navigation, multi-selection and thumbnail queue, without a DOM. */
import { describe, expect, it } from 'vitest';
import { RowSlots, clickSelection, moveFocus, type SelectionState } from '../../src/renderer/gallery-navigation';
import { ThumbnailCache } from '../../src/renderer/thumbnail-cache';

describe('moveFocus in a grid 4 wide of 10 cells', () => {
  it.each<[number, string, number | undefined]>([
    [0, 'ArrowRight', 1],
    [3, 'ArrowRight', 4],
    [9, 'ArrowRight', 9],
    [0, 'ArrowLeft', 0],
    [5, 'ArrowLeft', 4],
    [1, 'ArrowDown', 5],
    [7, 'ArrowDown', 7],
    [5, 'ArrowDown', 9],
    [6, 'ArrowUp', 2],
    [2, 'ArrowUp', 2],
    [6, 'Home', 0],
    [2, 'End', 9],
    [1, 'PageDown', 9],
    [9, 'PageUp', 1],
    [5, 'PageUp', 0],
    [3, 'a', undefined],
    [3, 'Enter', undefined],
  ])('from %d, %s goes to %s', (from, key, to) => {
    expect(moveFocus(from, key, 4, 10, 2)).toBe(to);
  });

  it('has nowhere to go in an empty grid', () => {
    expect(moveFocus(0, 'ArrowRight', 4, 0)).toBeUndefined();
  });
});

describe('clickSelection', () => {
  const none: SelectionState = { selected: new Set(), anchor: -1 };
  const plain = { range: false, toggle: false };
  const list = (state: SelectionState) => [...state.selected].sort((a, b) => a - b);

  it('selects one cell on a plain click and makes it the anchor', () => {
    const state = clickSelection(clickSelection(none, 3, plain), 5, plain);
    expect(list(state)).toEqual([5]);
    expect(state.anchor).toBe(5);
  });

  it('extends from the anchor with Shift, either way', () => {
    const anchored = clickSelection(none, 4, plain);
    expect(list(clickSelection(anchored, 7, { range: true, toggle: false }))).toEqual([4, 5, 6, 7]);
    expect(list(clickSelection(anchored, 2, { range: true, toggle: false }))).toEqual([2, 3, 4]);
    expect(clickSelection(anchored, 2, { range: true, toggle: false }).anchor).toBe(4);
  });

  it('toggles with Ctrl, and adds a range to the selection with Ctrl+Shift', () => {
    let state = clickSelection(none, 1, plain);
    state = clickSelection(state, 4, { range: false, toggle: true });
    expect(list(state)).toEqual([1, 4]);
    state = clickSelection(state, 1, { range: false, toggle: true });
    expect(list(state)).toEqual([4]);
    state = clickSelection(state, 6, { range: true, toggle: true });
    expect(list(state)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('treats Shift without an anchor as a plain click', () => {
    expect(list(clickSelection(none, 3, { range: true, toggle: false }))).toEqual([3]);
  });
});

describe('RowSlots', () => {
  it('keeps the slots of rows that stay, and gives a row coming into view the slot of one that left', () => {
    const slots = new RowSlots();
    expect(slots.assign([0, 1, 2, 3])).toEqual([0, 1, 2, 3]);
    // Scrolled down one row: row 4 takes row 0's slot.
    expect(slots.assign([1, 2, 3, 4])).toEqual([1, 2, 3, 0]);
    // One more row rendered (a partial row at the bottom): a new slot, the others untouched.
    expect(slots.assign([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 0, 4]);
    // A jump far down: every row is new and reuses the five slots.
    expect(slots.assign([100, 101, 102, 103, 104]).sort()).toEqual([0, 1, 2, 3, 4]);
    // Fewer rows, then as many again: the slots stay distinct.
    const fewer = slots.assign([101, 102]);
    const again = slots.assign([101, 102, 103, 104, 105]);
    expect(again.slice(0, 2)).toEqual(fewer);
    expect(new Set(again).size).toBe(5);
  });
});

describe('ThumbnailCache', () => {
  function fakeApi() {
    const calls: number[][] = [];
    const pending: ((urls: (string | null)[]) => void)[] = [];
    return {
      calls,
      pending,
      thumbnails: (ids: number[]) => {
        calls.push(ids);
        return new Promise<(string | null)[]>((resolve) => pending.push(resolve));
      },
    };
  }
  const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

  it('sends one turn\'s requests as one call, a few calls in flight, skips cancelled ones, and answers repeats from memory', async () => {
    const api = fakeApi();
    const cache = new ThumbnailCache(api, 1, 10, 3);
    const first = cache.request(1);
    const again = cache.request(1);
    cache.request(2);
    const third = cache.request(3);
    const fourth = cache.request(4);
    const fifth = cache.request(5);
    expect(api.calls).toEqual([]);
    await turn();
    // Batches of 3 distinct ids; one call in flight.
    expect(api.calls).toEqual([[1, 2, 3]]);
    fourth.cancel();
    api.pending[0]!(['data:1', null, 'data:3']);
    await expect(first.promise).resolves.toBe('data:1');
    await expect(again.promise).resolves.toBe('data:1');
    await expect(third.promise).resolves.toBe('data:3');
    await turn();
    expect(api.calls).toEqual([[1, 2, 3], [5]]);
    api.pending[1]!([null]);
    await expect(fifth.promise).resolves.toBeNull();
    expect(cache.peek(1)).toBe('data:1');
    expect(cache.peek(2)).toBeNull();
    await expect(cache.request(1).promise).resolves.toBe('data:1');
    await turn();
    expect(api.calls).toHaveLength(2);
  });

  it('rejects the requests of a failed or malformed call only, and goes on with the next', async () => {
    const api = { thumbnails: (ids: number[]) => (ids.includes(1) ? Promise.reject(new Error('offline')) : ids.includes(5) ? Promise.resolve(['data:5']) : Promise.resolve(ids.map((id) => `data:${id}`))) };
    const cache = new ThumbnailCache(api, 1, 10, 2);
    const [x, y, z] = [cache.request(1), cache.request(2), cache.request(3)];
    await expect(x.promise).rejects.toThrow('offline');
    await expect(y.promise).rejects.toThrow('offline');
    await expect(z.promise).resolves.toBe('data:3');
    // An answer of the wrong length is refused, not half-used.
    const [p, q] = [cache.request(5), cache.request(6)];
    await expect(p.promise).rejects.toThrow('2 thumbnails asked, 1 answered');
    await expect(q.promise).rejects.toThrow('2 thumbnails asked, 1 answered');
    expect(cache.peek(5)).toBeUndefined();
  });

  it('forgets the least recently used beyond its capacity', async () => {
    const api = { thumbnails: (ids: number[]) => Promise.resolve(ids.map((id) => `data:${id}`)) };
    const cache = new ThumbnailCache(api, 4, 2);
    await cache.request(1).promise;
    await cache.request(2).promise;
    await cache.request(1).promise;
    await cache.request(3).promise;
    expect(cache.peek(1)).toBe('data:1');
    expect(cache.peek(2)).toBeUndefined();
    expect(cache.peek(3)).toBe('data:3');
  });
});
