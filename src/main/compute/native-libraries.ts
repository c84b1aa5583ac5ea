/**
 * Native libraries an execution provider needs, looked for on disk without loading them: a
 * failed load prints the loader's own error on stderr (ONNX Runtime's provider bridge, Dawn's
 * Vulkan loader), so a provider whose library is missing is passed over before it is probed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Whether the dynamic loader would find `file` (Linux), searching as `dlopen` does from ONNX
 * Runtime's library: `LD_LIBRARY_PATH`, its RUNPATH (`$ORIGIN`, the binding's folder), the
 * `ld.so` cache and configuration, then the default folders.
 */
export function hasSharedLibrary(file: string): boolean {
  const arch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const binding = ortBindingDir();
  const dirs = [
    ...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean),
    ...(binding ? [binding] : []),
    ...ldConfigDirs(),
    `/lib/${arch}`,
    `/usr/lib/${arch}`,
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((dir) => existsSync(path.join(dir, file))) || ldCachePaths(file).some((p) => existsSync(p));
}

/**
 * Which of `files` are missing from the folder of onnxruntime-node's native binding, where its
 * installer puts the provider libraries it downloads. Empty when that folder cannot be found, so
 * an unexpected layout never hides a provider (its probe runs and tells).
 */
export function missingBesideOrtBinding(files: readonly string[]): string[] {
  const dir = ortBindingDir();
  return dir ? files.filter((file) => !existsSync(path.join(dir, file))) : [];
}

let bindingDir: string | null | undefined;

/** `node_modules/onnxruntime-node/bin/napi-v6/<platform>/<arch>`, or null when it holds no binding. */
function ortBindingDir(): string | null {
  if (bindingDir !== undefined) return bindingDir;
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const dir = path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
    bindingDir = existsSync(path.join(dir, 'onnxruntime_binding.node')) ? dir : null;
  } catch {
    bindingDir = null;
  }
  return bindingDir;
}

function ldConfigDirs(): string[] {
  try {
    const confDir = '/etc/ld.so.conf.d';
    return readdirSync(confDir)
      .filter((f) => f.endsWith('.conf'))
      .flatMap((f) => readFileSync(path.join(confDir, f), 'utf8').split('\n'))
      .map((l) => l.trim())
      .filter((l) => l.startsWith('/'));
  } catch {
    return [];
  }
}

/** Paths of `file` listed in `/etc/ld.so.cache`, whose string table holds them NUL-terminated. */
function ldCachePaths(file: string): string[] {
  let cache: Buffer;
  try {
    cache = readFileSync('/etc/ld.so.cache');
  } catch {
    return [];
  }
  const needle = Buffer.from(`/${file}\0`);
  const found: string[] = [];
  for (let at = cache.indexOf(needle); at >= 0; at = cache.indexOf(needle, at + 1)) {
    const start = cache.lastIndexOf(0, at) + 1;
    const entry = cache.subarray(start, at + needle.length - 1).toString('utf8');
    if (entry.startsWith('/')) found.push(entry);
  }
  return found;
}
