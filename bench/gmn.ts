/**
 * `npm run bench -- gmn [--runs 5] [--threads 0]`
 *
 * Prints, per training architecture on CPU: parameter-graph building ms, probe-feature ms per
 * NeRF, embeddings per second with the shipped recipe's (untrained-weights) encoder, batched (8)
 * and single, and the train-step ms of the shipped recipe (DEFAULT_TRAIN: K = 8 objects x 2
 * architectures, SigLIP + category loss). Uses the demo library's NeRFs, so it needs no zoo.
 */
import { join } from 'node:path';
import { initialParams, seededRandom } from '../src/main/compute/init';
import { chooseProvider } from '../src/main/compute/providers';
import { SessionCache, runSession } from '../src/main/compute/session';
import type { HostTensor } from '../src/main/compute/tensor';
import { Embedder, type EncoderInfo } from '../src/main/gmn/embedder';
import { DEFAULT_VALUE_NORMALIZATION } from '../src/main/gmn/normalize';
import { buildParamGraph } from '../src/main/gmn/param-graph';
import { probeFeatures } from '../src/main/gmn/probes';
import { batchFeeds } from '../src/main/gmn/train-job';
import { CATEGORIES } from '../src/main/vocabulary/categories';
import { DEFAULT_TRAIN, buildGmnTrainStep, encoderModel } from '../src/main/gmn/train-graph';
import { exportModel } from '../src/main/compute/export';
import { TRAINING_ARCHITECTURES } from '../src/main/nerf/architectures';
import { readNerfFile } from '../src/main/nerf/formats/native';
import type { Nerf } from '../src/main/nerf/types';
import { numberOption, timeMs } from './timing';

const DEMO = 'resources/demo';
const IDS = ['airplane-070000', 'chair-070000', 'car-070001', 'lamp-070002', 'sofa-070000', 'table-070001', 'phone-070002', 'watercraft-070000'];

export async function run(args: string[]): Promise<void> {
  const runs = numberOption(args, 'runs', 5);
  const provider = await chooseProvider('cpu', { threads: numberOption(args, 'threads', 0) });
  const sessions = new SessionCache();
  const { graph, embeddings } = encoderModel(DEFAULT_TRAIN.encoder);
  const info: EncoderInfo = { version: 'bench-initial', encoder: DEFAULT_TRAIN.encoder, normalization: DEFAULT_VALUE_NORMALIZATION };
  const embedder = Embedder.fromBytes(exportModel(graph, { outputs: { embeddings }, params: initialParams(graph, 0) }), info);
  console.log(`encoder: hidden ${DEFAULT_TRAIN.encoder.hidden}, embedding ${DEFAULT_TRAIN.encoder.embedding}, ${DEFAULT_TRAIN.encoder.blocks} blocks; CPU; median of ${runs}`);
  console.log(`| architecture | edges per graph | build graph ms | probe features ms (${DEFAULT_TRAIN.encoder.probes!.length / 3} points) | embeddings/s, 8 per call (CPU: one graph per run, CPU_GRAPHS_PER_RUN) | embeddings/s single |`);
  console.log('|---|---|---|---|---|---|');
  const byArch = new Map<string, Nerf[]>();
  for (const arch of TRAINING_ARCHITECTURES) {
    const nerfs = await Promise.all(IDS.map((id) => readNerfFile(join(DEMO, `${id}.${arch}.nerf.safetensors`))));
    byArch.set(arch, nerfs);
    const build = (await timeMs(runs, () => buildParamGraph(nerfs[0]!))).median;
    const probes = (await timeMs(runs, () => probeFeatures(nerfs[0]!, DEFAULT_TRAIN.encoder.probes!))).median;
    const batched = (await timeMs(runs, () => embedder.embed(nerfs, sessions, provider, 8))).median;
    const single = (await timeMs(runs, () => embedder.embed(nerfs.slice(0, 1), sessions, provider, 1))).median;
    console.log(`| ${arch} | ${buildParamGraph(nerfs[0]!).edgeCount} | ${build.toFixed(2)} | ${probes.toFixed(2)} | ${((8 * 1000) / batched).toFixed(1)} | ${(1000 / single).toFixed(1)} |`);
  }

  const config = { ...DEFAULT_TRAIN, categories: [...CATEGORIES] };
  const model = buildGmnTrainStep(config);
  const params = initialParams(model.graph, 0);
  const k = config.objectsPerBatch;
  const [a, b] = [byArch.get('mlp-train')!, byArch.get('hash-train')!];
  const nerfs = [...a.slice(0, k), ...b.slice(0, k)];
  const categories = nerfs.slice(0, k).map((n) => n.meta.category!);
  const feeds: Record<string, HostTensor> = await batchFeeds(nerfs, null, config, seededRandom(1), categories);
  for (const [name, t] of Object.entries(params)) {
    feeds[`params/${name}`] = t;
    feeds[`adam_m/${name}`] = { ...t, data: new Float32Array(t.data.length) };
    feeds[`adam_v/${name}`] = { ...t, data: new Float32Array(t.data.length) };
  }
  feeds['step'] = { dtype: 'float32', shape: [], data: Float32Array.of(1) };
  feeds['lr'] = { dtype: 'float32', shape: [], data: Float32Array.of(1e-4) };
  const session = await sessions.get(model.bytes, provider, { variableShapes: true });
  const step = (await timeMs(Math.min(runs, 3), () => runSession(session, feeds))).median;
  console.log(`\ntrain step of the shipped recipe (${config.loss} + category, K ${k} objects x 2 architectures: mlp-train + hash-train, probes ${(config.encoder.probes?.length ?? 0) / 3}): ${step.toFixed(0)} ms`);
  await sessions.dispose();
}
