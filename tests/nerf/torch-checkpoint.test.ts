import { describe, expect, it } from 'vitest';
import { type PyDict, TensorRef, readPickle } from '../../src/main/nerf/formats/pickle';
import { TORCH_CHECKPOINT_LIMITS, openTorchCheckpoint } from '../../src/main/nerf/formats/torch-checkpoint';
import { OrderedDictValue, PyFloatValue, PyTupleValue, RawPickle, TensorValue, pickle, storedZip, torchSave } from './fixtures-torch';

const noPersistence = (): never => {
  throw new Error('no persistent ids here');
};

describe('the pickle reader', () => {
  it('reads what torch.save writes at protocol 2: dicts, OrderedDicts, tuples, ints of every width, floats, strings, tensors', () => {
    const value = new Map<never, never>([
      ['step', 29999],
      ['big', 2 ** 40],
      ['negative', -70000],
      ['lr', new PyFloatValue(1e-15)],
      ['tuple', new PyTupleValue([1, 'two', new PyFloatValue(3.5)])],
      ['list', [1, 2, 3]],
      ['none', null],
      ['flag', true],
      ['state', new OrderedDictValue([['w', new TensorValue([1, 2, 3, 4, 5, 6], [2, 3])]])],
    ] as never);
    const bytes = torchSave(value as never);
    const checkpoint = openTorchCheckpoint(bytes, 'x.ckpt');
    const root = checkpoint.root as PyDict;
    expect(checkpoint.prefix).toBe('archive');
    expect(root.get('step')).toBe(29999);
    expect(root.get('big')).toBe(2 ** 40);
    expect(root.get('negative')).toBe(-70000);
    expect(root.get('lr')).toBe(1e-15);
    expect(root.get('none')).toBeNull();
    expect(root.get('flag')).toBe(true);
    expect(root.get('list')).toEqual([1, 2, 3]);
    const w = (root.get('state') as PyDict).get('w') as TensorRef;
    expect(w).toBeInstanceOf(TensorRef);
    const t = checkpoint.readTensors(new Map([['w', w]])).get('w')!;
    expect(t).toMatchObject({ dtype: 'float32', shape: [2, 3] });
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads strided views of a storage (a transposed tensor)', () => {
    const bytes = torchSave(new Map([['t', new TensorValue([1, 2, 3, 4, 5, 6], [3, 2], 'FloatStorage', { numel: 6, offset: 0, stride: [1, 3] })]]) as never);
    const checkpoint = openTorchCheckpoint(bytes, 'x.ckpt');
    const ref = (checkpoint.root as PyDict).get('t') as TensorRef;
    expect(Array.from(checkpoint.readTensors(new Map([['t', ref]])).get('t')!.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('executes nothing: GLOBAL and STACK_GLOBAL outside the allow-list are refused by name', () => {
    const global = new TextEncoder().encode('cposix\nsystem\n');
    const bytes = Uint8Array.from([0x80, 2, ...global, 0x58, 2, 0, 0, 0, 0x6c, 0x73, 0x85, 0x52, 0x2e]);
    expect(() => readPickle(bytes, { persistentLoad: noPersistence })).toThrow(/refuses the global posix.system/);
    const stackGlobal = Uint8Array.from([0x80, 4, 0x8c, 2, ...new TextEncoder().encode('os'), 0x8c, 6, ...new TextEncoder().encode('system'), 0x93, 0x2e]);
    expect(() => readPickle(stackGlobal, { persistentLoad: noPersistence })).toThrow(/refuses the global os.system/);
    for (const code of [0x69, 0x6f, 0x92, 0x82]) expect(() => readPickle(Uint8Array.from([0x80, 2, code, 0x2e]), { persistentLoad: noPersistence }), `opcode ${code}`).toThrow(/is not read/);
  });

  it('refuses deep nesting, truncation and unknown opcodes with the byte at fault', () => {
    const deep = Uint8Array.from([0x80, 2, ...new Array<number>(5000).fill(0x28), 0x2e]);
    expect(() => readPickle(deep, { persistentLoad: noPersistence })).toThrow(/more than 1000 open MARKs/);
    const lists = Uint8Array.from([0x80, 2, ...new Array<number>(300).fill(0x5d), ...new Array<number>(299).fill(0x61), 0x2e]);
    expect(() => readPickle(lists, { persistentLoad: noPersistence })).toThrow(/nested more than 100 containers deep/);
    expect(() => readPickle(Uint8Array.from([0x80, 2, 0x58, 100, 0, 0, 0, 0x61]), { persistentLoad: noPersistence })).toThrow(/truncated/);
    expect(() => readPickle(Uint8Array.from([0x80, 2, 0xff]), { persistentLoad: noPersistence })).toThrow(/unknown opcode 0xff \(pickle byte 2\)/);
  });

  it('keeps its limits in one place', () => {
    expect(TORCH_CHECKPOINT_LIMITS).toMatchObject({ maxEntries: 100_000, maxEntryBytes: 1024 ** 3, maxPickleBytes: 64 * 1024 ** 2 });
    const tiny = { ...TORCH_CHECKPOINT_LIMITS, maxEntryBytes: 10 };
    expect(() => openTorchCheckpoint(torchSave(new Map([['t', new TensorValue([1, 2, 3], [3])]]) as never), 'small.ckpt', tiny)).toThrow(/declares \d+ bytes uncompressed, more than the 10 read/);
    expect(pickle(null).pickle[0]).toBe(0x80);
    expect(storedZip([]).length).toBe(22);
    expect(new RawPickle([0x4e]).bytes).toEqual([0x4e]);
  });
});
