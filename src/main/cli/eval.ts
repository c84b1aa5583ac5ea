/**
 * `npm run eval -- --model resources/models/encoder.onnx --zoo data/zoo [--out DIR] [--device cpu]
 * [--json] [--batch 8] [--steps 300] [--seed 0] [--no-baseline]`: evaluates an encoder on a zoo, beside
 * the functional (density) baseline unless --no-baseline (docs/eval.md).
 * Prints the markdown report (or, with --json, the metrics) on stdout, progress on stderr, and
 * writes report.md, metrics.json and the two map PNGs to DIR (default <zoo>/eval/<model version>).
 */
import { join } from 'node:path';
import { chooseProvider, parseProviderRequest } from '../compute/providers';
import { Embedder } from '../gmn/embedder';
import { type EvalProgress, evaluateEncoder } from '../gmn/eval/evaluate';
import { parseCommand } from './options';
import { runCli } from './run';
import { textEvalMain } from './eval-text';

export const EVAL_COMMAND = {
  command: 'npm run eval --',
  summary: 'Evaluates an encoder on the zoo\'s test split (docs/eval.md) and writes report.md, metrics.json and the two map PNGs; the text model: npm run eval -- text --help.',
  options: {
    model: { type: 'string', required: true, value: 'encoder.onnx', help: 'the encoder' },
    zoo: { type: 'string', required: true, value: 'DIR', help: 'the zoo' },
    out: { type: 'string', value: 'DIR', help: 'where to write the report (default: <zoo>/eval/<model version>)' },
    device: { type: 'string', default: 'auto', value: 'auto|cpu|cuda|...', help: 'execution provider' },
    json: { type: 'boolean', help: 'print the metrics as JSON' },
    batch: { type: 'number', default: 8, integer: true, min: 1, help: 'graphs embedded per batch' },
    steps: { type: 'number', default: 300, integer: true, min: 1, help: 'probe classifier steps' },
    seed: { type: 'number', default: 0, integer: true, min: 0, help: 'seed of the classifier and the map' },
    'no-baseline': { type: 'boolean', help: 'skip the functional baseline row' },
  },
} as const;

/** Progress lines on stderr: rewritten in place on a terminal, every tenth of the way otherwise. */
function progressPrinter(started: number): (p: EvalProgress) => void {
  let lastTenth = -1;
  return (p) => {
    const elapsed = (performance.now() - started) / 1000;
    if (p.stage !== 'embedding') {
      if (p.done === 0) process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${p.stage}... (${elapsed.toFixed(0)} s)\n`);
      return;
    }
    const eta = p.done > 0 ? ((p.total - p.done) * elapsed) / p.done : NaN;
    const line = `embedding [${p.done}/${p.total}] ${elapsed.toFixed(0)} s elapsed, ETA ${Number.isFinite(eta) ? `${Math.round(eta)} s` : '-'}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}`);
    } else {
      const tenth = Math.floor((10 * p.done) / p.total);
      if (tenth !== lastTenth || p.done === p.total) process.stderr.write(`${line}\n`);
      lastTenth = tenth;
    }
  };
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'text') return textEvalMain(argv.slice(1));
  const parsed = parseCommand(EVAL_COMMAND, argv);
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const request = parseProviderRequest(values.device);
  const batchSize = values.batch;
  const steps = values.steps;
  const seed = values.seed;
  // Reading the model first reports a wrong path before any provider is probed.
  const out = values.out ?? join(values.zoo, 'eval', (await Embedder.load(values.model)).info.version);
  const provider = await chooseProvider(request);
  const started = performance.now();
  process.stderr.write(`eval: ${values.model} on ${values.zoo} (${provider.name}: ${provider.reason}) -> ${out}\n`);
  const result = await evaluateEncoder({
    model: values.model,
    zoo: values.zoo,
    out,
    provider,
    batchSize,
    classifier: { steps, seed },
    baseline: !values['no-baseline'],
    tsne: { seed },
    onProgress: progressPrinter(started),
  });
  process.stdout.write(values.json ? `${JSON.stringify(result.metrics, null, 2)}\n` : result.report);
  process.stderr.write(`wrote ${result.files.join(', ')}\n`);
  return 0;
}

runCli(main, import.meta.url);
