/**
 * The HTTP transport of the API contract (serve mode): the built renderer as static files, and
 * `POST /api/<method>` with a JSON array of arguments, checked by the same validators as IPC.
 *
 * Access: a random token made at start is required on every API call as
 * `Authorization: Bearer <token>`. The page itself is public (it holds no data); the renderer
 * reads the token from `?token=` in the URL it is opened with. A bearer header, unlike a cookie,
 * is never sent by the browser on its own, so other sites cannot forge calls. Requests carrying a
 * foreign `Origin` are refused before anything else.
 *
 * Events (job progress, library changes) go out on a WebSocket at `EVENTS_PATH`, under the same
 * rules: a foreign origin is refused (403) and the token is required (401), here as the
 * subprotocol `bearer.<token>` beside `EVENTS_PROTOCOL`, since browsers cannot set headers on a
 * WebSocket (or as the bearer header, for other clients). Those checks are ours; the protocol
 * itself (handshake validation, framing, close and ping handling) is the `ws` package's.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import {
  API_METHODS,
  channelOf,
  EVENTS_PATH,
  EVENTS_PROTOCOL,
  EVENTS_TOKEN_PREFIX,
  validateRequest,
  type Api,
  type ApiEvents,
  type ApiMethod,
} from '../../shared/api';
import { dispatch } from '../app/ipc';
import { InvalidRequestError } from '../library/errors';
import { contentSecurityPolicy } from '../app/security';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** The implementation that answers every call. */
  readonly api: Api;
  /** Folder of the built renderer (`out/renderer`). */
  readonly rendererDir: string;
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Access token; a random one when absent.
   * @default 32 random bytes, hex
   */
  readonly token?: string;
  /**
   * Largest request body accepted, in bytes.
   * @default 1048576
   */
  readonly maxBodyBytes?: number;
  /** Events pushed to WebSocket clients at `EVENTS_PATH`; without them the path answers 404. */
  readonly events?: ApiEvents;
  /**
   * Most event connections open at once.
   * @default 32
   */
  readonly maxEventClients?: number;
}

/** A running server. */
export interface RunningServer {
  /** Origin the server answers on, e.g. `http://127.0.0.1:5173`. */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** The page URL with the token, to open in a browser. */
  readonly url: string;
  close(): Promise<void>;
}

const API_PREFIX = '/api/';
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Close codes of RFC 6455 section 7.4.1 that the event channel sends. */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_UNSUPPORTED_DATA = 1003;
const CLOSE_POLICY_VIOLATION = 1008;
/** Bytes an event client may leave unread before it counts as too slow and is dropped. */
const MAX_EVENT_BUFFERED_BYTES = 4 * 1024 * 1024;

/** `closeTimeout` is in ws since 8.23; @types/ws 8.18 does not list it yet. */
type EventServerOptions = ServerOptions & { readonly closeTimeout: number };

/** Reason phrases of the statuses our access checks refuse an event handshake with. */
const HTTP_REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

/** An answer with a status other than 200, carrying a message for the client. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts serving; resolves once the server listens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const rendererDir = await realpath(path.resolve(options.rendererDir));
  const allowedOrigins = new Set<string>();
  const maxEventClients = options.maxEventClients ?? 32;
  const eventServerOptions: EventServerOptions = {
    noServer: true,
    // The channel only sends: any data message closes the client (1003), one over 125 bytes (1009).
    maxPayload: 125,
    perMessageDeflate: false,
    // Whatever else the client offers (its token among it), the channel speaks only this.
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
    // A client that does not answer our close within a second is cut off, so `close()` is prompt.
    closeTimeout: 1000,
  };
  const eventServer = new WebSocketServer(eventServerOptions);

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      sendJson(response, status, { error: message });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      throw new HttpError(403, `origin ${JSON.stringify(origin.slice(0, 200))} is not allowed`);
    }
    const pathname = new URL(request.url ?? '/', 'http://server').pathname;
    if (pathname.startsWith(API_PREFIX)) {
      await handleApi(request, response, pathname.slice(API_PREFIX.length));
    } else {
      await handleStatic(request, response, pathname);
    }
  }

  async function handleApi(request: IncomingMessage, response: ServerResponse, name: string): Promise<void> {
    if (!hasToken(request.headers.authorization, token)) {
      throw new HttpError(401, 'missing or wrong access token (Authorization: Bearer <token>)');
    }
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      throw new HttpError(405, `${request.method ?? '?'} is not allowed; API calls are POST`);
    }
    const method = API_METHODS.find((candidate) => candidate === name);
    if (method === undefined) {
      throw new HttpError(404, `unknown API method ${JSON.stringify(name.slice(0, 64))}`);
    }
    const args = parseArguments(await readBody(request, maxBodyBytes));
    const result = await callApi(options.api, method, args);
    sendJson(response, 200, { result });
  }

  /** The event channel's handshake: the HTTP API's origin and token rules, then RFC 6455's (ws checks those). */
  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      return refuseUpgrade(socket, { status: 403, message: `origin ${JSON.stringify(origin.slice(0, 200))} is not allowed` });
    }
    if (new URL(request.url ?? '/', 'http://server').pathname !== EVENTS_PATH || options.events === undefined) {
      return refuseUpgrade(socket, { status: 404, message: 'not found' });
    }
    const protocols = offeredProtocols(request);
    const offered = protocols.find((protocol) => protocol.startsWith(EVENTS_TOKEN_PREFIX));
    const header = offered === undefined ? request.headers.authorization : `Bearer ${offered.slice(EVENTS_TOKEN_PREFIX.length)}`;
    if (!hasToken(header, token)) {
      return refuseUpgrade(socket, { status: 401, message: `missing or wrong access token (subprotocol ${EVENTS_TOKEN_PREFIX}<token>, or Authorization: Bearer <token>)` });
    }
    if (!protocols.includes(EVENTS_PROTOCOL)) {
      return refuseUpgrade(socket, { status: 400, message: `the subprotocol ${EVENTS_PROTOCOL} must be offered` });
    }
    if (eventServer.clients.size >= maxEventClients) {
      return refuseUpgrade(socket, { status: 503, message: `${maxEventClients} event connections are open already` });
    }
    // Synchronous up to the callback, so the count above cannot be overtaken.
    eventServer.handleUpgrade(request, socket, head, (client) => {
      // A client's protocol errors close that client (ws sends the code); they are not the server's.
      client.on('error', () => undefined);
      client.on('message', () => client.close(CLOSE_UNSUPPORTED_DATA, 'this channel only sends; it takes no messages'));
    });
  }

  async function handleStatic(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      throw new HttpError(405, `${request.method ?? '?'} is not allowed here`);
    }
    const file = await resolveStaticFile(rendererDir, pathname);
    const body = await readFile(file);
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Content-Security-Policy': contentSecurityPolicy(),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  server.on('upgrade', handleUpgrade);
  const stopEvents = options.events?.onEvent((event) => {
    const message = JSON.stringify(event);
    for (const client of eventServer.clients) {
      if (client.readyState !== WebSocket.OPEN) continue;
      if (client.bufferedAmount > MAX_EVENT_BUFFERED_BYTES) {
        client.close(CLOSE_POLICY_VIOLATION, 'the client reads too slowly');
      } else {
        client.send(message);
      }
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${urlHost}:${port}`;
  allowedOrigins.add(origin);
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1') {
    allowedOrigins.add(`http://127.0.0.1:${port}`).add(`http://localhost:${port}`).add(`http://[::1]:${port}`);
  }
  return {
    origin,
    port,
    token,
    url: `${origin}/?token=${token}`,
    // A second call waits for the first.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        stopEvents?.();
        // Upgraded sockets are no longer the server's connections: each is closed on its own.
        for (const client of eventServer.clients) client.close(CLOSE_GOING_AWAY, 'the server is stopping');
        eventServer.close();
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      })),
  };
}

/**
 * Runs one call through the IPC dispatch, so both transports share the validators: a call that
 * fails validation is the client's fault (400), as are an unknown id (404) and an argument the
 * implementation cannot honour (`InvalidRequestError`, 400); anything else it throws is ours (500).
 */
async function callApi(api: Api, method: ApiMethod, args: readonly unknown[]): Promise<unknown> {
  const channel = channelOf(method);
  try {
    validateRequest(channel, args);
  } catch (error) {
    throw new HttpError(400, error instanceof Error ? error.message : String(error));
  }
  try {
    return await dispatch(api, channel, args);
  } catch (error) {
    // An id the library does not hold, or an argument it cannot honour (any InvalidRequestError), is the client's to fix; anything else is ours.
    const name = error instanceof Error ? error.name : '';
    const status = name === 'NotFoundError' ? 404 : error instanceof InvalidRequestError ? 400 : 500;
    throw new HttpError(status, error instanceof Error ? error.message : String(error));
  }
}

function hasToken(header: string | undefined, token: string): boolean {
  const match = /^Bearer (\S+)$/.exec(header ?? '');
  if (match === null) {
    return false;
  }
  const given = Buffer.from(match[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The subprotocols a client offers, in its order. */
function offeredProtocols(request: IncomingMessage): string[] {
  return (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}

/** Answers an upgrade request that our access rules refuse with an HTTP error, and closes the socket. */
function refuseUpgrade(socket: Duplex, refusal: { readonly status: number; readonly message: string }): void {
  const body = JSON.stringify({ error: refusal.message });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${HTTP_REASONS[refusal.status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n${body}`,
  );
}

function parseArguments(body: string): unknown[] {
  if (body.trim() === '') {
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
  if (!Array.isArray(parsed)) {
    throw new HttpError(400, 'the request body must be a JSON array of arguments');
  }
  return parsed;
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    throw new HttpError(413, `request body over ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      throw new HttpError(413, `request body over ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The file under `root` that `pathname` names (`/` is index.html), or a 404. The URL parser has
 * already resolved `..` segments; the real path is checked again so links cannot leave `root`.
 */
async function resolveStaticFile(root: string, pathname: string): Promise<string> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new HttpError(400, 'malformed path');
  }
  const notFound = new HttpError(404, 'not found');
  if (decoded.includes('\0')) {
    throw notFound;
  }
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const candidate = path.resolve(root, relative);
  try {
    const real = await realpath(candidate);
    if (real !== root && !real.startsWith(root + path.sep)) {
      throw notFound;
    }
    if (!(await stat(real)).isFile()) {
      throw notFound;
    }
    return real;
  } catch {
    throw notFound;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(text);
}
