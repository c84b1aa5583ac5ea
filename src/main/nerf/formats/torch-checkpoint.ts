/**
 * torch.save files (the zip format torch writes since 1.6): `<name>/data.pkl`, a pickle of the
 * saved object in which every storage is a persistent id ('storage', torch.<Type>Storage, key,
 * location, numel), and `<name>/data/<key>`, that storage's raw bytes (plus `byteorder`,
 * `version`, ...). torch writes every record uncompressed; this reader takes stored records only.
 *
 * The zip's directory is read by fflate; the pickle by ./pickle.ts, which runs nothing. Every
 * size is checked against TORCH_CHECKPOINT_LIMITS before anything is allocated for it.
 */
import { unzipSync } from 'fflate';
import { float16BitsToNumber } from '../../compute/tensor';
import { DisallowedGlobalError, NerfstudioError } from './errors';
import { DEFAULT_PICKLE_LIMITS, type PickleLimits, PickleError, PickleGlobalError, PyGlobal, PyTuple, type TORCH_STORAGE_TYPES, type TensorRef, describe, readPickle } from './pickle';

/** Every limit of the torch checkpoint reader, in one place. */
export interface TorchCheckpointLimits {
  /** Zip entries. @default 100_000 */
  readonly maxEntries: number;
  /** Declared size of one entry, uncompressed. @default 1 GiB */
  readonly maxEntryBytes: number;
  /** Declared sizes of all entries together. @default 4 GiB */
  readonly maxTotalBytes: number;
  /** Size of data.pkl. @default 64 MiB */
  readonly maxPickleBytes: number;
  readonly pickle: PickleLimits;
}

export const TORCH_CHECKPOINT_LIMITS: TorchCheckpointLimits = {
  maxEntries: 100_000,
  maxEntryBytes: 1024 ** 3,
  maxTotalBytes: 4 * 1024 ** 3,
  maxPickleBytes: 64 * 1024 ** 2,
  pickle: DEFAULT_PICKLE_LIMITS,
};

/** Element type of a storage. */
export type TorchDtype = 'float32' | 'float16' | 'float64' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_DTYPES: Readonly<Record<(typeof TORCH_STORAGE_TYPES)[number], TorchDtype>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  DoubleStorage: 'float64',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const ITEM_BYTES: Readonly<Record<TorchDtype, number>> = { float32: 4, float16: 2, float64: 8, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/** A persistent id resolved: which record holds the storage, its type and length. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly numel: number,
    readonly location: string,
  ) {}
}

/** A tensor read out of its storage: float dtypes as float32 values, shape as saved. */
export interface CheckpointTensor {
  readonly dtype: TorchDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface Entry {
  readonly name: string;
  readonly size: number;
  readonly originalSize: number;
  readonly compression: number;
}

/** An opened torch.save file: the unpickled object and a way to read its tensors. */
export interface TorchCheckpoint {
  /** The saved object: PyDict, PyTuple, arrays, TensorRef (storage: StorageRef) ... */
  readonly root: unknown;
  /** The records' folder inside the zip (`step-000030000`, `archive`, ...). */
  readonly prefix: string;
  readonly littleEndian: boolean;
  /** Reads tensors by name (names for messages), each storage record extracted once. */
  readTensors(tensors: ReadonlyMap<string, TensorRef>): Map<string, CheckpointTensor>;
}

/** Cheap sniff: a zip's local file header magic. */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** The zip's entries, from its central directory, checked against the limits. */
function listEntries(bytes: Uint8Array, file: string, limits: TorchCheckpointLimits): Entry[] {
  const entries: Entry[] = [];
  let total = 0;
  try {
    unzipSync(bytes, {
      filter: (f) => {
        if (entries.length >= limits.maxEntries) throw new NerfstudioError(file, `the zip has more than ${limits.maxEntries} entries`);
        if (f.name.length === 0 || f.name.length > 1000) throw new NerfstudioError(file, 'the zip directory is corrupt (an entry without a usable name)');
        if (f.originalSize > limits.maxEntryBytes) throw new NerfstudioError(file, `zip entry "${f.name}" declares ${f.originalSize} bytes uncompressed, more than the ${limits.maxEntryBytes} read (a zip bomb, or not a checkpoint)`);
        total += f.originalSize;
        if (total > limits.maxTotalBytes) throw new NerfstudioError(file, `the zip's entries declare more than ${limits.maxTotalBytes} bytes uncompressed together (a zip bomb, or not a checkpoint)`);
        entries.push({ name: f.name, size: f.size, originalSize: f.originalSize, compression: f.compression });
        return false;
      },
    });
  } catch (e) {
    if (e instanceof NerfstudioError) throw e;
    throw new NerfstudioError(file, `not a readable zip archive, or a truncated one (${(e as Error).message})`);
  }
  return entries;
}

/** The named entries' bytes; each must be stored (torch compresses nothing) and complete. */
function extract(bytes: Uint8Array, file: string, wanted: ReadonlyMap<string, Entry>): Map<string, Uint8Array> {
  for (const entry of wanted.values()) {
    if (entry.compression !== 0) throw new NerfstudioError(file, `zip entry "${entry.name}" is compressed (method ${entry.compression}); torch.save stores its records uncompressed`);
    if (entry.size !== entry.originalSize) throw new NerfstudioError(file, `zip entry "${entry.name}" is stored with ${entry.size} bytes but declares ${entry.originalSize}`);
  }
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  } catch (e) {
    throw new NerfstudioError(file, `cannot read the zip's records (${(e as Error).message})`);
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, entry] of wanted) {
    const data = files[name];
    if (!data || data.length !== entry.originalSize) throw new NerfstudioError(file, `zip entry "${name}" is truncated (${data?.length ?? 0} of ${entry.originalSize} bytes in the file)`);
    out.set(name, data);
  }
  return out;
}

/** Resolves torch's persistent id ('storage', storage type, key, location, numel). */
function storageOf(pid: unknown, offset: number): StorageRef {
  const items = pid instanceof PyTuple ? pid.items : undefined;
  if (!items || items.length !== 5 || items[0] !== 'storage') throw new PickleError(`a persistent id must be ('storage', type, key, location, numel), got ${describe(pid)}`, offset);
  const [, type, key, location, numel] = items;
  const name = type instanceof PyGlobal && type.module === 'torch' ? type.name : undefined;
  const dtype = name !== undefined ? STORAGE_DTYPES[name as keyof typeof STORAGE_DTYPES] : undefined;
  if (!dtype) throw new PickleError(`a persistent id names storage type ${describe(type)}, not a torch storage type`, offset);
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(key)) throw new PickleError(`a persistent id's storage key must be a short record name, got ${describe(key)}`, offset);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw new PickleError(`a persistent id's element count must be a non-negative integer, got ${describe(numel)}`, offset);
  return new StorageRef(key, dtype, numel, typeof location === 'string' ? location : String(location));
}

function bfloat16(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}

/** Element `i` of a storage's bytes as a number. */
function elementReader(bytes: Uint8Array, dtype: TorchDtype, little: boolean): (i: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32':
      return (i) => view.getFloat32(4 * i, little);
    case 'float64':
      return (i) => view.getFloat64(8 * i, little);
    case 'float16':
      return (i) => float16BitsToNumber(view.getUint16(2 * i, little));
    case 'bfloat16':
      return (i) => bfloat16(view.getUint16(2 * i, little));
    case 'int64':
      return (i) => Number(view.getBigInt64(8 * i, little));
    case 'int32':
      return (i) => view.getInt32(4 * i, little);
    case 'int16':
      return (i) => view.getInt16(2 * i, little);
    case 'int8':
      return (i) => view.getInt8(i);
    default:
      return (i) => view.getUint8(i);
  }
}

function readTensor(name: string, ref: TensorRef, record: Uint8Array, little: boolean, file: string): CheckpointTensor {
  const storage = ref.storage as StorageRef;
  const { shape, stride, offset } = ref;
  if (shape.length !== stride.length) throw new NerfstudioError(file, `tensor "${name}" has size [${shape.join(', ')}] but stride [${stride.join(', ')}]`);
  const count = shape.reduce((n, d) => n * d, 1);
  if (!Number.isSafeInteger(count) || count > record.length) throw new NerfstudioError(file, `tensor "${name}" of size [${shape.join(', ')}] is larger than its storage`);
  // The last element a view reaches: offset + sum (size - 1) stride; every one must be in the storage.
  const last = count === 0 ? offset - 1 : shape.reduce((end, d, i) => end + (d - 1) * stride[i]!, offset);
  if (offset < 0 || last >= storage.numel) {
    throw new NerfstudioError(file, `tensor "${name}" reaches element ${last} of storage "${storage.key}" (offset ${offset}, size [${shape.join(', ')}], stride [${stride.join(', ')}]), which holds ${storage.numel}`);
  }
  const read = elementReader(record, storage.dtype, little);
  const data = new Float32Array(count);
  const contiguous = stride.every((s, i) => shape[i] === 1 || s === shape.slice(i + 1).reduce((n, d) => n * d, 1));
  if (contiguous) {
    for (let i = 0; i < count; i++) data[i] = read(offset + i);
  } else {
    const index = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      data[i] = read(index.reduce((at, k, d) => at + k * stride[d]!, offset));
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++index[d]! < shape[d]!) break;
        index[d] = 0;
      }
    }
  }
  return { dtype: storage.dtype, shape, data };
}

/**
 * Opens a torch.save zip: lists and checks its entries, unpickles data.pkl (storages stay on
 * disk until `readTensors`). Throws NerfstudioError naming `file`, DisallowedGlobalError for a
 * pickle that names a global outside the allow-list.
 */
export function openTorchCheckpoint(bytes: Uint8Array, file: string, limits: TorchCheckpointLimits = TORCH_CHECKPOINT_LIMITS): TorchCheckpoint {
  const entries = listEntries(bytes, file, limits);
  const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    const names = entries.slice(0, 5).map((e) => `"${e.name}"`).join(', ');
    throw new NerfstudioError(file, pickles.length === 0 ? `not a torch checkpoint (no <name>/data.pkl in the zip; entries ${names || 'none'})` : `the zip holds ${pickles.length} data.pkl records`);
  }
  const pickleEntry = pickles[0]!;
  const prefix = pickleEntry.name.slice(0, -'/data.pkl'.length);
  if (pickleEntry.originalSize > limits.maxPickleBytes) throw new NerfstudioError(file, `data.pkl is ${pickleEntry.originalSize} bytes, more than the ${limits.maxPickleBytes} read`);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const byteorderEntry = byName.get(`${prefix}/byteorder`);
  const head = extract(bytes, file, new Map([[pickleEntry.name, pickleEntry], ...(byteorderEntry && byteorderEntry.originalSize <= 16 ? [[byteorderEntry.name, byteorderEntry] as const] : [])]));
  const order = byteorderEntry ? new TextDecoder().decode(head.get(byteorderEntry.name)).trim() : 'little';
  if (order !== 'little' && order !== 'big') throw new NerfstudioError(file, `byteorder is ${JSON.stringify(order.slice(0, 20))}, not "little" or "big"`);
  let root: unknown;
  try {
    root = readPickle(head.get(pickleEntry.name)!, { persistentLoad: storageOf, limits: limits.pickle });
  } catch (e) {
    if (e instanceof PickleGlobalError) throw new DisallowedGlobalError(file, e.global, `data.pkl ${e.message}`);
    if (e instanceof PickleError) throw new NerfstudioError(file, `data.pkl: ${e.message}`);
    throw e;
  }
  const littleEndian = order === 'little';
  return {
    root,
    prefix,
    littleEndian,
    readTensors(tensors) {
      const wanted = new Map<string, Entry>();
      for (const [name, ref] of tensors) {
        const storage = ref.storage;
        if (!(storage instanceof StorageRef)) throw new NerfstudioError(file, `tensor "${name}" has no storage record (${describe(storage)})`);
        const record = `${prefix}/data/${storage.key}`;
        const entry = byName.get(record);
        if (!entry) throw new NerfstudioError(file, `tensor "${name}" is stored in record "${record}", which the zip does not hold`);
        const expected = storage.numel * ITEM_BYTES[storage.dtype];
        if (entry.originalSize !== expected) throw new NerfstudioError(file, `record "${record}" holds ${entry.originalSize} bytes, its storage of ${storage.numel} ${storage.dtype} needs ${expected}`);
        wanted.set(record, entry);
      }
      const records = extract(bytes, file, wanted);
      const out = new Map<string, CheckpointTensor>();
      for (const [name, ref] of tensors) out.set(name, readTensor(name, ref, records.get(`${prefix}/data/${(ref.storage as StorageRef).key}`)!, littleEndian, file));
      return out;
    },
  };
}
