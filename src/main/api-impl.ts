/** The main-process implementation of the API contract. */

import type { Api, AppInfo } from '../shared/api';
import type { ProviderChoice } from '../shared/compute';
import { chooseProvider } from './compute/providers';

/** What only Electron's `app` knows: the app's own name and version. */
export interface AppIdentity {
  readonly name: string;
  readonly version: string;
}

/** Builds the object that answers every API call. */
export function createApi(identity: AppIdentity): Api {
  return {
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
  };
}
