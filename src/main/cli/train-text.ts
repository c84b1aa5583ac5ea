/**
 * `npm run train-text -- --zoo data/zoo --encoder resources/models/encoder.onnx
 * [--out resources/models/text.onnx] [--steps 3000] [--lr 3e-3] [--batch 64] [--seed 0]`:
 * embeds the zoo with the encoder once (cached in <zoo>/embeddings/), then trains the text model
 * against those embeddings on one CPU thread (the `text.train` job, in a worker thread; Ctrl-C
 * cancels it) and writes text.onnx, text.json and text.tags.f32.
 * `--idealised` instead of `--encoder` trains against an idealised stand-in space
 * (text/idealised-space.ts), to check the text side alone.
 */
import { parseArgs } from 'node:util';
import { JobCancelledError } from '../compute/jobs';
import { chooseProvider } from '../compute/providers';
import { WorkerPool } from '../compute/worker-pool';
import { IDEALISED_VERSION, writeIdealisedEmbeddings } from '../text/idealised-space';
import type { TextTrainInput } from '../text/train-job';
import { numberOption, runCli } from './run';

const USAGE = 'usage: npm run train-text -- --zoo DIR (--encoder encoder.onnx | --idealised) [--out resources/models/text.onnx] [--steps 3000] [--lr 3e-3] [--batch 64] [--seed 0]';


export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      zoo: { type: 'string' },
      encoder: { type: 'string' },
      out: { type: 'string' },
      steps: { type: 'string' },
      lr: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      idealised: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.zoo || (!values.encoder && !values.idealised)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.idealised) console.log(`wrote ${await writeIdealisedEmbeddings(values.zoo)} idealised embeddings (${IDEALISED_VERSION})`);
  // One thread: GMN training owns the other cores.
  const provider = await chooseProvider('cpu', { threads: 1 });
  const pool = new WorkerPool({ size: 1 });
  let lastPrint = 0;
  const input: TextTrainInput = {
    zoo: values.zoo,
    ...(values.idealised ? { encoderVersion: IDEALISED_VERSION } : { encoder: values.encoder! }),
    out: values.out ?? 'resources/models/text.onnx',
    provider,
    steps: numberOption(values.steps, 'steps', 3000, { integer: true }),
    lr: numberOption(values.lr, 'lr', 3e-3),
    batch: numberOption(values.batch, 'batch', 64, { integer: true }),
    seed: values.seed ? Number(values.seed) : 0,
    command: `npm run train-text -- ${argv.join(' ')}`,
  };
  const handle = pool.startJob('text.train', input, {
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastPrint < 3000 && p.done !== p.total) return;
      lastPrint = now;
      const metrics = Object.entries(p.metrics ?? {}).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ');
      console.log(`[${p.done}/${p.total}] ${p.message ?? ''}${metrics ? ` | ${metrics}` : ''}`);
    },
  });
  process.once('SIGINT', () => {
    console.log('\ncancelling: nothing is written');
    handle.cancel();
  });
  try {
    const result = await handle.result;
    console.log(`done: ${result.info.version} aligned to ${result.info.encoderVersion}, ${result.steps} steps in ${result.seconds.toFixed(0)} s, last loss ${result.lastLoss.toFixed(4)}; wrote ${result.model}`);
    return 0;
  } catch (error) {
    if (error instanceof JobCancelledError) return 130;
    throw error;
  } finally {
    await pool.close();
  }
}

runCli(main);
