/**
 * `npm run serve -- [--port N] [--host 127.0.0.1] [--renderer DIR] [--library DIR]`: serve mode
 * (also `nerfdex serve`, which calls `main` here).
 * Serves the built renderer and the API over HTTP (its events over a WebSocket) and prints the
 * page URL with its access token; runs until interrupted. Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiService } from '../app/api-service';
import { AppLibrary, defaultLibraryDir } from '../app/app-library';
import { startServer } from '../server/serve';
import { parseCommand } from './options';
import { runCli } from './run';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The options of serve mode (also `nerfdex serve`'s). */
export function serveCommand() {
  return {
    command: 'npm run serve --',
    summary: 'Serves the built renderer and the API over HTTP (its events over a WebSocket) and prints the page URL with its access token; runs until interrupted.',
    options: {
      port: { type: 'number', default: 0, integer: true, min: 0, max: 65535, help: 'port to listen on; 0 picks a free one' },
      host: { type: 'string', default: '127.0.0.1', value: 'ADDRESS', help: 'interface to listen on' },
      renderer: { type: 'string', default: path.join(ROOT, 'out', 'renderer'), value: 'DIR', help: 'the built renderer (built by `npm run serve`)' },
      library: { type: 'string', default: defaultLibraryDir(), value: 'DIR', help: 'the library folder ($NERFDEX_LIBRARY, else the app\'s library in the user data folder); an empty one gets the demo library on first open' },
    },
  } as const;
}

/** Serves until SIGINT or SIGTERM, then closes the server and the library; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommand(serveCommand(), argv);
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const port = values.port;
  if (!existsSync(path.join(values.renderer, 'index.html'))) {
    console.error(`no built renderer in ${values.renderer}: run \`npm run serve\`, which builds it first`);
    return 1;
  }
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const library = AppLibrary.open({ dir: path.resolve(values.library) });
  library.catch(() => undefined);
  const service = createApiService({ name: pkg.name, version: pkg.version }, { openLibrary: () => library });
  const server = await startServer({
    api: service.api,
    events: service.events,
    rendererDir: values.renderer,
    port,
    host: values.host,
  });
  console.log(`nerfdex serving on ${server.origin}, library ${path.resolve(values.library)}`);
  console.log(`open ${server.url}`);
  console.log('API calls need the header  Authorization: Bearer <token>  with the token above.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await (await library).close();
  return 0;
}

runCli(main, import.meta.url);
