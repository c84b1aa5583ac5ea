import { describe, expect, it } from 'vitest';
import { acceptKey, ClientFrameReader, encodeFrame, WebSocketProtocolError } from '../../src/main/server/websocket';

/** A frame as a client writes it: final, masked with `mask`. */
function clientFrame(opcode: number, payload: Buffer, mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d])): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x80 | opcode, 0x80 | length]) : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]!));
  return Buffer.concat([header, mask, masked]);
}

describe('the WebSocket framing of serve mode', () => {
  it('answers the handshake key of RFC 6455 section 1.3 with its accept value', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('writes final, unmasked frames with 7-bit, 16-bit and 64-bit lengths', () => {
    expect([...encodeFrame(0x1, Buffer.from('Hello'))]).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    const medium = encodeFrame(0x1, Buffer.alloc(126, 0x61));
    expect([...medium.subarray(0, 4)]).toEqual([0x81, 126, 0, 126]);
    expect(medium.length).toBe(4 + 126);
    const large = encodeFrame(0x1, Buffer.alloc(65536, 0x61));
    expect([...large.subarray(0, 10)]).toEqual([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(large.length).toBe(10 + 65536);
  });

  it('reads masked client frames, also when they arrive split and several in one chunk', () => {
    const reader = new ClientFrameReader();
    const ping = clientFrame(0x9, Buffer.from('are you there'));
    const close = clientFrame(0x8, Buffer.from([0x03, 0xe8]));
    expect(reader.push(ping.subarray(0, 3))).toEqual([]);
    expect(reader.push(ping.subarray(3, 9))).toEqual([]);
    const frames = reader.push(Buffer.concat([ping.subarray(9), close]));
    expect(frames.map((frame) => [frame.fin, frame.opcode, frame.payload.toString('latin1')])).toEqual([
      [true, 0x9, 'are you there'],
      [true, 0x8, '\x03\xe8'],
    ]);
  });

  it('refuses unmasked frames (1002), reserved bits (1002) and frames over the limit (1009)', () => {
    const unmasked = Buffer.from([0x81, 0x02, 0x68, 0x69]);
    expect(() => new ClientFrameReader().push(unmasked)).toThrow(new WebSocketProtocolError(1002, 'client frames must be masked'));
    const reserved = clientFrame(0x1, Buffer.from('x'));
    reserved[0] = reserved[0]! | 0x40;
    expect(() => new ClientFrameReader().push(reserved)).toThrow('reserved bits set without an extension');
    let error: unknown;
    try {
      new ClientFrameReader(125).push(clientFrame(0x1, Buffer.alloc(200)));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebSocketProtocolError);
    expect((error as WebSocketProtocolError).code).toBe(1009);
  });
});
