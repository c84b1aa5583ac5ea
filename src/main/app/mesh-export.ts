/**
 * Mesh export for the app: the whole export (parse, field, marching cubes, GLB) is one
 * `library.export-mesh` job in the worker pool (mesh-export-job.ts), so the thread that owns the
 * library never blocks on parsing, ONNX Runtime or meshing.
 */

import type { ProviderChoice } from '../../shared/compute';
import type { JobPool } from './job-pool';

/**
 * Lattice points per axis of an exported mesh: fine enough for a preview-quality surface, coarse
 * enough to export in seconds on a CPU.
 * @default 64
 */
export const EXPORT_RESOLUTION = 64;

/** The isosurface of the NeRF in `file` as GLB bytes, made in a worker. */
export async function exportNerfMesh(file: string, pool: JobPool, provider: ProviderChoice, resolution = EXPORT_RESOLUTION): Promise<Uint8Array> {
  const { glb } = await pool.startJob('library.export-mesh', { file, provider, resolution }).result;
  return glb;
}
