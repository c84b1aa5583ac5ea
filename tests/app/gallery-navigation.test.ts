/** The gallery's keyboard navigation, multi-selection and thumbnail queue, without a DOM. */
import { describe, expect, it } from 'vitest';
import { clickSelection, moveFocus, type SelectionState } from '../../src/renderer/gallery-navigation';
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

describe('ThumbnailCache', () => {
  function fakeApi() {
    const calls: number[] = [];
    const pending = new Map<number, (url: string | null) => void>();
    return {
      calls,
      pending,
      thumbnail: (id: number) => {
        calls.push(id);
        return new Promise<string | null>((resolve) => pending.set(id, resolve));
      },
    };
  }

  it('keeps a few requests in flight, skips cancelled ones, and answers repeats from memory', async () => {
    const api = fakeApi();
    const cache = new ThumbnailCache(api, 2, 10);
    const first = cache.request(1);
    cache.request(2);
    const third = cache.request(3);
    const fourth = cache.request(4);
    expect(api.calls).toEqual([1, 2]);
    third.cancel();
    api.pending.get(1)!('data:1');
    await expect(first.promise).resolves.toBe('data:1');
    await Promise.resolve();
    expect(api.calls).toEqual([1, 2, 4]);
    api.pending.get(4)!(null);
    await expect(fourth.promise).resolves.toBeNull();
    expect(cache.peek(1)).toBe('data:1');
    await expect(cache.request(1).promise).resolves.toBe('data:1');
    expect(api.calls).toEqual([1, 2, 4]);
  });

  it('forgets the least recently used beyond its capacity', async () => {
    const api = { thumbnail: (id: number) => Promise.resolve(`data:${id}`) };
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
