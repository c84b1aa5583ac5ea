/**
 * Serve mode's event channel with the real parts: a library of demo NeRFs, the server, and a
 * WebSocket client that is not ours (undici's, which is Node's own WebSocket from Node 22 on).
 * Handshakes that must be refused are made by hand, to read the HTTP status they get.
 */

import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { WebSocket as UndiciWebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiService, type ApiService } from '../../src/main/api-impl';
import type { AppLibrary } from '../../src/main/app/app-library';
import { startServer, type RunningServer } from '../../src/main/server/serve';
import { EVENTS_PATH, EVENTS_PROTOCOL, EVENTS_TOKEN_PREFIX, type ApiEvent, type JobInfo } from '../../src/shared/api';
import { validateEvent } from '../../src/shared/events';
import { DEMO, libraryFixture } from './library-fixture';

const WebSocketClient = (globalThis as { WebSocket?: typeof UndiciWebSocket }).WebSocket ?? UndiciWebSocket;

const IMPORTED = ['chair-070002.hash-train', 'lamp-070000.mlp-train', 'sofa-070001.triplane-train'].map((name) => `${name}.nerf.safetensors`);

const fixture = libraryFixture(['airplane-070000.mlp-train.nerf.safetensors'], { batchSize: 1 });
let app: AppLibrary;
let service: ApiService;
let server: RunningServer;

beforeAll(async () => {
  app = await fixture.open();
  await app.jobs.idle();
  service = createApiService({ name: 'nerfdex', version: 'test' }, { openLibrary: () => Promise.resolve(app) });
  server = await startServer({ api: service.api, events: service.events, rendererDir: fixture.demoDir });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await service?.close();
  await fixture.remove();
});

interface UpgradeAnswer {
  readonly status: number;
  readonly body: string;
  readonly protocol?: string;
}

/** A handshake made by hand: the status it gets, its body, and the subprotocol chosen. */
function upgrade(headers: Record<string, string>, pathname = EVENTS_PATH): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      path: pathname,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), ...headers },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: 101, body: '', protocol: response.headers['sec-websocket-protocol'] });
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

const goodProtocols = (): string => `${EVENTS_PROTOCOL}, ${EVENTS_TOKEN_PREFIX}${server.token}`;

/** A connected client that keeps every event it receives, each checked by the renderer's validator. */
async function connect(): Promise<{ socket: UndiciWebSocket; events: ApiEvent[]; closed: Promise<number> }> {
  const socket = new WebSocketClient(`ws://127.0.0.1:${server.port}${EVENTS_PATH}`, [EVENTS_PROTOCOL, `${EVENTS_TOKEN_PREFIX}${server.token}`]);
  const events: ApiEvent[] = [];
  socket.addEventListener('message', (message) => events.push(validateEvent(JSON.parse(String(message.data)))));
  const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error('the event channel did not open')));
  });
  return { socket, events, closed };
}

describe('the event channel handshake', () => {
  it('accepts the token as a subprotocol and answers with the events protocol only', async () => {
    const answer = await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols(), Origin: server.origin });
    expect(answer).toEqual({ status: 101, body: '', protocol: EVENTS_PROTOCOL });
    // Clients that can set headers may send the bearer header instead.
    expect((await upgrade({ 'Sec-WebSocket-Protocol': EVENTS_PROTOCOL, Authorization: `Bearer ${server.token}` })).status).toBe(101);
  });

  it('refuses a missing or wrong token with 401', async () => {
    const missing = await upgrade({ 'Sec-WebSocket-Protocol': EVENTS_PROTOCOL });
    expect(missing.status).toBe(401);
    expect((JSON.parse(missing.body) as { error: string }).error).toContain('missing or wrong access token');
    const nearMiss = `${server.token.slice(0, -1)}${server.token.endsWith('0') ? '1' : '0'}`;
    expect((await upgrade({ 'Sec-WebSocket-Protocol': `${EVENTS_PROTOCOL}, ${EVENTS_TOKEN_PREFIX}${nearMiss}` })).status).toBe(401);
    expect((await upgrade({ 'Sec-WebSocket-Protocol': EVENTS_PROTOCOL, Authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('refuses a foreign origin with 403, token or not', async () => {
    const answer = await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols(), Origin: 'http://evil.example' });
    expect(answer.status).toBe(403);
    expect((JSON.parse(answer.body) as { error: string }).error).toBe('origin "http://evil.example" is not allowed');
  });

  it('refuses other paths, other versions and a handshake without the events protocol', async () => {
    expect((await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols() }, '/api/listJobs')).status).toBe(404);
    const version = await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols(), 'Sec-WebSocket-Version': '8' });
    expect(version.status).toBe(426);
    expect((await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols(), 'Sec-WebSocket-Key': 'short' })).status).toBe(400);
    const noProtocol = await upgrade({ 'Sec-WebSocket-Protocol': `${EVENTS_TOKEN_PREFIX}${server.token}` });
    expect(noProtocol.status).toBe(400);
    expect(noProtocol.body).toContain(EVENTS_PROTOCOL);
  });

  it('is refused by a real client without the token', async () => {
    const socket = new WebSocketClient(`ws://127.0.0.1:${server.port}${EVENTS_PATH}`, [EVENTS_PROTOCOL]);
    const outcome = await new Promise<string>((resolve) => {
      socket.addEventListener('open', () => resolve('open'));
      socket.addEventListener('error', () => resolve('error'));
    });
    expect(outcome).toBe('error');
  });
});

describe('events of a real import', () => {
  it('pushes the job from queued to done with its progress, and the library change', async () => {
    const client = await connect();
    const folder = path.join(fixture.root, 'incoming');
    await mkdir(folder);
    for (const name of IMPORTED) await copyFile(path.join(DEMO, name), path.join(folder, name));

    const started = await service.api.importPaths([folder]);
    await expect.poll(() => client.events.some((event) => event.type === 'job' && event.job.id === started.id && event.job.state === 'done'), { timeout: 120_000, interval: 100 }).toBe(true);
    await expect.poll(() => client.events.some((event) => event.type === 'library' && event.change === 'assets'), { timeout: 10_000 }).toBe(true);

    const jobEvents = client.events.flatMap((event): JobInfo[] => (event.type === 'job' && event.job.id === started.id ? [event.job] : []));
    // The first event is the start (the job may already be running by then), the last its end.
    expect(jobEvents[0]).toMatchObject({ done: 0, total: IMPORTED.length });
    expect(['queued', 'running']).toContain(jobEvents[0]!.state);
    expect(jobEvents.filter((job) => job.state === 'running' && job.done < IMPORTED.length).length).toBeGreaterThan(0);
    const done = jobEvents.map((job) => job.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const last = jobEvents[jobEvents.length - 1]!;
    expect(last).toMatchObject({ state: 'done', done: IMPORTED.length, total: IMPORTED.length, imported: IMPORTED.length, failed: 0 });
    expect(last).toEqual((await service.api.listJobs()).find((job) => job.id === started.id));
    expect((await service.api.librarySummary()).assets).toBe(1 + IMPORTED.length);

    // The API's own writes are pushed too.
    await service.api.setTags([1], ['pushed'], []);
    await expect.poll(() => client.events.some((event) => event.type === 'library' && event.change === 'tags')).toBe(true);
    client.socket.close();
    expect(await client.closed).toBe(1005);
  }, 180_000);

  it('closes a client that sends data (1003), and every client when the server stops (1001)', async () => {
    const talker = await connect();
    talker.socket.send('hello');
    expect(await talker.closed).toBe(1003);

    const listener = await connect();
    const other = await startServer({ api: service.api, events: service.events, rendererDir: fixture.demoDir });
    const socket = new WebSocketClient(`ws://127.0.0.1:${other.port}${EVENTS_PATH}`, [EVENTS_PROTOCOL, `${EVENTS_TOKEN_PREFIX}${other.token}`]);
    const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
    await new Promise((resolve) => socket.addEventListener('open', resolve));
    await other.close();
    expect(await closed).toBe(1001);
    // The first server's client is untouched by the second server's end.
    expect(listener.socket.readyState).toBe(WebSocketClient.OPEN);
    listener.socket.close();
    await listener.closed;
  });
});
