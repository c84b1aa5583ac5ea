/**
 * `nerfdex`: the library from the command line. `nerfdex --help` lists the subcommands; exit
 * codes: 0 ok, 1 runtime error (or cancelled), 2 usage error, 3 some files (or assets, for `embed`) failed.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultLibraryDir } from '../app/app-library';
import { Library } from '../library/library';
import { registeredFormats } from '../nerf/formats/registry';
import {
  type CliIo,
  type CommandContext,
  EXIT,
  UsageError,
  doctorCommand,
  dropIndexFiles,
  embedCommand,
  exportCommand,
  importCommand,
  infoCommand,
  lsCommand,
  searchCommand,
  similarCommand,
  tagCommand,
} from './nerfdex-commands';

/** The help text; its list of importable files is the format registry's, one format a line. */
const usage = (): string => `usage: nerfdex <command> [options]

commands:
  import PATH...            import NeRF files and folders (recursively) of the formats nerfdex reads:
${registeredFormats()
  .map((f) => `${' '.repeat(30)}${f.label} (${f.extensions.join(', ')})`)
  .join('\n')}
                            [--batch N]; resumes an interrupted import first
  ls                        list assets [--limit 50] [--offset 0]
  info ID                   an asset with its files, renditions and tags
  similar ID|FILE           nearest assets by shape [-k 10]; FILE is embedded, not imported
  search "text"             text search over names, captions, categories and tags [--limit 20]
  tag ID TAG...             add tags (--remove removes them)
  embed                     embed every asset with --model (a new encoder version) as a resumable job;
                            search stays on the active version until the new one covers every asset,
                            then switches to it [--batch N] [--no-activate]
  reindex                   rebuild the active model's vector index from the database
  export --csv|--json|--npy FILE
                            the catalogue as CSV or JSON, or the embeddings as .npy (+ FILE.ids.json)
  doctor                    database integrity, index, execution provider and encoder checks
  serve                     serve mode: the app and its API over HTTP on localhost, as \`npm run serve\`
                            (the renderer must be built: \`npm run build\`); prints the page URL with its
                            access token and runs until interrupted [--port 0] [--host 127.0.0.1]
                            [--renderer out/renderer]

options:
  --library DIR   the library folder (default: $NERFDEX_LIBRARY, else the app's library:
                  <user data dir>/nerfdex/library)
  --model PATH    encoder.onnx (default: resources/models/encoder.onnx)
  --device NAME   auto|cpu|cuda|dml|coreml|webgpu (default: auto)
  --json          machine-readable output on stdout
  -h, --help

exit codes: 0 ok, 1 runtime error (or cancelled), 2 usage error, 3 some files (or assets, for embed) failed`;

/** The shipped encoder's place, relative to the repository (or app resources) root. */
export const DEFAULT_MODEL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../resources/models/encoder.onnx');

const defaultIo: CliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

const COMMANDS: Record<string, (ctx: CommandContext) => number | Promise<number>> = {
  import: importCommand,
  embed: embedCommand,
  ls: lsCommand,
  info: infoCommand,
  similar: similarCommand,
  search: searchCommand,
  tag: tagCommand,
  export: exportCommand,
  doctor: doctorCommand,
};

function parse(argv: readonly string[]): { command: string | undefined; args: string[]; flags: Record<string, string | boolean | undefined> } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        npy: { type: 'boolean' },
        remove: { type: 'boolean' },
        'no-activate': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        library: { type: 'string' },
        model: { type: 'string' },
        device: { type: 'string' },
        batch: { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' },
        k: { type: 'string', short: 'k' },
        port: { type: 'string' },
        host: { type: 'string' },
        renderer: { type: 'string' },
      },
    });
    const [command, ...args] = positionals;
    return { command, args, flags: values };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Runs one command line; returns the exit code. Never exits the process. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let library: Library | undefined;
  try {
    const { command, args, flags } = parse(argv);
    if (flags['help'] || command === undefined || command === 'help') {
      (command === undefined && !flags['help'] ? io.err : io.out)(`${usage()}\n`);
      return command === undefined && !flags['help'] ? EXIT.usage : EXIT.ok;
    }
    if (command !== 'reindex' && command !== 'serve' && !COMMANDS[command]) throw new UsageError(`unknown command "${command}"`);
    const dir = path.resolve(typeof flags['library'] === 'string' ? flags['library'] : defaultLibraryDir());
    const log = { info: (m: string) => io.err(`${m}\n`), warn: (m: string) => io.err(`${m}\n`) };
    if (command === 'serve') {
      if (args.length > 0) throw new UsageError(`serve takes no arguments, got ${JSON.stringify(args[0])}`);
      const options = (['port', 'host', 'renderer'] as const).flatMap((name) => (typeof flags[name] === 'string' ? [`--${name}`, flags[name]] : []));
      // Loaded here so that the other commands do not load the server and the app library.
      const serve = await import('./serve');
      return await serve.main([...options, '--library', dir]);
    }
    if (command === 'reindex') {
      library = await Library.open(dir, { log });
      const version = library.activeModel()?.version;
      await library.close();
      if (version) await dropIndexFiles(dir, version);
      library = await Library.open(dir, { log });
      await library.indexReady();
      await library.flush();
      const status = library.indexStatus();
      const value = { modelVersion: version ?? null, count: status?.count ?? 0, graph: status?.graph ?? null };
      io.out(flags['json'] ? `${JSON.stringify(value, null, 2)}\n` : version ? `rebuilt the index of ${version}: ${value.count} embeddings (${value.graph})\n` : 'nothing to index: no model registered yet\n');
      return EXIT.ok;
    }
    library = await Library.open(dir, { log });
    const model = path.resolve(typeof flags['model'] === 'string' ? flags['model'] : DEFAULT_MODEL);
    const device = typeof flags['device'] === 'string' ? flags['device'] : 'auto';
    return await COMMANDS[command]!({ args, flags, json: flags['json'] === true, model, device, io, library });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`nerfdex: ${error.message}\nRun \`nerfdex --help\` for usage.\n`);
      return EXIT.usage;
    }
    io.err(`nerfdex: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.runtime;
  } finally {
    await library?.close();
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(path.resolve(entry)).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`nerfdex: ${String(error)}\n`);
      process.exitCode = EXIT.runtime;
    },
  );
}
