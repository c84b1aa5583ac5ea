#!/usr/bin/env node
/**
 * Keeps the native addons built for the runtime about to load them.
 *
 *   node scripts/native-abi.mjs node       before tests, benchmarks and the CLI (plain Node)
 *   node scripts/native-abi.mjs electron   before the desktop app (Electron's ABI)
 *
 * A build for one runtime cannot be loaded by the other, and there is one build folder per addon,
 * so the last build wins. Each build is stamped in node_modules/.nerfdex-abi/<addon>.json with the
 * runtime, ABI and the hash of the binary it produced; the addon is rebuilt only when the stamp
 * does not describe the binary on disk for the wanted runtime. N-API addons (onnxruntime-node)
 * load in both runtimes and need no entry here.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFolder = join(root, 'node_modules', '.nerfdex-abi');
const require = createRequire(join(root, 'package.json'));

/** Addons built against one runtime's ABI, with the binary each build produces. */
const ADDONS = [{ name: 'better-sqlite3', binary: 'build/Release/better_sqlite3.node' }];

function nodeTarget() {
  return { runtime: 'node', version: process.versions.node, abi: process.versions.modules };
}

function electronTarget() {
  const folder = dirname(require.resolve('electron/package.json'));
  const version = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version;
  const abiFile = join(folder, 'abi_version');
  const abi = existsSync(abiFile)
    ? readFileSync(abiFile, 'utf8').trim()
    : require('node-abi').getAbi(version, 'electron');
  return { runtime: 'electron', version, abi };
}

function binaryPath(addon) {
  return join(dirname(require.resolve(`${addon.name}/package.json`)), addon.binary);
}

function hashOf(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function readStamp(addon) {
  try {
    return JSON.parse(readFileSync(join(stampFolder, `${addon.name}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

function writeStamp(addon, target) {
  mkdirSync(stampFolder, { recursive: true });
  const stamp = { ...target, platform: process.platform, arch: process.arch, sha256: hashOf(binaryPath(addon)) };
  writeFileSync(join(stampFolder, `${addon.name}.json`), `${JSON.stringify(stamp, null, 2)}\n`);
}

/** Whether the stamp says the binary on disk was built for `target`. */
function stampMatches(addon, target) {
  const stamp = readStamp(addon);
  const file = binaryPath(addon);
  return (
    stamp !== undefined &&
    existsSync(file) &&
    stamp.runtime === target.runtime &&
    stamp.abi === target.abi &&
    stamp.platform === process.platform &&
    stamp.arch === process.arch &&
    stamp.sha256 === hashOf(file)
  );
}

/** Whether this Node can load the binary; tried in a child so a bad binary cannot take us down. */
function loadsInNode(addon) {
  const file = binaryPath(addon);
  if (!existsSync(file)) {
    return false;
  }
  const probe = spawnSync(process.execPath, ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', file], {
    stdio: 'ignore',
  });
  return probe.status === 0;
}

function run(command, args, { env = process.env, shell = false } = {}) {
  const result = spawnSync(command, args, { cwd: root, env, shell, stdio: 'inherit' });
  if (result.error !== undefined || result.status !== 0) {
    const why = result.error?.message ?? `exit code ${result.status}`;
    throw new Error(`${[command, ...args].join(' ')} failed (${why})`);
  }
}

/** npm itself: the one running this script when there is one, else the `npm` on the PATH. */
function runNpm(args) {
  const npmCli = process.env.npm_execpath;
  if (npmCli !== undefined && /\.[cm]?js$/.test(npmCli)) {
    run(process.execPath, [npmCli, ...args]);
  } else {
    // npm is a .cmd script on Windows, which only a shell can start.
    run('npm', args, { shell: process.platform === 'win32' });
  }
}

function rebuildForNode(addon) {
  runNpm(['rebuild', addon.name]);
  if (!loadsInNode(addon)) {
    throw new Error(`${addon.name} was rebuilt but Node ${process.versions.node} still cannot load it`);
  }
}

function rebuildForElectron(addon) {
  // The package exports only its API; the CLI sits beside it.
  const cli = join(dirname(require.resolve('@electron/rebuild')), 'cli.js');
  // A nodedir in the npm config (e.g. system Node headers) would make node-gyp build against
  // Node's headers instead of Electron's.
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_nodedir$/i.test(key)) {
      delete env[key];
    }
  }
  run(process.execPath, [cli, '-f', '-o', addon.name], { env });
}

function describe(target) {
  return `${target.runtime} ${target.version} (ABI ${target.abi})`;
}

function whyRebuild(addon, target) {
  const stamp = readStamp(addon);
  if (!existsSync(binaryPath(addon))) {
    return 'there is no build';
  }
  if (stamp === undefined) {
    return 'no record of the runtime the current build is for';
  }
  if (stamp.runtime !== target.runtime || stamp.abi !== target.abi) {
    return `the current build is for ${describe(stamp)}`;
  }
  return 'the build changed since it was recorded';
}

function main(argv) {
  const wanted = argv[0];
  if (argv.length !== 1 || (wanted !== 'node' && wanted !== 'electron')) {
    console.error('usage: node scripts/native-abi.mjs node|electron');
    return 2;
  }
  const target = wanted === 'node' ? nodeTarget() : electronTarget();
  for (const addon of ADDONS) {
    if (stampMatches(addon, target)) {
      continue;
    }
    // A fresh install builds for Node and leaves no stamp; a binary Node can load needs no rebuild.
    if (wanted === 'node' && loadsInNode(addon)) {
      writeStamp(addon, target);
      continue;
    }
    console.log(`native-abi: rebuilding ${addon.name} for ${describe(target)}: ${whyRebuild(addon, target)}.`);
    console.log('native-abi: this can take a minute.');
    if (wanted === 'node') {
      rebuildForNode(addon);
    } else {
      rebuildForElectron(addon);
    }
    writeStamp(addon, target);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`native-abi: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
