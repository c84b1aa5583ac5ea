/** The application menu, as a template Electron's `Menu.buildFromTemplate` turns into a menu. */

import type { MenuItemConstructorOptions } from 'electron';

/**
 * A minimal menu: the platform's app menu on macOS, file, edit (so the clipboard shortcuts
 * work), view and window. Reload and developer tools only in development.
 */
export function appMenuTemplate(platform: string, isDevelopment: boolean): MenuItemConstructorOptions[] {
  const developer: MenuItemConstructorOptions[] = isDevelopment
    ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : [];
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
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
