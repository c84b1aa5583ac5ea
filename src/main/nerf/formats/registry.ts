/**
 * NeRF file formats behind one `match()` / `open()` contract: `match` is cheap and never throws
 * (extension and magic bytes), `open` validates and builds the in-memory NeRF with whatever else
 * the format holds (its extras). Everything that names the importable files (the folder scan,
 * watched folders, asset names, the CLI's help, the menu's file filter, the drop zone's text)
 * asks the registered formats, so adding a format is its file plus its line in `formats` below.
 */
import type { Stats } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import type { Nerf } from '../types';
import { NerfFileError, UnknownFormatError } from './errors';
import { type InstantNgpColour, instantNgpFormat } from './instant-ngp';
import type { InstantNgpDensityGrid } from './instant-ngp-density-grid';
import { nativeFormat } from './native';
import { nerfstudioFormat } from './nerfstudio';

/** What a reader finds beside the NeRF; each field is present for the formats that hold it. */
export interface NerfExtras {
  /** instant-ngp's occupancy grid: renditions are masked by it, as instant-ngp renders. */
  readonly densityGrid?: InstantNgpDensityGrid;
  /** How instant-ngp's colour was read (see InstantNgpColour). */
  readonly colour?: InstantNgpColour;
  /** What the reader assumed because neither the file nor its config said it (nerfstudio). */
  readonly assumed?: readonly string[];
  /** The config file read beside the file (nerfstudio's config.yml). */
  readonly configPath?: string;
}

/** A parsed NeRF file: the NeRF and the format's extras. */
export interface OpenedNerf {
  readonly nerf: Nerf;
  readonly extras: NerfExtras;
}

export interface NerfFormat {
  readonly name: string;
  /** What its files are called in help texts, plural: "instant-ngp snapshots". */
  readonly label: string;
  /** Lower case, with the dot; a folder walk picks up files ending in one of them. */
  readonly extensions: readonly string[];
  /** Recognises the format from the file's first bytes and its path; never throws. */
  match(head: Uint8Array, path: string): boolean;
  /** Parses and validates; throws a NerfFileError subclass naming the file and the reason. */
  open(bytes: Uint8Array, path: string): OpenedNerf;
  /**
   * Of the files of this format a folder walk found, those an import leaves out, each with the
   * reason (a nerfstudio run's older checkpoints). @default none
   */
  supersededIn?(files: readonly string[]): ReadonlyMap<string, string>;
  /** The asset name of a file the format names otherwise than by its file name (a nerfstudio run's checkpoint). */
  assetName?(path: string): string | undefined;
}

const formats: NerfFormat[] = [nativeFormat, instantNgpFormat, nerfstudioFormat];

/** Adds a format (importers register themselves here). Later registrations are tried first. */
export function registerFormat(format: NerfFormat): void {
  formats.unshift(format);
}

export function registeredFormats(): readonly NerfFormat[] {
  return formats;
}

/** Every registered format's extensions, without repeats, in the order of `registeredFormats()`. */
export function importableExtensions(): string[] {
  return [...new Set(formats.flatMap((f) => f.extensions.map((e) => e.toLowerCase())))];
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

/**
 * The whole file, in one read. `info` is the caller's stat of it (so an import stats a file
 * once); absent, the file is stat'ed here. Throws UnknownFormatError for what is not a regular,
 * non-empty file within MAX_NERF_FILE_BYTES, or one that changed while being read.
 */
export async function readNerfBytes(path: string, info?: Stats): Promise<Uint8Array> {
  info ??= await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new UnknownFormatError(path, `cannot read the file (${e.code ?? e.message})`);
  });
  if (!info.isFile()) throw new UnknownFormatError(path, 'not a regular file');
  if (info.size === 0) throw new UnknownFormatError(path, 'the file is empty');
  if (info.size > MAX_NERF_FILE_BYTES) throw new UnknownFormatError(path, `the file is ${info.size} bytes, more than the ${MAX_NERF_FILE_BYTES} nerfdex reads`);
  const handle = await openFile(path, 'r');
  try {
    const bytes = new Uint8Array(info.size);
    let read = 0;
    while (read < info.size) {
      const { bytesRead } = await handle.read(bytes, read, info.size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read !== info.size) throw new UnknownFormatError(path, `the file changed while being read (${read} of ${info.size} bytes)`);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Sniffs and opens the bytes of a NeRF file of any registered format. */
export function openNerfBytes(bytes: Uint8Array, path: string): OpenedNerf & { format: string } {
  const format = sniffFormat(bytes.subarray(0, HEAD_BYTES), path);
  if (!format) throw new UnknownFormatError(path, 'not a NeRF file nerfdex knows (no registered format matches its first bytes)');
  try {
    const { nerf, extras } = format.open(bytes, path);
    return { nerf, extras, format: format.name };
  } catch (e) {
    if (e instanceof NerfFileError) throw e;
    throw new UnknownFormatError(path, `${format.name} reader failed: ${(e as Error).message}`);
  }
}

/** Reads, sniffs and opens a NeRF file of any registered format. */
export async function openNerfFile(path: string): Promise<OpenedNerf & { format: string; bytes: number }> {
  const bytes = await readNerfBytes(path);
  return { ...openNerfBytes(bytes, path), bytes: bytes.length };
}
