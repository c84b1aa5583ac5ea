/**
 * The worker job behind find-similar on a file that is not in the library (a NeRF dropped on the
 * app): reads and validates the file, then embeds it with the given encoder. The file is only
 * read, never executed, imported or written to the library; a file that cannot be read or
 * embedded comes back as a failure naming the error class and the reason.
 */

import type { ProviderChoice } from '../../shared/compute';
import type { JobContext } from '../compute/jobs';
import { loadEmbedder } from '../library/import/import-job';
import { NerfFileError } from '../nerf/formats/errors';
import { openNerfFile } from '../nerf/formats/registry';
import type { Nerf } from '../nerf/types';

export interface EmbedFileInput {
  /** Absolute path of the NeRF file. */
  readonly file: string;
  /** encoder.onnx, with encoder.json beside it. */
  readonly encoderPath: string;
  readonly provider: ProviderChoice;
}

export type EmbedFileOutput =
  | { readonly ok: true; readonly format: string; readonly modelVersion: string; readonly embedding: Float32Array }
  | { readonly ok: false; readonly errorClass: string; readonly reason: string };

export async function embedFileJob(input: EmbedFileInput, ctx: JobContext): Promise<EmbedFileOutput> {
  ctx.progress({ done: 0, total: 2, message: 'read' });
  let opened: { nerf: Nerf; format: string };
  try {
    opened = await openNerfFile(input.file);
  } catch (error) {
    // Every problem of the file itself is a NerfFileError (openNerfFile wraps a reader's own failures).
    if (error instanceof NerfFileError) return { ok: false, errorClass: error.name, reason: error.reason };
    throw error;
  }
  ctx.throwIfCancelled();
  // A broken encoder is the app's problem, not the file's: that error propagates as it is.
  const embedder = await loadEmbedder(input.encoderPath);
  ctx.progress({ done: 1, total: 2, message: 'embed' });
  let embedding: Float32Array;
  try {
    [embedding] = (await embedder.embed([opened.nerf], ctx.sessions, input.provider, 1)) as [Float32Array];
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { ok: false, errorClass: e.name || 'Error', reason: `the encoder could not embed it: ${e.message}` };
  }
  return { ok: true, format: opened.format, modelVersion: embedder.info.version, embedding };
}
