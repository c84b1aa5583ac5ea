/**
 * The gallery's assets loaded a page at a time as they come into view: the total is known from
 * the first page, and cells whose page has not arrived yet show as placeholders.
 */

import { shallowRef, triggerRef } from 'vue';
import type { Api, AssetCard, ListAssetsRequest } from '../shared/api';

/** Assets per listAssets call. */
export const PAGE_SIZE = 200;

export function createAssetPages(api: Pick<Api, 'listAssets'>, request: () => ListAssetsRequest) {
  const pages = shallowRef(new Map<number, AssetCard[]>());
  const total = shallowRef<number | undefined>(undefined);
  const error = shallowRef<string | undefined>(undefined);
  const loading = new Set<number>();
  /** Bumped on reset and refresh, so answers to an older request are dropped. */
  let generation = 0;
  /** Pages of the last `ensure`: what is on screen. */
  let shown: readonly [number, number] = [0, 0];

  function load(page: number, again = false): void {
    if ((!again && pages.value.has(page)) || loading.has(page)) return;
    loading.add(page);
    const asked = generation;
    api.listAssets({ ...request(), offset: page * PAGE_SIZE, limit: PAGE_SIZE }).then(
      (result) => {
        if (asked !== generation) return;
        loading.delete(page);
        pages.value.set(page, result.items);
        total.value = result.total;
        error.value = undefined;
        triggerRef(pages);
      },
      (failure: unknown) => {
        if (asked !== generation) return;
        loading.delete(page);
        error.value = failure instanceof Error ? failure.message : String(failure);
      },
    );
  }

  return {
    total,
    error,
    /** The asset at `index`, when its page is loaded. */
    at(index: number): AssetCard | undefined {
      return pages.value.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
    },
    /** Loads the pages covering indices [first, last]. */
    ensure(first: number, last: number): void {
      shown = [Math.floor(Math.max(first, 0) / PAGE_SIZE), Math.floor(Math.max(last, 0) / PAGE_SIZE)];
      for (let page = shown[0]; page <= shown[1]; page++) load(page);
    },
    /**
     * Loads the pages on screen again (the library changed under the same request), keeping
     * them shown until their new contents arrive; other pages are dropped.
     */
    refresh(): void {
      generation++;
      loading.clear();
      const kept = new Map<number, AssetCard[]>();
      for (let page = shown[0]; page <= shown[1]; page++) {
        const items = pages.value.get(page);
        if (items) kept.set(page, items);
      }
      pages.value = kept;
      for (let page = shown[0]; page <= shown[1]; page++) load(page, true);
    },
    /** Drops everything and loads the first page again (the request or the library changed). */
    reset(): void {
      generation++;
      loading.clear();
      pages.value = new Map();
      shown = [0, 0];
      load(0);
    },
  };
}

export type AssetPages = ReturnType<typeof createAssetPages>;
