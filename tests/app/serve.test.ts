import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { contentSecurityPolicy } from '../../src/main/app/security';
import { startServer, type RunningServer } from '../../src/main/server/serve';
import type { Api } from '../../src/shared/api';
import type { ProviderChoice } from '../../src/shared/compute';
import { fakeApiWith } from './fake-api';
import { InvalidRequestError } from '../../src/main/library/errors';
import { SimilarFileError } from '../../src/main/app/similar-to-file';

const CHOICE: ProviderChoice = { name: 'cpu', request: 'auto', reason: 'test', attempts: [], threads: 0 };

let root: string;
let server: RunningServer;
const getAsset = vi.fn((id: number) => Promise.reject(Object.assign(new Error(`no asset ${id} in the library`), { name: 'NotFoundError' })));
const api: Api = fakeApiWith({
  appInfo: vi.fn(() => Promise.reject(new Error('no identity here'))),
  computeInfo: vi.fn(() => Promise.resolve(CHOICE)),
  getAsset,
  setSettings: vi.fn(() => Promise.reject(new InvalidRequestError('a watched folder must be an absolute path, got "relative"'))),
  findSimilarToFile: vi.fn((file: string) => Promise.reject(new SimilarFileError(file, 'UnknownFormatError', 'the file is empty'))),
});

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nerfdex-serve-'));
  await mkdir(path.join(root, 'renderer', 'assets'), { recursive: true });
  await writeFile(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(path.join(root, 'renderer', 'assets', 'app.js'), 'export {};');
  await writeFile(path.join(root, 'secret.txt'), 'outside');
  server = await startServer({ api, rendererDir: path.join(root, 'renderer'), maxBodyBytes: 1024 });
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

function call(method: string, init: { body?: string; token?: string | null; origin?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const token = init.token === undefined ? server.token : init.token;
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  if (init.origin !== undefined) headers['Origin'] = init.origin;
  return fetch(`${server.origin}/api/${method}`, { method: 'POST', headers, body: init.body ?? '[]' });
}

describe('serve mode API', () => {
  it('listens on 127.0.0.1 with a random port and a long random token', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
  });

  it('answers a good call with 200 and the result', async () => {
    const response = await call('computeInfo', { origin: server.origin });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: CHOICE });
  });

  it('refuses a missing or wrong token with 401', async () => {
    expect((await call('computeInfo', { token: null })).status).toBe(401);
    expect((await call('computeInfo', { token: 'wrong' })).status).toBe(401);
    const nearMiss = `${server.token.slice(0, -1)}${server.token.endsWith('0') ? '1' : '0'}`;
    expect((await call('computeInfo', { token: nearMiss })).status).toBe(401);
  });

  it('refuses a foreign origin with 403, token or not', async () => {
    const response = await call('computeInfo', { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toContain('http://evil.example');
    const page = await fetch(`${server.origin}/`, { headers: { Origin: 'http://evil.example' } });
    expect(page.status).toBe(403);
  });

  it('answers an unknown method with 404', async () => {
    const response = await call('deleteEverything');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe('unknown API method "deleteEverything"');
  });

  it('answers bad arguments with 400 and the validator message', async () => {
    const response = await call('computeInfo', { body: '[1]' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'nerfdex:computeInfo: expected 0 arguments, got 1' });
    expect((await call('computeInfo', { body: '{"a":1}' })).status).toBe(400);
    expect((await call('computeInfo', { body: 'not json' })).status).toBe(400);
  });

  it('checks every method with the same validators as IPC, before the implementation sees the call', async () => {
    const response = await call('getAsset', { body: '["7"]' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'nerfdex:getAsset: argument 1 must be an integer from 1 to 9007199254740991, got "7"' });
    const tags = await call('setTags', { body: JSON.stringify([[1], ['x'.repeat(65)], []]) });
    expect(tags.status).toBe(400);
    expect(((await tags.json()) as { error: string }).error).toMatch(/^nerfdex:setTags: argument 2 item 1 must be a string of 1 to 64 characters/);
    expect(getAsset).not.toHaveBeenCalled();
  });

  it('answers an id the library does not hold with 404', async () => {
    const response = await call('getAsset', { body: '[7]' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no asset 7 in the library' });
  });

  it('answers an argument the implementation cannot honour with 400', async () => {
    const response = await call('setSettings', { body: JSON.stringify([{ addWatchedFolder: 'relative' }]) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'a watched folder must be an absolute path, got "relative"' });
    // Subclasses too: a dropped file that is not a NeRF is the client's to fix.
    const dropped = await call('findSimilarToFile', { body: JSON.stringify(['/data/empty.nerf.safetensors', 10, {}]) });
    expect(dropped.status).toBe(400);
    expect(await dropped.json()).toEqual({ error: 'cannot find assets similar to /data/empty.nerf.safetensors: the file is empty (UnknownFormatError)' });
  });

  it('answers a handler error with 500 and its message only', async () => {
    const response = await call('appInfo');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'no identity here' });
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await call('computeInfo', { body: `[${'0,'.repeat(1000)}0]` });
    expect(response.status).toBe(413);
  });

  it('serves the renderer with the app CSP and nothing outside it', async () => {
    const page = await fetch(`${server.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const script = await fetch(`${server.origin}/assets/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const pathname of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/missing.js', '/assets']) {
      const response = await fetch(`${server.origin}${pathname}`);
      expect(response.status, pathname).toBe(404);
    }
  });
});
