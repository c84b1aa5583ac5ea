/**
 * `nerfdex serve`: serve mode from the nerfdex command line, in its own process as a user starts
 * it: it prints the page URL with its token, answers API calls that carry the token, and stops
 * cleanly on SIGINT and SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/nerfdex';
import { Library } from '../../src/main/library/library';
import { tempDir } from '../library/helpers';

const NERFDEX = join(import.meta.dirname, '../../src/main/cli/nerfdex.ts');
const quiet = { info: () => undefined, warn: () => undefined };
const root = tempDir('nerfdex-cli-serve-');
const libraryDir = join(root, 'library');
const rendererDir = join(root, 'renderer');
const children: ChildProcess[] = [];

beforeAll(async () => {
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>nerfdex</title>');
  // An empty library that has had its first-run demo import, so serving it starts no import job.
  const library = await Library.open(libraryDir, { log: quiet });
  library.setSetting('app.demoImported', true);
  await library.close();
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** Starts `nerfdex --library DIR serve ...` and resolves with the page URL once it is printed. */
function startServe(): Promise<{ child: ChildProcess; url: URL; exited: Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', NERFDEX, '--library', libraryDir, 'serve', '--port', '0', '--renderer', rendererDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<URL>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /^open (http:\/\/\S+)$/m.exec(output);
      if (match) resolve(new URL(match[1]!));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`nerfdex serve exited with ${code} before printing its URL:\n${output}`)));
  });
  return url.then((u) => ({ child, url: u, exited, output: () => output }));
}

function call(url: URL, method: string, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  return fetch(`${url.origin}/api/${method}`, { method: 'POST', headers, body: '[]' });
}

describe('nerfdex serve', () => {
  it('is listed in --help, and refuses arguments', async () => {
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^ {2}serve {2,}serve mode/m);
    expect(help.out).toContain('[--port 0] [--host 127.0.0.1]');
    const extra = await run('--library', libraryDir, 'serve', 'extra');
    expect(extra.code).toBe(2);
    expect(extra.err).toContain('serve takes no arguments, got "extra"');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints the URL with its token, answers calls with the token, and stops on ${signal}`, async () => {
      const { child, url, exited, output } = await startServe();
      expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const token = url.searchParams.get('token');
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      expect(output()).toContain(`nerfdex serving on ${url.origin}, library ${libraryDir}`);

      const answer = await call(url, 'appInfo', token);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ result: { name: 'nerfdex' } });
      const summary = await call(url, 'librarySummary', token);
      expect(summary.status).toBe(200);
      expect((await call(url, 'appInfo', null)).status).toBe(401);
      expect((await fetch(url)).status).toBe(200);

      child.kill(signal);
      expect(await exited).toBe(0);
      await expect(fetch(`${url.origin}/`)).rejects.toThrow();
    }, 120_000);
  }
});
