import { describe, expect, it } from 'vitest';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { distillNerf } from '../../src/main/nerf/distill';
import { nerfField } from '../../src/main/nerf/field-runtime';
import { readNerfFile } from '../../src/main/nerf/formats/native';
import { orbitCamera } from '../../src/main/nerf/render/camera';
import { psnr, renderImage } from '../../src/main/nerf/render/volume';

describe('distillation into another architecture', () => {
  it('refits a demo tri-plane NeRF as a hash grid whose renders match the source', async () => {
    const provider = await chooseProvider('cpu');
    const sessions = new SessionCache();
    const source = await readNerfFile('resources/demo/chair-070000.triplane-train.nerf.safetensors');
    const distilled = await distillNerf(source, 'hash-train', sessions, provider, { samples: 40_000, steps: 200, seed: 1 });
    expect(distilled.config.architecture).toBe('hash-train');
    expect(distilled.config.aabb).toEqual(source.config.aabb);
    expect(distilled.meta.objectId).toBe(source.meta.objectId);
    expect(distilled.meta.provenance?.['distilledFrom']).toBe('triplane-train');
    const camera = orbitCamera(source.config.aabb, 35, 25, 1.1, 48);
    const a = await renderImage(nerfField(source, sessions, provider), source.config.aabb, camera);
    const b = await renderImage(nerfField(distilled, sessions, provider), source.config.aabb, camera);
    expect(psnr(a, b)).toBeGreaterThan(22);
    await sessions.dispose();
  });
});
