/**
 * Serve mode's event channel with the real parts: a library of demo NeRFs, the server, and the
 * `ws` package's client. Handshakes that must be refused are made by hand, to read the HTTP status
 * they get. The limits (connections, slow readers, close time) are checked on a server of their
 * own fed by a fake event source.
 */

import { randomBytes } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiService, type ApiService } from '../../src/main/app/api-service';
import type { AppLibrary } from '../../src/main/app/app-library';
import { startServer, type RunningServer } from '../../src/main/server/serve';
import { EVENTS_PATH, EVENTS_PROTOCOL, EVENTS_TOKEN_PREFIX, type ApiEvent, type ApiEventListener, type ApiEvents, type JobInfo } from '../../src/shared/api';
import { validateEvent } from '../../src/shared/events';
import { fakeApiWith } from './fake-api';
import { DEMO, libraryFixture } from './library-fixture';

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
  /** The upgraded socket, left open when `keepOpen` asks for it. */
  readonly socket?: Duplex;
}

/** A handshake made by hand: the status it gets, its body, and the subprotocol chosen. */
function upgrade(headers: Record<string, string>, pathname = EVENTS_PATH, target: RunningServer = server, keepOpen = false): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: '127.0.0.1',
      port: target.port,
      path: pathname,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), ...headers },
    });
    request.on('upgrade', (response, socket) => {
      if (!keepOpen) socket.destroy();
      resolve({ status: 101, body: '', protocol: response.headers['sec-websocket-protocol'], ...(keepOpen ? { socket } : {}) });
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

interface Client {
  readonly socket: WebSocket;
  /** Every message received, as text. */
  readonly messages: string[];
  /** Settles with the close code once the connection has closed. */
  readonly closed: Promise<number>;
}

/** A `ws` client on `target`'s event channel, connected. */
async function open(target: RunningServer): Promise<Client> {
  const socket = new WebSocket(`ws://127.0.0.1:${target.port}${EVENTS_PATH}`, [EVENTS_PROTOCOL, `${EVENTS_TOKEN_PREFIX}${target.token}`]);
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(data.toString()));
  const closed = new Promise<number>((resolve) => socket.on('close', (code: number) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    // Kept after the open: a later error shows as the close code.
    socket.on('error', reject);
  });
  return { socket, messages, closed };
}

/** A connected client that keeps every event it receives, each checked by the renderer's validator. */
async function connect(): Promise<Client & { events: ApiEvent[] }> {
  const client = await open(server);
  const events: ApiEvent[] = [];
  client.socket.on('message', (data) => events.push(validateEvent(JSON.parse(data.toString()))));
  return { ...client, events };
}

/** An event source the test drives by hand. */
function fakeEvents(): ApiEvents & { emit(event: ApiEvent): void } {
  const listeners = new Set<ApiEventListener>();
  return {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (event) => listeners.forEach((listener) => listener(event)),
  };
}

describe('the event channel handshake', () => {
  it('accepts the token as a subprotocol and answers with the events protocol only', async () => {
    const answer = await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols(), Origin: server.origin });
    expect(answer).toEqual({ status: 101, body: '', protocol: EVENTS_PROTOCOL });
    // Also when the token comes first: the token is never echoed.
    const tokenFirst = await upgrade({ 'Sec-WebSocket-Protocol': `${EVENTS_TOKEN_PREFIX}${server.token}, ${EVENTS_PROTOCOL}` });
    expect(tokenFirst).toEqual({ status: 101, body: '', protocol: EVENTS_PROTOCOL });
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

  it('refuses other paths, other versions, bad keys and a handshake without the events protocol', async () => {
    expect((await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols() }, '/api/listJobs')).status).toBe(404);
    // ws speaks versions 13 and 8 and answers any other with 400.
    const version = await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols(), 'Sec-WebSocket-Version': '7' });
    expect(version.status).toBe(400);
    expect((await upgrade({ 'Sec-WebSocket-Protocol': goodProtocols(), 'Sec-WebSocket-Key': 'short' })).status).toBe(400);
    const noProtocol = await upgrade({ 'Sec-WebSocket-Protocol': `${EVENTS_TOKEN_PREFIX}${server.token}` });
    expect(noProtocol.status).toBe(400);
    expect(noProtocol.body).toContain(EVENTS_PROTOCOL);
  });

  it('is refused by a real client without the token', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}${EVENTS_PATH}`, [EVENTS_PROTOCOL]);
    const outcome = await new Promise<string>((resolve) => {
      socket.on('open', () => resolve('open'));
      socket.on('error', (error) => resolve(error.message));
    });
    expect(outcome).toBe('Unexpected server response: 401');
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
    // A message over the size limit is refused as too big (1009).
    const shouter = await connect();
    shouter.socket.send('x'.repeat(1000));
    expect(await shouter.closed).toBe(1009);

    const listener = await connect();
    const other = await startServer({ api: service.api, events: service.events, rendererDir: fixture.demoDir });
    const client = await open(other);
    await other.close();
    expect(await client.closed).toBe(1001);
    // Closing again is a no-op.
    await other.close();
    // The first server's client is untouched by the second server's end.
    expect(listener.socket.readyState).toBe(WebSocket.OPEN);
    listener.socket.close();
    await listener.closed;
  });
});

describe('the event channel limits', () => {
  const api = fakeApiWith({});

  it('takes at most maxEventClients connections at once (503 beyond)', async () => {
    const limited = await startServer({ api, events: fakeEvents(), rendererDir: fixture.demoDir, maxEventClients: 2 });
    try {
      const first = await open(limited);
      await open(limited);
      const third = await upgrade({ 'Sec-WebSocket-Protocol': `${EVENTS_PROTOCOL}, ${EVENTS_TOKEN_PREFIX}${limited.token}` }, EVENTS_PATH, limited);
      expect(third.status).toBe(503);
      expect(third.body).toContain('2 event connections are open already');
      first.socket.close();
      await first.closed;
      await open(limited);
    } finally {
      await limited.close();
    }
  });

  it('drops a client that falls more than 4 MiB behind, and keeps sending to the others', async () => {
    const events = fakeEvents();
    const busy = await startServer({ api, events, rendererDir: fixture.demoDir });
    try {
      const reader = await open(busy);
      const sleeper = await open(busy);
      // The sleeper stops reading; once the kernel's buffers are full, the server's own fill up.
      sleeper.socket.pause();
      const padding = 'x'.repeat(128 * 1024);
      const count = 384; // 48 MiB in all, far beyond what the socket buffers hold
      for (let i = 0; i < count; i++) {
        const received = new Promise((resolve) => reader.socket.once('message', resolve));
        events.emit({ type: 'library', change: 'assets', padding } as ApiEvent);
        await received;
      }
      expect(reader.messages.length).toBe(count);
      sleeper.socket.resume();
      // Told why (1008) when the close frame got through, cut off (1006) when it did not.
      expect([1006, 1008]).toContain(await sleeper.closed);
      expect(sleeper.messages.length).toBeLessThan(count);
      expect(reader.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      await busy.close();
    }
  }, 60_000);

  it('stops within seconds although a client never answers the close', async () => {
    const stubborn = await startServer({ api, events: fakeEvents(), rendererDir: fixture.demoDir });
    const answer = await upgrade({ 'Sec-WebSocket-Protocol': `${EVENTS_PROTOCOL}, ${EVENTS_TOKEN_PREFIX}${stubborn.token}` }, EVENTS_PATH, stubborn, true);
    expect(answer.status).toBe(101);
    answer.socket!.on('data', () => undefined); // reads, never answers
    const started = Date.now();
    await stubborn.close();
    expect(Date.now() - started).toBeLessThan(5000);
    answer.socket!.destroy();
  });
});
