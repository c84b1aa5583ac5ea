/** Names of renditions in a library's cache folder; pure, so worker threads can compute them too. */
import path from 'node:path';

/** Where a rendition of some content goes: `<kind>s/<2 hex>/<sha256>.<extension>` under `cacheDir`. */
export function renditionPath(cacheDir: string, contentSha256: string, kind: string, extension: string): { relative: string; absolute: string } {
  if (!/^[0-9a-f]{64}$/.test(contentSha256)) throw new RangeError(`contentSha256 must be 64 lower-case hex digits, got ${JSON.stringify(contentSha256)}`);
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(kind) || !/^[a-z0-9.]{1,16}$/.test(extension)) throw new RangeError(`bad rendition kind or extension: ${JSON.stringify(kind)}, ${JSON.stringify(extension)}`);
  const relative = path.join(`${kind}s`, contentSha256.slice(0, 2), `${contentSha256}.${extension}`);
  return { relative, absolute: path.join(cacheDir, relative) };
}
