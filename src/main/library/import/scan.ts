/**
 * Which paths an import looks at: NeRF files by the registered formats' extensions, found
 * recursively under folders. A format may leave some of a walk's files out: of a nerfstudio run's
 * several checkpoints (config.yml + nerfstudio_models/step-NNNNNNNNN.ckpt) the walk takes the
 * newest step.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { importableExtensions, registeredFormats } from '../../nerf/formats/registry';

/** Temporaries written by nerfdex and others while a file is being written: never imported. */
const TEMPORARY = /\.tmp-[^/\\]*$/;

/** Whether a path names a file an import should try (by a registered extension, in any case; temporaries excluded). */
export function isNerfPath(filePath: string): boolean {
  const base = path.basename(filePath).toLowerCase();
  if (TEMPORARY.test(base) || base.startsWith('.')) return false;
  return importableExtensions().some((ext) => base.endsWith(ext));
}

/** The files of a walk that their formats leave out (`NerfFormat.supersededIn`), reported through `onSkipped`. */
function supersededFiles(files: readonly string[], onSkipped?: (p: string, reason: string) => void): Set<string> {
  const skipped = new Set<string>();
  for (const format of registeredFormats()) {
    if (!format.supersededIn) continue;
    const own = files.filter((f) => format.extensions.some((ext) => f.toLowerCase().endsWith(ext.toLowerCase())));
    for (const [file, reason] of format.supersededIn(own)) {
      if (skipped.has(file)) continue;
      skipped.add(file);
      onSkipped?.(file, reason);
    }
  }
  return skipped;
}

/**
 * Absolute paths of the NeRF files named by `paths`: a file is taken as given (whatever its
 * extension, so a user can import one oddly named file), a folder is walked recursively for
 * the registered extensions, leaving out what a format supersedes (the older steps of a nerfstudio
 * run's checkpoints), which goes to `onSkipped`. Sorted and without duplicates. A missing path is reported through `onMissing`.
 */
export async function findNerfFiles(paths: readonly string[], onMissing?: (p: string, reason: string) => void, onSkipped?: (p: string, reason: string) => void): Promise<string[]> {
  const found = new Set<string>();
  const walked: string[] = [];
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
      else if (entry.isFile() && isNerfPath(full)) walked.push(full);
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
  const older = supersededFiles(walked, onSkipped);
  for (const file of walked) if (!older.has(file)) found.add(file);
  return [...found].sort();
}
