/**
 * "Reveal in folder" against a real library: only an asset's own recorded file locations that are
 * on disk reach the injected `revealPath`; serve mode (no `revealPath`) refuses every call.
 */
import { rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { REVEAL_UNAVAILABLE } from '../../src/main/app/reveal-file';
import { InvalidRequestError, NotFoundError } from '../../src/main/library/errors';
import type { Api } from '../../src/shared/api';
import { libraryFixture } from './library-fixture';

const AIRPLANE = 'airplane-070000.mlp-train.nerf.safetensors';
const BENCH = 'bench-070000.mlp-train.nerf.safetensors';
const fixture = libraryFixture([AIRPLANE, BENCH]);
let app: AppLibrary;
let api: Api;
const revealPath = vi.fn<(filePath: string) => void>();
let airplane: { id: number; path: string };
let bench: { id: number; path: string };

beforeAll(async () => {
  app = await fixture.open();
  api = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app), revealPath });
  await app.jobs.idle();
  const assets = (await api.listAssets({ sort: 'name' })).items;
  const located = async (name: string) => {
    const asset = await api.getAsset(assets.find((a) => a.name === name)!.id);
    return { id: asset.id, path: asset.files[0]!.path };
  };
  airplane = await located('airplane-070000.mlp-train');
  bench = await located('bench-070000.mlp-train');
}, 300_000);

afterAll(async () => {
  await app?.close();
  await fixture.remove();
});

beforeEach(() => revealPath.mockClear());

describe('revealFile in the desktop app', () => {
  it('says that revealing is available', async () => {
    expect((await api.appInfo()).canRevealFiles).toBe(true);
  });

  it('reveals a recorded file location of the asset', async () => {
    expect(airplane.path).toBe(join(fixture.demoDir, AIRPLANE));
    await expect(api.revealFile(airplane.id, airplane.path)).resolves.toBeUndefined();
    expect(revealPath).toHaveBeenCalledExactlyOnceWith(airplane.path);
  });

  it.each([
    ['a path no asset has', () => join(fixture.root, 'elsewhere', 'secret.txt')],
    ['the library folder', () => fixture.libraryDir],
    ['another asset’s file', () => bench.path],
    ['the same file spelt another way', () => [fixture.demoDir, '.', AIRPLANE].join(sep)],
  ])('refuses %s, naming it, and reveals nothing', async (_case, pathOf) => {
    const filePath = pathOf();
    const call = api.revealFile(airplane.id, filePath);
    await expect(call).rejects.toThrow(InvalidRequestError);
    await expect(call).rejects.toThrow(`${JSON.stringify(filePath)} is not a file location of asset ${airplane.id}`);
    expect(revealPath).not.toHaveBeenCalled();
  });

  it('refuses an unknown asset and reveals nothing', async () => {
    const call = api.revealFile(9999, airplane.path);
    await expect(call).rejects.toThrow(NotFoundError);
    await expect(call).rejects.toThrow('no asset 9999 in the library');
    expect(revealPath).not.toHaveBeenCalled();
  });

  it('refuses a recorded file that is no longer on disk, naming it', async () => {
    rmSync(bench.path);
    const call = api.revealFile(bench.id, bench.path);
    await expect(call).rejects.toThrow(InvalidRequestError);
    await expect(call).rejects.toThrow(`${JSON.stringify(bench.path)} is no longer on disk`);
    expect(revealPath).not.toHaveBeenCalled();
  });
});

describe('revealFile in serve mode (no revealPath)', () => {
  it('says that revealing is unavailable, and refuses even a recorded file', async () => {
    const served = createApi({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
    expect((await served.appInfo()).canRevealFiles).toBe(false);
    const call = served.revealFile(airplane.id, airplane.path);
    await expect(call).rejects.toThrow(InvalidRequestError);
    await expect(call).rejects.toThrow(REVEAL_UNAVAILABLE);
    expect(REVEAL_UNAVAILABLE).toMatch(/only available in the desktop app/);
    expect(revealPath).not.toHaveBeenCalled();
  });
});
