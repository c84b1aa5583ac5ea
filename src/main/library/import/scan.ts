/**
 * Which paths an import looks at: NeRF files by extension, found recursively under folders. A
 * nerfstudio run folder (config.yml + nerfstudio_models/step-NNNNNNNNN.ckpt) is found through its
 * .ckpt files; of a run's several checkpoints a folder walk takes the newest step.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Extensions an import picks up (the registered formats'); matched case-insensitively. */
export const NERF_EXTENSIONS = ['.nerf.safetensors', '.safetensors', '.msgpack', '.ingp', '.ckpt'] as const;

const CHECKPOINT_STEP = /^step-(\d+)\.ckpt$/i;

/** Temporaries written by nerfdex and others while a file is being written: never imported. */
const TEMPORARY = /\.tmp-[^/\\]*$/;

/** Whether a path names a file an import should try (by extension; temporaries excluded). */
export function isNerfPath(filePath: string): boolean {
  const base = path.basename(filePath).toLowerCase();
  if (TEMPORARY.test(base) || base.startsWith('.')) return false;
  return NERF_EXTENSIONS.some((ext) => base.endsWith(ext));
}

/**
 * Of the `step-N.ckpt` files found in one folder (a nerfstudio run's nerfstudio_models/), the
 * newest step; the others are reported through `onSkipped`.
 */
function newestCheckpoints(files: readonly string[], onSkipped?: (p: string, reason: string) => void): Set<string> {
  const newest = new Map<string, { file: string; step: number }>();
  for (const file of files) {
    const m = CHECKPOINT_STEP.exec(path.basename(file));
    if (!m) continue;
    const step = Number(m[1]);
    const dir = path.dirname(file);
    const best = newest.get(dir);
    if (!best || step > best.step) newest.set(dir, { file, step });
  }
  const skipped = new Set<string>();
  for (const file of files) {
    const m = CHECKPOINT_STEP.exec(path.basename(file));
    const best = newest.get(path.dirname(file));
    if (!m || !best || best.file === file) continue;
    skipped.add(file);
    onSkipped?.(file, `an older checkpoint of the run (step ${Number(m[1])}); the newest, ${path.basename(best.file)} (step ${best.step}), is imported`);
  }
  return skipped;
}

/**
 * Absolute paths of the NeRF files named by `paths`: a file is taken as given (whatever its
 * extension, so a user can import one oddly named file), a folder is walked recursively for
 * known extensions, keeping only the newest step of a nerfstudio run's checkpoints (the others go
 * to `onSkipped`). Sorted and without duplicates. A missing path is reported through `onMissing`.
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
  const older = newestCheckpoints(walked, onSkipped);
  for (const file of walked) if (!older.has(file)) found.add(file);
  return [...found].sort();
}
