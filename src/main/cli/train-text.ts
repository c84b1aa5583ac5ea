/**
 * `npm run train-text [-- --zoo data/zoo --encoder resources/models/encoder.onnx
 * --out resources/models/text.onnx --steps 3000 --lr 3e-3 --batch 64 --seed 0]` (the defaults;
 * with no flags it retrains the shipped text model against the shipped encoder):
 * embeds the zoo with the encoder once (cached in <zoo>/embeddings/), then trains the text model
 * against those embeddings on one CPU thread (the `text.train` job, in a worker thread; Ctrl-C
 * cancels it) and writes text.onnx, text.json and text.tags.f32.
 * `--idealised` instead of `--encoder` trains against an idealised stand-in space
 * (text/idealised-space.ts), to check the text side alone.
 */
import { parseArgs } from 'node:util';
import { JobCancelledError } from '../compute/jobs';
import { chooseProvider } from '../compute/providers';
import { JobPool } from '../app/job-pool';
import { IDEALISED_VERSION, writeIdealisedEmbeddings } from '../text/idealised-space';
import type { TextTrainInput } from '../text/train-job';
import { numberOption, runCli } from './run';

const USAGE = 'usage: npm run train-text [-- --zoo data/zoo] [--encoder resources/models/encoder.onnx | --idealised] [--out resources/models/text.onnx] [--steps 3000] [--lr 3e-3] [--batch 64] [--seed 0]';

/** The defaults: the default zoo and the shipped encoder, so that no flag retrains the shipped text model. */
export const TRAIN_TEXT_DEFAULTS = { zoo: 'data/zoo', encoder: 'resources/models/encoder.onnx', out: 'resources/models/text.onnx' } as const;


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
  if (values.help || (values.encoder && values.idealised)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const zoo = values.zoo ?? TRAIN_TEXT_DEFAULTS.zoo;
  if (values.idealised) console.log(`wrote ${await writeIdealisedEmbeddings(zoo)} idealised embeddings (${IDEALISED_VERSION})`);
  // One thread: GMN training owns the other cores.
  const provider = await chooseProvider('cpu', { threads: 1 });
  const pool = new JobPool({ size: 1 });
  let lastPrint = 0;
  const input: TextTrainInput = {
    zoo,
    ...(values.idealised ? { encoderVersion: IDEALISED_VERSION } : { encoder: values.encoder ?? TRAIN_TEXT_DEFAULTS.encoder }),
    out: values.out ?? TRAIN_TEXT_DEFAULTS.out,
    provider,
    steps: numberOption(values.steps, 'steps', 3000, { integer: true }),
    lr: numberOption(values.lr, 'lr', 3e-3),
    batch: numberOption(values.batch, 'batch', 64, { integer: true }),
    seed: numberOption(values.seed, 'seed', 0, { integer: true, min: 0 }),
    command: argv.length > 0 ? `npm run train-text -- ${argv.join(' ')}` : 'npm run train-text',
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
