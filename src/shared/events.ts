/**
 * The check of pushed events (`ApiEvent` in `api.ts`) where they arrive: the preload script for
 * IPC events, the renderer for WebSocket messages. An event that fails it is dropped, never
 * handed to a view.
 */

import {
  arrayArgument,
  idArgument,
  integerArgument,
  LIBRARY_CHANGES,
  objectArgument,
  oneOfArgument,
  stringArgument,
  type ApiEvent,
  type ArgumentCheck,
  type JobFileError,
  type JobInfo,
  type JobStateName,
} from './api';

/** Every job state; the record's type makes the compiler insist on each `JobStateName`. */
const JOB_STATE_SET: Readonly<Record<JobStateName, true>> = { queued: true, running: true, done: true, failed: true, cancelled: true };
export const JOB_STATES = Object.freeze(Object.keys(JOB_STATE_SET) as JobStateName[]);

/** `check`, or null. */
function nullable<T>(check: ArgumentCheck<T>): ArgumentCheck<T | null> {
  return {
    expected: `${check.expected}, or null`,
    test: (value): value is T | null => value === null || check.test(value),
    explain: (value) => (check.explain ? check.explain(value) : `must be ${check.expected}, or null`),
  };
}

const MAX_TEXT = 4096;
const count = integerArgument(0, Number.MAX_SAFE_INTEGER);
const time = integerArgument(0, Number.MAX_SAFE_INTEGER);

const jobFileError = objectArgument<JobFileError>({
  path: stringArgument(MAX_TEXT),
  errorClass: stringArgument(200),
  reason: stringArgument(MAX_TEXT),
});

const jobInfo = objectArgument<JobInfo>({
  id: idArgument,
  kind: stringArgument(200, 1),
  label: stringArgument(MAX_TEXT),
  state: oneOfArgument(JOB_STATES),
  done: count,
  total: nullable(count),
  imported: count,
  failed: count,
  stage: nullable(stringArgument(200)),
  currentFile: nullable(stringArgument(MAX_TEXT)),
  etaSeconds: nullable(count),
  createdAt: time,
  updatedAt: time,
  error: nullable(stringArgument(MAX_TEXT)),
  errors: arrayArgument(jobFileError, 1000),
});

const jobEvent = objectArgument<{ type: 'job'; job: JobInfo }>({ type: oneOfArgument(['job'] as const), job: jobInfo });
const libraryEvent = objectArgument<Extract<ApiEvent, { type: 'library' }>>({ type: oneOfArgument(['library'] as const), change: oneOfArgument(LIBRARY_CHANGES) });

/**
 * Checks one pushed event and returns it typed, or throws a `TypeError` that quotes what was
 * wrong. Unknown fields and unknown types are refused.
 */
export function validateEvent(value: unknown): ApiEvent {
  const type = value !== null && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  const check = type === 'job' ? jobEvent : type === 'library' ? libraryEvent : undefined;
  if (check === undefined) {
    throw new TypeError(`event: field "type" must be "job" or "library", got ${JSON.stringify(type)?.slice(0, 64) ?? String(type)}`);
  }
  if (!check.test(value)) throw new TypeError(`event (${type}) ${check.explain?.(value) ?? `must be ${check.expected}`}`);
  return value as ApiEvent;
}
