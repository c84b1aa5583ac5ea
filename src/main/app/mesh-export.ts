/**
 * Mesh export for the app: the NeRF's field evaluated chunk by chunk in the worker pool
 * (`ort.run`), so the thread that owns the library never blocks on ONNX Runtime.
 */

import type { ProviderChoice } from '../../shared/compute';
import type { JobPool } from './job-pool';
import type { HostTensor } from '../compute/tensor';
import { fieldModel } from '../nerf/field-runtime';
import { openNerfFile } from '../nerf/formats/registry';
import { exportMeshGlb } from '../nerf/render/mesh';
import type { FieldFunction, Nerf } from '../nerf/types';

/**
 * Lattice points per axis of an exported mesh: fine enough for a preview-quality surface, coarse
 * enough to export in seconds on a CPU.
 * @default 64
 */
export const EXPORT_RESOLUTION = 64;

/** `nerf` as a field whose every evaluation is one `ort.run` job in `pool`. */
export function pooledField(nerf: Nerf, pool: JobPool, provider: ProviderChoice): FieldFunction {
  const model = fieldModel(nerf.config);
  const params: Record<string, HostTensor> = {};
  for (const [name, tensor] of Object.entries(nerf.params)) params[`params/${name}`] = { ...tensor, shape: [1, ...tensor.shape] };
  return async (points) => {
    const feeds = { ...params, points: { dtype: 'float32', shape: [1, points.length / 3, 3], data: points } as HostTensor };
    const out = await pool.startJob('ort.run', { model, provider, feeds, variableShapes: true }).result;
    return { density: out['density']!.data as Float32Array, rgb: out['rgb']!.data as Float32Array };
  };
}

/** The isosurface of the NeRF in `file` as GLB bytes. */
export async function exportNerfMesh(file: string, pool: JobPool, provider: ProviderChoice, resolution = EXPORT_RESOLUTION): Promise<Uint8Array> {
  const { nerf } = await openNerfFile(file);
  return exportMeshGlb(pooledField(nerf, pool, provider), nerf.config.aabb, { resolution });
}
