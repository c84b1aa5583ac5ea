/**
 * `npm run eval -- --model resources/models/encoder.onnx --zoo data/zoo [--out DIR] [--device cpu]
 * [--json] [--batch 8] [--steps 300] [--seed 0] [--no-baseline]`: evaluates an encoder on a zoo, beside
 * the functional (density) baseline unless --no-baseline (docs/eval.md).
 * Prints the markdown report (or, with --json, the metrics) on stdout, progress on stderr, and
 * writes report.md, metrics.json and the two map PNGs to DIR (default <zoo>/eval/<model version>).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseProvider, parseProviderRequest } from '../compute/providers';
import { Embedder } from '../gmn/embedder';
import { type EvalProgress, evaluateEncoder } from '../gmn/eval/evaluate';
import { numberOption, runCli } from './run';
import { textEvalMain } from './eval-text';

const USAGE = 'usage: npm run eval -- --model encoder.onnx --zoo DIR [--out DIR] [--device auto|cpu|cuda|...] [--json] [--batch 8] [--steps 300] [--seed 0] [--no-baseline]; the text model: npm run eval -- text --help';


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
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      zoo: { type: 'string' },
      out: { type: 'string' },
      device: { type: 'string' },
      json: { type: 'boolean' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      'no-baseline': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.model || !values.zoo) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const request = parseProviderRequest(values.device ?? 'auto');
  const batchSize = numberOption(values.batch, 'batch', 8, { integer: true, min: 1 });
  const steps = numberOption(values.steps, 'steps', 300, { integer: true, min: 1 });
  const seed = numberOption(values.seed, 'seed', 0, { integer: true, min: 0 });
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
    baseline: values['no-baseline'] !== true,
    tsne: { seed },
    onProgress: progressPrinter(started),
  });
  process.stdout.write(values.json ? `${JSON.stringify(result.metrics, null, 2)}\n` : result.report);
  process.stderr.write(`wrote ${result.files.join(', ')}\n`);
  return 0;
}

runCli(main);
