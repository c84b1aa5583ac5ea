/**
 * Ships a trained encoder as the app's default model:
 *
 *   npx tsx scripts/ship-encoder.ts --run runs/NAME --metrics data/zoo/eval/<version>/metrics.json
 *
 * copies `<run>/encoder.onnx` to resources/models/encoder.onnx, writes resources/models/encoder.json
 * (the run's encoder.json plus the headline figures of the evaluation report, so the app and the
 * docs show numbers that `npm run eval` produced), and resources/models/encoder.train.safetensors:
 * the run's weights (encoder, decoder, SigLIP) without optimiser state, which in-app fine-tuning
 * starts from. The evaluation must be of this very encoder (same version).
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCheckpoint, saveCheckpoint } from '../src/main/compute/checkpoint';
import { type EncoderInfo, checkEncoderRecipe } from '../src/main/gmn/embedder';

/** The tables of one protocol run (types.ts's ProtocolDetail, the part read here). */
interface ProtocolTables {
  readonly classification: { readonly rows: readonly { readonly architecture: string; readonly accuracy: number; readonly knnAccuracy: number }[] };
  readonly retrieval: { readonly pairs: readonly { readonly query: string; readonly gallery: string; readonly recall: Readonly<Record<string, number>> }[] };
}

/**
 * metrics.json as read here: the tables sit under `detail` (and `baseline.detail`) since the
 * headline keys took `classification` and `retrieval`; reports written before that (the recipe-v1 runs) hold
 * the tables at the top level, with no baseline.
 */
type EvalMetrics = { readonly model: { readonly version: string }; readonly neighbours?: { readonly shares: Readonly<Record<string, number>> } } & (
  | { readonly detail: ProtocolTables; readonly baseline?: { readonly detail: ProtocolTables } }
  | (ProtocolTables & { readonly detail?: undefined; readonly baseline?: undefined })
);

function tableMetrics(tables: ProtocolTables, prefix: string, out: Record<string, number>): void {
  for (const row of tables.classification.rows) {
    const key = row.architecture.replace(/\s+/g, '-');
    out[`${prefix}classification/${key}`] = row.accuracy;
    out[`${prefix}knn/${key}`] = row.knnAccuracy;
  }
  const pairs = tables.retrieval.pairs;
  for (const k of ['1', '5', '10']) {
    const values = pairs.map((p) => p.recall[k]!).filter((x) => Number.isFinite(x));
    if (values.length > 0) out[`${prefix}retrieval/R@${k}`] = values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/** The headline figures of an evaluation report, flat, as encoder.json's `metrics` keeps them (the baseline's under `baseline/`). */
export function headlineMetrics(report: EvalMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  tableMetrics(report.detail ?? (report as ProtocolTables), '', out);
  for (const [name, share] of Object.entries(report.neighbours?.shares ?? {})) out[`neighbours-share/${name}`] = share;
  if (report.baseline) tableMetrics(report.baseline.detail, 'baseline/', out);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { run: { type: 'string' }, metrics: { type: 'string' }, out: { type: 'string' } } });
  if (!values.run || !values.metrics) throw new RangeError('usage: npx tsx scripts/ship-encoder.ts --run runs/NAME --metrics data/zoo/eval/<version>/metrics.json [--out resources/models]');
  const out = values.out ?? 'resources/models';
  const info = JSON.parse(readFileSync(join(values.run, 'encoder.json'), 'utf8')) as EncoderInfo;
  checkEncoderRecipe(info, join(values.run, 'encoder.json'));
  const report = JSON.parse(readFileSync(values.metrics, 'utf8')) as EvalMetrics;
  if (report.model.version !== info.version) throw new RangeError(`${values.metrics} evaluates ${report.model.version}, but ${values.run}/encoder.json is ${info.version}`);
  mkdirSync(out, { recursive: true });
  const checkpoint = await loadCheckpoint(join(values.run, 'checkpoint.safetensors'));
  await saveCheckpoint(join(out, 'encoder.train.safetensors'), { params: checkpoint.params, metadata: { ...checkpoint.metadata, 'nerfdex.gmn.encoder_version': info.version } });
  copyFileSync(join(values.run, 'encoder.onnx'), join(out, 'encoder.onnx.tmp'));
  renameSync(join(out, 'encoder.onnx.tmp'), join(out, 'encoder.onnx'));
  const shipped: EncoderInfo = { ...info, metrics: headlineMetrics(report) };
  writeFileSync(join(out, 'encoder.json.tmp'), `${JSON.stringify(shipped, null, 2)}\n`);
  renameSync(join(out, 'encoder.json.tmp'), join(out, 'encoder.json'));
  console.log(`shipped ${info.version} to ${out}:`);
  for (const [k, v] of Object.entries(shipped.metrics ?? {})) console.log(`  ${k}: ${(100 * v).toFixed(1)} %`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
