/** Fixtures of the import tests: a small encoder, demo NeRFs and broken files in a temp folder. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialParams } from '../../src/main/compute/init';
import { writeEncoder } from '../../src/main/gmn/embedder';
import { DEFAULT_VALUE_NORMALIZATION } from '../../src/main/gmn/normalize';
import { encoderModel } from '../../src/main/gmn/train-graph';
import { decodeNerf, encodeNerf } from '../../src/main/nerf/formats/native';
import { editDescription } from '../nerf/safetensors-edit';

export const DEMO = join(import.meta.dirname, '../../resources/demo');
export const GOOD = ['airplane-070000.mlp-train', 'airplane-070000.triplane-train', 'bench-070000.hash-train'].map((n) => `${n}.nerf.safetensors`);

/** An untrained but real encoder (small), written as encoder.onnx + encoder.json; another `seed` is another version. */
export async function testEncoder(dir: string, seed = 3): Promise<string> {
  const encoder = { hidden: 16, embedding: 24, blocks: 3 };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'encoder.onnx');
  await writeEncoder(file, initialParams(encoderModel(encoder).graph, seed), { encoder, normalization: DEFAULT_VALUE_NORMALIZATION, command: 'test' });
  return file;
}

/** A folder with `count` demo NeRFs (whole objects: mlp, tri-plane and hash grid of each). */
export function demoFolder(root: string, count: number): string[] {
  const folder = join(root, 'demo-nerfs');
  mkdirSync(folder, { recursive: true });
  return readdirSync(DEMO)
    .filter((n) => n.endsWith('.nerf.safetensors'))
    .sort()
    .slice(0, count)
    .map((name) => {
      copyFileSync(join(DEMO, name), join(folder, name));
      return join(folder, name);
    });
}

/** Broken files, one line each: file name (default extension .nerf.safetensors), bytes, expected error class and reason. */
export function brokenFiles(good: Uint8Array): [name: string, bytes: Uint8Array, errorClass: string, reason: RegExp][] {
  const lying = good.slice();
  new DataView(lying.buffer).setBigUint64(0, BigInt(lying.length * 4), true);
  const wrongLength = good.slice();
  wrongLength.set([0x50, 0x4b, 0x03, 0x04], 0);
  const nan = decodeNerf(good, 'memory');
  const first = Object.values(nan.params)[0]!.data as Float32Array;
  first[1] = NaN;
  return [
    ['empty', new Uint8Array(0), 'UnknownFormatError', /the file is empty/],
    ['random-bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24), 'UnknownFormatError', /not a NeRF file nerfdex knows/],
    ['truncated', good.subarray(0, good.length - 100), 'NativeNerfError', /beyond the \d+-byte buffer/],
    ['wrong-magic.ingp', new TextEncoder().encode('PK\x03\x04 a zip, not an instant-ngp snapshot'), 'UnknownFormatError', /not a NeRF file/],
    ['zip-bytes-in-safetensors', wrongLength, 'NativeNerfError', /header length \d+ exceeds the limit/],
    ['lying-header', lying, 'NativeNerfError', /header length \d+ exceeds/],
    ['nan-weights', encodeNerf(nan), 'NativeNerfError', /non-finite value at index 1/],
    ['unknown-family', editDescription(good, (d) => (d['config'].family = 'gaussians')), 'NativeNerfError', /unknown NeRF family "gaussians"/],
    ['absurd-size', editDescription(good, (d) => (d['config'].hidden = [1e9, 64, 64])), 'NativeNerfError', /has shape \[39, 64\], the config needs \[39, 1000000000\]/],
  ];
}

export function brokenFileName(name: string): string {
  return `bad-${name}${name.includes('.') ? '' : '.nerf.safetensors'}`;
}

/** A folder with the good demo files (one in a sub-folder), a copy of one at a second path, broken files and files to ignore. */
export function makeImportFolder(): { root: string; folder: string; good: string[]; duplicate: string; broken: ReturnType<typeof brokenFiles> } {
  const root = mkdtempSync(join(tmpdir(), 'nerfdex-import-'));
  const folder = join(root, 'nerfs');
  mkdirSync(join(folder, 'sub', 'deeper'), { recursive: true });
  const good = GOOD.map((name, i) => {
    const target = join(folder, i === 2 ? 'sub/deeper' : '', name);
    copyFileSync(join(DEMO, name), target);
    return target;
  });
  const duplicate = join(folder, 'sub', 'copy-of-mlp.nerf.safetensors');
  copyFileSync(good[0]!, duplicate);
  const bytes = new Uint8Array(readFileSync(good[0]!));
  const broken = brokenFiles(bytes);
  for (const [name, b] of broken) writeFileSync(join(folder, 'sub', brokenFileName(name)), b);
  writeFileSync(join(folder, 'notes.txt'), 'not a nerf');
  writeFileSync(join(folder, `half.nerf.safetensors.tmp-123-abcd`), bytes.subarray(0, 10));
  return { root, folder, good, duplicate, broken };
}
