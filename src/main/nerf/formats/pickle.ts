/**
 * A pickle reader that executes nothing: the binary opcodes of protocols 2 to 5 (what torch.save
 * writes) interpreted into plain data. GLOBAL / STACK_GLOBAL resolve only through an allow-list
 * of names whose effect is written here as a data constructor (OrderedDict, torch's tensor and
 * parameter rebuilders, storage type markers, ...); any other global is refused with a
 * PickleGlobalError naming it. Nothing from the file is ever called, imported or evaluated.
 *
 * Python values become: None -> null, bool, int -> number (bigint beyond 2^53), float -> number,
 * str -> string, bytes -> Uint8Array, list -> array, tuple -> PyTuple, dict -> PyDict, set ->
 * Set, storages (persistent ids) -> whatever `persistentLoad` returns, tensors -> TensorRef.
 */

/** Limits of one pickle; everything beyond them is refused. */
export interface PickleLimits {
  /** Containers inside containers. @default 100 */
  readonly maxDepth: number;
  /** Open MARKs at once. @default 1000 */
  readonly maxMarks: number;
  /** Memo entries. @default 1_000_000 */
  readonly maxMemo: number;
}

export const DEFAULT_PICKLE_LIMITS: PickleLimits = { maxDepth: 100, maxMarks: 1000, maxMemo: 1_000_000 };

/** A pickle that cannot be read: `offset` is the byte of the opcode at fault. */
export class PickleError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} (pickle byte ${offset})`);
    this.name = 'PickleError';
  }
}

/** A GLOBAL that is not on the allow-list: the pickle wants to reach code nerfdex never runs. */
export class PickleGlobalError extends PickleError {
  constructor(
    readonly global: string,
    offset: number,
  ) {
    super(`refuses the global ${global}: not on the allow-list of torch checkpoint names, and nerfdex never runs code from a file`, offset);
    this.name = 'PickleGlobalError';
  }
}

export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A dict or OrderedDict, keys in insertion order. */
export class PyDict {
  readonly entries = new Map<unknown, unknown>();
  get(key: string | number): unknown {
    return this.entries.get(key);
  }
}

/** An allowed global that names a type rather than building a value (torch.FloatStorage ...). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): a view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: unknown,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

/** numpy.dtype(...) as numpy.core.multiarray.scalar needs it: its code ('f8', '<i4', ...) and byte order. */
class NumpyDtype {
  constructor(
    readonly code: string,
    public littleEndian = true,
  ) {}
}

type Builder = (args: readonly unknown[], at: number) => unknown;

function integerArg(args: readonly unknown[], i: number, what: string, at: number): number {
  const v = args[i];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new PickleError(`${what} must be an integer, got ${describe(v)}`, at);
  return v;
}

function integerTuple(v: unknown, what: string, at: number): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : undefined;
  if (!items || !items.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) throw new PickleError(`${what} must be a tuple of non-negative integers, got ${describe(v)}`, at);
  return items as number[];
}

const rebuildTensor: Builder = (args, at) => {
  if (args.length < 4) throw new PickleError(`_rebuild_tensor takes (storage, offset, size, stride, ...), got ${args.length} arguments`, at);
  return new TensorRef(args[0], integerArg(args, 1, 'the storage offset', at), integerTuple(args[2], 'the size', at), integerTuple(args[3], 'the stride', at));
};

const rebuildParameter: Builder = (args, at) => {
  if (!(args[0] instanceof TensorRef)) throw new PickleError(`_rebuild_parameter wraps a tensor, got ${describe(args[0])}`, at);
  return args[0];
};

function numpyScalar(args: readonly unknown[], at: number): number | bigint {
  const [dtype, bytes] = args;
  if (!(dtype instanceof NumpyDtype) || !(bytes instanceof Uint8Array)) throw new PickleError(`numpy scalar needs (dtype, bytes), got ${describe(args)}`, at);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dtype.littleEndian;
  const code = dtype.code.replace(/^[<>|=]/, '');
  const sizes: Record<string, number> = { f8: 8, f4: 4, i8: 8, i4: 4, u8: 8, u4: 4, i2: 2, u2: 2, i1: 1, u1: 1, b1: 1 };
  if (sizes[code] !== bytes.length) throw new PickleError(`numpy scalar of dtype ${describe(dtype.code)} with ${bytes.length} bytes is not read`, at);
  switch (code) {
    case 'f8':
      return view.getFloat64(0, le);
    case 'f4':
      return view.getFloat32(0, le);
    case 'i8':
      return view.getBigInt64(0, le);
    case 'u8':
      return view.getBigUint64(0, le);
    case 'i4':
      return view.getInt32(0, le);
    case 'u4':
      return view.getUint32(0, le);
    case 'i2':
      return view.getInt16(0, le);
    case 'u2':
      return view.getUint16(0, le);
    case 'i1':
      return view.getInt8(0);
    default:
      return view.getUint8(0);
  }
}

/** Torch storage types of a persistent id, by name: their element type. */
export const TORCH_STORAGE_TYPES = ['FloatStorage', 'HalfStorage', 'DoubleStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage', 'ShortStorage', 'CharStorage', 'ByteStorage', 'BoolStorage'] as const;

/**
 * The allow-list: each name torch checkpoints use, with what it builds (undefined: a type marker
 * that is only passed around). Everything else is refused.
 */
const ALLOWED: ReadonlyMap<string, Builder | undefined> = new Map<string, Builder | undefined>([
  ['collections.OrderedDict', () => new PyDict()],
  ['builtins.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  ['builtins.frozenset', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  ['_codecs.encode', (args, at) => {
    const [text, encoding] = args;
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw new PickleError(`_codecs.encode is read for (str, "latin1") only, got ${describe(args)}`, at);
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  }],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_parameter', rebuildParameter],
  ['torch._utils._rebuild_parameter_with_state', rebuildParameter],
  ['torch.device', (args) => args.map(String).join(':')],
  ['torch.Size', (args) => new PyTuple(integerTuple(args[0], 'torch.Size', 0))],
  ['numpy.dtype', (args, at) => {
    if (typeof args[0] !== 'string') throw new PickleError(`numpy.dtype takes a type code, got ${describe(args[0])}`, at);
    return new NumpyDtype(args[0]);
  }],
  ['numpy.core.multiarray.scalar', numpyScalar],
  ['numpy._core.multiarray.scalar', numpyScalar],
  ['torch.Tensor', undefined],
  ['torch.nn.parameter.Parameter', undefined],
  ...TORCH_STORAGE_TYPES.map((name) => [`torch.${name}`, undefined] as [string, undefined]),
]);

/** torch._tensor._rebuild_from_type_v2(func, type, args, state): func(*args) for an allowed func. */
function rebuildFromType(args: readonly unknown[], at: number): unknown {
  const [func, , inner] = args;
  if (!(func instanceof PyGlobal)) throw new PickleError(`_rebuild_from_type_v2 needs a rebuild function, got ${describe(func)}`, at);
  const build = ALLOWED.get(func.qualified);
  if (!build || !(inner instanceof PyTuple)) throw new PickleError(`_rebuild_from_type_v2 of ${func.qualified} is not read`, at);
  return build(inner.items, at);
}

/** Short, safe description of a value for messages (never recursive beyond a few levels). */
export function describe(value: unknown, depth = 0): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value !== 'object') return String(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof PyGlobal) return value.qualified;
  if (value instanceof TensorRef) return `tensor [${value.shape.join(', ')}]`;
  if (depth > 2) return '...';
  const items = value instanceof PyTuple ? value.items : Array.isArray(value) ? value : undefined;
  if (items) {
    const shown = items.slice(0, 5).map((v) => describe(v, depth + 1));
    const [open, close] = value instanceof PyTuple ? ['(', ')'] : ['[', ']'];
    return `${open}${shown.join(', ')}${items.length > 5 ? ', ...' : ''}${close}`;
  }
  if (value instanceof PyDict) return `{${[...value.entries.keys()].slice(0, 5).map((k) => describe(k, depth + 1)).join(', ')}${value.entries.size > 5 ? ', ...' : ''}}`;
  return value.constructor?.name ?? 'object';
}

export interface PickleOptions {
  /** Resolves a persistent id (BINPERSID): torch's ('storage', type, key, location, numel). */
  readonly persistentLoad: (pid: unknown, offset: number) => unknown;
  readonly limits?: Partial<PickleLimits>;
}

/** Reads one pickle from `bytes` and returns its value; throws PickleError (PickleGlobalError for a refused global). */
export function readPickle(bytes: Uint8Array, options: PickleOptions): unknown {
  const limits = { ...DEFAULT_PICKLE_LIMITS, ...options.limits };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const depths = new WeakMap<object, number>();
  let pos = 0;
  let at = 0;

  const fail = (reason: string): never => {
    throw new PickleError(reason, at);
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) fail(`truncated: an opcode needs ${n} more bytes, ${bytes.length - pos} are left`);
    const start = pos;
    pos += n;
    return start;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(bytes.length)) fail(`a length of ${v} bytes is beyond the ${bytes.length}-byte pickle`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (n: number): string => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 1000) fail('truncated: a GLOBAL name has no end of line');
    const s = String.fromCharCode(...bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1]!)) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to');
    return stack.splice(m!);
  };
  const depthOf = (v: unknown): number => (typeof v === 'object' && v !== null ? (depths.get(v) ?? 1) : 0);
  /** Records that `container` now holds `items`; refuses nesting beyond the limit. */
  const contain = <T extends object>(container: T, items: readonly unknown[]): T => {
    let d = depths.get(container) ?? 1;
    for (const v of items) d = Math.max(d, depthOf(v) + 1);
    if (d > limits.maxDepth) fail(`nested more than ${limits.maxDepth} containers deep`);
    depths.set(container, d);
    return container;
  };
  const setItems = (target: unknown, items: readonly unknown[]): void => {
    if (!(target instanceof PyDict)) fail(`SETITEM(S) on ${describe(target)}, not a dict`);
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    const dict = target as PyDict;
    for (let i = 0; i < items.length; i += 2) dict.entries.set(items[i], items[i + 1]);
    contain(dict, items);
  };
  const appendItems = (target: unknown, items: readonly unknown[]): void => {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof Set) for (const v of items) target.add(v);
    else fail(`APPEND(S) on ${describe(target)}, not a list`);
    contain(target as object, items);
  };
  const global = (module: string, name: string): PyGlobal => {
    const qualified = `${module}.${name}`;
    if (qualified === 'torch._tensor._rebuild_from_type_v2' || ALLOWED.has(qualified)) return new PyGlobal(module, name);
    throw new PickleGlobalError(qualified, at);
  };
  const call = (func: unknown, args: unknown): unknown => {
    if (!(func instanceof PyGlobal)) fail(`REDUCE of ${describe(func)}, not a global`);
    const f = func as PyGlobal;
    const items = args instanceof PyTuple ? args.items : fail(`REDUCE arguments must be a tuple, got ${describe(args)}`);
    if (f.qualified === 'torch._tensor._rebuild_from_type_v2') return rebuildFromType(items, at);
    const build = ALLOWED.get(f.qualified);
    if (!build) fail(`${f.qualified} is a type, not something nerfdex builds`);
    return build!(items, at);
  };
  const memoize = (index: number): void => {
    if (memo.size >= limits.maxMemo && !memo.has(index)) fail(`more than ${limits.maxMemo} memo entries`);
    memo.set(index, top());
  };
  const recall = (index: number): void => {
    if (!memo.has(index)) fail(`memo entry ${index} was never stored`);
    stack.push(memo.get(index));
  };

  for (;;) {
    at = pos;
    const code = u8();
    switch (code) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x28: // MARK
        if (marks.length >= limits.maxMarks) fail(`more than ${limits.maxMarks} open MARKs (nested too deep)`);
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x71: // BINPUT
        memoize(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoize(u32());
        break;
      case 0x94: // MEMOIZE
        memoize(memo.size);
        break;
      case 0x68: // BINGET
        recall(u8());
        break;
      case 0x6a: // LONG_BINGET
        recall(u32());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = code === 0x8a ? u8() : u32();
        if (n > 64) fail(`an integer of ${n} bytes`);
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x54: // BINSTRING
      case 0x55: // SHORT_BINSTRING (Python 2 str, read as latin-1)
        stack.push(String.fromCharCode(...take(code === 0x54 ? u32() : u8()).subarray(0, 1 << 16)));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()).slice());
        break;
      case 0x74: // TUPLE
        stack.push(contain(new PyTuple(popMark()), []));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = code - 0x84;
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        const t = new PyTuple(items);
        stack.push(contain(t, items));
        break;
      }
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(contain(items, items));
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new PyDict();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(contain(new Set(items), items));
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const func = pop();
        const v = call(func, args);
        if (args instanceof PyTuple && typeof v === 'object' && v !== null) contain(v, args.items);
        stack.push(v);
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), for allowed classes only
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: state of containers and tensors (OrderedDict's _metadata, ...) is not needed
        const state = pop();
        const target = top();
        if (target instanceof NumpyDtype) {
          const order = state instanceof PyTuple ? state.items[1] : undefined;
          target.littleEndian = order !== '>';
        } else if (!(target instanceof PyDict || target instanceof TensorRef || target instanceof Set || Array.isArray(target))) {
          fail(`BUILD of ${describe(target)} is not read`);
        }
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        stack.push(options.persistentLoad(pid, at));
        break;
      }
      default: {
        const names: Record<number, string> = { 0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x50: 'PERSID', 0x70: 'PUT', 0x67: 'GET', 0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x92: 'NEWOBJ_EX', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER' };
        const name = names[code];
        fail(name ? `opcode ${name} is not read (torch.save writes protocol 2 binary opcodes)` : `unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
      }
    }
  }
}
