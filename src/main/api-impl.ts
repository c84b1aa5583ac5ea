/** The main-process implementation of the API contract. */

import type { Api, AppInfo } from '../shared/api';
import type { ProviderChoice } from '../shared/compute';
import { AppLibrary, type AppLibraryOptions } from './app/app-library';
import { createLibraryApi } from './app/library-api';
import { createModelApi } from './app/model-api';
import { chooseProvider } from './compute/providers';

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
}

/** The API with what the process needs at shutdown. */
export interface ApiService {
  readonly api: Api;
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
  const open = (): Promise<AppLibrary> => {
    if (closed) return Promise.reject(new Error('the library is closed: nerfdex is quitting'));
    if (opened === undefined) {
      opened = openLibrary();
      // A failed open is retried by the next call rather than remembered.
      opened.catch(() => (opened = undefined));
    }
    return opened;
  };
  const api: Api = {
    appInfo(): Promise<AppInfo> {
      return Promise.resolve({
        name: identity.name,
        version: identity.version,
        electron: process.versions['electron'] ?? 'none',
        chrome: process.versions['chrome'] ?? 'none',
        node: process.versions.node,
        platform: process.platform,
      });
    },

    // chooseProvider caches its answer for the life of the process.
    computeInfo(): Promise<ProviderChoice> {
      return chooseProvider('auto');
    },

    ...createLibraryApi(open),
    ...createModelApi(open),
  };
  return {
    api,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const library = await opened?.catch(() => undefined);
      await library?.close();
    },
  };
}
