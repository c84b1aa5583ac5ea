/**
 * The server side of RFC 6455 as serve mode's event channel needs it: the opening handshake,
 * text messages from server to client, and from the client control frames only (close, ping,
 * pong). A data message from the client, an unmasked frame or an oversized one closes the
 * connection with the status code the RFC gives for it.
 */

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** The GUID of RFC 6455 section 1.3, appended to the client's key for `Sec-WebSocket-Accept`. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/** Close codes of RFC 6455 section 7.4.1. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TOO_BIG = 1009;

/** Control frames carry at most 125 bytes (section 5.5). */
const MAX_CONTROL_PAYLOAD = 125;

/** Why a handshake is refused, as an HTTP status and a message. */
export interface HandshakeRefusal {
  readonly status: number;
  readonly message: string;
}

/** The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

/** The subprotocols a client offers, in its order. */
export function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return (header ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}

/**
 * What is wrong with an upgrade request as a WebSocket opening handshake (section 4.2.1), or
 * undefined when nothing is: a GET, `Upgrade: websocket`, `Connection: upgrade`, version 13 and a
 * key of 16 bytes in base64.
 */
export function handshakeProblem(request: IncomingMessage): HandshakeRefusal | undefined {
  if (request.method !== 'GET') return { status: 405, message: `a WebSocket handshake is a GET, not ${request.method ?? '?'}` };
  if ((request.headers.upgrade ?? '').toLowerCase() !== 'websocket') return { status: 400, message: 'Upgrade must be "websocket"' };
  const connection = (request.headers.connection ?? '').toLowerCase().split(',').map((token) => token.trim());
  if (!connection.includes('upgrade')) return { status: 400, message: 'Connection must include "Upgrade"' };
  if (request.headers['sec-websocket-version'] !== '13') return { status: 426, message: 'only WebSocket version 13 is spoken here' };
  const key = request.headers['sec-websocket-key'] ?? '';
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) return { status: 400, message: 'Sec-WebSocket-Key must be 16 bytes in base64' };
  return undefined;
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, refusal: HandshakeRefusal): void {
  const body = JSON.stringify({ error: refusal.message });
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 426: 'Upgrade Required', 503: 'Service Unavailable' }[refusal.status] ?? 'Error';
  const extra = refusal.status === 426 ? 'Sec-WebSocket-Version: 13\r\n' : '';
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\n${extra}\r\n${body}`,
  );
}

/** One frame as written by the server: final, unmasked. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) {
    header[1] = length;
  } else if (length < 65536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** A close frame's payload: the code and a reason of at most 123 bytes. */
function closePayload(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, MAX_CONTROL_PAYLOAD - 2);
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return payload;
}

/** A frame from the client, unmasked. */
export interface ClientFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

/** A violation of the protocol by the client, with the close code it earns. */
export class WebSocketProtocolError extends Error {
  override readonly name = 'WebSocketProtocolError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits the bytes from a client into frames. Client frames must be masked (section 5.1) and,
 * since this server takes no data from clients, at most `maxPayload` bytes each.
 */
export class ClientFrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPayload = MAX_CONTROL_PAYLOAD) {}

  /** The frames completed by `chunk`; throws a `WebSocketProtocolError` for a bad one. */
  push(chunk: Buffer): ClientFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: ClientFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (frame === undefined) return frames;
      frames.push(frame);
    }
  }

  private next(): ClientFrame | undefined {
    const data = this.buffered;
    if (data.length < 2) return undefined;
    const first = data[0]!;
    const second = data[1]!;
    if ((first & 0x70) !== 0) throw new WebSocketProtocolError(CLOSE_PROTOCOL_ERROR, 'reserved bits set without an extension');
    if ((second & 0x80) === 0) throw new WebSocketProtocolError(CLOSE_PROTOCOL_ERROR, 'client frames must be masked');
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (data.length < 4) return undefined;
      length = data.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (data.length < 10) return undefined;
      const long = data.readBigUInt64BE(2);
      length = long > BigInt(this.maxPayload) ? this.maxPayload + 1 : Number(long);
      offset = 10;
    }
    if (length > this.maxPayload) throw new WebSocketProtocolError(CLOSE_TOO_BIG, `a frame of more than ${this.maxPayload} bytes`);
    if (data.length < offset + 4 + length) return undefined;
    const mask = data.subarray(offset, offset + 4);
    const payload = Buffer.from(data.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i & 3]!;
    this.buffered = data.subarray(offset + 4 + length);
    return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload };
  }
}

export interface WebSocketOptions {
  /**
   * Bytes the socket may hold unsent before the client counts as too slow and is closed.
   * @default 4194304
   */
  readonly maxBufferedBytes?: number;
}

/** An accepted connection that the server sends text messages on. */
export interface WebSocketConnection {
  /** Sends one text message; false when the connection is closed or was closed for being too slow. */
  send(text: string): boolean;
  /** Starts the closing handshake; the socket ends once the client answers or after a second. */
  close(code?: number, reason?: string): void;
  /** Settles when the socket has closed, for any reason. */
  readonly closed: Promise<void>;
}

/**
 * Completes the opening handshake of a request that passed `handshakeProblem` (and whatever
 * access checks the caller makes), choosing `protocol`, and returns the connection.
 */
export function acceptWebSocket(request: IncomingMessage, socket: Duplex, head: Buffer, protocol: string | undefined, options: WebSocketOptions = {}): WebSocketConnection {
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const key = request.headers['sec-websocket-key'] ?? '';
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n${protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`}\r\n`,
  );
  const writable = socket as Duplex & { writableLength: number };
  const reader = new ClientFrameReader();
  let closing = false;
  let ended = false;
  let closeTimer: ReturnType<typeof setTimeout> | undefined;
  const closed = new Promise<void>((resolve) => {
    const done = (): void => {
      ended = true;
      clearTimeout(closeTimer);
      resolve();
    };
    socket.once('close', done);
  });
  socket.on('error', () => socket.destroy());

  const close = (code = CLOSE_NORMAL, reason = ''): void => {
    if (closing || ended) return;
    closing = true;
    socket.write(encodeFrame(OPCODE_CLOSE, closePayload(code, reason)));
    closeTimer = setTimeout(() => socket.destroy(), 1000);
    closeTimer.unref?.();
  };

  const onData = (chunk: Buffer): void => {
    let frames: ClientFrame[];
    try {
      frames = reader.push(chunk);
    } catch (error) {
      const problem = error instanceof WebSocketProtocolError ? error : new WebSocketProtocolError(CLOSE_PROTOCOL_ERROR, String(error));
      close(problem.code, problem.message);
      return;
    }
    for (const frame of frames) {
      if (frame.opcode === OPCODE_CLOSE) {
        // The client's close: answer it (unless it answers ours) and end.
        if (!closing) socket.write(encodeFrame(OPCODE_CLOSE, frame.payload.subarray(0, 2)));
        closing = true;
        socket.end();
        return;
      }
      if (frame.opcode === OPCODE_PING) {
        if (!frame.fin) return close(CLOSE_PROTOCOL_ERROR, 'fragmented control frame');
        socket.write(encodeFrame(OPCODE_PONG, frame.payload));
      } else if (frame.opcode === OPCODE_PONG) {
        continue;
      } else if (frame.opcode === OPCODE_TEXT || frame.opcode === OPCODE_BINARY || frame.opcode === OPCODE_CONTINUATION) {
        return close(CLOSE_UNSUPPORTED_DATA, 'this channel only sends; it takes no messages');
      } else {
        return close(CLOSE_PROTOCOL_ERROR, `unknown opcode ${frame.opcode}`);
      }
    }
  };
  socket.on('data', onData);
  // Bytes that came with the handshake belong to the first frames.
  if (head.length > 0) onData(head);

  return {
    send(text: string): boolean {
      if (closing || ended) return false;
      if (writable.writableLength > maxBufferedBytes) {
        close(CLOSE_POLICY_VIOLATION, 'the client reads too slowly');
        return false;
      }
      socket.write(encodeFrame(OPCODE_TEXT, Buffer.from(text, 'utf8')));
      return true;
    },
    close,
    closed,
  };
}
