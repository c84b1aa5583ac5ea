import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/main/compute/graph';
import { seededRandom } from '../../src/main/compute/init';
import { buildModel } from '../../src/main/compute/model';
import { buildFieldGraph, declareFieldParams, stackParams } from '../../src/main/nerf/field-graph';
import { type NerfFileError, UnknownFormatError } from '../../src/main/nerf/formats/errors';
import { InstantNgpError, matchInstantNgp, openInstantNgp } from '../../src/main/nerf/formats/instant-ngp';
import { decodeNerf, encodeNerf } from '../../src/main/nerf/formats/native';
import { openNerfFile } from '../../src/main/nerf/formats/registry';
import { hashGridEntries } from '../../src/main/nerf/layout';
import type { HashGridConfig, Nerf } from '../../src/main/nerf/types';
import { type Compression, type IngpFixture, type IngpFixtureOptions, encodeIngp, makeIngpFixture, morton, referenceInstantNgp } from './fixtures-ingp';
import { normError } from './compare';

type FloatType = 'float32' | 'float64';

/** Our field graph, one NeRF, at points [N * 3]: raw [N * 4], density [N], rgb [N * 3]. */
async function runField(nerf: Nerf, floatType: FloatType, points: Float64Array): Promise<Record<string, Float64Array>> {
  const g = new Graph(floatType);
  const pts = g.input('points', floatType, [1, 'N', 3]);
  const out = buildFieldGraph(g, nerf.config, pts, declareFieldParams(g, nerf.config, 1));
  const session = await InferenceSession.create(buildModel(g, { outputs: { density: out.density, rgb: out.rgb, raw: out.raw } }), floatType === 'float64' ? { graphOptimizationLevel: 'basic' } : {});
  const cast = (a: ArrayLike<number>): Float32Array | Float64Array => (floatType === 'float64' ? Float64Array.from(a) : Float32Array.from(a));
  const feeds: Record<string, Tensor> = { points: new Tensor(floatType, cast(points), [1, points.length / 3, 3]) };
  for (const [name, t] of Object.entries(stackParams(nerf.config, [nerf.params], floatType))) feeds[`params/${name}`] = new Tensor(floatType, t.data as Float64Array, [...t.shape]);
  const result = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Float64Array.from(v.data as Float32Array)]));
}

/** Points strictly inside the aabb (instant-ngp does not clamp, nerfdex does), rounded to float32. */
function insidePoints(fixture: IngpFixture, count: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  const [lo, hi] = fixture.aabb;
  return Float64Array.from({ length: count * 3 }, (_, i) => Math.fround(lo[i % 3]! + (0.01 + 0.98 * next()) * (hi[i % 3]! - lo[i % 3]!)));
}

const every = <T>(a: ArrayLike<T>, step: number, from: number): T[] => Array.from({ length: a.length / step }, (_, i) => a[i * step + from]!);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

// Round trips: one line per variant of the real layout.
const variants: [name: string, options: IngpFixtureOptions, compression: Compression, extension: string][] = [
  ['fp16, gzip .ingp (as instant-ngp writes it)', { seed: 1, perLevelScale: 2 }, 'gzip', '.ingp'],
  ['fp32, raw .msgpack', { seed: 2, paramsType: 'float', perLevelScale: 2 }, 'none', '.msgpack'],
  ['fp16, stored gzip .ingp, per_level_scale from aabb_scale 2', { seed: 3, levels: 3, log2TableSize: 10, baseResolution: 16, aabbScale: 2, cascades: 2 }, 'gzip-stored', '.ingp'],
  ['fp16, uncompressed .ingp, 2 density hidden layers, F 4', { seed: 4, featuresPerLevel: 4, levels: 3, perLevelScale: 1.5, densityHidden: 2, rgbHidden: 1, neurons: 32 }, 'none', '.ingp'],
  ['zlib .ingp, CutlassMLP rgb network without hidden layers, SH degree 3 (padded)', { seed: 5, perLevelScale: 2, rgbOtype: 'CutlassMLP', rgbHidden: 0, shDegree: 3 }, 'zlib', '.ingp'],
];

describe('instant-ngp snapshots', () => {
  it.each(variants)('%s: grid and table as stored, field equal to instant-ngp (density, and colour at the view direction)', async (_name, options, compression, extension) => {
    const fixture = makeIngpFixture(options);
    const bytes = encodeIngp(fixture.document, compression);
    const { nerf, colour, densityGrid } = openInstantNgp(bytes, `scene${extension}`);
    const config = nerf.config as HashGridConfig;
    expect(colour).toBe('exact');
    expect(config).toMatchObject({ family: 'hashgrid', densityActivation: 'truncExp', levels: fixture.grid.levels, featuresPerLevel: fixture.grid.featuresPerLevel });
    expect(config).toMatchObject({ log2TableSize: fixture.grid.log2TableSize, baseResolution: fixture.grid.baseResolution, perLevelScale: fixture.grid.perLevelScale });
    expect(config.aabb).toEqual(fixture.aabb);
    expect(nerf.params['encoding/table']!.shape).toEqual([hashGridEntries(config), config.featuresPerLevel]);
    expect(Array.from(nerf.params['encoding/table']!.data as Float32Array)).toEqual(Array.from(fixture.table));
    expect(densityGrid?.resolution).toBe(128);

    const points = insidePoints(fixture, 64, 7);
    for (const view of [[0, 0, 1], [0.6, -0.48, 0.64]] as const) {
      const opened = view[2] === 1 ? nerf : openInstantNgp(bytes, `scene${extension}`, { viewDirection: view }).nerf;
      const reference = referenceInstantNgp(fixture, points, view);
      // The two networks differ enough at these points that a mix-up would show.
      expect(Math.max(...reference.rawDensity) - Math.min(...reference.rawDensity)).toBeGreaterThan(0.1);
      const exact = await runField(opened, 'float64', points);
      expect(normError(every(exact['raw']!, 4, 0), reference.rawDensity), 'float64 raw density').toBeLessThan(1e-9);
      expect(normError(exact['density']!, reference.density), 'float64 density').toBeLessThan(1e-9);
      for (let c = 0; c < 3; c++) expect(normError(every(exact['raw']!, 4, 1 + c), every(reference.rawRgb, 3, c)), `float64 raw rgb ${c}`).toBeLessThan(1e-6);
      const single = await runField(opened, 'float32', points);
      expect(normError(single['density']!, reference.density), 'float32 density').toBeLessThan(1e-4);
      expect(normError(single['rgb']!, Array.from(reference.rawRgb, sigmoid)), 'float32 rgb').toBeLessThan(1e-4);
    }
  });

  it('decodes cascade 0 of the morton-ordered float16 density grid, x fastest', () => {
    const fixture = makeIngpFixture({ perLevelScale: 2, cascades: 3 });
    const grid = openInstantNgp(encodeIngp(fixture.document), 'grid.ingp').densityGrid!;
    expect(grid).toMatchObject({ resolution: 128, cascades: 3, aabb: [[0, 0, 0], [1, 1, 1]] });
    expect(morton(1, 0, 0)).toBe(1);
    expect(morton(0, 1, 0)).toBe(2);
    // x = 3: bits 0 and 3; y = 2: bit 4; z = 1: bit 2.
    expect(morton(3, 2, 1)).toBe(0b011101);
    for (const [x, y, z] of [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [127, 3, 64], [5, 99, 127], [127, 127, 127]] as const) {
      expect(grid.values[x + 128 * y + 128 * 128 * z], `cell ${x} ${y} ${z}`).toBe(fixture.gridValue(x, y, z));
    }
    const empty = makeIngpFixture({ perLevelScale: 2, cascades: 0 });
    expect(openInstantNgp(encodeIngp(empty.document), 'untrained.ingp').densityGrid).toBeUndefined();
  });

  it('reports colour it cannot reproduce: HDR snapshots approximate, SH above degree 4 none (raw rgb 0)', async () => {
    const hdr = makeIngpFixture({ perLevelScale: 2, isHdr: true });
    const opened = openInstantNgp(encodeIngp(hdr.document), 'hdr.ingp');
    expect(opened.colour).toBe('approximate');
    expect(opened.nerf.meta.provenance).toMatchObject({ source: 'instant-ngp', colour: 'approximate', aabbScale: 1, trainingStep: 3000 });
    // Degree 5: 25 SH values padded to 32 inputs; the density is still exact, the colour left out.
    const degree5 = makeIngpFixture({ perLevelScale: 2, shDegree: 5 });
    const none = openInstantNgp(encodeIngp(degree5.document), 'sh5.ingp');
    expect(none.colour).toBe('none');
    const points = insidePoints(degree5, 16, 3);
    const field = await runField(none.nerf, 'float64', points);
    expect(normError(every(field['raw']!, 4, 0), referenceInstantNgp(degree5, points, [0, 0, 1]).rawDensity)).toBeLessThan(1e-9);
    for (let c = 1; c < 4; c++) expect(every(field['raw']!, 4, c).every((v) => v === 0)).toBe(true);
  });

  it('converts to the native format and back unchanged', () => {
    const { nerf } = openInstantNgp(encodeIngp(makeIngpFixture({ perLevelScale: 2 }).document), 'a.ingp');
    const back = decodeNerf(encodeNerf(nerf), 'a.nerf.safetensors');
    expect(back.config).toEqual(nerf.config);
    expect(back.meta).toEqual(nerf.meta);
    for (const [name, t] of Object.entries(nerf.params)) expect(Array.from(back.params[name]!.data as Float32Array), name).toEqual(Array.from(t.data as Float32Array));
  });

  it('is picked by openNerfFile for .msgpack and .ingp files, by extension and magic bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nerfdex-ingp-'));
    const document = makeIngpFixture({ perLevelScale: 2 }).document;
    for (const [file, compression] of [['a.ingp', 'gzip'], ['b.INGP', 'zlib'], ['c.msgpack', 'none'], ['d.ingp', 'none'], ['e.ingp', 'gzip-stored']] as const) {
      writeFileSync(join(dir, file), encodeIngp(document, compression));
      const opened = await openNerfFile(join(dir, file));
      expect(opened.format, file).toBe('instant-ngp');
      expect(opened.nerf.config.family).toBe('hashgrid');
    }
    expect(matchInstantNgp(encodeIngp(document, 'zlib'), 'a.msgpack.bak')).toBe(false);
    expect(matchInstantNgp(new Uint8Array([0x93, 1, 2, 3]), 'array.msgpack')).toBe(false);
    expect(matchInstantNgp(new Uint8Array(0), 'empty.ingp')).toBe(false);
    // A broken snapshot comes out of the registry as the format's own error, naming the file.
    const broken = join(dir, 'broken.ingp');
    writeFileSync(broken, gzipSync(new Uint8Array([0xc1, 0xc1])));
    await expect(openNerfFile(broken)).rejects.toThrow(InstantNgpError);
    await expect(openNerfFile(broken)).rejects.toThrow(`${broken}: not a msgpack document`);
    writeFileSync(join(dir, 'text.msgpack'), 'hello');
    await expect(openNerfFile(join(dir, 'text.msgpack'))).rejects.toThrow(UnknownFormatError);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the manifest edits arbitrary document fields
type Doc = any;

/** A fixture document edited by `edit`, then encoded. */
function edited(edit: (doc: Doc, fixture: IngpFixture) => void, compression: Compression = 'gzip'): () => Uint8Array {
  return () => {
    const fixture = makeIngpFixture({ perLevelScale: 2 });
    edit(fixture.document, fixture);
    return encodeIngp(fixture.document, compression);
  };
}

const good = (): Uint8Array => encodeIngp(makeIngpFixture({ perLevelScale: 2 }).document, 'zlib');
const LIMIT = 16 * 1024 * 1024;

// Fixtures in a manifest: one line per broken snapshot, its expected error class and reason.
const broken: [name: string, bytes: () => Uint8Array, error: typeof NerfFileError, reason: RegExp][] = [
  ['not msgpack, gzip or zlib', () => new TextEncoder().encode('{"snapshot": {}}'), InstantNgpError, /not msgpack, gzip or zlib \(first bytes \[123,34,115,110\]\)/],
  ['not msgpack inside zlib', () => deflateSync(new TextEncoder().encode('plain text')), InstantNgpError, /not a msgpack document/],
  ['trailing garbage after the msgpack', () => deflateSync(new Uint8Array([...encode({ a: 1 }), 0xc1])), InstantNgpError, /not a msgpack document/],
  ['msgpack array, not a map', () => deflateSync(encode([1, 2, 3])), InstantNgpError, /the msgpack document is \[1,2,3\], not a map/],
  ['no "snapshot" key (a network config)', edited((d) => delete d.snapshot), InstantNgpError, /no "snapshot" key; keys \["dir_encoding","encoding","loss","network","optimizer","rgb_network"\]/],
  ['truncated gzip', () => { const b = encodeIngp(makeIngpFixture({ perLevelScale: 2 }).document, 'gzip'); return b.subarray(0, b.length - 40); }, InstantNgpError, /corrupt gzip stream \(unexpected end of file\)/],
  ['gzip CRC wrong', () => { const b = encodeIngp(makeIngpFixture({ perLevelScale: 2 }).document, 'gzip').slice(); b[b.length - 6] = b.at(-6)! ^ 0xff; return b; }, InstantNgpError, /corrupt gzip stream \(incorrect data check\)/],
  ['zlib checksum wrong', () => { const b = good().slice(); b[b.length - 1] = b.at(-1)! ^ 0xff; return b; }, InstantNgpError, /corrupt zlib stream \(incorrect data check\)/],
  ['zip bomb', () => gzipSync(new Uint8Array(2 * LIMIT)), InstantNgpError, /the gzip stream decompresses to more than 16777216 bytes/],
  ['params_binary one value short', edited((d) => (d.snapshot.params_binary = d.snapshot.params_binary.subarray(2))), InstantNgpError, /params_binary holds 9855 __half values \(19710 bytes\), the config implies 9856 parameters \(19712 bytes\)/],
  ['params_binary stored as fp32 but typed __half', edited((d, f) => (d.snapshot.params_binary = new Uint8Array(f.params.length * 4))), InstantNgpError, /holds 19712 __half values .* implies 9856 parameters/],
  ['n_params disagrees with the config', edited((d) => (d.snapshot.n_params = 12)), InstantNgpError, /n_params is 12, the config implies 9856 parameters/],
  ['unknown params_type', edited((d) => (d.snapshot.params_type = 'bfloat16')), InstantNgpError, /params_type must be "__half" or "float", got "bfloat16"/],
  ['params_binary not binary', edited((d) => (d.snapshot.params_binary = 'AAAA')), InstantNgpError, /params_binary must be binary, got "AAAA"/],
  ['NaN parameter', edited((d) => new DataView(d.snapshot.params_binary.buffer, d.snapshot.params_binary.byteOffset).setUint16(2 * 100, 0x7e00, true)), InstantNgpError, /params_binary holds NaN at parameter 100 \(density network\)/],
  ['Inf parameter in the table', edited((d) => new DataView(d.snapshot.params_binary.buffer, d.snapshot.params_binary.byteOffset).setUint16(2 * 9800, 0xfc00, true)), InstantNgpError, /holds -Infinity at parameter 9800 \(hash grid\)/],
  ['65 levels', edited((d) => (d.encoding.n_levels = 65)), InstantNgpError, /encoding.n_levels must be in \[1, 64\], got 65/],
  ['log2_hashmap_size 25', edited((d) => (d.encoding.log2_hashmap_size = 25)), InstantNgpError, /encoding.log2_hashmap_size must be in \[3, 24\], got 25/],
  ['2048 neurons', edited((d) => (d.rgb_network = { otype: 'CutlassMLP', n_neurons: 2048, n_hidden_layers: 2 })), InstantNgpError, /rgb_network.n_neurons must be in \[1, 1024\], got 2048/],
  ['FullyFusedMLP with 48 neurons', edited((d) => (d.network.n_neurons = 48)), InstantNgpError, /network.n_neurons must be 16, 32, 64 or 128 for a FullyFusedMLP, got 48/],
  ['3 features per level', edited((d) => (d.encoding.n_features_per_level = 3)), InstantNgpError, /n_features_per_level must be 1, 2, 4 or 8, got 3/],
  ['frequency encoding', edited((d) => (d.encoding = { otype: 'Frequency', n_frequencies: 12 })), InstantNgpError, /encoding.otype must be "HashGrid", got "Frequency"/],
  ['dense grid', edited((d) => (d.encoding.otype = 'DenseGrid')), InstantNgpError, /encoding.otype must be "HashGrid", got "DenseGrid"/],
  ['smoothstep interpolation', edited((d) => (d.encoding.interpolation = 'Smoothstep')), InstantNgpError, /encoding.interpolation "Smoothstep" is not supported \(only "Linear"\)/],
  ['sine activation', edited((d) => (d.network.activation = 'Sine')), InstantNgpError, /network.activation "Sine" is not supported \(only "ReLU"\)/],
  ['frequency direction encoding', edited((d) => (d.dir_encoding = { otype: 'Frequency' })), InstantNgpError, /dir_encoding.otype "Frequency" is not supported/],
  ['snapshot version 0', edited((d) => delete d.snapshot.version), InstantNgpError, /snapshot version 0 predates format version 1/],
  ['an SDF snapshot', edited((d) => (d.snapshot.mode = 'Sdf')), InstantNgpError, /not a NeRF snapshot \(mode "Sdf"\)/],
  ['density_grid_size 64', edited((d) => (d.snapshot.density_grid_size = 64)), InstantNgpError, /density_grid_size must be 128, got 64/],
  ['density grid of a partial cascade', edited((d) => (d.snapshot.density_grid_binary = d.snapshot.density_grid_binary.subarray(2))), InstantNgpError, /density_grid_binary holds 4194302 bytes, not a whole number of 128\^3 float16 cascades/],
  ['aabb_scale not a power of two', edited((d) => (d.snapshot.nerf.aabb_scale = 3)), InstantNgpError, /aabb_scale must be a power of two in \[1, 128\], got 3/],
];

describe('broken instant-ngp snapshots', () => {
  it.each(broken)('refuses %s', (_name, bytes, errorClass, reason) => {
    const error = (() => {
      try {
        openInstantNgp(bytes(), '/data/scene.ingp', { maxDecompressedBytes: LIMIT });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(errorClass);
    const e = error as NerfFileError;
    expect(e.file).toBe('/data/scene.ingp');
    expect(e.format).toBe('instant-ngp');
    expect(e.message.startsWith('/data/scene.ingp: ')).toBe(true);
    expect(e.reason).toMatch(reason);
  });

  it('refuses a bad view direction with a RangeError', () => {
    expect(() => openInstantNgp(good(), 'a.ingp', { viewDirection: [0, 0, 0] })).toThrow(RangeError);
  });
});
