/**
 * Reads and writes the safetensors format: an 8-byte little-endian u64 header length N, N bytes
 * of UTF-8 JSON header, then one byte buffer that the tensors cover exactly, without holes.
 * Tensor data is little-endian on disk and copied byte for byte into typed arrays, so this
 * module assumes a little-endian host (every platform Node and Electron ship on).
 */
import { open, rename, rm, readFile } from 'node:fs/promises';
import { allocate, float16BitsToNumber, sizeOf, DTYPE_BYTES, type DType, type HostTensor } from './tensor';

/** A safetensors file that cannot be read; `reason` quotes the bad value. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  constructor(
    /** The file (or other source) the bytes came from. */
    readonly file: string,
    /** What was wrong, without the file name. */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Options for {@link decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /** Names the bytes in error messages, usually the file path. */
  source: string;
  /** Largest JSON header accepted, so a hostile length field cannot force a huge allocation. @default 16 MiB */
  maxHeaderBytes?: number;
}

/** The contents of a safetensors file. */
export interface SafetensorsContents {
  tensors: Record<string, HostTensor>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024 * 1024;

const DTYPE_TO_SAFETENSORS: Readonly<Record<DType, string>> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};

const SAFETENSORS_TO_DTYPE: ReadonlyMap<string, DType> = new Map(
  Object.entries(DTYPE_TO_SAFETENSORS).map(([dtype, code]) => [code, dtype as DType]),
);

const ARRAY_TYPE: Readonly<Record<DType, { new (n: number): ArrayBufferView; name: string }>> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** Sorts by UTF-16 code units, independent of locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function quote(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Serialises tensors to safetensors bytes. Tensors are laid out sorted by name and the header is
 * padded with spaces to a multiple of 8, so equal inputs give equal bytes whatever their key order.
 * @throws {TypeError} when a tensor's data is not the typed array its dtype needs or a metadata value is not a string.
 * @throws {RangeError} when a shape is invalid, data length disagrees with the shape, or a tensor is named `__metadata__`.
 */
export function encodeSafetensors(tensors: Record<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort(byCodeUnits);
  const entries: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(byCodeUnits);
    for (const key of keys) {
      if (typeof metadata[key] !== 'string') throw new TypeError(`encodeSafetensors: metadata ${quote(key)} is ${quote(metadata[key])}, not a string`);
      checkWellFormed(key, 'metadata key');
      checkWellFormed(metadata[key], `metadata ${quote(key)}`);
    }
    const fields = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(metadata[key])}`);
    entries.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    if (name === METADATA_KEY) throw new RangeError(`encodeSafetensors: a tensor cannot be named ${quote(METADATA_KEY)}`);
    checkWellFormed(name, 'tensor name');
    checkTensor(name, t);
    const end = offset + t.data.byteLength;
    entries.push(`${JSON.stringify(name)}:{"dtype":"${DTYPE_TO_SAFETENSORS[t.dtype]}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const name of names) {
    const data = tensors[name]!.data;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}

function checkWellFormed(text: string, what: string): void {
  // TextEncoder would silently turn a lone surrogate into U+FFFD and change the name.
  if (/\p{Surrogate}/u.test(text)) throw new RangeError(`encodeSafetensors: ${what} ${quote(text)} contains a lone surrogate`);
}

function checkTensor(name: string, t: HostTensor): void {
  const expected = ARRAY_TYPE[t.dtype];
  if (expected === undefined) throw new TypeError(`encodeSafetensors: tensor ${quote(name)} has unknown dtype ${quote(t.dtype)}`);
  if (!(t.data instanceof expected)) {
    throw new TypeError(`encodeSafetensors: tensor ${quote(name)} of dtype ${t.dtype} needs a ${expected.name}, got ${Object.prototype.toString.call(t.data)}`);
  }
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`encodeSafetensors: tensor ${quote(name)} has invalid dimension ${quote(d)} in shape ${quote(t.shape)}`);
  }
  const n = sizeOf(t.shape);
  if (t.data.length !== n) throw new RangeError(`encodeSafetensors: tensor ${quote(name)} has ${t.data.length} values for shape ${quote(t.shape)} (${n} elements)`);
}

interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses and validates safetensors bytes, copying each tensor into its own aligned typed array.
 * Validation assumes hostile input: every length, offset and type is checked before use.
 * Float values are not checked for NaN or infinity; see {@link findNonFinite}.
 * @throws {SafetensorsError} naming `options.source` and quoting the bad value.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeSafetensorsOptions): SafetensorsContents {
  const source = options.source;
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const fail = (reason: string): never => {
    throw new SafetensorsError(source, reason);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLengthBig = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  // Number() of a huge u64 is approximate but still compares correctly against any limit, Infinity included.
  if (Number(headerLengthBig) > maxHeaderBytes) fail(`header length ${headerLengthBig} exceeds the limit of ${maxHeaderBytes} bytes`);
  if (headerLengthBig > BigInt(bytes.length - 8)) fail(`header length ${headerLengthBig} exceeds the ${bytes.length - 8} bytes after the length field`);
  const headerLength = Number(headerLengthBig);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(`header is ${quote(header)}, not a JSON object`);

  const base = 8 + headerLength;
  const bufferLength = bytes.length - base;
  let metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, fail);
    else entries.push(parseEntry(name, value, bufferLength, fail));
  }

  // The spec requires the tensors to tile the buffer: sorted by offset, each starts where the last ended.
  const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: TensorEntry | undefined;
  for (const entry of ordered) {
    if (entry.begin < covered) fail(`tensor ${quote(entry.name)} at bytes [${entry.begin}, ${entry.end}) overlaps tensor ${quote(previous!.name)} at [${previous!.begin}, ${previous!.end})`);
    if (entry.begin > covered) fail(`bytes [${covered}, ${entry.begin}) of the buffer belong to no tensor (gap before ${quote(entry.name)})`);
    covered = entry.end;
    previous = entry;
  }
  if (covered !== bufferLength) fail(`bytes [${covered}, ${bufferLength}) at the end of the buffer belong to no tensor`);

  const tensors = Object.fromEntries(
    entries.map((entry) => {
      const data = allocate(entry.dtype, sizeOf(entry.shape));
      // A fresh array is aligned even when the offset in the file is not.
      new Uint8Array(data.buffer).set(bytes.subarray(base + entry.begin, base + entry.end));
      return [entry.name, { dtype: entry.dtype, shape: entry.shape, data } as HostTensor];
    }),
  );
  return { tensors, metadata };
}

function parseMetadata(value: unknown, fail: (reason: string) => never): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${METADATA_KEY} is ${quote(value)}, not an object`);
  const pairs = Object.entries(value as Record<string, unknown>);
  for (const [key, text] of pairs) {
    if (typeof text !== 'string') fail(`${METADATA_KEY} must map strings to strings, but ${quote(key)} is ${quote(text)}`);
  }
  return Object.fromEntries(pairs) as Record<string, string>;
}

function parseEntry(name: string, value: unknown, bufferLength: number, fail: (reason: string) => never): TensorEntry {
  const what = `tensor ${quote(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is ${quote(value)}, not an object`);
  const info = value as Record<string, unknown>;
  const dtype = typeof info.dtype === 'string' ? SAFETENSORS_TO_DTYPE.get(info.dtype) : undefined;
  if (dtype === undefined) fail(`${what} has unknown dtype ${quote(info.dtype)} (supported: ${[...SAFETENSORS_TO_DTYPE.keys()].join(', ')})`);

  const shape = info.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${what} has shape ${quote(shape)}, not an array of non-negative integers`);
  }
  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`${what} has data_offsets ${quote(offsets)}, not two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${what} has data_offsets ${quote(offsets)} with begin after end`);
  if (end > bufferLength) fail(`${what} has data_offsets ${quote(offsets)} beyond the ${bufferLength}-byte buffer`);

  // Exact in BigInt: a product of safe integers can exceed 2^53.
  const elements = (shape as number[]).reduce((n, d) => n * BigInt(d), 1n);
  const expected = elements * BigInt(DTYPE_BYTES[dtype!]);
  if (expected !== BigInt(end - begin)) {
    fail(`${what} of dtype ${quote(info.dtype)} and shape ${quote(shape)} needs ${expected} bytes but data_offsets ${quote(offsets)} span ${end - begin}`);
  }
  return { name, dtype: dtype!, shape: [...(shape as number[])], begin, end };
}

/**
 * Writes a safetensors file atomically: the bytes go to `path + '.tmp-<pid>'`, are flushed to
 * disk, then renamed over `path`, so a crash leaves either the old file or the new one.
 * @throws {TypeError} / {RangeError} as {@link encodeSafetensors}, or the file system's error.
 */
export async function writeSafetensorsFile(path: string, tensors: Record<string, HostTensor>, metadata?: Record<string, string>): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata);
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Reads and validates a safetensors file.
 * @param options.source defaults to `path`.
 * @throws {SafetensorsError} for malformed contents, or the file system's error.
 */
export async function readSafetensorsFile(path: string, options?: Partial<DecodeSafetensorsOptions>): Promise<SafetensorsContents> {
  const bytes = await readFile(path);
  return decodeSafetensors(bytes, { ...options, source: options?.source ?? path });
}

/** Index of the first NaN or infinite element of a float tensor, or -1 (always -1 for integer and bool tensors). */
export function findNonFinite(t: HostTensor): number {
  if (t.dtype === 'float16') {
    const bits = t.data as Uint16Array;
    for (let i = 0; i < bits.length; i++) if (!Number.isFinite(float16BitsToNumber(bits[i]!))) return i;
    return -1;
  }
  if (t.dtype === 'float32' || t.dtype === 'float64') {
    const values = t.data as Float32Array | Float64Array;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  }
  return -1;
}
