/**
 * Security decisions of the desktop shell that need no Electron: the Content-Security-Policy of
 * the app's pages, which URLs count as the app's own, and which links may leave for the system
 * browser. `index.ts` wires them into Electron.
 */

/** Content-Security-Policy of the app's own pages, directive by directive. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
});

/** Directives a `<meta http-equiv>` policy cannot carry; browsers ignore them there with a warning. */
const HEADER_ONLY_DIRECTIVES: ReadonlySet<string> = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

export interface CspOptions {
  /**
   * Leave out the directives a meta tag cannot carry: the policy `src/renderer/index.html` repeats.
   * @default false
   */
  readonly forMetaTag?: boolean;
}

/** The policy as one header value. */
export function contentSecurityPolicy(options: CspOptions = {}): string {
  return Object.entries(CSP_DIRECTIVES)
    .filter(([name]) => !(options.forMetaTag === true && HEADER_ONLY_DIRECTIVES.has(name)))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Whether `candidate` is one of the app's own pages or assets, given the URL of its index page:
 * the same origin as the dev server, or a `file:` URL inside the folder of the built index.html.
 */
export function isAppUrl(candidate: string, appIndexUrl: string): boolean {
  const url = parseUrl(candidate);
  const app = parseUrl(appIndexUrl);
  if (url === undefined || app === undefined) {
    return false;
  }
  if (app.protocol === 'file:') {
    // URL parsing has already resolved `..` and `%2e%2e` segments, so a prefix test is enough.
    const folder = app.pathname.slice(0, app.pathname.lastIndexOf('/') + 1);
    return url.protocol === 'file:' && url.host === app.host && url.pathname.startsWith(folder);
  }
  return (app.protocol === 'http:' || app.protocol === 'https:') && url.origin === app.origin;
}

/** Longest URL handed to the system browser. */
const MAX_EXTERNAL_URL_LENGTH = 2048;

/**
 * The URL to open in the system browser for a link the app will not open itself, or `undefined`
 * when it must not leave the app at all: only plain http(s) URLs with a host and no credentials.
 */
export function externalUrl(candidate: string): string | undefined {
  if (candidate.length > MAX_EXTERNAL_URL_LENGTH) {
    return undefined;
  }
  const url = parseUrl(candidate);
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return undefined;
  }
  if (url.hostname === '' || url.username !== '' || url.password !== '') {
    return undefined;
  }
  return url.href;
}
