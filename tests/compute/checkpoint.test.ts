import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_VERSION, CheckpointError, loadCheckpoint, saveCheckpoint } from '../../src/main/compute/checkpoint';
import { SafetensorsError, readSafetensorsFile, writeSafetensorsFile } from '../../src/main/compute/safetensors';
import { tensor, type HostTensor } from '../../src/main/compute/tensor';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nerfdex-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function values(t: HostTensor | undefined): number[] {
  expect(t).toBeDefined();
  return Array.from(t!.data as Float32Array, Number);
}

function state() {
  const params = {
    'grid.table': tensor('float32', [2, 3], [0.1, -0.2, 0.3, 1000.5, -1e-3, 7]),
    'mlp/w': tensor('float64', [2], [Math.PI, -Math.E]),
    'level.index': tensor('int32', [2], [3, -4]),
  };
  const moments = (scale: number) =>
    Object.fromEntries(Object.entries(params).map(([name, t]) => [name, tensor('float32', t.shape, Array.from({ length: t.data.length }, (_, i) => scale * (i + 1)))]));
  return { params, optimizer: { m: moments(0.01), v: moments(1e-9), step: 1234 }, metadata: { arch: 'instant-ngp' } };
}

describe('checkpoint round trip', () => {
  it('returns what was saved, bit for bit', async () => {
    const path = join(dir, 'run.safetensors');
    const saved = state();
    await saveCheckpoint(path, saved);
    const loaded = await loadCheckpoint(path);
    expect(loaded).toEqual(saved);
    expect(loaded.params['mlp/w']!.data).toBeInstanceOf(Float64Array);
  });

  it('stores the documented layout', async () => {
    const path = join(dir, 'run.safetensors');
    await saveCheckpoint(path, state());
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ arch: 'instant-ngp', 'nerfdex.checkpoint_version': String(CHECKPOINT_VERSION), 'nerfdex.step': '1234' });
    expect(Object.keys(tensors).sort()).toEqual([
      'adam_m/grid.table', 'adam_m/level.index', 'adam_m/mlp/w',
      'adam_v/grid.table', 'adam_v/level.index', 'adam_v/mlp/w',
      'param/grid.table', 'param/level.index', 'param/mlp/w',
    ]);
  });

  it('saves without an optimizer and loads without one', async () => {
    const path = join(dir, 'weights.safetensors');
    await saveCheckpoint(path, { params: { w: tensor('float32', [1], [2]) } });
    const loaded = await loadCheckpoint(path);
    expect(loaded.optimizer).toBeUndefined();
    expect(loaded.metadata).toEqual({});
    expect(values(loaded.params.w)).toEqual([2]);
  });

  it('keeps an optimizer with no parameters (the step is the marker)', async () => {
    const path = join(dir, 'empty.safetensors');
    await saveCheckpoint(path, { params: {}, optimizer: { m: {}, v: {}, step: 0 } });
    expect(await loadCheckpoint(path)).toEqual({ params: {}, optimizer: { m: {}, v: {}, step: 0 }, metadata: {} });
  });

  it('leaves no temporary file behind', async () => {
    await saveCheckpoint(join(dir, 'a.safetensors'), state());
    await saveCheckpoint(join(dir, 'a.safetensors'), state());
    expect(await readdir(dir)).toEqual(['a.safetensors']);
  });
});

describe('float16 compaction', () => {
  it('stores float parameters as float16 and keeps moments and integers', async () => {
    const path = join(dir, 'small.safetensors');
    const saved = state();
    await saveCheckpoint(path, saved, { dtype: 'float16' });
    const kept = await loadCheckpoint(path);
    expect(kept.params['grid.table']!.dtype).toBe('float16');
    expect(kept.params['mlp/w']!.dtype).toBe('float16');
    expect(kept.params['level.index']).toEqual(saved.params['level.index']);
    expect(kept.optimizer).toEqual(saved.optimizer);
  });

  it('converts back to float32 within float16 tolerance when asked', async () => {
    const path = join(dir, 'small.safetensors');
    const saved = state();
    await saveCheckpoint(path, saved, { dtype: 'float16' });
    const loaded = await loadCheckpoint(path, { dtype: 'float32' });
    for (const name of ['grid.table', 'mlp/w']) {
      const t = loaded.params[name]!;
      expect(t.dtype).toBe('float32');
      expect(t.data).toBeInstanceOf(Float32Array);
      expect(t.shape).toEqual(saved.params[name as 'mlp/w'].shape);
      const original = values(saved.params[name as 'mlp/w']);
      values(t).forEach((v, i) => expect(Math.abs(v - original[i]!)).toBeLessThanOrEqual(Math.abs(original[i]!) * 2 ** -11));
    }
    expect(loaded.params['level.index']!.dtype).toBe('int32');
  });

  it('is smaller than the float32 file', async () => {
    const big = { w: tensor('float32', [1024], Array.from({ length: 1024 }, (_, i) => i / 1024)) };
    await saveCheckpoint(join(dir, 'a'), { params: big });
    await saveCheckpoint(join(dir, 'b'), { params: big }, { dtype: 'float16' });
    const a = await readSafetensorsFile(join(dir, 'a'));
    const b = await readSafetensorsFile(join(dir, 'b'));
    expect(b.tensors['param/w']!.data.byteLength * 2).toBe(a.tensors['param/w']!.data.byteLength);
  });

  it('refuses a value that would overflow float16', async () => {
    const path = join(dir, 'overflow.safetensors');
    const error = await saveCheckpoint(path, { params: { w: tensor('float32', [2], [1, 70000]) } }, { dtype: 'float16' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).message).toBe('saveCheckpoint: parameter "w" value 70000 at index 1 overflows float16');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('saveCheckpoint validation', () => {
  it.each([
    ['m missing a parameter', (s: ReturnType<typeof state>) => delete s.optimizer.m['mlp/w'], 'optimizer.m has no entry for parameter "mlp/w"'],
    ['v with an extra name', (s: ReturnType<typeof state>) => (s.optimizer.v.extra = tensor('float32', [1], [0])), 'optimizer.v has "extra", which is not a parameter'],
    ['m with a transposed shape', (s: ReturnType<typeof state>) => (s.optimizer.m['grid.table'] = tensor('float32', [3, 2])), 'optimizer.m "grid.table" has shape [3, 2] but the parameter has shape [2, 3]'],
    ['a fractional step', (s: ReturnType<typeof state>) => (s.optimizer.step = 1.5), 'optimizer step 1.5 is not a non-negative integer'],
    ['a reserved metadata key', (s: ReturnType<typeof state>) => (s.metadata = { 'nerfdex.step': '3' } as never), 'metadata key "nerfdex.step" is reserved'],
  ])('rejects %s', async (_name, edit, message) => {
    const s = state();
    edit(s);
    const error = await saveCheckpoint(join(dir, 'x'), s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).message).toBe(`saveCheckpoint: ${message}`);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('loadCheckpoint validation', () => {
  const version = { 'nerfdex.checkpoint_version': '1' };
  const one = tensor('float32', [1], [1]);
  const two = tensor('float32', [2], [1, 2]);
  it.each([
    ['no version', { 'param/w': one }, {}, 'no "nerfdex.checkpoint_version" in the metadata; not a nerfdex checkpoint'],
    ['a newer version', { 'param/w': one }, { 'nerfdex.checkpoint_version': '2' }, 'checkpoint version "2" is newer than the supported version 1'],
    ['a malformed version', { 'param/w': one }, { 'nerfdex.checkpoint_version': '1.0' }, 'checkpoint version "1.0" is not a positive integer'],
    ['an unknown prefix', { 'param/w': one, 'ema/w': one }, version, 'tensor "ema/w" has none of the prefixes param/, adam_m/, adam_v/'],
    ['moments without a step', { 'param/w': one, 'adam_m/w': one, 'adam_v/w': one }, version, 'optimizer moments present but no "nerfdex.step" in the metadata'],
    ['a malformed step', { 'param/w': one, 'adam_m/w': one, 'adam_v/w': one }, { ...version, 'nerfdex.step': '-1' }, 'optimizer step "-1" is not a non-negative integer'],
    ['m missing a name', { 'param/w': one, 'param/b': one, 'adam_m/w': one, 'adam_v/w': one, 'adam_v/b': one }, { ...version, 'nerfdex.step': '1' }, 'adam_m/ has no entry for parameter "b"'],
    ['v with an extra name', { 'param/w': one, 'adam_m/w': one, 'adam_v/w': one, 'adam_v/z': one }, { ...version, 'nerfdex.step': '1' }, 'adam_v/ has "z", which is not a parameter'],
    ['v with another shape', { 'param/w': one, 'adam_m/w': one, 'adam_v/w': two }, { ...version, 'nerfdex.step': '1' }, 'adam_v/ "w" has shape [2] but the parameter has shape [1]'],
  ])('rejects %s', async (_name, tensors, metadata, reason) => {
    const path = join(dir, 'bad.safetensors');
    await writeSafetensorsFile(path, tensors, metadata);
    const error = await loadCheckpoint(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).file).toBe(path);
    expect((error as CheckpointError).message).toBe(`${path}: ${reason}`);
  });

  it('passes safetensors errors through', async () => {
    const path = join(dir, 'garbage.safetensors');
    await writeFile(path, new Uint8Array([1, 2, 3]));
    await expect(loadCheckpoint(path)).rejects.toThrow(SafetensorsError);
    await expect(loadCheckpoint(path)).rejects.toThrow(`${path}: file is 3 bytes`);
  });
});
