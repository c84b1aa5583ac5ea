/** The gallery's page loader: pages on demand, answers to an older request dropped, refresh without blanking. */
import { describe, expect, it } from 'vitest';
import { createAssetPages, PAGE_SIZE } from '../../src/renderer/asset-pages';
import type { AssetCard, AssetPage, ListAssetsRequest } from '../../src/shared/api';

function card(id: number, name = `asset-${id}`): AssetCard {
  return { id, name, family: 'mlp', architecture: 'mlp-train', category: null, caption: null, hasThumbnail: true, missing: false, addedAt: 0 };
}

/** An API whose answers the test releases one by one. */
function manualApi(total: number) {
  const calls: { request: ListAssetsRequest; answer: (prefix?: string) => void }[] = [];
  return {
    calls,
    listAssets: (request: ListAssetsRequest) =>
      new Promise<AssetPage>((resolve) => {
        const offset = request.offset ?? 0;
        calls.push({
          request,
          answer: (prefix = 'asset') => resolve({ items: Array.from({ length: Math.min(request.limit!, total - offset) }, (_, i) => card(offset + i + 1, `${prefix}-${offset + i + 1}`)), total, offset }),
        });
      }),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createAssetPages', () => {
  it('loads the first page on reset and the others only when asked, once each', async () => {
    const api = manualApi(1000);
    const pages = createAssetPages(api, () => ({ sort: 'name' }));
    pages.reset();
    expect(api.calls.map((c) => c.request)).toEqual([{ sort: 'name', offset: 0, limit: PAGE_SIZE }]);
    api.calls[0]!.answer();
    await settle();
    expect(pages.total.value).toBe(1000);
    expect(pages.at(5)?.id).toBe(6);
    expect(pages.at(PAGE_SIZE)).toBeUndefined();
    pages.ensure(PAGE_SIZE * 3 + 2, PAGE_SIZE * 4 + 1);
    pages.ensure(PAGE_SIZE * 3, PAGE_SIZE * 3);
    expect(api.calls.slice(1).map((c) => c.request.offset)).toEqual([PAGE_SIZE * 3, PAGE_SIZE * 4]);
  });

  it('drops answers to a request that was reset meanwhile', async () => {
    const api = manualApi(10);
    const pages = createAssetPages(api, () => ({}));
    pages.reset();
    pages.reset();
    api.calls[1]!.answer('new');
    api.calls[0]!.answer('old');
    await settle();
    expect(pages.at(0)?.name).toBe('new-1');
  });

  it('keeps the pages on screen while they load again on refresh, and drops the rest', async () => {
    const api = manualApi(1000);
    const pages = createAssetPages(api, () => ({}));
    pages.reset();
    api.calls[0]!.answer();
    pages.ensure(PAGE_SIZE * 2, PAGE_SIZE * 2 + 10);
    api.calls[1]!.answer();
    await settle();
    pages.ensure(0, 10);
    pages.refresh();
    expect(pages.at(0)?.name).toBe('asset-1');
    expect(pages.at(PAGE_SIZE * 2)).toBeUndefined();
    api.calls[2]!.answer('renamed');
    await settle();
    expect(pages.at(0)?.name).toBe('renamed-1');
  });

  it('reports a failed listing', async () => {
    const pages = createAssetPages({ listAssets: () => Promise.reject(new Error('library closed')) }, () => ({}));
    pages.reset();
    await settle();
    expect(pages.error.value).toBe('library closed');
  });
});
