import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, externalUrl, isAppUrl } from '../../src/main/app/security';

describe('content security policy', () => {
  it('is the strict policy of the app pages', () => {
    expect(contentSecurityPolicy()).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('is repeated, less frame-ancestors, in the meta tag of index.html', () => {
    const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html);
    expect(meta?.[1]).toBe(contentSecurityPolicy({ forMetaTag: true }));
    expect(meta?.[1]).not.toContain('frame-ancestors');
  });
});

describe('isAppUrl', () => {
  const built = 'file:///opt/nerfdex/out/renderer/index.html';
  const dev = 'http://localhost:5173/';

  it.each([
    [built, built],
    ['file:///opt/nerfdex/out/renderer/assets/index-abc.js', built],
    ['file:///opt/nerfdex/out/renderer/index.html#/gallery', built],
    ['http://localhost:5173/src/main.ts', dev],
    ['http://localhost:5173/@vite/client', dev],
  ])('accepts %s', (candidate, app) => {
    expect(isAppUrl(candidate, app)).toBe(true);
  });

  it.each([
    ['file:///opt/nerfdex/out/main/index.js', built],
    ['file:///opt/nerfdex/out/renderer/../main/index.js', built],
    ['file:///opt/nerfdex/out/renderer/%2e%2e/main/index.js', built],
    ['file:///etc/passwd', built],
    ['file://evil-host/opt/nerfdex/out/renderer/index.html', built],
    ['https://example.com/', built],
    ['http://localhost:5174/', dev],
    ['https://localhost:5173/', dev],
    ['file:///opt/nerfdex/out/renderer/index.html', dev],
    ['not a url', dev],
    ['', built],
  ])('rejects %s', (candidate, app) => {
    expect(isAppUrl(candidate, app)).toBe(false);
  });
});

describe('externalUrl', () => {
  it.each([
    ['https://arxiv.org/abs/2502.09623', 'https://arxiv.org/abs/2502.09623'],
    ['http://example.com', 'http://example.com/'],
    ['HTTPS://Example.COM/a b', 'https://example.com/a%20b'],
  ])('lets %s open in the system browser', (candidate, expected) => {
    expect(externalUrl(candidate)).toBe(expected);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'smb://host/share',
    'ms-settings:',
    'https://user:secret@example.com/',
    'https://user@example.com/',
    'https://',
    'relative/path',
  ])('keeps %s inside', (candidate) => {
    expect(externalUrl(candidate)).toBeUndefined();
  });

  it('keeps overlong URLs inside', () => {
    expect(externalUrl(`https://example.com/${'a'.repeat(2100)}`)).toBeUndefined();
  });
});
