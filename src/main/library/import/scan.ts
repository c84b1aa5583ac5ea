/** Which paths an import looks at: NeRF files by extension, found recursively under folders. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Extensions an import picks up (the registered formats'); matched case-insensitively. */
export const NERF_EXTENSIONS = ['.nerf.safetensors', '.safetensors', '.msgpack', '.ingp'] as const;

/** Temporaries written by nerfdex and others while a file is being written: never imported. */
const TEMPORARY = /\.tmp-[^/\\]*$/;

/** Whether a path names a file an import should try (by extension; temporaries excluded). */
export function isNerfPath(filePath: string): boolean {
  const base = path.basename(filePath).toLowerCase();
  if (TEMPORARY.test(base) || base.startsWith('.')) return false;
  return NERF_EXTENSIONS.some((ext) => base.endsWith(ext));
}

/**
 * Absolute paths of the NeRF files named by `paths`: a file is taken as given (whatever its
 * extension, so a user can import one oddly named file), a folder is walked recursively for
 * known extensions. Sorted and without duplicates. A missing path is reported through `onMissing`.
 */
export async function findNerfFiles(paths: readonly string[], onMissing?: (p: string, reason: string) => void): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      onMissing?.(dir, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && isNerfPath(full)) found.add(full);
    }
  };
  for (const p of paths) {
    const full = path.resolve(p);
    const info = await stat(full).catch((error: NodeJS.ErrnoException) => {
      onMissing?.(full, error.code ?? error.message);
      return undefined;
    });
    if (!info) continue;
    if (info.isDirectory()) await walk(full);
    else found.add(full);
  }
  return [...found].sort();
}
