/** The drop zone's logic (src/renderer/file-drop.ts), with plain objects for DataTransfer items. */
import { describe, expect, it } from 'vitest';
import { type DroppedItem, draggingFiles, dropHint, droppedItems, noNerfFilesNotice, planDrop, targetAt } from '../../src/renderer/file-drop';
import { MAX_PATHS_PER_CALL } from '../../src/shared/api';

interface FakeFile {
  readonly name: string;
  /** Where the desktop app would find it on disk; '' for a file with none. */
  readonly at: string;
}

function fileItem(at: string, options: { directory?: boolean; noEntry?: boolean } = {}): DroppedItem<FakeFile> {
  const name = at.split('/').pop() || 'untitled';
  return {
    kind: 'file',
    getAsFile: () => ({ name, at }),
    ...(options.noEntry ? {} : { webkitGetAsEntry: () => ({ isDirectory: options.directory ?? false }) }),
  };
}
const textItem: DroppedItem<FakeFile> = { kind: 'string', getAsFile: () => null };
const desktop = (file: FakeFile): string => file.at;

describe('the drop zone', () => {
  it('shows for drags that carry files only', () => {
    expect(draggingFiles(['Files'])).toBe(true);
    expect(draggingFiles(['text/uri-list', 'Files'])).toBe(true);
    expect(draggingFiles(['text/plain'])).toBe(false);
    expect(draggingFiles([])).toBe(false);
    expect(draggingFiles(null)).toBe(false);
  });

  it('imports on its left half and finds similar on its right half', () => {
    const zone = { left: 100, width: 800 };
    expect(targetAt(100, zone)).toBe('import');
    expect(targetAt(499, zone)).toBe('import');
    expect(targetAt(500, zone)).toBe('similar');
    expect(targetAt(900, zone)).toBe('similar');
  });

  it('says what a drop would do while items are dragged over a target', () => {
    expect(dropHint('import', 1)).toEqual({ allowed: true, label: 'Import it (a folder with what it holds)' });
    expect(dropHint('import', 3)).toEqual({ allowed: true, label: 'Import these 3 files and folders' });
    expect(dropHint('import', MAX_PATHS_PER_CALL + 1)).toEqual({ allowed: false, label: `At most ${MAX_PATHS_PER_CALL} files and folders at once` });
    expect(dropHint('similar', 1)).toEqual({ allowed: true, label: 'Find the assets most similar to this NeRF file' });
    expect(dropHint('similar', 2)).toEqual({ allowed: false, label: 'Find similar takes one NeRF file, not 2' });
  });
});

describe('dropped items', () => {
  it('become paths, in order, without duplicates, text and links left out', () => {
    const items = [fileItem('/nerfs/chair.nerf.safetensors'), textItem, fileItem('/nerfs/more', { directory: true }), fileItem('/nerfs/chair.nerf.safetensors')];
    expect(droppedItems(items, desktop)).toEqual({
      entries: [
        { path: '/nerfs/chair.nerf.safetensors', name: 'chair.nerf.safetensors', isDirectory: false },
        { path: '/nerfs/more', name: 'more', isDirectory: true },
      ],
      pathless: 0,
    });
  });

  it('count files without a path (no desktop app, or made in a page) apart', () => {
    expect(droppedItems([fileItem('/a.nerf.safetensors'), fileItem('')], desktop)).toEqual({ entries: [{ path: '/a.nerf.safetensors', name: 'a.nerf.safetensors', isDirectory: false }], pathless: 1 });
    expect(droppedItems([fileItem('/a.nerf.safetensors'), fileItem('/b')], undefined)).toEqual({ entries: [], pathless: 2 });
  });

  it('take an item without an entry for a file', () => {
    expect(droppedItems([fileItem('/x.ingp', { noEntry: true })], desktop).entries).toEqual([{ path: '/x.ingp', name: 'x.ingp', isDirectory: false }]);
  });
});

describe('a drop', () => {
  const dropped = (...items: DroppedItem<FakeFile>[]) => droppedItems(items, desktop);

  it('on Import imports every file and folder', () => {
    expect(planDrop('import', dropped(fileItem('/a.nerf.safetensors'), fileItem('/nerfs', { directory: true })))).toEqual({ action: 'import', paths: ['/a.nerf.safetensors', '/nerfs'] });
  });

  it('on Import refuses more than one call takes', () => {
    const many = dropped(...Array.from({ length: MAX_PATHS_PER_CALL + 1 }, (_, i) => fileItem(`/n/${i}.nerf.safetensors`)));
    expect(planDrop('import', many)).toEqual({
      action: 'refuse',
      message: `Import takes at most ${MAX_PATHS_PER_CALL} files and folders at once (${MAX_PATHS_PER_CALL + 1} were dropped): drop the folder that holds them instead.`,
    });
  });

  it('on Find similar searches with one file', () => {
    expect(planDrop('similar', dropped(fileItem('/d/chair.hash-train.nerf.safetensors')))).toEqual({ action: 'similar', path: '/d/chair.hash-train.nerf.safetensors', name: 'chair.hash-train.nerf.safetensors' });
  });

  it('on Find similar refuses several items and a folder', () => {
    expect(planDrop('similar', dropped(fileItem('/a.nerf.safetensors'), fileItem('/b.nerf.safetensors')))).toEqual({ action: 'refuse', message: 'Find similar takes one NeRF file; 2 items were dropped.' });
    expect(planDrop('similar', droppedItems([fileItem('/a.nerf.safetensors'), fileItem('')], desktop))).toEqual({ action: 'refuse', message: 'Find similar takes one NeRF file; 2 items were dropped.' });
    expect(planDrop('similar', dropped(fileItem('/nerfs', { directory: true })))).toEqual({ action: 'refuse', message: 'Find similar takes one NeRF file, not a folder (nerfs).' });
  });

  it('without paths (a browser) or without files is refused, saying why', () => {
    const browser = droppedItems([fileItem('/a.nerf.safetensors')], undefined);
    for (const target of ['import', 'similar'] as const) {
      expect(planDrop(target, browser)).toEqual({ action: 'refuse', message: 'The dropped files have no path on disk that nerfdex can read: drop files from the file manager, in the desktop app.' });
      expect(planDrop(target, dropped(textItem))).toEqual({ action: 'refuse', message: 'Nothing to drop: drag NeRF files or folders from the file manager.' });
    }
  });

  it('after an import that found no NeRF files, names the formats main reads when it knows them', () => {
    const formats = [
      { name: 'native', label: 'nerfdex NeRFs', extensions: ['.nerf.safetensors', '.safetensors'] },
      { name: 'instant-ngp', label: 'instant-ngp snapshots', extensions: ['.msgpack', '.ingp'] },
      { name: 'nerfstudio', label: 'nerfstudio checkpoints', extensions: ['.ckpt'] },
    ];
    expect(noNerfFilesNotice('Import nerfs', formats)).toBe('Import nerfs: no NeRF files there. nerfdex imports nerfdex NeRFs (.nerf.safetensors, .safetensors), instant-ngp snapshots (.msgpack, .ingp) and nerfstudio checkpoints (.ckpt).');
    expect(noNerfFilesNotice('Import nerfs', formats.slice(2))).toBe('Import nerfs: no NeRF files there. nerfdex imports nerfstudio checkpoints (.ckpt).');
    expect(noNerfFilesNotice('Import nerfs', undefined)).toBe('Import nerfs: no NeRF files there.');
  });
});
