/**
 * `npm run train-text [-- --zoo data/zoo --encoder resources/models/encoder.onnx
 * --out resources/models/text.onnx --steps 3000 --lr 3e-3 --batch 64 --seed 0]` (the defaults;
 * with no flags it retrains the shipped text model against the shipped encoder):
 * embeds the zoo with the encoder once (cached in <zoo>/embeddings/), then trains the text model
 * against those embeddings on one CPU thread (the `text.train` job, in a worker thread; Ctrl-C
 * cancels it) and writes text.onnx, text.json and text.tags.f32.
 */
import { JobCancelledError } from '../compute/jobs';
import { chooseProvider } from '../compute/providers';
import { JobPool } from '../app/job-pool';
import type { TextTrainInput } from '../text/train-job';
import { parseCommand } from './options';
import { runCli } from './run';

export const TRAIN_TEXT_COMMAND = {
  command: 'npm run train-text --',
  summary: 'Trains the text model against an encoder\'s embeddings of the zoo (cached in <zoo>/embeddings/) on one CPU thread and writes text.onnx, text.json and text.tags.f32; with no options it retrains the shipped text model against the shipped encoder. Ctrl-C cancels without writing.',
  options: {
    zoo: { type: 'string', default: 'data/zoo', value: 'DIR', help: 'the zoo' },
    encoder: { type: 'string', default: 'resources/models/encoder.onnx', value: 'encoder.onnx', help: 'the encoder to align to' },
    out: { type: 'string', default: 'resources/models/text.onnx', value: 'text.onnx', help: 'where to write the model' },
    steps: { type: 'number', default: 3000, integer: true, help: 'training steps' },
    lr: { type: 'number', default: 3e-3, help: 'peak learning rate (one-cycle)' },
    batch: { type: 'number', default: 64, integer: true, help: 'objects per step' },
    seed: { type: 'number', default: 0, integer: true, min: 0, help: 'seed' },
  },
} as const;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(TRAIN_TEXT_COMMAND, argv);
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const zoo = values.zoo;
  // One thread: GMN training owns the other cores.
  const provider = await chooseProvider('cpu', { threads: 1 });
  const pool = new JobPool({ size: 1 });
  let lastPrint = 0;
  const input: TextTrainInput = {
    zoo,
    encoder: values.encoder,
    out: values.out,
    provider,
    steps: values.steps,
    lr: values.lr,
    batch: values.batch,
    seed: values.seed,
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

runCli(main, import.meta.url);
