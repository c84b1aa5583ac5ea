/**
 * Preview volumes of real NeRFs for the renderer's tests: a demo-library NeRF (resources/demo)
 * evaluated through ONNX Runtime and baked by the main side's baker, as an import does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { nerfField } from '../../src/main/nerf/field-runtime';
import { readNerfFile } from '../../src/main/nerf/formats/native';
import { type BakedVolume, bakeVolume, encodeVolume } from '../../src/main/nerf/render/bake';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A chair of the demo library, stored as a plain MLP. */
export const DEMO_NERF = path.join(ROOT, 'resources/demo/chair-070000.mlp-train.nerf.safetensors');

/** Bakes `file` at `resolution` on the CPU; returns the volume and its `.ndxv` bytes. */
export async function bakeDemoNerf(file = DEMO_NERF, resolution = 64): Promise<{ volume: BakedVolume; bytes: Uint8Array }> {
  const nerf = await readNerfFile(file);
  const sessions = new SessionCache();
  try {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const volume = await bakeVolume(nerfField(nerf, sessions, provider), nerf.config.aabb, { resolution });
    return { volume, bytes: encodeVolume(volume) };
  } finally {
    await sessions.dispose();
  }
}
