/**
 * `npm run train -- --zoo DIR`: trains the shipped recipe's GMN encoder on a zoo (DEFAULT_TRAIN),
 * printing progress and a loss curve; resumes from the checkpoint in --out after a kill. Options
 * change one part of the recipe each (the ablations of docs/gmn.md): --loss, --probes,
 * --category-weight, --readout, --feature-encoders, sizes, schedule, device.
 */
import { parseArgs } from 'node:util';
import { chooseProvider, parseProviderRequest } from '../compute/providers';
import { JobPool } from '../app/job-pool';
import { exportCheckpointEncoder } from '../gmn/train-job';
import type { EncoderConfig } from '../gmn/encoder';
import { DEFAULT_PROBE_COUNT, probePoints } from '../gmn/probes';
import { DEFAULT_TRAIN, LOSS_MODES, type LossMode } from '../gmn/train-graph';
import { numberOption, runCli } from './run';

const SPARK = '▁▂▃▄▅▆▇█';

/** A one-line loss curve: each character the mean of one bucket of steps. */
export function sparkline(values: readonly number[], width = 60): string {
  if (!values.length) return '';
  const buckets = Math.min(width, values.length);
  const means = Array.from({ length: buckets }, (_, b) => {
    const from = Math.floor((b * values.length) / buckets);
    const to = Math.max(from + 1, Math.floor(((b + 1) * values.length) / buckets));
    return values.slice(from, to).reduce((s, x) => s + x, 0) / (to - from);
  });
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  return means.map((x) => SPARK[hi > lo ? Math.round(((x - lo) / (hi - lo)) * (SPARK.length - 1)) : 0]).join('');
}

function oneOf<const T extends readonly string[]>(value: string, name: string, allowed: T): T[number] {
  if (!(allowed as readonly string[]).includes(value)) throw new RangeError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T[number];
}


/** Passes over the train split of the shipped recipe. */
export const DEFAULT_EPOCHS = 20;

/** The encoder of the recipe with the sizes and parts the options change. */
function encoderOptions(values: Record<string, string | boolean | undefined>, probeCount: number): EncoderConfig {
  const { probes: _, ...rest } = DEFAULT_TRAIN.encoder;
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  return {
    ...rest,
    hidden: numberOption(str('hidden'), 'hidden', DEFAULT_TRAIN.encoder.hidden, { integer: true }),
    embedding: numberOption(str('embedding'), 'embedding', DEFAULT_TRAIN.encoder.embedding, { integer: true }),
    ...(probeCount > 0 ? { probes: probePoints(probeCount) } : {}),
    readout: oneOf(str('readout') ?? DEFAULT_TRAIN.encoder.readout ?? 'edges', 'readout', ['edges+outputs', 'edges'] as const),
    featureEncoders: oneOf(str('feature-encoders') ?? DEFAULT_TRAIN.encoder.featureEncoders ?? 'shared', 'feature-encoders', ['shared', 'separate'] as const),
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      zoo: { type: 'string' },
      loss: { type: 'string' },
      epochs: { type: 'string' },
      device: { type: 'string' },
      out: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      hidden: { type: 'string' },
      embedding: { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      export: { type: 'boolean' },
      init: { type: 'string' },
      'contrastive-weight': { type: 'string' },
      'category-weight': { type: 'string' },
      probes: { type: 'string' },
      readout: { type: 'string' },
      'feature-encoders': { type: 'string' },
      schedule: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.export) {
    // Export the encoder of the checkpoint in --out as it stands (a stopped or running run).
    if (!values.out) throw new RangeError('--export needs --out DIR (the run whose checkpoint to export)');
    const { encoder, step } = await exportCheckpointEncoder(values.out, `npm run train -- ${argv.filter((a) => a !== '--export').join(' ')}`);
    console.log(`exported ${encoder} from the checkpoint at step ${step}`);
    return 0;
  }
  if (values.help || !values.zoo) {
    console.log(`usage: npm run train -- --zoo DIR [--epochs ${DEFAULT_EPOCHS}] [--out runs/gmn-v2] [--loss con|rec|rec+con] [--category-weight 1] [--contrastive-weight 1] [--probes 64] [--readout edges+outputs|edges] [--feature-encoders shared|separate] [--batch 8] [--lr 1e-3] [--schedule cosine|constant|one-cycle] [--warmup 50] [--seed 0] [--hidden 32] [--embedding 128] [--device auto] [--threads 0] [--init CHECKPOINT]; or --out DIR --export to write the encoder of a run's checkpoint`);
    return values.help ? 0 : 2;
  }
  const loss = oneOf(values.loss ?? DEFAULT_TRAIN.loss, 'loss', LOSS_MODES) as LossMode;
  const probeCount = numberOption(values.probes, 'probes', DEFAULT_PROBE_COUNT, { integer: true, min: 0 });
  const provider = await chooseProvider(parseProviderRequest(values.device ?? 'auto'), { threads: numberOption(values.threads, 'threads', 2, { integer: true }) });
  console.log(`device: ${provider.name} (${provider.reason})`);
  const config = {
    ...DEFAULT_TRAIN,
    loss,
    ...(values['contrastive-weight'] ? { contrastiveWeight: numberOption(values['contrastive-weight'], 'contrastive-weight', 0.02, { min: 0 }) } : {}),
    ...(values['category-weight'] ? { categoryWeight: numberOption(values['category-weight'], 'category-weight', 0, { min: 0 }) } : {}),
    objectsPerBatch: numberOption(values.batch, 'batch', DEFAULT_TRAIN.objectsPerBatch, { integer: true, min: 2 }),
    encoder: encoderOptions(values, probeCount),
  };
  const out = values.out ?? 'runs/gmn-v2';
  const pool = new JobPool({ size: 1 });
  const losses: number[] = [];
  let lastPrint = 0;
  const handle = pool.startJob('gmn.train', {
    zoo: values.zoo,
    out,
    provider,
    config,
    epochs: numberOption(values.epochs, 'epochs', DEFAULT_EPOCHS, { integer: true }),
    lr: numberOption(values.lr, 'lr', 1e-3),
    schedule: oneOf(values.schedule ?? 'cosine', 'schedule', ['cosine', 'constant', 'one-cycle'] as const),
    warmupSteps: numberOption(values.warmup, 'warmup', 50, { integer: true, min: 0 }),
    seed: numberOption(values.seed, 'seed', 0, { integer: true, min: 0 }),
    ...(values.init ? { init: values.init } : {}),
    command: `npm run train -- ${argv.join(' ')}`,
  }, {
    onProgress: (p) => {
      losses.push(p.metrics?.['loss'] ?? NaN);
      const now = performance.now();
      if (now - lastPrint < 5000 && p.done !== p.total) return;
      lastPrint = now;
      const m = p.metrics ?? {};
      const parts = Object.entries(m).filter(([k]) => k !== 'lr').map(([k, x]) => `${k} ${x.toFixed(4)}`);
      console.log(`[${p.done}/${p.total}] ${p.message ?? ''} | ${parts.join(', ')} | ${sparkline(losses)}`);
    },
  });
  process.once('SIGINT', () => {
    console.log('\ncancelling: the job checkpoints and stops; run the same command to resume');
    handle.cancel();
  });
  try {
    const result = await handle.result;
    console.log(`\n${result.cancelled ? 'stopped' : 'done'} at step ${result.steps}/${result.totalSteps}; checkpoint ${result.checkpoint}${result.encoder ? `; encoder ${result.encoder}` : ''}`);
    console.log(`loss curve: ${sparkline(losses)}`);
    return result.cancelled ? 130 : 0;
  } finally {
    await pool.close();
  }
}

runCli(main);
