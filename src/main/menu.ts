/** The application menu, as a template Electron's `Menu.buildFromTemplate` turns into a menu. */

import type { MenuItemConstructorOptions, OpenDialogOptions } from 'electron';
import { importableExtensions } from './nerf/formats/registry';

/**
 * What the File menu's import items pick: files, or folders (imported recursively). Two items,
 * because on Linux and Windows one dialog cannot pick files and folders at once.
 */
export type ImportPick = 'files' | 'folders';

/** What the menu's own items do; the Electron shell supplies them. */
export interface AppMenuActions {
  /** Opens the open dialog for `pick` and imports what the user chose, as `importPaths` does. */
  readonly importFrom: (pick: ImportPick) => void;
}

/**
 * A minimal menu: the platform's app menu on macOS, file (import files or folders, then close or
 * quit), edit (so the clipboard shortcuts work), view and window. Reload and developer tools only
 * in development.
 */
export function appMenuTemplate(platform: string, isDevelopment: boolean, actions: AppMenuActions): MenuItemConstructorOptions[] {
  const developer: MenuItemConstructorOptions[] = isDevelopment
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : [];
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    {
      label: 'File',
      submenu: [
        { id: 'import-files', label: 'Import Files…', accelerator: 'CmdOrCtrl+O', click: () => actions.importFrom('files') },
        { id: 'import-folders', label: 'Import Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.importFrom('folders') },
        { type: 'separator' },
        // What Electron's default File menu holds.
        platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...developer,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
}

/** The open dialog of an import item: several files (NeRF extensions first), or several folders. */
export function importDialogOptions(pick: ImportPick): OpenDialogOptions {
  if (pick === 'folders') {
    return { title: 'Import folders of NeRFs', buttonLabel: 'Import', properties: ['openDirectory', 'multiSelections'] };
  }
  // The dialog matches the last part of a name only, so `.nerf.safetensors` is `safetensors`.
  const extensions = [...new Set(importableExtensions().map((extension) => extension.slice(extension.lastIndexOf('.') + 1)))];
  return {
    title: 'Import NeRF files',
    buttonLabel: 'Import',
    properties: ['openFile', 'multiSelections'],
    filters: [
      { name: 'NeRFs', extensions },
      { name: 'All files', extensions: ['*'] },
    ],
  };
}
