/**
 * What one import costs in file system calls and parses: the import job (run here in-process, as
 * a worker runs it) reads an instant-ngp snapshot once and parses it once, and takes its density
 * grid from that parse.
 */
import { writeFileSync } from 'node:fs';
import type * as fsPromises from 'node:fs/promises';
import type * as msgpackModule from '@msgpack/msgpack';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { importBatchJob } from '../../src/main/library/import/import-job';
import type { ProviderChoice } from '../../src/shared/compute';
import { encodeIngp, makeIngpFixture } from '../nerf/fixtures-ingp';
import { tempDir } from './helpers';

const calls = vi.hoisted(() => ({ reads: new Map<string, number>(), stats: new Map<string, number>(), parses: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof fsPromises>();
  const count = (map: Map<string, number>, file: unknown): void => void map.set(String(file), (map.get(String(file)) ?? 0) + 1);
  const counted = {
    readFile: ((file: Parameters<typeof fs.readFile>[0], ...rest: unknown[]) => {
      count(calls.reads, file);
      return (fs.readFile as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.readFile,
    open: ((file: Parameters<typeof fs.open>[0], ...rest: unknown[]) => {
      count(calls.reads, file);
      return (fs.open as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.open,
    stat: ((file: Parameters<typeof fs.stat>[0], ...rest: unknown[]) => {
      count(calls.stats, file);
      return (fs.stat as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.stat,
  };
  return { ...fs, ...counted, default: { ...fs, ...counted } };
});

vi.mock('@msgpack/msgpack', async (importOriginal) => {
  const msgpack = await importOriginal<typeof msgpackModule>();
  return {
    ...msgpack,
    decode: (...args: Parameters<typeof msgpack.decode>) => {
      calls.parses++;
      return msgpack.decode(...args);
    },
  };
});

const root = tempDir('nerfdex-import-reads-');
const sessions = new SessionCache();
let provider: ProviderChoice;

beforeAll(async () => {
  provider = await chooseProvider('cpu');
});

afterAll(async () => {
  await sessions.dispose();
});

describe('an instant-ngp import', () => {
  it('stats, reads and parses the snapshot once (its density grid comes from that parse)', async () => {
    const file = join(root, 'snapshot.ingp');
    writeFileSync(file, encodeIngp(makeIngpFixture({ seed: 21, perLevelScale: 2 }).document, 'gzip'));
    calls.reads.clear();
    calls.stats.clear();
    calls.parses = 0;
    const output = await importBatchJob(
      { files: [file], provider, cacheDir: join(root, 'cache'), thumbnailSize: 16, previewResolution: 8 },
      { progress: () => undefined, cancelled: false, throwIfCancelled: () => undefined, sessions },
    );
    expect(output.results[0]).toMatchObject({ ok: true, format: 'instant-ngp' });
    const figures = { reads: calls.reads.get(file) ?? 0, stats: calls.stats.get(file) ?? 0, parses: calls.parses };
    console.log(`per instant-ngp import: ${figures.reads} read(s), ${figures.stats} stat(s), ${figures.parses} parse(s) of the snapshot`);
    expect(figures).toEqual({ reads: 1, stats: 1, parses: 1 });
  });
});
