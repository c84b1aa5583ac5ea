import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { SessionCache, fromOrtTensor, runSession, toOrtTensor } from '../../src/main/compute/session';
import { tensor, type HostTensor } from '../../src/main/compute/tensor';
import { addModel } from './tiny-onnx-models';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 0 };
const cache = new SessionCache();
afterAll(() => cache.dispose());

describe('SessionCache', () => {
  it('returns the same session for the same model bytes, provider and options', async () => {
    const a = await cache.get(addModel(), cpu);
    const b = await cache.get(addModel(), cpu);
    expect(b).toBe(a);
    const threaded = await cache.get(addModel(), { ...cpu, threads: 1 });
    expect(threaded).not.toBe(a);
    const variable = await cache.get(addModel(), cpu, { variableShapes: true });
    expect(variable).not.toBe(a);
  });

  it('runs inputs of new sizes on the same session with right answers', async () => {
    const local = new SessionCache();
    const model = addModel('n');
    for (const n of [3, 5, 1000]) {
      const session = await local.get(model, cpu, { variableShapes: true });
      const a = tensor('float32', [n], Float32Array.from({ length: n }, (_, i) => i));
      const b = tensor('float32', [n], Float32Array.from({ length: n }, (_, i) => 10 * i));
      const { c } = await runSession(session, { a, b });
      expect(c!.shape).toEqual([n]);
      expect(Array.from(c!.data as Float32Array)).toEqual(Array.from({ length: n }, (_, i) => 11 * i));
    }
    expect(local.size).toBe(1);
    await local.dispose();
    expect(local.size).toBe(0);
  });

  it('keys on the model bytes, the provider and its options, not on feeds', () => {
    const model = addModel();
    expect(SessionCache.signature(model, cpu)).toBe(SessionCache.signature(addModel(), cpu));
    expect(SessionCache.signature(model, cpu)).not.toBe(SessionCache.signature(addModel(4), cpu));
    expect(SessionCache.signature(model, cpu)).not.toBe(SessionCache.signature(model, { ...cpu, threads: 2 }));
  });

  it('releases the least recently used session beyond maxSessions', async () => {
    const small = new SessionCache({ maxSessions: 1 });
    const first = await small.get(addModel(2), cpu);
    await small.get(addModel(3), cpu);
    expect(small.size).toBe(1);
    expect(await small.get(addModel(2), cpu)).not.toBe(first);
    await small.dispose();
    expect(() => new SessionCache({ maxSessions: 0 })).toThrow(RangeError);
  });
});

describe('tensor conversion', () => {
  const cases: HostTensor[] = [
    tensor('float32', [2, 2], [1.5, -2, 3, 4]),
    tensor('float64', [3], [1e-300, 2, -3]),
    tensor('float16', [2], Uint16Array.from([0x3c00, 0xc000])),
    tensor('int64', [2], BigInt64Array.from([1n, -(2n ** 40n)])),
    tensor('int32', [1, 3], [1, -2, 3]),
    tensor('uint8', [2], [0, 255]),
    tensor('bool', [3], Uint8Array.from([1, 0, 1])),
    tensor('float32', [], [7]),
  ];
  it.each(cases.map((t) => [t.dtype, t.shape.join('x'), t] as const))('round-trips %s [%s]', (_dtype, _shape, t) => {
    const ort = toOrtTensor(t);
    expect(ort.type).toBe(t.dtype);
    expect(ort.dims).toEqual(t.shape);
    const back = fromOrtTensor(ort);
    expect(back).toEqual(t);
    expect(back.data).not.toBe(t.data);
    expect(back.data.constructor).toBe(t.data.constructor);
  });

  it('copies data out of the ONNX Runtime tensor', () => {
    const data = Float32Array.from([1, 2]);
    const host = fromOrtTensor(new Tensor('float32', data, [2]));
    data[0] = 99;
    expect(host.data[0]).toBe(1);
  });

  it('rejects element types it does not know and data that does not fit the shape', () => {
    expect(() => fromOrtTensor(new Tensor('int8', Int8Array.from([1]), [1]))).toThrow(/unsupported element type 'int8'/);
    expect(() => toOrtTensor({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toThrow(RangeError);
  });
});

describe('runSession feed checks', () => {
  const session = InferenceSession.create(addModel(3));
  const v = (n = 3) => tensor('float32', [n], new Float32Array(n));

  it('names missing and extra feeds', async () => {
    const s = await session;
    await expect(runSession(s, { a: v() })).rejects.toThrow("runSession: missing feeds 'b' (model inputs: 'a', 'b')");
    await expect(runSession(s, { a: v(), b: v(), z: v() })).rejects.toThrow("extra feeds 'z'");
    await expect(runSession(s, { z: v() })).rejects.toThrow("missing feeds 'a', 'b'; extra feeds 'z'");
  });

  it('reports dtype, rank and fixed-dimension mismatches', async () => {
    const s = await session;
    await expect(runSession(s, { a: v(), b: tensor('float64', [3], [1, 2, 3]) })).rejects.toThrow(new TypeError("runSession: feed 'b' is float64, the model expects float32"));
    await expect(runSession(s, { a: v(), b: tensor('float32', [1, 3], [1, 2, 3]) })).rejects.toThrow(/feed 'b' has rank 2 .* expects rank 1/);
    await expect(runSession(s, { a: v(4), b: v() })).rejects.toThrow(RangeError);
    await expect(runSession(s, { a: v(4), b: v() })).rejects.toThrow("feed 'a' has shape [4], the model expects [3] (axis 0)");
  });

  it('names unknown outputs and fetches only the ones asked for', async () => {
    const s = await session;
    await expect(runSession(s, { a: v(), b: v() }, ['d'])).rejects.toThrow("unknown outputs 'd' (model outputs: 'c')");
    const out = await runSession(s, { a: tensor('float32', [3], [1, 2, 3]), b: tensor('float32', [3], [1, 1, 1]) }, ['c']);
    expect(Object.keys(out)).toEqual(['c']);
    expect(Array.from(out['c']!.data as Float32Array)).toEqual([2, 3, 4]);
  });
});
