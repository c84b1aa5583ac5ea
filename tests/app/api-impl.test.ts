import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/main/app/api-service';
import { PROVIDER_NAMES } from '../../src/shared/compute';

describe('createApi', () => {
  it('reports the app identity and the runtimes under it', async () => {
    const info = await createApi({ name: 'nerfdex', version: '1.2.3' }).appInfo();
    expect(info).toEqual({
      name: 'nerfdex',
      version: '1.2.3',
      electron: 'none',
      chrome: 'none',
      node: process.versions.node,
      platform: process.platform,
      canRevealFiles: false,
    });
    const desktop = await createApi({ name: 'nerfdex', version: '1.2.3' }, { revealPath: () => undefined }).appInfo();
    expect(desktop.canRevealFiles).toBe(true);
  });

  it('reports the real automatic provider choice, with a reason for every provider tried', async () => {
    const choice = await createApi({ name: 'nerfdex', version: '1.2.3' }).computeInfo();
    expect(choice.request).toBe('auto');
    expect(PROVIDER_NAMES).toContain(choice.name);
    expect(choice.reason.length).toBeGreaterThan(0);
    expect(choice.attempts.find((a) => a.name === choice.name)?.ok).toBe(true);
    for (const a of choice.attempts) expect(a.reason.length).toBeGreaterThan(0);
  });
});
