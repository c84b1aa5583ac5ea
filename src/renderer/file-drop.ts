/**
 * What dropping files and folders on the library does, without the DOM: which of the drop zone's
 * two targets the pointer is over, the dropped items turned into paths on disk (through the
 * desktop app's `pathForFile`), and the call that a drop on each target makes, or why it is
 * refused. Plain objects stand in for DataTransfer items, so it runs under Node.
 */

import { MAX_PATHS_PER_CALL } from '../shared/api';
import { type ImportableFormat, describeFormats } from '../shared/formats';

/** The drop zone's targets: import the items, or find the assets similar to one NeRF file. */
export type DropTarget = 'import' | 'similar';

/** The part of a `File` this module reads. */
export interface DroppedFile {
  readonly name: string;
}

/** The part of a `DataTransferItem` this module reads. */
export interface DroppedItem<F extends DroppedFile = DroppedFile> {
  /** 'file' for files and folders, 'string' for dragged text and links. */
  readonly kind: string;
  getAsFile(): F | null;
  /** Chromium's entry of the item, which tells a folder from a file; may be missing. */
  webkitGetAsEntry?(): { readonly isDirectory: boolean } | null;
}

/** One dropped file or folder with its path on disk. */
export interface DroppedEntry {
  readonly path: string;
  readonly name: string;
  readonly isDirectory: boolean;
}

export interface DroppedItems {
  readonly entries: DroppedEntry[];
  /** Files the page could not find a path for (no desktop app, or a file made in a page). */
  readonly pathless: number;
}

/** What a drop does: the API call to make, or why nothing happens. */
export type DropPlan =
  | { readonly action: 'import'; readonly paths: string[] }
  | { readonly action: 'similar'; readonly path: string; readonly name: string }
  | { readonly action: 'refuse'; readonly message: string };

/** Whether a drag carries files or folders (its `types` lists `Files`): only those show the drop zone. */
export function draggingFiles(types: ArrayLike<string> | null | undefined): boolean {
  return types !== null && types !== undefined && Array.from(types).includes('Files');
}

/**
 * The target under the pointer: the zone's left half imports, its right half finds similar
 * assets. `x` and the zone's box are in the same (client) coordinates.
 */
export function targetAt(x: number, zone: { readonly left: number; readonly width: number }): DropTarget {
  return x < zone.left + zone.width / 2 ? 'import' : 'similar';
}

/**
 * The dropped files and folders with their paths, in the order dropped, without duplicates.
 * Items that are not files (dragged text, links) are left out. Call it during the drop event: a
 * DataTransfer's items are gone afterwards. Without `pathForFile` (a browser) no item has a path.
 */
export function droppedItems<F extends DroppedFile>(items: ArrayLike<DroppedItem<F>>, pathForFile: ((file: F) => string) | undefined): DroppedItems {
  const entries: DroppedEntry[] = [];
  const seen = new Set<string>();
  let pathless = 0;
  for (const item of Array.from(items)) {
    if (item.kind !== 'file') continue;
    const file = item.getAsFile();
    if (file === null) continue;
    const path = pathForFile?.(file) ?? '';
    if (path === '') {
      pathless++;
      continue;
    }
    if (seen.has(path)) continue;
    seen.add(path);
    entries.push({ path, name: file.name, isDirectory: item.webkitGetAsEntry?.()?.isDirectory ?? false });
  }
  return { entries, pathless };
}

/** What dropping `count` items on `target` would do, in words, while they are dragged over it. */
export function dropHint(target: DropTarget, count: number): { readonly allowed: boolean; readonly label: string } {
  if (target === 'import') {
    if (count > MAX_PATHS_PER_CALL) return { allowed: false, label: `At most ${MAX_PATHS_PER_CALL} files and folders at once` };
    return { allowed: true, label: count === 1 ? 'Import it (a folder with what it holds)' : `Import these ${count} files and folders` };
  }
  if (count > 1) return { allowed: false, label: `Find similar takes one NeRF file, not ${count}` };
  return { allowed: true, label: 'Find the assets most similar to this NeRF file' };
}

/** What a drop of `dropped` on `target` does. */
export function planDrop(target: DropTarget, dropped: DroppedItems): DropPlan {
  const { entries, pathless } = dropped;
  if (entries.length === 0) {
    return {
      action: 'refuse',
      message:
        pathless > 0
          ? 'The dropped files have no path on disk that nerfdex can read: drop files from the file manager, in the desktop app.'
          : 'Nothing to drop: drag NeRF files or folders from the file manager.',
    };
  }
  if (target === 'import') {
    if (entries.length > MAX_PATHS_PER_CALL) {
      return { action: 'refuse', message: `Import takes at most ${MAX_PATHS_PER_CALL} files and folders at once (${entries.length} were dropped): drop the folder that holds them instead.` };
    }
    return { action: 'import', paths: entries.map((entry) => entry.path) };
  }
  if (entries.length + pathless > 1) {
    return { action: 'refuse', message: `Find similar takes one NeRF file; ${entries.length + pathless} items were dropped.` };
  }
  const [entry] = entries as [DroppedEntry];
  if (entry.isDirectory) return { action: 'refuse', message: `Find similar takes one NeRF file, not a folder (${entry.name}).` };
  return { action: 'similar', path: entry.path, name: entry.name };
}

/**
 * What the notice says when an import found no NeRF files under the dropped items, naming the
 * formats an import reads (`Api.importFormats`) when they are known.
 */
export function noNerfFilesNotice(jobLabel: string, formats: readonly ImportableFormat[] | undefined): string {
  const known = formats !== undefined && formats.length > 0 ? ` nerfdex imports ${describeFormats(formats)}.` : '';
  return `${jobLabel}: no NeRF files there.${known}`;
}
