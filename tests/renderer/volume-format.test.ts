import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BakedVolume,
  VolumeFormatError,
  bakeVolume,
  decodeVolume,
  encodeVolume,
  voxelDensity,
} from '../../src/main/nerf/render/bake';
import {
  PREVIEW_VOLUME_HEADER_BYTES,
  PreviewVolumeError,
  decodePreviewVolume,
  densityToOpacity,
  occupiedFraction,
  opacityToDensity,
} from '../../src/renderer/components/preview/volume-format';
import { UNIT_AABB, sphereField } from '../nerf/fixtures-render';
import { bakeDemoNerf } from './baked-demo';

let demo: { volume: BakedVolume; bytes: Uint8Array };

beforeAll(async () => {
  demo = await bakeDemoNerf(undefined, 32);
}, 120_000);

function expectSameVolume(actual: ReturnType<typeof decodePreviewVolume>, expected: BakedVolume): void {
  expect(actual.resolution).toBe(expected.resolution);
  expect(actual.aabb).toEqual(expected.aabb);
  expect(actual.densityScale).toBe(expected.densityScale);
  expect(actual.voxels).toEqual(expected.voxels);
}

/** Bytes of the demo volume with a header field changed. */
function withHeader(edit: (view: DataView) => void): Uint8Array {
  const bytes = demo.bytes.slice();
  edit(new DataView(bytes.buffer));
  return bytes;
}

describe('decodePreviewVolume', () => {
  it('reads what the main-side baker wrote for a real NeRF', () => {
    const decoded = decodePreviewVolume(demo.bytes, 'chair.ndxv');
    expectSameVolume(decoded, demo.volume);
    // A chair: some voxels are solid, most are empty.
    const occupied = occupiedFraction(decoded, 0.25);
    expect(occupied).toBeGreaterThan(0.005);
    expect(occupied).toBeLessThan(0.5);
  });

  it('reads an analytic volume and agrees with the main-side decoder, from an ArrayBuffer and an offset view', async () => {
    const baked = await bakeVolume(sphereField(0.5), UNIT_AABB, { resolution: 12 });
    const bytes = encodeVolume(baked);
    expectSameVolume(decodePreviewVolume(bytes.buffer as ArrayBuffer, 'sphere'), decodeVolume(bytes, 'sphere'));
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expectSameVolume(decodePreviewVolume(padded.subarray(3), 'sphere'), baked);
  });

  it('gives back the density the baker quantised', () => {
    const s = demo.volume.densityScale;
    for (const alpha of [1, 17, 128, 254, 255]) {
      expect(opacityToDensity(alpha / 255, s)).toBeCloseTo(voxelDensity(alpha, s), 3);
    }
    expect(densityToOpacity(opacityToDensity(0.3, s), s)).toBeCloseTo(0.3, 9);
    expect(densityToOpacity(-1, s)).toBe(0);
  });

  // Each case: the bytes and the message, the same as the main-side decoder's.
  const badCases: [string, () => Uint8Array, RegExp][] = [
    ['empty', () => new Uint8Array(0), /^v: truncated: 0 bytes, the header alone is 40$/],
    ['truncated header', () => demo.bytes.slice(0, 39), /^v: truncated: 39 bytes, the header alone is 40$/],
    ['truncated voxels', () => demo.bytes.slice(0, demo.bytes.length - 1), /^v: truncated: 131111 bytes, resolution 32 needs 131112$/],
    ['bad magic', () => withHeader((v) => v.setUint8(0, 0x50)), /^v: bad magic "PDXV" \(expected "NDXV"\)$/],
    ['a PNG', () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, ...new Uint8Array(60)]), /^v: bad magic ".PNG" \(expected "NDXV"\)$/],
    ['version 2', () => withHeader((v) => v.setUint32(4, 2, true)), /^v: unsupported version 2 \(expected 1\)$/],
    ['resolution 0', () => withHeader((v) => v.setUint32(8, 0, true)), /^v: absurd resolution 0 \(expected 1..512\)$/],
    ['resolution 513', () => withHeader((v) => v.setUint32(8, 513, true)), /^v: absurd resolution 513 \(expected 1..512\)$/],
    ['min = max', () => withHeader((v) => v.setFloat32(24, v.getFloat32(12, true), true)), /^v: bad aabb .* \(expected finite min < max\)$/],
    ['NaN in the box', () => withHeader((v) => v.setFloat32(16, Number.NaN, true)), /^v: bad aabb .* \(expected finite min < max\)$/],
    ['zero density scale', () => withHeader((v) => v.setFloat32(36, 0, true)), /^v: bad density scale 0 \(expected > 0\)$/],
    ['trailing bytes', () => Uint8Array.from([...demo.bytes, 0, 0]), /^v: 2 unexpected bytes after the voxels$/],
  ];

  it.each(badCases)('rejects %s with a PreviewVolumeError naming the source', (_name, bytes, message) => {
    const data = bytes();
    expect(() => decodePreviewVolume(data, 'v')).toThrow(PreviewVolumeError);
    expect(() => decodePreviewVolume(data, 'v')).toThrow(message);
    // Same verdict and words as the main side.
    expect(() => decodeVolume(data, 'v')).toThrow(VolumeFormatError);
    expect(() => decodeVolume(data, 'v')).toThrow(message);
  });

  it('names the cause on the error object', () => {
    try {
      decodePreviewVolume(new Uint8Array(4), 'asset 7');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PreviewVolumeError);
      expect((error as PreviewVolumeError).source).toBe('asset 7');
      expect((error as PreviewVolumeError).reason).toMatch(/^truncated/);
    }
  });

  it('rejects what is not bytes with a TypeError', () => {
    expect(() => decodePreviewVolume('NDXV' as unknown as Uint8Array, 'v')).toThrow(new TypeError('v: expected a Uint8Array or ArrayBuffer, got string'));
  });

  it('keeps the header size of the baker', () => {
    expect(PREVIEW_VOLUME_HEADER_BYTES).toBe(40);
  });
});
