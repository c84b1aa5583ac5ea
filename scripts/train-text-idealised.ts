/**
 * The text side alone: writes the idealised stand-in space (idealised-space.ts) as the zoo's
 * embedding cache of version `gmn-idealised` and trains the text model against it with the
 * shipped text recipe (the `text.train` job), so `npm run eval -- text --model OUT` shows what
 * the text pipeline reaches when the space encodes what captions say (docs/text.md).
 *
 *   npx tsx scripts/train-text-idealised.ts [--zoo data/zoo] [--out /tmp/ideal/text.onnx] [--steps 3000]
 */
import { parseArgs } from 'node:util';
import { JobPool } from '../src/main/app/job-pool';
import { chooseProvider } from '../src/main/compute/providers';
import { IDEALISED_VERSION, writeIdealisedEmbeddings } from './idealised-space';

const { values } = parseArgs({ options: { zoo: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string' } } });
const zoo = values.zoo ?? 'data/zoo';
const out = values.out ?? '/tmp/ideal/text.onnx';
console.log(`wrote ${await writeIdealisedEmbeddings(zoo)} idealised embeddings (${IDEALISED_VERSION})`);
const pool = new JobPool({ size: 1 });
try {
  const result = await pool.startJob('text.train', {
    zoo,
    encoderVersion: IDEALISED_VERSION,
    out,
    provider: await chooseProvider('cpu', { threads: 1 }),
    steps: Number(values.steps ?? 3000),
    lr: 3e-3,
    batch: 64,
    seed: 0,
    command: `npx tsx scripts/train-text-idealised.ts ${process.argv.slice(2).join(' ')}`.trim(),
  }).result;
  console.log(`done: ${result.info.version} aligned to ${IDEALISED_VERSION}, ${result.steps} steps in ${result.seconds.toFixed(0)} s; wrote ${result.model}`);
} finally {
  await pool.close();
}
