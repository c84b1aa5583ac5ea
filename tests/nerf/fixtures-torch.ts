/**
 * torch.save files written by the tests, byte for byte the way torch writes them
 * (torch/serialization.py _save + caffe2's PyTorchFileWriter): a zip of stored records
 * `<name>/data.pkl`, `<name>/byteorder`, `<name>/data/<key>`, `<name>/version`,
 * `<name>/.data/serialization_id`, each record's data aligned to 64 bytes by an extra field;
 * data.pkl is a protocol-2 pickle as Python's Pickler writes it, with tensors as
 * torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())
 * and each storage as the persistent id ('storage', torch.<Type>Storage, key, location, numel).
 * Nothing here uses the reader's code.
 */
import { crc32 } from 'node:zlib';

/** A Python float (plain JS numbers are written as ints when they are integers). */
export class PyFloatValue {
  constructor(readonly value: number) {}
}
export class PyTupleValue {
  constructor(readonly items: readonly PyValue[]) {}
}
export class PyGlobalValue {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}
/** func(*args) pickled by REDUCE, as __reduce__ gives it. */
export class PyReduceValue {
  constructor(
    readonly func: PyGlobalValue,
    readonly args: readonly PyValue[],
  ) {}
}
export class OrderedDictValue {
  constructor(readonly entries: readonly (readonly [PyValue, PyValue])[]) {}
}
/** Raw pickle opcodes, spliced in as they are (hostile fixtures). */
export class RawPickle {
  constructor(readonly bytes: readonly number[]) {}
}

export type StorageType = 'FloatStorage' | 'HalfStorage' | 'DoubleStorage' | 'LongStorage' | 'IntStorage' | 'ByteStorage';

/** A tensor: its values, shape, and how torch stores it (storage type; a view's offset / stride). */
export class TensorValue {
  constructor(
    readonly values: ArrayLike<number>,
    readonly shape: readonly number[],
    readonly storageType: StorageType = 'FloatStorage',
    /** A view into a larger storage: its element count, offset, stride. */
    readonly view?: { readonly numel: number; readonly offset: number; readonly stride: readonly number[] },
  ) {}
}

export type PyValue = null | boolean | number | string | PyFloatValue | PyTupleValue | PyGlobalValue | PyReduceValue | OrderedDictValue | RawPickle | TensorValue | readonly PyValue[] | Map<PyValue, PyValue>;

const ITEM_BYTES: Record<StorageType, number> = { FloatStorage: 4, HalfStorage: 2, DoubleStorage: 8, LongStorage: 8, IntStorage: 4, ByteStorage: 1 };

function f16Bits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  return sign | ((exp << 10) + Math.round(mant / 8192));
}

/** The bytes of a storage of `type` holding `values` (little-endian). */
export function storageBytes(values: ArrayLike<number>, type: StorageType): Uint8Array {
  const out = new Uint8Array(values.length * ITEM_BYTES[type]);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (type === 'FloatStorage') view.setFloat32(4 * i, v, true);
    else if (type === 'DoubleStorage') view.setFloat64(8 * i, v, true);
    else if (type === 'HalfStorage') view.setUint16(2 * i, f16Bits(v), true);
    else if (type === 'LongStorage') view.setBigInt64(8 * i, BigInt(Math.trunc(v)), true);
    else if (type === 'IntStorage') view.setInt32(4 * i, v, true);
    else view.setUint8(i, v);
  }
  return out;
}

/** Python's Pickler at protocol 2, for the values above; storages collected as torch's persistent_id does. */
class Pickler {
  readonly out: number[] = [];
  readonly storages: { key: string; bytes: Uint8Array }[] = [];
  private memo = 0;
  private readonly globals = new Map<string, number>();

  private op(...bytes: number[]): void {
    for (const b of bytes) this.out.push(b);
  }
  private u32(v: number): void {
    this.op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  private put(): void {
    // Python memoizes with BINPUT below 256, LONG_BINPUT above.
    if (this.memo < 256) this.op(0x71, this.memo);
    else {
      this.op(0x72);
      this.u32(this.memo);
    }
    this.memo++;
  }
  private get(index: number): void {
    if (index < 256) this.op(0x68, index);
    else {
      this.op(0x6a);
      this.u32(index);
    }
  }
  private text(s: string): void {
    const b = new TextEncoder().encode(s);
    this.op(0x58);
    this.u32(b.length);
    this.op(...b);
    this.put();
  }
  private int(v: number): void {
    if (v >= 0 && v < 256) this.op(0x4b, v);
    else if (v >= 0 && v < 65536) this.op(0x4d, v & 0xff, v >> 8);
    else if (v >= -(2 ** 31) && v < 2 ** 31) {
      this.op(0x4a);
      this.u32(v >>> 0);
    } else {
      // LONG1: little-endian two's complement, as few bytes as hold it.
      let big = BigInt(v);
      const bytes: number[] = [];
      do {
        bytes.push(Number(big & 0xffn));
        big >>= 8n;
      } while (!(big === 0n && !(bytes[bytes.length - 1]! & 0x80)) && !(big === -1n && bytes[bytes.length - 1]! & 0x80));
      this.op(0x8a, bytes.length, ...bytes);
    }
  }
  private global(g: PyGlobalValue): void {
    const key = `${g.module}\n${g.name}\n`;
    const known = this.globals.get(key);
    if (known !== undefined) return this.get(known);
    this.op(0x63, ...new TextEncoder().encode(key));
    this.globals.set(key, this.memo);
    this.put();
  }
  private tuple(items: readonly PyValue[]): void {
    if (items.length === 0) {
      this.op(0x29);
      return;
    }
    if (items.length <= 3) {
      for (const v of items) this.save(v);
      this.op(0x84 + items.length);
    } else {
      this.op(0x28);
      for (const v of items) this.save(v);
      this.op(0x74);
    }
    this.put();
  }
  private setItems(entries: readonly (readonly [PyValue, PyValue])[]): void {
    // Python batches SETITEMS by 1000; one pair is a SETITEM.
    for (let i = 0; i < entries.length; i += 1000) {
      const batch = entries.slice(i, i + 1000);
      if (batch.length === 1) {
        this.save(batch[0]![0]);
        this.save(batch[0]![1]);
        this.op(0x73);
        continue;
      }
      this.op(0x28);
      for (const [k, v] of batch) {
        this.save(k);
        this.save(v);
      }
      this.op(0x75);
    }
  }
  private tensor(t: TensorValue): void {
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
    this.global(new PyGlobalValue('torch._utils', '_rebuild_tensor_v2'));
    const key = String(this.storages.length);
    const numel = t.view?.numel ?? t.values.length;
    const values = t.view ? Array.from({ length: numel }, (_, i) => t.values[i % t.values.length]!) : t.values;
    this.storages.push({ key, bytes: storageBytes(values, t.storageType) });
    const contiguous = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((n, d) => n * d, 1));
    this.op(0x28);
    // The persistent id: a 5-tuple, then BINPERSID.
    this.tuple(['storage', new PyGlobalValue('torch', t.storageType), key, 'cuda:0', numel]);
    this.op(0x51);
    this.int(t.view?.offset ?? 0);
    this.tuple(t.shape);
    this.tuple(t.view?.stride ?? contiguous);
    this.op(0x89);
    this.save(new PyReduceValue(new PyGlobalValue('collections', 'OrderedDict'), []));
    this.op(0x74);
    this.put();
    this.op(0x52);
    this.put();
  }

  save(v: PyValue): void {
    if (v === null) this.op(0x4e);
    else if (v === true) this.op(0x88);
    else if (v === false) this.op(0x89);
    else if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new TypeError(`pickler: ${v} is not an int; wrap floats in PyFloatValue`);
      this.int(v);
    } else if (typeof v === 'string') this.text(v);
    else if (v instanceof PyFloatValue) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v.value, false);
      this.op(0x47, ...b);
    } else if (v instanceof PyTupleValue) this.tuple(v.items);
    else if (v instanceof PyGlobalValue) this.global(v);
    else if (v instanceof PyReduceValue) {
      this.global(v.func);
      this.tuple(v.args);
      this.op(0x52);
      this.put();
    } else if (v instanceof OrderedDictValue) {
      // OrderedDict.__reduce__: (OrderedDict, (), {'_metadata': ...}, None, items) -> REDUCE, SETITEMS, BUILD.
      this.global(new PyGlobalValue('collections', 'OrderedDict'));
      this.op(0x29, 0x52);
      this.put();
      this.setItems(v.entries);
      // A state_dict carries its _metadata as instance state (BUILD); an empty OrderedDict has none.
      if (v.entries.length > 0) {
        this.save(new Map<PyValue, PyValue>([['_metadata', new OrderedDictValue([])]]));
        this.op(0x62);
      }
    } else if (v instanceof RawPickle) this.op(...v.bytes);
    else if (v instanceof TensorValue) this.tensor(v);
    else if (Array.isArray(v)) {
      this.op(0x5d);
      this.put();
      if (v.length === 1) {
        this.save(v[0]!);
        this.op(0x61);
      } else if (v.length > 1) {
        this.op(0x28);
        for (const x of v) this.save(x);
        this.op(0x65);
      }
    } else if (v instanceof Map) {
      this.op(0x7d);
      this.put();
      this.setItems([...v.entries()]);
    } else throw new TypeError('pickler: unknown value');
  }
}

/** Pickles `value` at protocol 2 (PROTO 2 ... STOP); tensors become storages, returned beside it. */
export function pickle(value: PyValue): { pickle: Uint8Array; storages: { key: string; bytes: Uint8Array }[] } {
  const p = new Pickler();
  p.out.push(0x80, 2);
  p.save(value);
  p.out.push(0x2e);
  return { pickle: Uint8Array.from(p.out), storages: p.storages };
}

/** One record of a zip. */
export interface ZipRecord {
  readonly name: string;
  readonly data: Uint8Array;
  /** Written in the directory instead of the real size (hostile fixtures). */
  readonly declaredSize?: number;
  /** Compression method written in the headers (the data is written as given). @default 0 */
  readonly method?: number;
}

/** A zip of stored records with each record's data aligned to 64 bytes, as PyTorchFileWriter writes it. */
export function storedZip(records: readonly ZipRecord[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const r of records) {
    const name = new TextEncoder().encode(r.name);
    const crc = crc32(r.data);
    const size = r.declaredSize ?? r.data.length;
    const headerLength = 30 + name.length;
    // Extra field "FB" padding so the data starts on a 64-byte boundary (needs >= 4 bytes).
    let pad = (64 - ((offset + headerLength + 4) % 64)) % 64;
    const extra = new Uint8Array(4 + pad);
    new DataView(extra.buffer).setUint16(0, 0x4246, true);
    new DataView(extra.buffer).setUint16(2, pad, true);
    const local = new Uint8Array(headerLength + extra.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, r.method ?? 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, r.data.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extra.length, true);
    local.set(name, 30);
    local.set(extra, headerLength);
    const entry = new Uint8Array(46 + name.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, r.method ?? 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, r.data.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    entry.set(name, 46);
    central.push(entry);
    parts.push(local, r.data);
    offset += local.length + r.data.length;
    pad = 0;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, records.length, true);
  ev.setUint16(10, records.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface TorchSaveOptions {
  /** The records' folder: torch uses the file name without its extension. @default 'archive' */
  readonly name?: string;
  /** Changes the records before they are zipped (hostile fixtures). */
  readonly edit?: (records: ZipRecord[]) => ZipRecord[];
}

/** torch.save(value, f): the zip bytes. */
export function torchSave(value: PyValue, options: TorchSaveOptions = {}): Uint8Array {
  const name = options.name ?? 'archive';
  const { pickle: pkl, storages } = pickle(value);
  let records: ZipRecord[] = [
    { name: `${name}/data.pkl`, data: pkl },
    { name: `${name}/byteorder`, data: new TextEncoder().encode('little') },
    ...storages.map((s) => ({ name: `${name}/data/${s.key}`, data: s.bytes })),
    { name: `${name}/version`, data: new TextEncoder().encode('3\n') },
    { name: `${name}/.data/serialization_id`, data: new TextEncoder().encode('1234567890123456789012345678901234567890') },
  ];
  if (options.edit) records = options.edit(records);
  return storedZip(records);
}
