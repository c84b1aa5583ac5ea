/**
 * `npm run bench -- import [--files 60] [--ingp 3] [--ingp-log2 19] [--nerfacto 2] [--nerfacto-log2 19] [--batch 8] [--workers 2] [--model encoder.onnx]`
 *
 * Import throughput of the real pipeline (`importPaths`: worker pool, sniff + parse + validate +
 * sha256, 128 px thumbnail, 64^3 preview, embedding, one transaction per batch), each run into a
 * fresh library so no rendition is reused:
 *
 * - native files: `--files` distinct demo NeRFs (copies of resources/demo, a third per family);
 * - instant-ngp snapshots (`--ingp`, 0 for none): fp16 gzip `.ingp` files in the real layout,
 *   16 levels x 2^`ingp-log2` entries (2^19: instant-ngp's default, ~24 MB each) with random
 *   weights; their graphs exceed MAX_DIRECT_EDGES, so embedding them includes distillation.
 * - nerfstudio checkpoints (`--nerfacto`, 0 for none): torch.save `.ckpt` files of nerfacto's
 *   field in the real layout, 16 levels x 2^`nerfacto-log2` entries x 2 features fp32 (2^19:
 *   nerfacto's default, ~64 MB each), hidden widths 64, a 32-d appearance embedding, torch and
 *   tiny-cuda-nn implementations alternating, with config.yml; embedding includes distillation.
 *
 * Each set is imported without an encoder (catalogue and renditions only) and with one, printing
 * files/s, MB/s and each stage's share of the workers' time. The encoder is `--model`, else
 * resources/models/encoder.onnx, else an untrained one of the default size (same cost).
 * Never passes or fails on a time.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initialParams } from '../src/main/compute/init';
import { chooseProvider } from '../src/main/compute/providers';
import { JobPool } from '../src/main/app/job-pool';
import { writeEncoder } from '../src/main/gmn/embedder';
import { DEFAULT_ENCODER } from '../src/main/gmn/encoder';
import { DEFAULT_VALUE_NORMALIZATION } from '../src/main/gmn/normalize';
import { encoderModel } from '../src/main/gmn/train-graph';
import { IMPORT_STAGES } from '../src/main/library/import/import-job';
import { type ImportSummary, importPaths, readEncoderInfo } from '../src/main/library/import/importer';
import { Library } from '../src/main/library/library';
import { encodeIngp, makeIngpFixture } from '../tests/nerf/fixtures-ingp';
import { makeNerfactoFixture } from '../tests/nerf/fixtures-nerfstudio';
import { numberOption } from './timing';

const DEMO = resolve(import.meta.dirname, '../resources/demo');
const SHIPPED_ENCODER = resolve(import.meta.dirname, '../resources/models/encoder.onnx');
const silent = { info: () => undefined, warn: () => undefined };

function stringOption(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `count` distinct demo files, families interleaved, copied into `dir`. */
function nativeFiles(dir: string, count: number): string[] {
  const names = readdirSync(DEMO)
    .filter((n) => n.endsWith('.nerf.safetensors'))
    .sort();
  if (count > names.length) throw new RangeError(`--files: the demo library has ${names.length} distinct NeRFs, asked for ${count}`);
  mkdirSync(dir, { recursive: true });
  return names.slice(0, count).map((name) => {
    copyFileSync(join(DEMO, name), join(dir, name));
    return join(dir, name);
  });
}

/** `count` instant-ngp snapshots (fp16, gzip, 16 levels x 2^log2 entries, random weights) in `dir`. */
function ingpFiles(dir: string, count: number, log2TableSize: number): string[] {
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const fixture = makeIngpFixture({ seed: 100 + i, levels: 16, log2TableSize, baseResolution: 16, featuresPerLevel: 2, neurons: 64, densityHidden: 1, rgbHidden: 2 });
    const file = join(dir, `snapshot-${i}.ingp`);
    writeFileSync(file, encodeIngp(fixture.document, 'gzip'));
    return file;
  });
}

/** `count` nerfstudio run folders (config.yml + nerfstudio_models/step-000030000.ckpt) in `dir`; the checkpoints' paths. */
function nerfactoFiles(dir: string, count: number, log2TableSize: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const implementation = i % 2 === 0 ? 'torch' : 'tcnn';
    const fixture = makeNerfactoFixture({ seed: 200 + i, implementation, levels: 16, log2TableSize, baseResolution: 16, maxResolution: 2048, hidden: 64, hiddenColor: 64, appearanceDim: 32, images: 100, averageInitDensity: 0.01, tableScale: 0.5 });
    const models = join(dir, `scene-${i}`, 'nerfacto', '2024-05-01_120000', 'nerfstudio_models');
    mkdirSync(models, { recursive: true });
    writeFileSync(join(models, '..', 'config.yml'), fixture.configYaml);
    const file = join(models, 'step-000030000.ckpt');
    writeFileSync(file, fixture.checkpoint({ name: 'step-000030000' }));
    return file;
  });
}

async function encoderFor(args: readonly string[], scratch: string): Promise<{ path: string; label: string }> {
  const given = stringOption(args, 'model');
  if (given) return { path: resolve(given), label: `${(await readEncoderInfo(resolve(given))).version} (${given})` };
  if (existsSync(SHIPPED_ENCODER)) return { path: SHIPPED_ENCODER, label: `${(await readEncoderInfo(SHIPPED_ENCODER)).version} (resources/models)` };
  const file = join(scratch, 'encoder.onnx');
  const info = await writeEncoder(file, initialParams(encoderModel(DEFAULT_ENCODER).graph, 0), { encoder: DEFAULT_ENCODER, normalization: DEFAULT_VALUE_NORMALIZATION, command: 'bench' });
  return { path: file, label: `${info.version} (untrained, default size ${JSON.stringify(DEFAULT_ENCODER)})` };
}

interface Measured {
  readonly set: string;
  readonly encoder: boolean;
  readonly files: number;
  readonly megabytes: number;
  readonly seconds: number;
  readonly summary: ImportSummary;
}

async function measure(set: string, files: readonly string[], encoderPath: string | undefined, scratch: string, args: readonly string[]): Promise<Measured> {
  const workers = numberOption(args, 'workers', 2);
  const pool = new JobPool({ size: workers });
  const provider = await chooseProvider('cpu', { threads: 1 });
  const library = await Library.open(mkdtempSync(join(scratch, 'library-')), { log: silent });
  try {
    const started = performance.now();
    // Small sets are split so that every worker gets a batch.
    const batchSize = Math.max(1, Math.min(numberOption(args, 'batch', 8), Math.ceil(files.length / workers)));
    const summary = await importPaths(library, files, { pool, provider, encoderPath, batchSize, log: silent });
    const seconds = (performance.now() - started) / 1000;
    if (summary.failed.length) throw new Error(`${summary.failed.length} files failed to import: ${summary.failed[0]!.path}: ${summary.failed[0]!.reason}`);
    const megabytes = files.reduce((sum, f) => sum + statSync(f).size, 0) / 1024 ** 2;
    return { set, encoder: encoderPath !== undefined, files: files.length, megabytes, seconds, summary };
  } finally {
    await library.close();
    await pool.close();
  }
}

function row(m: Measured): string {
  const stages = m.summary.stageSeconds;
  const busy = IMPORT_STAGES.reduce((sum, s) => sum + stages[s], 0);
  const shares = IMPORT_STAGES.map((s) => `${((100 * stages[s]) / Math.max(busy, 1e-9)).toFixed(0)} %`);
  const perFile = IMPORT_STAGES.map((s) => ((1000 * stages[s]) / m.files).toFixed(0));
  return `| ${m.set} | ${m.encoder ? 'yes' : 'no'} | ${m.files} (${m.megabytes.toFixed(1)} MB) | ${(m.files / m.seconds).toFixed(2)} | ${(m.megabytes / m.seconds).toFixed(2)} | ${shares.join(' / ')} | ${perFile.join(' / ')} |`;
}

export async function run(args: string[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'nerfdex-bench-import-'));
  try {
    const native = nativeFiles(join(scratch, 'native'), numberOption(args, 'files', 60));
    const ingpCount = numberOption(args, 'ingp', 3);
    const log2 = numberOption(args, 'ingp-log2', 19);
    const ingp = ingpCount > 0 ? ingpFiles(join(scratch, 'ingp'), ingpCount, log2) : [];
    const nerfactoCount = numberOption(args, 'nerfacto', 2);
    const nerfactoLog2 = numberOption(args, 'nerfacto-log2', 19);
    const nerfacto = nerfactoCount > 0 ? nerfactoFiles(join(scratch, 'nerfacto'), nerfactoCount, nerfactoLog2) : [];
    const encoder = await encoderFor(args, scratch);
    const workers = numberOption(args, 'workers', 2);
    console.log(`encoder ${encoder.label}; ${workers} worker threads (one ONNX Runtime thread each), batches of up to ${numberOption(args, 'batch', 8)} files; a fresh library per run`);
    console.log(`stages: read = sniff + parse + validate + sha256; shares and ms are of the workers' time, summed over workers\n`);
    // Columns in IMPORT_STAGES order, as `row` prints them (the preview is baked before the thumbnail).
    const stages = IMPORT_STAGES.join(' / ');
    console.log(`| files | encoder | count (size) | files/s | MB/s | ${stages} share | ms per file: ${stages} |`);
    console.log('|---|---|---|---|---|---|---|');
    for (const [set, files] of [
      ['native (demo copies)', native],
      [`instant-ngp .ingp, 16 x 2^${log2}`, ingp],
      [`nerfstudio nerfacto .ckpt, 16 x 2^${nerfactoLog2} x 2 fp32`, nerfacto],
    ] as const) {
      if (files.length === 0) continue;
      for (const encoderPath of [undefined, encoder.path]) console.log(row(await measure(set, files, encoderPath, scratch, args)));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
