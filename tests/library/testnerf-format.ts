/**
 * A format that exists only in the tests: `.testnerf` files, the bytes `TESTNERF` and then a
 * native NeRF file. Importing this module registers it, as a format's line in registry.ts does.
 */
import { decodeNerf } from '../../src/main/nerf/formats/native';
import { type NerfFormat, registerFormat } from '../../src/main/nerf/formats/registry';

const MAGIC = new TextEncoder().encode('TESTNERF');
export const TEST_NERF_EXTENSION = '.testnerf';

/** A native NeRF file's bytes as a `.testnerf` file. */
export function encodeTestNerf(native: Uint8Array): Uint8Array {
  const out = new Uint8Array(MAGIC.length + native.length);
  out.set(MAGIC);
  out.set(native, MAGIC.length);
  return out;
}

export const testNerfFormat: NerfFormat = {
  name: 'testnerf',
  label: 'test NeRFs',
  extensions: [TEST_NERF_EXTENSION],
  match: (head, path) => path.toLowerCase().endsWith(TEST_NERF_EXTENSION) && MAGIC.every((b, i) => head[i] === b),
  open: (bytes, path) => ({ nerf: decodeNerf(bytes.subarray(MAGIC.length), path), extras: {} }),
};

registerFormat(testNerfFormat);
