import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import type { HostTensor } from '../../src/main/compute/tensor';
import { NativeNerfError, type NerfFileError, UnknownFormatError } from '../../src/main/nerf/formats/errors';
import { NATIVE_FORMAT_VERSION, decodeNerf, encodeNerf, readNerfFile, writeNerfFile } from '../../src/main/nerf/formats/native';
import { openNerfFile } from '../../src/main/nerf/formats/registry';
import { parameterLayout } from '../../src/main/nerf/layout';
import type { Nerf, NerfConfig } from '../../src/main/nerf/types';
import { editDescription, editHeader } from './safetensors-edit';

const aabb = [[-1, -1, -1], [1, 1, 1]] as const;
const configs: NerfConfig[] = [
  { family: 'mlp', architecture: 'test-mlp', aabb, densityActivation: 'softplus', frequencies: 2, hidden: [8, 8] },
  { family: 'triplane', architecture: 'test-triplane', aabb, densityActivation: 'relu', resolution: 4, channels: 3, frequencies: 1, hidden: [8] },
  { family: 'hashgrid', architecture: 'test-hash', aabb, densityActivation: 'truncExp', levels: 2, log2TableSize: 6, featuresPerLevel: 2, baseResolution: 4, perLevelScale: 2, hidden: [8] },
];

function makeNerf(config: NerfConfig, seed = 1): Nerf {
  const next = seededRandom(seed);
  const params: Record<string, HostTensor> = {};
  for (const spec of parameterLayout(config)) {
    const n = spec.shape.reduce((a, d) => a * d, 1);
    params[spec.name] = { dtype: 'float32', shape: [...spec.shape], data: Float32Array.from({ length: n }, () => next() - 0.5) };
  }
  return { config, params, meta: { objectId: 'chair-000001', category: 'chair', caption: 'a red chair', provenance: { generator: 'test', seed } } };
}

/** Rewrites the JSON header of a safetensors file, keeping the data section as it is. */
const good = (): Uint8Array => encodeNerf(makeNerf(configs[0]!));

// Fixtures in a manifest: one line per broken file, its expected error class and reason.
const broken: [name: string, bytes: () => Uint8Array, error: typeof NerfFileError, reason: RegExp][] = [
  ['empty file', () => new Uint8Array(0), UnknownFormatError, /the file is empty/],
  ['random bytes', () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24), UnknownFormatError, /not a NeRF file nerfdex knows/],
  ['truncated', () => good().subarray(0, good().length - 100), NativeNerfError, /data_offsets \[\d+,\d+\] beyond the \d+-byte buffer/],
  ['header length beyond the file', () => { const b = good().slice(); new DataView(b.buffer).setBigUint64(0, BigInt(b.length * 4), true); return b; }, NativeNerfError, /header length \d+ exceeds the \d+ bytes after the length field/],
  ['absurd header length', () => { const b = good().slice(); new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true); return b; }, UnknownFormatError, /not a NeRF file/],
  ['dtype that lies about the byte size', () => editHeader(good(), (h) => (h['layers/0/weight'].dtype = 'F64')), NativeNerfError, /layers\/0\/weight/],
  ['shape that does not match the config', () => editDescription(good(), (d) => (d['config'].hidden = [8, 9])), NativeNerfError, /has shape \[8, 8\], the config needs \[8, 9\]/],
  ['NaN weight', () => { const n = makeNerf(configs[0]!); (n.params['layers/1/bias']!.data as Float32Array)[3] = NaN; return encodeNerf(n); }, NativeNerfError, /"layers\/1\/bias" holds a non-finite value at index 3/],
  ['Inf weight', () => { const n = makeNerf(configs[2]!); (n.params['encoding/table']!.data as Float32Array)[0] = -Infinity; return encodeNerf(n); }, NativeNerfError, /"encoding\/table" holds a non-finite value at index 0/],
  ['unknown family', () => editDescription(good(), (d) => (d['config'].family = 'gaussians')), NativeNerfError, /unknown NeRF family "gaussians"/],
  ['newer format version', () => editHeader(good(), (h) => (h['__metadata__']['nerfdex.format_version'] = String(NATIVE_FORMAT_VERSION + 1))), NativeNerfError, /format version 2 is newer than this nerfdex reads \(1\)/],
  ['description not JSON', () => editHeader(good(), (h) => (h['__metadata__']['nerfdex.nerf'] = '{oops')), NativeNerfError, /"nerfdex.nerf" is not a JSON object/],
  ['bad aabb', () => editDescription(good(), (d) => (d['config'].aabb = [[0, 0, 0], [1, 1]])), NativeNerfError, /config.aabb must be/],
  ['inverted aabb', () => editDescription(good(), (d) => (d['config'].aabb = [[1, 0, 0], [0, 1, 1]])), NativeNerfError, /finite min < max/],
  ['unknown activation', () => editDescription(good(), (d) => (d['config'].densityActivation = 'eval')), NativeNerfError, /densityActivation must be one of/],
  ['missing parameter', () => editHeader(good(), (h) => { h['layers/9/weight'] = h['layers/0/weight']; delete h['layers/0/weight']; }), NativeNerfError, /"layers\/0\/weight" is missing/],
];

describe('native NeRF file', () => {
  it.each(configs.map((c) => [c.family, c] as const))('round-trips a %s NeRF exactly, and in float16 within fp16 precision', async (_f, config) => {
    const nerf = makeNerf(config, 3);
    const back = decodeNerf(encodeNerf(nerf), 'memory');
    expect(back.config).toEqual(nerf.config);
    expect(back.meta).toEqual(nerf.meta);
    for (const [name, t] of Object.entries(nerf.params)) {
      expect(back.params[name]!.shape).toEqual(t.shape);
      expect(Array.from(back.params[name]!.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
    }
    const half = decodeNerf(encodeNerf(nerf, { dtype: 'float16' }), 'memory');
    for (const [name, t] of Object.entries(nerf.params)) {
      const a = t.data as Float32Array;
      const b = half.params[name]!.data as Float32Array;
      expect(half.params[name]!.dtype).toBe('float32');
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(Math.abs(a[i]!) * 2 ** -11 + 1e-7);
    }
    const dir = mkdtempSync(join(tmpdir(), 'nerfdex-native-'));
    await writeNerfFile(join(dir, 'a.nerf.safetensors'), nerf);
    expect((await readNerfFile(join(dir, 'a.nerf.safetensors'))).config).toEqual(config);
    const opened = await openNerfFile(join(dir, 'a.nerf.safetensors'));
    expect(opened.format).toBe('native');
  });

  it('gives the same bytes for the same NeRF', () => {
    expect(Buffer.from(encodeNerf(makeNerf(configs[1]!))).equals(Buffer.from(encodeNerf(makeNerf(configs[1]!))))).toBe(true);
  });

  it.each(broken)('refuses a broken file: %s', async (name, bytes, errorClass, reason) => {
    const dir = mkdtempSync(join(tmpdir(), 'nerfdex-bad-'));
    const path = join(dir, `${name.replace(/\W+/g, '-')}.nerf.safetensors`);
    writeFileSync(path, bytes());
    const error = await openNerfFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(errorClass);
    const e = error as NerfFileError;
    expect(e.file).toBe(path);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
    expect(e.reason).toMatch(reason);
  });

  it('refuses a safetensors file that is not a nerfdex NeRF, naming the metadata', () => {
    const other = editHeader(good(), (h) => delete h['__metadata__']['nerfdex.format']);
    expect(() => decodeNerf(other, 'other.safetensors')).toThrow(/other.safetensors: not a nerfdex NeRF/);
  });
});
