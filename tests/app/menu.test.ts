import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from '../../src/main/menu';

function roles(template: ReturnType<typeof appMenuTemplate>): unknown[] {
  return template.flatMap((item) => [item.role, ...(Array.isArray(item.submenu) ? item.submenu.map((sub) => sub.role) : [])]);
}

describe('appMenuTemplate', () => {
  it('has the app menu on macOS only', () => {
    expect(appMenuTemplate('darwin', false)[0]?.role).toBe('appMenu');
    expect(roles(appMenuTemplate('linux', false))).not.toContain('appMenu');
  });

  it('offers reload and developer tools in development only', () => {
    expect(roles(appMenuTemplate('linux', true))).toContain('toggleDevTools');
    expect(roles(appMenuTemplate('win32', false))).not.toContain('toggleDevTools');
    expect(roles(appMenuTemplate('win32', false))).not.toContain('reload');
  });
});
