import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../src/shared/api';
import { validateEvent } from '../../src/shared/events';

const JOB: JobInfo = {
  id: 3,
  kind: 'library.import',
  label: 'Import 2 files',
  state: 'running',
  done: 1,
  total: 2,
  imported: 1,
  failed: 0,
  stage: 'thumbnail',
  currentFile: '/data/a.nerf.safetensors',
  etaSeconds: 4,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_500,
  error: null,
  errors: [{ path: '/data/b.nerf.safetensors', errorClass: 'UnknownFormatError', reason: 'not a NeRF file' }],
};

describe('validateEvent', () => {
  it('passes job and library events through unchanged', () => {
    expect(validateEvent({ type: 'job', job: JOB })).toEqual({ type: 'job', job: JOB });
    expect(validateEvent({ type: 'job', job: { ...JOB, total: null, stage: null, etaSeconds: null, errors: [] } }).type).toBe('job');
    for (const change of ['assets', 'tags', 'collections'] as const) {
      expect(validateEvent({ type: 'library', change })).toEqual({ type: 'library', change });
    }
  });

  it.each([
    [null, 'event: field "type" must be "job" or "library", got undefined'],
    [{ type: 'shutdown' }, 'event: field "type" must be "job" or "library", got "shutdown"'],
    [{ type: 'library', change: 'everything' }, 'event (library) field "change" must be one of "assets", "tags", "collections", got "everything"'],
    [{ type: 'library', change: 'tags', extra: 1 }, 'event (library) has the unknown field "extra"'],
    [{ type: 'job' }, 'event (job) lacks the field "job"'],
    [{ type: 'job', job: { ...JOB, state: 'paused' } }, 'event (job) field "job" field "state" must be one of "queued", "running", "done", "failed", "cancelled", got "paused"'],
    [{ type: 'job', job: { ...JOB, done: -1 } }, 'event (job) field "job" field "done" must be an integer from 0'],
    [{ type: 'job', job: { ...JOB, errors: [{ path: 1 }] } }, 'event (job) field "job" field "errors" item 1 field "path" must be a string'],
  ])('refuses %j with a TypeError that says why', (value, message) => {
    expect(() => validateEvent(value)).toThrow(TypeError);
    expect(() => validateEvent(value)).toThrow(message);
  });
});
