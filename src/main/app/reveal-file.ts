/**
 * "Reveal in folder": shows one of an asset's recorded file locations in the system's file
 * manager. A desktop capability, injected by the Electron shell; serve mode has none.
 */

import { stat } from 'node:fs/promises';
import type { Api } from '../../shared/api';
import { InvalidRequestError, NotFoundError } from '../library/errors';
import type { AppLibrary } from './app-library';

/** Shows a file, selected, in the system's file manager (Electron's `shell.showItemInFolder`). */
export type RevealPath = (filePath: string) => void;

/** What `revealFile` rejects with where there is no file manager to show a file in. */
export const REVEAL_UNAVAILABLE = 'revealing files is only available in the desktop app, not in serve mode';

/**
 * `revealFile` over `open()`: reveals a path only when it is one of the asset's recorded file
 * locations and is on disk, never an arbitrary path from the renderer. Without `revealPath`
 * every call rejects with `REVEAL_UNAVAILABLE`.
 */
export function createRevealFile(open: () => Promise<AppLibrary>, revealPath: RevealPath | undefined): Api['revealFile'] {
  return async (assetId, filePath) => {
    if (revealPath === undefined) throw new InvalidRequestError(REVEAL_UNAVAILABLE);
    const { library } = await open();
    if (!library.getAsset(assetId)) throw new NotFoundError('asset', assetId);
    const file = library.assetFiles(assetId).find((f) => f.path === filePath);
    if (!file) throw new InvalidRequestError(`${JSON.stringify(filePath)} is not a file location of asset ${assetId}`);
    const onDisk = await stat(file.path).then(
      (stats) => stats.isFile(),
      () => false,
    );
    if (!onDisk) throw new InvalidRequestError(`${JSON.stringify(file.path)} is no longer on disk, so it cannot be shown in its folder`);
    revealPath(file.path);
  };
}
