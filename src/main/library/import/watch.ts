/**
 * Watched folders (chokidar): files that appear or change are imported, files that disappear
 * are marked missing (their assets stay). Events are debounced and handled one flush at a time;
 * temporaries (`*.tmp-*`) and unknown extensions are ignored.
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { Library } from '../library';
import { type ImportOptions, type ImportSummary, importPaths } from './importer';
import { findNerfFiles, isNerfPath } from './scan';

export interface FolderWatchOptions extends ImportOptions {
  /** Quiet time after the last event before a flush. @default 500 */
  readonly debounceMs?: number;
  /** Poll instead of native events (network drives, tests). @default false */
  readonly usePolling?: boolean;
  /** Called after each flush that imported something. */
  readonly onImport?: (summary: ImportSummary) => void;
  /** Called after each flush that marked files missing, with their paths. */
  readonly onMissing?: (paths: readonly string[]) => void;
}

export class FolderWatcher {
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly library: Library,
    readonly folders: readonly string[],
    private readonly options: FolderWatchOptions,
    private readonly watcher: FSWatcher,
  ) {}

  /**
   * Records the folders as watched, brings the library in step with them (imports what is new or
   * changed, marks what is gone), then follows their changes until `close()`.
   */
  static async start(library: Library, folders: readonly string[], options: FolderWatchOptions): Promise<FolderWatcher> {
    const absolute = folders.map((f) => path.resolve(f));
    for (const f of absolute) if (!library.watchedFolders().some((w) => w.path === f)) library.addWatchedFolder(f, true);
    const watcher = watch([...absolute], {
      ignoreInitial: true,
      usePolling: options.usePolling ?? false,
      interval: 100,
      ignored: (p: string, stats?: Stats) => stats?.isFile() === true && !isNerfPath(p),
      awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    });
    const self = new FolderWatcher(library, absolute, options, watcher);
    watcher.on('add', (p) => self.queue(p, 'add'));
    watcher.on('change', (p) => self.queue(p, 'add'));
    watcher.on('unlink', (p) => self.queue(p, 'unlink'));
    watcher.on('error', (e) => (options.log ?? console).warn(`watch: ${(e as Error).message}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    await self.sync();
    return self;
  }

  /** Settles when every event seen so far has been handled. */
  async idle(): Promise<void> {
    await this.running;
    while (this.timer || this.added.size > 0 || this.removed.size > 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.running = this.running.then(() => this.flush());
      await this.running;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.watcher.close();
    await this.running;
  }

  /** A full comparison of the folders with the catalogue. */
  private async sync(): Promise<void> {
    const onDisk = new Set(await findNerfFiles(this.folders));
    for (const folder of this.folders) {
      for (const f of this.library.filesUnder(folder)) if (f.status === 'present' && !onDisk.has(f.path)) this.removed.add(f.path);
      this.library.markFolderScanned(folder);
    }
    for (const f of onDisk) this.added.add(f);
    this.running = this.running.then(() => this.flush());
    await this.running;
  }

  private queue(filePath: string, event: 'add' | 'unlink'): void {
    if (this.closed || !isNerfPath(filePath)) return;
    const p = path.resolve(filePath);
    if (event === 'add') {
      this.removed.delete(p);
      this.added.add(p);
    } else {
      this.added.delete(p);
      this.removed.add(p);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.flush());
    }, this.options.debounceMs ?? 500);
  }

  private async flush(): Promise<void> {
    const removed = [...this.removed];
    const added = [...this.added];
    this.removed.clear();
    this.added.clear();
    const log = this.options.log ?? console;
    try {
      if (removed.length > 0) {
        this.library.markFilesMissing(removed);
        this.options.onMissing?.(removed);
      }
      if (added.length > 0 && !this.closed) {
        const summary = await importPaths(this.library, added, this.options);
        this.options.onImport?.(summary);
      }
    } catch (error) {
      log.warn(`watch: ${(error as Error).message}`);
    }
  }
}
