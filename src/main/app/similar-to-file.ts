/**
 * Find-similar for a NeRF file that is not in the library (a file dropped on the app): the file is
 * read, validated and embedded in a worker (`library.embed-file`) with the encoder of the
 * library's active model, and its vector is searched in that model's index. The file is only read.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../library/errors';
import type { AppLibrary } from './app-library';

/**
 * A file find-similar cannot use: unreadable, not a NeRF nerfdex knows, broken, or one the encoder
 * cannot embed. The caller's to fix, so an `InvalidRequestError` (serve mode answers 400).
 */
export class SimilarFileError extends InvalidRequestError {
  constructor(
    readonly file: string,
    /** The class of the underlying error (`NativeNerfError`, `UnknownFormatError`, ...). */
    readonly errorClass: string,
    readonly reason: string,
  ) {
    super(`cannot find assets similar to ${file}: ${reason} (${errorClass})`);
    this.name = 'SimilarFileError';
  }
}

/** The encoder that embeds for the active model's index: the one it was registered with, else the app's. */
function encoderOfActiveModel(app: AppLibrary, version: string, info: Readonly<Record<string, unknown>>): string {
  const recorded = info['encoderPath'];
  if (typeof recorded === 'string' && existsSync(recorded)) return recorded;
  if (existsSync(app.encoderPath)) return app.encoderPath;
  throw new Error(
    `the encoder of the active model ${version} is not installed (${typeof recorded === 'string' ? recorded : app.encoderPath}): find-similar on a file needs it to embed the file; find-similar on the library's assets still works`,
  );
}

/**
 * The vector of the NeRF in `file` in the space the library searches. `SimilarFileError` for a
 * file that cannot be used, naming it and why; `InvalidRequestError` for a relative path (the
 * server's working folder means nothing to a client). The caller checks first that find-similar
 * can answer at all (an active model).
 */
export async function embedFileForSearch(app: AppLibrary, file: string): Promise<Float32Array> {
  if (!path.isAbsolute(file)) throw new InvalidRequestError(`find-similar needs the absolute path of a NeRF file, got ${JSON.stringify(file)}`);
  const active = app.library.activeModel();
  if (!active) throw new Error('no active encoder model: find-similar cannot answer yet');
  const encoderPath = encoderOfActiveModel(app, active.version, active.info);
  const output = await app.pool.startJob('library.embed-file', { file, encoderPath, provider: app.provider }).result;
  if (!output.ok) throw new SimilarFileError(file, output.errorClass, output.reason);
  if (output.modelVersion !== active.version) {
    throw new Error(`the encoder at ${encoderPath} is version ${output.modelVersion}, but the library searches with ${active.version}; try again once re-embedding has finished`);
  }
  return output.embedding;
}
