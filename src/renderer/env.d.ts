/// <reference types="vite/client" />

import type { Api, ApiEvents } from '../shared/api';

declare global {
  interface Window {
    /** The API contract, exposed by the preload script; absent when the page runs outside the app. */
    readonly nerfdex?: Api & ApiEvents;
  }
}

export {};
