/**
 * Benchmark runner: `npm run bench -- <suite> [args...]` runs `bench/<suite>.ts`, a module that
 * exports `run(args: string[]): Promise<void>` and prints its figures. Benchmarks never pass or
 * fail on a time.
 */

import { readdirSync } from 'node:fs';

/** What every suite module exports. */
export interface BenchSuite {
  run(args: string[]): Promise<void>;
}

const benchFolder = new URL('.', import.meta.url);

/** Suite names: the modules beside this one. */
function listSuites(): string[] {
  return readdirSync(benchFolder)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && file !== 'index.ts')
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

function isBenchSuite(module: unknown): module is BenchSuite {
  return typeof module === 'object' && module !== null && typeof (module as { run?: unknown }).run === 'function';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const suites = listSuites();
  if (name === undefined || !suites.includes(name)) {
    const problem = name === undefined ? 'Name a benchmark suite.' : `Unknown benchmark suite "${name}".`;
    const available = suites.length > 0 ? suites.join(', ') : '(none yet)';
    console.error(`${problem} Available suites: ${available}\nUsage: npm run bench -- <suite> [args...]`);
    return 2;
  }
  // `name` is one of the files listed above, so the import cannot leave this folder.
  const module: unknown = await import(new URL(`${name}.ts`, benchFolder).href);
  if (!isBenchSuite(module)) {
    console.error(`bench/${name}.ts does not export run(args: string[]): Promise<void>`);
    return 2;
  }
  await module.run(args);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
