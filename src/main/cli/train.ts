/**
 * `npm run train -- --zoo DIR [options]` (`--help` lists them): trains the shipped recipe's GMN
 * encoder on a zoo (DEFAULT_TRAIN), printing progress and a loss curve; resumes from the
 * checkpoint in --out after a kill. Options change one part of the recipe each (the ablations of
 * docs/gmn.md): --loss, --probes, --category-weight, --readout, --feature-encoders, sizes,
 * schedule, device.
 */
import { chooseProvider, parseProviderRequest } from '../compute/providers';
import { JobPool } from '../app/job-pool';
import { exportCheckpointEncoder } from '../gmn/train-job';
import type { EncoderConfig } from '../gmn/encoder';
import { DEFAULT_PROBE_COUNT, probePoints } from '../gmn/probes';
import { DEFAULT_TRAIN, LOSS_MODES } from '../gmn/train-graph';
import { parseCommand, usageError } from './options';
import { runCli } from './run';

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

/** Passes over the train split of the shipped recipe. */
export const DEFAULT_EPOCHS = 20;

export const TRAIN_COMMAND = {
  command: 'npm run train --',
  summary: 'Trains the shipped recipe\'s GMN encoder on a zoo (DEFAULT_TRAIN), printing progress and a loss curve; resumes from the checkpoint in --out after a kill. Each option changes one part of the recipe (the ablations of docs/gmn.md). --out DIR --export writes the encoder of a run\'s checkpoint as it stands.',
  options: {
    zoo: { type: 'string', value: 'DIR', help: 'the zoo (required unless --export)' },
    out: { type: 'string', default: 'runs/gmn-v2', value: 'DIR', help: 'the run folder: checkpoint, encoder, train log' },
    epochs: { type: 'number', default: DEFAULT_EPOCHS, integer: true, help: 'passes over the train split' },
    loss: { type: 'string', default: DEFAULT_TRAIN.loss, choices: LOSS_MODES, help: 'SigLIP (con), rendering (rec) or both' },
    'category-weight': { type: 'number', min: 0, help: `weight of the category loss (default: ${DEFAULT_TRAIN.categoryWeight})` },
    'contrastive-weight': { type: 'number', min: 0, help: `weight of SigLIP (default: ${DEFAULT_TRAIN.contrastiveWeight})` },
    probes: { type: 'number', default: DEFAULT_PROBE_COUNT, integer: true, min: 0, help: 'probe points (0: no probe features)' },
    readout: { type: 'string', default: DEFAULT_TRAIN.encoder.readout ?? 'edges', choices: ['edges+outputs', 'edges'], help: 'what the encoder pools' },
    'feature-encoders': { type: 'string', default: DEFAULT_TRAIN.encoder.featureEncoders ?? 'shared', choices: ['shared', 'separate'], help: 'one sine for all scalar features, or one each' },
    batch: { type: 'number', default: DEFAULT_TRAIN.objectsPerBatch, integer: true, min: 2, help: 'objects per batch (K)' },
    lr: { type: 'number', default: 1e-3, help: 'peak learning rate' },
    schedule: { type: 'string', default: 'cosine', choices: ['cosine', 'constant', 'one-cycle'], help: 'learning-rate schedule' },
    warmup: { type: 'number', default: 50, integer: true, min: 0, help: 'linear warm-up steps' },
    seed: { type: 'number', default: 0, integer: true, min: 0, help: 'seed of the init and the batches' },
    hidden: { type: 'number', default: DEFAULT_TRAIN.encoder.hidden, integer: true, help: 'hidden width' },
    embedding: { type: 'number', default: DEFAULT_TRAIN.encoder.embedding, integer: true, help: 'embedding size' },
    device: { type: 'string', default: 'auto', value: 'auto|cpu|cuda|...', help: 'execution provider' },
    threads: { type: 'number', default: 2, integer: true, help: 'intra-op threads (models with a scatter-add run on one)' },
    init: { type: 'string', value: 'CHECKPOINT', help: 'start from this checkpoint\'s weights' },
    export: { type: 'boolean', help: 'write the encoder of the checkpoint in --out and stop' },
  },
} as const;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(TRAIN_COMMAND, argv);
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  if (values.export) {
    // Export the encoder of the checkpoint in --out as it stands (a stopped or running run).
    const { encoder, step } = await exportCheckpointEncoder(values.out, `npm run train -- ${argv.filter((a) => a !== '--export').join(' ')}`);
    console.log(`exported ${encoder} from the checkpoint at step ${step}`);
    return 0;
  }
  if (!values.zoo) return usageError(TRAIN_COMMAND, '--zoo is required');
  const { probes: _, ...rest } = DEFAULT_TRAIN.encoder;
  const encoder: EncoderConfig = {
    ...rest,
    hidden: values.hidden,
    embedding: values.embedding,
    ...(values.probes > 0 ? { probes: probePoints(values.probes) } : {}),
    readout: values.readout,
    featureEncoders: values['feature-encoders'],
  };
  const provider = await chooseProvider(parseProviderRequest(values.device), { threads: values.threads });
  console.log(`device: ${provider.name} (${provider.reason})`);
  const config = {
    ...DEFAULT_TRAIN,
    loss: values.loss,
    ...(values['contrastive-weight'] !== undefined ? { contrastiveWeight: values['contrastive-weight'] } : {}),
    ...(values['category-weight'] !== undefined ? { categoryWeight: values['category-weight'] } : {}),
    objectsPerBatch: values.batch,
    encoder,
  };
  const out = values.out;
  const pool = new JobPool({ size: 1 });
  const losses: number[] = [];
  let lastPrint = 0;
  const handle = pool.startJob('gmn.train', {
    zoo: values.zoo,
    out,
    provider,
    config,
    epochs: values.epochs,
    lr: values.lr,
    schedule: values.schedule,
    warmupSteps: values.warmup,
    seed: values.seed,
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

runCli(main, import.meta.url);
