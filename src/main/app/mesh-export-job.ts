/**
 * The `library.export-mesh` job: a NeRF file's isosurface as GLB bytes, all of it in a worker
 * thread (reading and parsing the file, evaluating the field on the worker's sessions, marching
 * cubes, writing the GLB), so the thread that owns the library never parses or meshes.
 */
import type { ProviderChoice } from '../../shared/compute';
import type { JobContext } from '../compute/jobs';
import { nerfField } from '../nerf/field-runtime';
import { openNerfFile } from '../nerf/formats/registry';
import { exportMeshGlb } from '../nerf/render/mesh';

export interface MeshExportInput {
  /** The NeRF file, absolute path. */
  readonly file: string;
  readonly provider: ProviderChoice;
  /** Lattice points per axis. */
  readonly resolution: number;
}

export interface MeshExportOutput {
  readonly glb: Uint8Array;
}

export async function meshExportJob(input: MeshExportInput, ctx: JobContext): Promise<MeshExportOutput> {
  const { nerf } = await openNerfFile(input.file);
  ctx.throwIfCancelled();
  return { glb: await exportMeshGlb(nerfField(nerf, ctx.sessions, input.provider), nerf.config.aabb, { resolution: input.resolution }) };
}
