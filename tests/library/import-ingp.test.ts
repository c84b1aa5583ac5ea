import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { JobPool } from '../../src/main/app/job-pool';
import { nerfField } from '../../src/main/nerf/field-runtime';
import { openInstantNgp } from '../../src/main/nerf/formats/instant-ngp';
import { bakeVolume, decodeVolume } from '../../src/main/nerf/render/bake';
import { importPaths } from '../../src/main/library/import/importer';
import { INSTANT_NGP_MIN_OPTICAL_THICKNESS, occupancyThreshold } from '../../src/main/library/import/occupancy';
import { Library } from '../../src/main/library/library';
import { type IngpFixture, encodeIngp, makeIngpFixture } from '../nerf/fixtures-ingp';
import { testEncoder } from './import-fixtures';
import { tempDir } from './helpers';

const quiet = { info: () => undefined, warn: () => undefined };
const root = tempDir('nerfdex-import-ingp-');
const pool = new JobPool({ size: 1 });
const RESOLUTION = 16;
let provider: ProviderChoice;
let encoderPath: string;

// Snapshots in the real layout, one line each: file name, fixture, compression.
const snapshots: [name: string, fixture: IngpFixture, bytes: (f: IngpFixture) => Uint8Array][] = [
  ['fp16.ingp', makeIngpFixture({ seed: 11, perLevelScale: 2 }), (f) => encodeIngp(f.document, 'gzip')],
  ['fp32.msgpack', makeIngpFixture({ seed: 12, perLevelScale: 2, paramsType: 'float' }), (f) => encodeIngp(f.document, 'none')],
  ['untrained-grid.ingp', makeIngpFixture({ seed: 13, perLevelScale: 2, cascades: 0 }), (f) => encodeIngp(f.document, 'zlib')],
];

beforeAll(async () => {
  provider = await chooseProvider('cpu');
  encoderPath = await testEncoder(join(root, 'encoder'));
  for (const [name, fixture, bytes] of snapshots) writeFileSync(join(root, name), bytes(fixture));
});

afterAll(async () => {
  await pool.close();
});

describe('importing instant-ngp snapshots', () => {
  it('catalogues, embeds and previews them, masking the preview by the stored density grid as instant-ngp renders', async () => {
    const library = await Library.open(join(root, 'library'), { log: quiet });
    const sessions = new SessionCache();
    try {
      const summary = await importPaths(library, snapshots.map(([name]) => join(root, name)), { pool, encoderPath, provider, thumbnailSize: 32, previewResolution: RESOLUTION, log: quiet });
      expect(summary).toMatchObject({ created: 3, failed: [], cancelled: false });
      for (const [name, fixture, bytes] of snapshots) {
        const file = library.fileByPath(join(root, name))!;
        expect(file.format, name).toBe('instant-ngp');
        const asset = library.getAsset(file.assetId)!;
        expect(asset).toMatchObject({ family: 'hashgrid', architecture: 'instant-ngp-L2-F2-T8' });
        expect(library.embedding(asset.id), name).toHaveLength(24);
        const renditions = Object.fromEntries(library.renditions(asset.id).map((r) => [r.kind, join(library.cacheDir, r.path)]));
        expect([...readFileSync(renditions['thumbnail']!).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');

        // The preview against a bake of the unmasked field: equal in occupied cells (and
        // everywhere without a grid), empty in the cells instant-ngp skips.
        const preview = decodeVolume(new Uint8Array(readFileSync(renditions['preview']!)), name);
        const { nerf, densityGrid } = openInstantNgp(bytes(fixture), name);
        const unmasked = await bakeVolume(nerfField(nerf, sessions, provider), nerf.config.aabb, { resolution: RESOLUTION });
        if (densityGrid) expect(occupancyThreshold(densityGrid)).toBe(INSTANT_NGP_MIN_OPTICAL_THICKNESS);
        let masked = 0;
        let shown = 0;
        for (let z = 0, i = 0; z < RESOLUTION; z++) {
          for (let y = 0; y < RESOLUTION; y++) {
            for (let x = 0; x < RESOLUTION; x++, i++) {
              // Voxel centres in the unit cube, and the 128^3 cell of cascade 0 holding each.
              const cell = (v: number): number => Math.floor(((v + 0.5) / RESOLUTION) * 128);
              const occupied = !densityGrid || fixture.gridValue(cell(x), cell(y), cell(z)) > 0.01;
              const alpha = preview.voxels[4 * i + 3]!;
              const expected = unmasked.voxels[4 * i + 3]!;
              if (occupied) {
                expect(Math.abs(alpha - expected), `${name} voxel ${x} ${y} ${z}`).toBeLessThanOrEqual(1);
                if (alpha > 0) shown++;
              } else {
                expect(alpha, `${name} voxel ${x} ${y} ${z}`).toBe(0);
                if (expected > 0) masked++;
              }
              expect(preview.voxels[4 * i], 'colour is not masked').toBe(unmasked.voxels[4 * i]);
            }
          }
        }
        expect(shown, name).toBeGreaterThan(0);
        if (densityGrid) expect(masked, name).toBeGreaterThan(RESOLUTION ** 3 / 10);
        else expect(masked).toBe(0);
      }
    } finally {
      await sessions.dispose();
      await library.close();
    }
  }, 120_000);
});
