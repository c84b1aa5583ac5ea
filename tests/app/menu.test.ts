import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { appMenuTemplate, importDialogOptions, type AppMenuActions } from '../../src/main/menu';

const noActions: AppMenuActions = { importFrom: () => undefined };

function roles(template: ReturnType<typeof appMenuTemplate>): unknown[] {
  return template.flatMap((item) => [item.role, ...(Array.isArray(item.submenu) ? item.submenu.map((sub) => sub.role) : [])]);
}

function fileMenu(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  const file = template.find((item) => item.label === 'File');
  if (!Array.isArray(file?.submenu)) throw new Error('no File menu');
  return file.submenu;
}

describe('appMenuTemplate', () => {
  it('has the app menu on macOS only', () => {
    expect(appMenuTemplate('darwin', false, noActions)[0]?.role).toBe('appMenu');
    expect(roles(appMenuTemplate('linux', false, noActions))).not.toContain('appMenu');
  });

  it('offers reload and developer tools in development only', () => {
    expect(roles(appMenuTemplate('linux', true, noActions))).toContain('toggleDevTools');
    expect(roles(appMenuTemplate('win32', false, noActions))).not.toContain('toggleDevTools');
    expect(roles(appMenuTemplate('win32', false, noActions))).not.toContain('reload');
  });

  it.each(['linux', 'win32', 'darwin'])('has Import Files… and Import Folder… in the File menu on %s, each calling the import action', (platform) => {
    const importFrom = vi.fn();
    const items = fileMenu(appMenuTemplate(platform, false, { importFrom }));
    const files = items.find((item) => item.label === 'Import Files…');
    const folders = items.find((item) => item.label === 'Import Folder…');
    expect(files?.accelerator).toBe('CmdOrCtrl+O');
    expect(folders?.accelerator).toBe('CmdOrCtrl+Shift+O');
    expect(importFrom).not.toHaveBeenCalled();
    const click = (item: MenuItemConstructorOptions | undefined) => (item?.click as (() => void) | undefined)?.();
    click(files);
    expect(importFrom).toHaveBeenLastCalledWith('files');
    click(folders);
    expect(importFrom).toHaveBeenLastCalledWith('folders');
    expect(importFrom).toHaveBeenCalledTimes(2);
    // The File menu keeps what Electron's default one holds.
    expect(items.at(-1)?.role).toBe(platform === 'darwin' ? 'close' : 'quit');
  });
});

describe('importDialogOptions', () => {
  it('picks several files, NeRF extensions first', () => {
    const options = importDialogOptions('files');
    expect(options.properties).toEqual(['openFile', 'multiSelections']);
    expect(options.filters?.[0]).toEqual({ name: 'NeRFs', extensions: ['safetensors', 'msgpack', 'ingp', 'ckpt'] });
    expect(options.filters?.[1]?.extensions).toEqual(['*']);
  });

  it('picks several folders', () => {
    expect(importDialogOptions('folders').properties).toEqual(['openDirectory', 'multiSelections']);
  });
});
