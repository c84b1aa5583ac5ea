import { describe, expect, it } from 'vitest';
import {
  type BakedVolume,
  VOLUME_HEADER_BYTES,
  VolumeFormatError,
  bakeVolume,
  decodeVolume,
  encodeVolume,
  voxelDensity,
} from '../../src/main/nerf/render/bake';
import type { Aabb, FieldFunction } from '../../src/main/nerf/types';
import { UNIT_AABB, countingField, sphereField } from './fixtures-render';

/** Density 2 everywhere, colour = the point's position mapped from the box to [0, 1]. */
const gradientField: FieldFunction = async (points) => {
  const n = points.length / 3;
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n * 3; i++) rgb[i] = (points[i]! + 1) / 2;
  return { density: new Float32Array(n).fill(2), rgb };
};

describe('bakeVolume', () => {
  it('stores colour x-fastest at the voxel centres and alpha = 1 - exp(-density * scale)', async () => {
    const volume = await bakeVolume(gradientField, UNIT_AABB, { resolution: 8 });
    expect(volume.resolution).toBe(8);
    expect(volume.densityScale).toBeCloseTo(0.25, 7);
    expect(volume.voxels.length).toBe(8 ** 3 * 4);
    const voxel = (x: number, y: number, z: number) => Array.from(volume.voxels.subarray(4 * ((z * 8 + y) * 8 + x), 4 * ((z * 8 + y) * 8 + x) + 4));
    const byte = (i: number) => Math.round(((i + 0.5) / 8) * 255);
    const a = Math.round(255 * (1 - Math.exp(-2 * 0.25)));
    expect(voxel(0, 0, 0)).toEqual([byte(0), byte(0), byte(0), a]);
    expect(voxel(7, 0, 0)).toEqual([byte(7), byte(0), byte(0), a]);
    expect(voxel(2, 5, 6)).toEqual([byte(2), byte(5), byte(6), a]);
    expect(voxelDensity(a, volume.densityScale)).toBeCloseTo(2, 1);
  });

  it('bakes a sphere: dense inside, empty outside, in chunks', async () => {
    const counted = countingField(sphereField(0.6));
    const volume = await bakeVolume(counted.field, UNIT_AABB, { chunkPoints: 5000 });
    expect(volume.resolution).toBe(64);
    expect(counted.calls).toBe(Math.ceil(64 ** 3 / 5000));
    const alpha = (x: number, y: number, z: number) => volume.voxels[4 * ((z * 64 + y) * 64 + x) + 3];
    // Density 60 deep inside; one cell (2 / 64) of it has opacity 1 - exp(-1.875).
    expect(alpha(32, 32, 32)).toBe(Math.round(255 * (1 - Math.exp(-60 / 32))));
    expect(alpha(0, 0, 0)).toBe(0);
    expect(alpha(32, 32, 63)).toBe(0);
    expect(voxelDensity(255, volume.densityScale)).toBeCloseTo(Math.log(510) / volume.densityScale, 6);
  });

  it('rejects an absurd resolution', async () => {
    await expect(bakeVolume(gradientField, UNIT_AABB, { resolution: 513 })).rejects.toThrow(RangeError);
  });
});

describe('encodeVolume / decodeVolume', () => {
  const box: Aabb = [
    [-0.5, -1.25, 0.1],
    [2, 1.5, 0.7],
  ];

  it('round-trips', async () => {
    const volume = await bakeVolume(gradientField, box, { resolution: 5 });
    const bytes = encodeVolume(volume);
    expect(bytes.length).toBe(VOLUME_HEADER_BYTES + 5 ** 3 * 4);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('NDXV');
    expect(decodeVolume(bytes, 'mem')).toEqual(volume);
    // From inside a bigger buffer, at an odd offset.
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(decodeVolume(padded.subarray(3), 'mem')).toEqual(volume);
  });

  const good = (): Uint8Array => {
    const volume: BakedVolume = { resolution: 2, aabb: UNIT_AABB, densityScale: 1, voxels: new Uint8Array(32).fill(7) };
    return encodeVolume(volume);
  };
  const edit = (f: (view: DataView, bytes: Uint8Array) => void) => () => {
    const bytes = good();
    f(new DataView(bytes.buffer), bytes);
    return bytes;
  };
  // One line per bad file: how to spoil it, what the error says.
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['empty', () => new Uint8Array(0), /truncated: 0 bytes, the header alone is 40/],
    ['header cut', () => good().subarray(0, 39), /truncated: 39 bytes/],
    ['bad magic', edit((_v, b) => b.set([0x50, 0x4e, 0x47, 0x0d])), /bad magic "PNG\\r" \(expected "NDXV"\)/],
    ['wrong version', edit((v) => v.setUint32(4, 2, true)), /unsupported version 2 \(expected 1\)/],
    ['resolution 0', edit((v) => v.setUint32(8, 0, true)), /absurd resolution 0/],
    ['resolution 513', edit((v) => v.setUint32(8, 513, true)), /absurd resolution 513/],
    ['huge resolution', edit((v) => v.setUint32(8, 0xffffffff, true)), /absurd resolution 4294967295/],
    ['voxels cut', () => good().subarray(0, 60), /truncated: 60 bytes, resolution 2 needs 72/],
    ['trailing bytes', () => Uint8Array.from([...good(), 0, 0]), /2 unexpected bytes after the voxels/],
    ['NaN in the box', edit((v) => v.setFloat32(12, Number.NaN, true)), /bad aabb/],
    ['empty box', edit((v) => v.setFloat32(24, -1, true)), /bad aabb/],
    ['zero density scale', edit((v) => v.setFloat32(36, 0, true)), /bad density scale 0/],
  ];
  it.each(cases)('rejects %s with a VolumeFormatError naming the source', (_name, bytes, reason) => {
    let error: unknown;
    try {
      decodeVolume(bytes(), 'library/chair.ndxv');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VolumeFormatError);
    const err = error as VolumeFormatError;
    expect(err.source).toBe('library/chair.ndxv');
    expect(err.message).toMatch(/^library\/chair\.ndxv: /);
    expect(err.reason).toMatch(reason);
  });

  it('refuses to encode voxels that do not match the resolution', () => {
    expect(() => encodeVolume({ resolution: 3, aabb: UNIT_AABB, densityScale: 1, voxels: new Uint8Array(10) })).toThrow(/needs 108 voxel bytes/);
  });
});
