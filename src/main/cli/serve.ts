/**
 * `npm run serve -- [--port N] [--host 127.0.0.1] [--renderer DIR] [--library DIR]`: serve mode
 * (also `nerfdex serve`, which calls `main` here).
 * Serves the built renderer and the API over HTTP (its events over a WebSocket) and prints the
 * page URL with its access token; runs until interrupted. Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createApiService } from '../app/api-service';
import { AppLibrary, defaultLibraryDir } from '../app/app-library';
import { startServer } from '../server/serve';
import { runCli } from './run';

const USAGE = `usage: npm run serve -- [options]

options:
  --port N         port to listen on; 0 picks a free one (default: 0)
  --host ADDRESS   interface to listen on (default: 127.0.0.1)
  --renderer DIR   the built renderer (default: out/renderer, built by \`npm run serve\`)
  --library DIR    the library folder (default: $NERFDEX_LIBRARY, else the app's library in the
                   user data folder); an empty one gets the demo library on first open
  -h, --help`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Serves until SIGINT or SIGTERM, then closes the server and the library; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        renderer: { type: 'string', default: path.join(ROOT, 'out', 'renderer') },
        library: { type: 'string', default: defaultLibraryDir() },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}\n\n${USAGE}`);
    return 2;
  }
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

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(path.resolve(entry)).href) runCli(main);
