/**
 * The library's watched folders while the app runs: a folder added in the settings is imported
 * as a job (progress and cancel in the jobs panel), then followed by a `FolderWatcher`; a folder
 * removed stops being followed (its assets stay). Folders watched before are followed again at
 * every open.
 */

import { statSync } from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../library/errors';
import { FolderWatcher } from '../library/import/watch';
import type { AppLibrary } from './app-library';

export class WatchedFolders {
  private readonly watchers = new Map<string, Promise<FolderWatcher | undefined>>();
  private closed = false;

  constructor(private readonly app: AppLibrary) {}

  /** The folders the library records as watched. */
  list(): string[] {
    return this.app.library.watchedFolders().map((f) => f.path);
  }

  /** Follows every folder the library records as watched (at open). */
  resume(): void {
    for (const folder of this.list()) this.follow(folder);
  }

  /**
   * Watches `folder` (an existing directory, absolute): imports what it holds as a job, then
   * follows it. `InvalidRequestError` (a `RangeError`) for a relative path or one that is not a directory.
   */
  async add(folder: string): Promise<void> {
    if (!path.isAbsolute(folder)) throw new InvalidRequestError(`a watched folder must be an absolute path, got ${JSON.stringify(folder)}`);
    const clean = path.resolve(folder);
    let isDirectory = false;
    try {
      isDirectory = statSync(clean).isDirectory();
    } catch {
      // Reported below.
    }
    if (!isDirectory) throw new InvalidRequestError(`${JSON.stringify(clean)} is not a folder on this machine`);
    if (this.list().includes(clean)) return;
    this.app.library.addWatchedFolder(clean, true);
    const job = await this.app.jobs.start([clean], `Import watched folder ${path.basename(clean)}`);
    // Following starts once the first import has run, so the two do not import the same files at once.
    void this.app.jobs.whenStopped(job.id).then(() => {
      if (this.list().includes(clean)) this.follow(clean);
    });
  }

  /** Stops watching `folder`; `RangeError` when it is not watched. */
  async remove(folder: string): Promise<void> {
    const clean = path.resolve(folder);
    if (!this.list().includes(clean)) throw new RangeError(`${JSON.stringify(clean)} is not a watched folder`);
    this.app.library.removeWatchedFolder(clean);
    const watcher = this.watchers.get(clean);
    this.watchers.delete(clean);
    await (await watcher)?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map(async (w) => (await w)?.close()));
  }

  private follow(folder: string): void {
    if (this.closed || this.watchers.has(folder)) return;
    const { app } = this;
    const watcher = FolderWatcher.start(app.library, [folder], {
      pool: app.pool,
      provider: app.provider,
      ...(app.encoderInstalled() ? { encoderPath: app.encoderPath } : {}),
      log: { info: () => undefined, warn: (message: string) => console.warn(message) },
    }).catch((error: unknown) => {
      console.warn(`cannot watch ${folder}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    this.watchers.set(folder, watcher);
    // A folder removed (or the app closed) while its watcher was starting stops as soon as it has.
    void watcher.then((w) => {
      if (this.closed || this.watchers.get(folder) !== watcher) void w?.close();
    });
  }
}
