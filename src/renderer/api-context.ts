/** The API and its events as the components reach them: provided once by App.vue, injected where needed. */

import { inject, type InjectionKey } from 'vue';
import type { Api } from '../shared/api';
import type { EventChannel } from './api-events';

export const API_KEY: InjectionKey<Api> = Symbol('nerfdex api');
export const EVENTS_KEY: InjectionKey<EventChannel> = Symbol('nerfdex events');

export function useApi(): Api {
  const api = inject(API_KEY);
  if (api === undefined) throw new Error('useApi: no API provided (App.vue provides it once connected)');
  return api;
}

export function useEvents(): EventChannel {
  const events = inject(EVENTS_KEY);
  if (events === undefined) throw new Error('useEvents: no event channel provided (App.vue provides it once connected)');
  return events;
}

/** A rejected call's message, without the wrapping Electron adds to errors thrown in main. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}

/** base64 as bytes. */
export function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Offers bytes to the user as a download. */
export function saveBytes(bytes: Uint8Array<ArrayBuffer>, fileName: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
