import { describe, it, expect } from 'vitest';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  findNonFinite,
  readSafetensorsFile,
  writeSafetensorsFile,
} from '../../src/main/compute/safetensors';
import { numberToFloat16Bits, tensor, type HostTensor } from '../../src/main/compute/tensor';

const SOURCE = 'broken.safetensors';

function bytesOf(t: HostTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function expectSameTensor(actual: HostTensor | undefined, expected: HostTensor): void {
  expect(actual).toBeDefined();
  expect(actual!.dtype).toBe(expected.dtype);
  expect(actual!.shape).toEqual(expected.shape);
  expect(actual!.data.constructor).toBe(expected.data.constructor);
  expect(bytesOf(actual!)).toEqual(bytesOf(expected));
}

/** Builds a file from a header given as an object or as raw text, padding to 8 like the writer. */
function build(header: unknown, buffer: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + buffer.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.set(buffer, 8 + n);
  return out;
}

function withHeaderLength(bytes: Uint8Array, length: bigint): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigUint64(0, length, true);
  return copy;
}

/** A deterministic pseudo-random byte source (mulberry32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let a = seed;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

const good = encodeSafetensors({ w: tensor('float32', [2], [1, 2]), b: tensor('int32', [1], [7]) }, { kind: 'test' });
const f32 = (shape: number[], offsets: unknown): unknown => ({ dtype: 'F32', shape, data_offsets: offsets });

/** One line per broken input: how to make it, and a substring of the expected reason. */
const BROKEN: { name: string; bytes: () => Uint8Array; reason: string; maxHeaderBytes?: number }[] = [
  { name: 'empty file', bytes: () => new Uint8Array(0), reason: 'file is 0 bytes, shorter than the 8-byte header length' },
  { name: 'truncated inside the length', bytes: () => good.slice(0, 5), reason: 'file is 5 bytes' },
  { name: 'truncated inside the header', bytes: () => good.slice(0, 20), reason: 'exceeds the 12 bytes after the length field' },
  { name: 'truncated inside the buffer', bytes: () => good.slice(0, good.length - 2), reason: 'beyond the 10-byte buffer' },
  { name: 'header length larger than the file', bytes: () => withHeaderLength(good, BigInt(good.length)), reason: `header length ${good.length} exceeds` },
  { name: 'header length shorter than the JSON', bytes: () => withHeaderLength(good, 16n), reason: 'header is not valid JSON' },
  { name: 'absurd header length 2^60', bytes: () => withHeaderLength(good, 2n ** 60n), reason: `header length ${2n ** 60n} exceeds the limit of 16777216 bytes` },
  { name: 'absurd header length, no limit', bytes: () => withHeaderLength(good, 2n ** 64n - 1n), reason: `18446744073709551615 exceeds the ${good.length - 8} bytes after the length field`, maxHeaderBytes: Infinity },
  { name: 'header above maxHeaderBytes', bytes: () => good, reason: 'exceeds the limit of 8 bytes', maxHeaderBytes: 8 },
  { name: 'random bytes', bytes: () => randomBytes(256, 1), reason: 'exceeds the limit' },
  { name: 'random header after a valid length', bytes: () => new Uint8Array([...withHeaderLength(new Uint8Array(8), 64n), ...randomBytes(64, 2)]), reason: 'header is not valid UTF-8' },
  { name: 'header not UTF-8', bytes: () => withHeaderLength(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff, 0x7d]), 3n), reason: 'header is not valid UTF-8' },
  { name: 'header not JSON', bytes: () => build('{"a": '), reason: 'header is not valid JSON' },
  { name: 'header a JSON array', bytes: () => build([]), reason: 'header is [], not a JSON object' },
  { name: 'header JSON null', bytes: () => build('null'), reason: 'header is null, not a JSON object' },
  { name: 'header a JSON string', bytes: () => build('"x"'), reason: 'header is "x", not a JSON object' },
  { name: 'entry not an object', bytes: () => build({ x: 5 }), reason: 'tensor "x" is 5, not an object' },
  { name: 'unknown dtype', bytes: () => build({ x: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)), reason: 'tensor "x" has unknown dtype "BF16"' },
  { name: 'lowercase dtype', bytes: () => build({ x: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), reason: 'unknown dtype "f32"' },
  { name: 'dtype missing', bytes: () => build({ x: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), reason: 'unknown dtype undefined' },
  { name: 'shape not an array', bytes: () => build({ x: f32(3 as never, [0, 12]) }, new Uint8Array(12)), reason: 'has shape 3, not an array of non-negative integers' },
  { name: 'negative dimension', bytes: () => build({ x: f32([-1], [0, 0]) }), reason: 'has shape [-1]' },
  { name: 'fractional dimension', bytes: () => build({ x: f32([1.5], [0, 6]) }, new Uint8Array(6)), reason: 'has shape [1.5]' },
  { name: 'unsafe dimension', bytes: () => build({ x: f32([2 ** 53], [0, 4]) }, new Uint8Array(4)), reason: 'has shape [9007199254740992]' },
  { name: 'string dimension', bytes: () => build({ x: f32(['2'] as never, [0, 8]) }, new Uint8Array(8)), reason: 'has shape ["2"]' },
  { name: 'data_offsets missing', bytes: () => build({ x: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)), reason: 'has data_offsets undefined, not two non-negative integers' },
  { name: 'data_offsets three numbers', bytes: () => build({ x: f32([1], [0, 4, 8]) }, new Uint8Array(8)), reason: 'has data_offsets [0,4,8]' },
  { name: 'data_offsets fractional', bytes: () => build({ x: f32([1], [0, 4.5]) }, new Uint8Array(8)), reason: 'has data_offsets [0,4.5]' },
  { name: 'data_offsets negative', bytes: () => build({ x: f32([1], [-4, 0]) }, new Uint8Array(4)), reason: 'has data_offsets [-4,0]' },
  { name: 'data_offsets reversed', bytes: () => build({ x: f32([1], [4, 0]) }, new Uint8Array(4)), reason: 'data_offsets [4,0] with begin after end' },
  { name: 'data_offsets past the buffer', bytes: () => build({ x: f32([2], [0, 8]) }, new Uint8Array(4)), reason: 'data_offsets [0,8] beyond the 4-byte buffer' },
  { name: 'byte length not shape times dtype', bytes: () => build({ x: f32([3], [0, 8]) }, new Uint8Array(8)), reason: 'needs 12 bytes but data_offsets [0,8] span 8' },
  { name: 'shape product overflows', bytes: () => build({ x: f32([2 ** 40, 2 ** 40, 0, 2 ** 40], [0, 0]), y: f32([2 ** 30, 2 ** 30], [0, 4]) }, new Uint8Array(4)), reason: 'needs 4611686018427387904 bytes' },
  { name: 'overlapping tensors', bytes: () => build({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, new Uint8Array(12)), reason: 'tensor "b" at bytes [4, 12) overlaps tensor "a" at [0, 8)' },
  { name: 'empty tensor inside another', bytes: () => build({ a: f32([2], [0, 8]), e: f32([0], [4, 4]) }, new Uint8Array(8)), reason: 'tensor "e" at bytes [4, 4) overlaps tensor "a"' },
  { name: 'two tensors on the same bytes', bytes: () => build({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, new Uint8Array(4)), reason: 'overlaps' },
  { name: 'gap between tensors', bytes: () => build({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, new Uint8Array(12)), reason: 'bytes [4, 8) of the buffer belong to no tensor (gap before "b")' },
  { name: 'gap at the start', bytes: () => build({ a: f32([1], [4, 8]) }, new Uint8Array(8)), reason: 'bytes [0, 4) of the buffer' },
  { name: 'trailing bytes', bytes: () => new Uint8Array([...good, 1, 2, 3]), reason: 'bytes [12, 15) at the end of the buffer belong to no tensor' },
  { name: 'bytes but no tensors', bytes: () => build({}, new Uint8Array(4)), reason: 'bytes [0, 4) at the end' },
  { name: 'metadata value not a string', bytes: () => build({ __metadata__: { epochs: 3 } }), reason: '__metadata__ must map strings to strings, but "epochs" is 3' },
  { name: 'metadata an array', bytes: () => build({ __metadata__: ['a'] }), reason: '__metadata__ is ["a"], not an object' },
  { name: 'metadata null', bytes: () => build({ __metadata__: null }), reason: '__metadata__ is null, not an object' },
  { name: '__metadata__ written as a tensor', bytes: () => build({ __metadata__: f32([1], [0, 4]) }, new Uint8Array(4)), reason: '__metadata__ must map strings to strings, but "shape" is [1]' },
];

describe('decodeSafetensors rejects broken input', () => {
  it.each(BROKEN)('$name', ({ bytes, reason, maxHeaderBytes }) => {
    let caught: unknown;
    try {
      decodeSafetensors(bytes(), { source: SOURCE, maxHeaderBytes });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SafetensorsError);
    const error = caught as SafetensorsError;
    expect(error.file).toBe(SOURCE);
    expect(error.reason).toContain(reason);
    expect(error.message).toBe(`${SOURCE}: ${error.reason}`);
  });

  it('rejects a 2^60 header length without allocating it', () => {
    const before = process.memoryUsage().arrayBuffers;
    expect(() => decodeSafetensors(withHeaderLength(good, 2n ** 60n), { source: SOURCE, maxHeaderBytes: Number.MAX_SAFE_INTEGER })).toThrow(SafetensorsError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
});

describe('safetensors round trips', () => {
  const cases: Record<string, HostTensor> = {
    f32: tensor('float32', [2, 3], [0, -0, 1.5, -2.25, 3.4028234663852886e38, 1e-45]),
    f64: tensor('float64', [3], [Math.PI, -1e300, 5e-324]),
    f16: tensor('float16', [2, 2], new Uint16Array([numberToFloat16Bits(1), numberToFloat16Bits(-65504), 0x0001, 0x7c00])),
    i64: tensor('int64', [3], new BigInt64Array([9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n])),
    i32: tensor('int32', [2], [-(2 ** 31), 2 ** 31 - 1]),
    u8: tensor('uint8', [3], [0, 128, 255]),
    bool: tensor('bool', [4], [1, 0, 0, 1]),
    scalar: tensor('float32', [], [42]),
    empty: tensor('float32', [0], []),
    emptyMiddle: tensor('int64', [2, 0, 3], new BigInt64Array(0)),
    nan: tensor('float32', [2], [NaN, -Infinity]),
  };

  it.each(Object.keys(cases))('%s', (name) => {
    const t = cases[name]!;
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors({ [name]: t }), { source: 'mem' });
    expectSameTensor(tensors[name], t);
    expect(Object.keys(tensors)).toEqual([name]);
    expect(metadata).toEqual({});
  });

  it('round trips all dtypes together, with metadata', () => {
    const metadata = { 'nerfdex.arch': 'instant-ngp', empty: '', unicode: 'ünï ✓' };
    const decoded = decodeSafetensors(encodeSafetensors(cases, metadata), { source: 'mem' });
    expect(decoded.metadata).toEqual(metadata);
    for (const [name, t] of Object.entries(cases)) expectSameTensor(decoded.tensors[name], t);
  });

  it('copies unaligned data into aligned arrays, also from a subarray at an odd offset', () => {
    const bytes = encodeSafetensors({ a: tensor('uint8', [3], [1, 2, 3]), b: tensor('float64', [2], [0.1, 0.2]), c: tensor('int32', [1], [-5]) });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const { tensors } = decodeSafetensors(shifted.subarray(1), { source: 'mem' });
    expect(Array.from(tensors.b!.data as Float64Array)).toEqual([0.1, 0.2]);
    expect(tensors.b!.data.byteOffset % 8).toBe(0);
    expect(Array.from(tensors.c!.data as Int32Array)).toEqual([-5]);
  });

  it('keeps odd names as ordinary keys', () => {
    const names = ['__proto__', 'constructor', '', 'a/b.c', 'ünï'];
    const input = Object.fromEntries(names.map((n, i) => [n, tensor('int32', [1], [i])]));
    const { tensors } = decodeSafetensors(encodeSafetensors(input, Object.fromEntries([['__proto__', 'x']])), { source: 'mem' });
    expect(Object.keys(tensors).sort()).toEqual([...names].sort());
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Array.from(tensors['__proto__']!.data as Int32Array)).toEqual([0]);
  });
});

describe('encodeSafetensors', () => {
  it('gives the same bytes whatever the key insertion order', () => {
    const a = tensor('float32', [1], [1]);
    const b = tensor('int64', [2], new BigInt64Array([1n, 2n]));
    const one = encodeSafetensors({ a, b, Z: a }, { x: '1', y: '2' });
    const two = encodeSafetensors({ Z: a, b, a }, { y: '2', x: '1' });
    expect(two).toEqual(one);
  });

  it('writes the layout the spec describes (checked by hand)', () => {
    const bytes = encodeSafetensors({ zeta: tensor('float32', [1], [1]), alpha: tensor('uint8', [3], [7, 8, 9]), mid: tensor('int32', [0], []) }, { k: 'v' });
    let n = 0;
    for (let i = 7; i >= 0; i--) n = n * 256 + bytes[i]!;
    expect(n % 8).toBe(0);
    const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    expect(text).toMatch(/^\{.*\} *$/);
    const header = JSON.parse(text) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    expect(Object.keys(header)).toEqual(['__metadata__', 'alpha', 'mid', 'zeta']);
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(header.alpha).toEqual({ dtype: 'U8', shape: [3], data_offsets: [0, 3] });
    expect(header.mid).toEqual({ dtype: 'I32', shape: [0], data_offsets: [3, 3] });
    expect(header.zeta).toEqual({ dtype: 'F32', shape: [1], data_offsets: [3, 7] });
    expect(bytes.length).toBe(8 + n + 7);
    // float32 1.0 is 0x3f800000, stored little-endian.
    expect(Array.from(bytes.subarray(8 + n))).toEqual([7, 8, 9, 0x00, 0x00, 0x80, 0x3f]);
  });

  it.each([
    ['a tensor named __metadata__', { __metadata__: tensor('float32', [1], [1]) }, undefined, RangeError, 'cannot be named "__metadata__"'],
    ['data shorter than the shape', { x: { dtype: 'float32', shape: [3], data: new Float32Array(2) } }, undefined, RangeError, '2 values for shape [3]'],
    ['a negative dimension', { x: { dtype: 'float32', shape: [-1], data: new Float32Array(0) } }, undefined, RangeError, 'invalid dimension -1'],
    ['the wrong typed array', { x: { dtype: 'float32', shape: [1], data: new Float64Array(1) } }, undefined, TypeError, 'needs a Float32Array, got [object Float64Array]'],
    ['an unknown dtype', { x: { dtype: 'bfloat16', shape: [1], data: new Uint16Array(1) } }, undefined, TypeError, 'unknown dtype "bfloat16"'],
    ['a non-string metadata value', {}, { n: 3 }, TypeError, 'metadata "n" is 3, not a string'],
    ['a lone surrogate in a name', { ['a\ud800']: tensor('float32', [1], [1]) }, undefined, RangeError, 'lone surrogate'],
  ])('rejects %s', (_name, tensors, metadata, kind, message) => {
    expect(() => encodeSafetensors(tensors as Record<string, HostTensor>, metadata as Record<string, string> | undefined)).toThrow(kind);
    expect(() => encodeSafetensors(tensors as Record<string, HostTensor>, metadata as Record<string, string> | undefined)).toThrow(message);
  });
});

describe('safetensors files', () => {
  it('writes atomically and reads back, naming the path in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerfdex-safetensors-'));
    try {
      const path = join(dir, 'model.safetensors');
      await writeSafetensorsFile(path, { w: tensor('float32', [2], [1, 2]) }, { a: 'b' });
      expect(await readdir(dir)).toEqual(['model.safetensors']);
      const { tensors, metadata } = await readSafetensorsFile(path);
      expect(Array.from(tensors.w!.data as Float32Array)).toEqual([1, 2]);
      expect(metadata).toEqual({ a: 'b' });

      const broken = join(dir, 'broken.safetensors');
      await writeSafetensorsFile(broken, {});
      await expect(readSafetensorsFile(broken, { maxHeaderBytes: 0 })).rejects.toThrow(`${broken}: header length 8 exceeds the limit of 0 bytes`);
      await expect(readSafetensorsFile(broken, { source: 'named', maxHeaderBytes: 0 })).rejects.toThrow(/^named: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes the temporary file when the rename fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerfdex-safetensors-'));
    try {
      // Renaming a file over a directory fails, after the temporary file was written.
      await mkdir(join(dir, 'occupied'));
      await expect(writeSafetensorsFile(join(dir, 'occupied'), {})).rejects.toThrow();
      expect(await readdir(dir)).toEqual(['occupied']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('findNonFinite', () => {
  it.each([
    ['finite float32', tensor('float32', [3], [1, -0, 3.4e38]), -1],
    ['NaN in float32', tensor('float32', [3], [1, 2, NaN]), 2],
    ['Infinity in float64', tensor('float64', [2], [-Infinity, 0]), 0],
    ['float16 infinity bits', tensor('float16', [3], new Uint16Array([0x3c00, 0xfc00, 0x7e00])), 1],
    ['float16 NaN bits', tensor('float16', [2], new Uint16Array([0x7bff, 0x7e00])), 1],
    ['finite float16', tensor('float16', [2], new Uint16Array([0x7bff, 0x8001])), -1],
    ['int32 is never non-finite', tensor('int32', [1], [-1]), -1],
    ['empty', tensor('float32', [0], []), -1],
  ])('%s', (_name, t, index) => {
    expect(findNonFinite(t)).toBe(index);
  });
});
