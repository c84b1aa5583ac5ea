/** The main-process implementation of the API contract. */

import type { Api, ApiEvents, AppInfo } from '../../shared/api';
import type { ProviderChoice } from '../../shared/compute';
import type { ImportableFormat } from '../../shared/formats';
import { ApiEventHub, forwardJobEvents } from './app-events';
import { AppLibrary, type AppLibraryOptions } from './app-library';
import { createLibraryApi } from './library-api';
import { createModelApi } from './model-api';
import { createRevealFile, type RevealPath } from './reveal-file';
import { chooseProvider } from '../compute/providers';
import { registeredFormats } from '../nerf/formats/registry';

/** How often main checks whether an encoder or text model was installed while it runs. */
const MODEL_WATCH_MS = 5000;

/** What only Electron's `app` knows: the app's own name and version. */
export interface AppIdentity {
  readonly name: string;
  readonly version: string;
}

export interface ApiOptions {
  /**
   * Opens the library the API answers from; called once, on the first call that needs it.
   * @default AppLibrary.open(library)
   */
  readonly openLibrary?: () => Promise<AppLibrary>;
  /** Where the default library lives and what it imports on first run. @default AppLibrary's defaults */
  readonly library?: AppLibraryOptions;
  /**
   * Shows a file in the system's file manager; the desktop app passes Electron's
   * `shell.showItemInFolder`. @default none: `revealFile` rejects, as in serve mode
   */
  readonly revealPath?: RevealPath;
}

/** The API with what the process needs at shutdown. */
export interface ApiService {
  readonly api: Api;
  /** Job progress and library changes, for the transports to push to the renderer. */
  readonly events: ApiEvents;
  /**
   * Closes the library if it was opened: running jobs stop after their current batch and stay
   * queued for the next start (`AppLibrary.close`). Calls made afterwards reject.
   */
  close(): Promise<void>;
}

/** Builds the object that answers every API call. The library opens on first use. */
export function createApi(identity: AppIdentity, options: ApiOptions = {}): Api {
  return createApiService(identity, options).api;
}

/** `createApi`, and a way to close the library it opened. */
export function createApiService(identity: AppIdentity, options: ApiOptions = {}): ApiService {
  const openLibrary = options.openLibrary ?? (() => AppLibrary.open(options.library));
  let opened: Promise<AppLibrary> | undefined;
  let closed = false;
  const events = new ApiEventHub();
  let stopForwarding: (() => void) | undefined;
  let modelWatch: ReturnType<typeof setInterval> | undefined;
  const open = (): Promise<AppLibrary> => {
    if (closed) return Promise.reject(new Error('the library is closed: nerfdex is quitting'));
    if (opened === undefined) {
      opened = openLibrary().then((app) => {
        if (stopForwarding === undefined) {
          const imports = forwardJobEvents(app.jobs, events);
          const fineTunes = forwardJobEvents(app.fineTunes, events);
          stopForwarding = () => {
            imports();
            fineTunes();
          };
        }
        // With events nothing polls the API, so main looks for a newly installed model itself.
        modelWatch ??= setInterval(() => {
          app.embedWhenEncoderAppears();
          void app.useTextModelWhenPresent();
        }, MODEL_WATCH_MS);
        modelWatch.unref();
        return app;
      });
      // A failed open is retried by the next call rather than remembered.
      opened.catch(() => (opened = undefined));
    }
    return opened;
  };
  const library = createLibraryApi(open);
  const api: Api = {
    appInfo(): Promise<AppInfo> {
      return Promise.resolve({
        name: identity.name,
        version: identity.version,
        electron: process.versions['electron'] ?? 'none',
        chrome: process.versions['chrome'] ?? 'none',
        node: process.versions.node,
        platform: process.platform,
        canRevealFiles: options.revealPath !== undefined,
      });
    },

    // chooseProvider caches its answer for the life of the process.
    computeInfo(): Promise<ProviderChoice> {
      return chooseProvider('auto');
    },

    importFormats(): Promise<ImportableFormat[]> {
      return Promise.resolve(registeredFormats().map(({ name, label, extensions }) => ({ name, label, extensions: [...extensions] })));
    },

    ...library,
    ...createModelApi(open),
    revealFile: createRevealFile(open, options.revealPath),
    // Writes through the API tell every other view (and client) that the library changed.
    setTags: (...args) => library.setTags(...args).then(tap(() => events.emit({ type: 'library', change: 'tags' }))),
    createCollection: (...args) => library.createCollection(...args).then(tap(() => events.emit({ type: 'library', change: 'collections' }))),
    addToCollection: (...args) => library.addToCollection(...args).then(tap(() => events.emit({ type: 'library', change: 'collections' }))),
  };
  return {
    api,
    events,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      stopForwarding?.();
      clearInterval(modelWatch);
      const library = await opened?.catch(() => undefined);
      await library?.close();
    },
  };
}

/** Runs `effect` and passes the value on. */
function tap<T>(effect: () => void): (value: T) => T {
  return (value) => {
    effect();
    return value;
  };
}
