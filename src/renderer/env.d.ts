/// <reference types="vite/client" />

import type { Api, ApiEvents } from '../shared/api';

declare global {
  /** What the desktop app's preload adds beside the API contract (src/preload/index.ts). */
  interface NerfdexDesktopFiles {
    /** The path on disk of a file dropped on the page (Electron's `webUtils.getPathForFile`); '' for a file with none. */
    pathForFile(file: File): string;
  }

  interface Window {
    /** The API contract, exposed by the preload script; absent when the page runs outside the app. */
    readonly nerfdex?: Api & ApiEvents & NerfdexDesktopFiles;
  }
}

export {};
