/**
 * NeRF file formats behind one `match()` / `open()` contract: `match` is cheap and never throws
 * (extension and magic bytes), `open` validates and builds the in-memory NeRF.
 */
import { open as openFile, stat } from 'node:fs/promises';
import type { Nerf } from '../types';
import { NerfFileError, UnknownFormatError } from './errors';
import { instantNgpFormat } from './instant-ngp';
import { NATIVE_EXTENSION, decodeNerf, matchNative } from './native';
import { nerfstudioFormat } from './nerfstudio';

export interface NerfFormat {
  readonly name: string;
  readonly extensions: readonly string[];
  /** Recognises the format from the file's first bytes and its path; never throws. */
  match(head: Uint8Array, path: string): boolean;
  /** Parses and validates; throws a NerfFileError subclass naming the file and the reason. */
  open(bytes: Uint8Array, path: string): Nerf;
}

const formats: NerfFormat[] = [{ name: 'native', extensions: [NATIVE_EXTENSION, '.safetensors'], match: matchNative, open: decodeNerf }, instantNgpFormat, nerfstudioFormat];

/** Adds a format (importers register themselves here). Later registrations are tried first. */
export function registerFormat(format: NerfFormat): void {
  formats.unshift(format);
}

export function registeredFormats(): readonly NerfFormat[] {
  return formats;
}

/** Largest NeRF file nerfdex reads: beyond it a file is refused before any allocation. @default 2 GiB */
export const MAX_NERF_FILE_BYTES = 2 * 1024 ** 3;
const HEAD_BYTES = 64 * 1024;

/** The format that claims these bytes, or undefined. */
export function sniffFormat(head: Uint8Array, path: string): NerfFormat | undefined {
  return formats.find((f) => {
    try {
      return f.match(head, path);
    } catch {
      return false;
    }
  });
}

/** Reads, sniffs and opens a NeRF file of any registered format. */
export async function openNerfFile(path: string): Promise<{ nerf: Nerf; format: string; bytes: number }> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new UnknownFormatError(path, `cannot read the file (${e.code ?? e.message})`);
  });
  if (!info.isFile()) throw new UnknownFormatError(path, 'not a regular file');
  if (info.size === 0) throw new UnknownFormatError(path, 'the file is empty');
  if (info.size > MAX_NERF_FILE_BYTES) throw new UnknownFormatError(path, `the file is ${info.size} bytes, more than the ${MAX_NERF_FILE_BYTES} nerfdex reads`);
  const handle = await openFile(path, 'r');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(info.size);
    let read = 0;
    while (read < info.size) {
      const { bytesRead } = await handle.read(bytes, read, info.size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read !== info.size) throw new UnknownFormatError(path, `the file changed while being read (${read} of ${info.size} bytes)`);
  } finally {
    await handle.close();
  }
  const format = sniffFormat(bytes.subarray(0, HEAD_BYTES), path);
  if (!format) throw new UnknownFormatError(path, 'not a NeRF file nerfdex knows (no registered format matches its first bytes)');
  try {
    return { nerf: format.open(bytes, path), format: format.name, bytes: info.size };
  } catch (e) {
    if (e instanceof NerfFileError) throw e;
    throw new UnknownFormatError(path, `${format.name} reader failed: ${(e as Error).message}`);
  }
}
