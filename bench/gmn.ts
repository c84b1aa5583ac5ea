/**
 * `npm run bench -- gmn [--runs 5] [--threads 0]`
 *
 * Prints, per training architecture on CPU: parameter-graph building ms, embeddings per second
 * with the default (untrained-weights) encoder, batched (8) and single, and the train-step ms of
 * the default configuration (K = 4 objects x 2 architectures, rec+con). Uses the demo library's
 * NeRFs, so it needs no zoo.
 */
import { join } from 'node:path';
import { initialParams } from '../src/main/compute/init';
import { chooseProvider } from '../src/main/compute/providers';
import { SessionCache, runSession } from '../src/main/compute/session';
import type { HostTensor } from '../src/main/compute/tensor';
import { batchGraphs, graphBatchFeeds } from '../src/main/gmn/batch';
import { Embedder, type EncoderInfo } from '../src/main/gmn/embedder';
import { DEFAULT_VALUE_NORMALIZATION } from '../src/main/gmn/normalize';
import { buildParamGraph } from '../src/main/gmn/param-graph';
import { computeRayTargets, sampleRays } from '../src/main/gmn/targets';
import { DEFAULT_TRAIN, buildGmnTrainStep, encoderModel } from '../src/main/gmn/train-graph';
import { exportModel } from '../src/main/compute/export';
import { nerfField } from '../src/main/nerf/field-runtime';
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
  console.log('| architecture | edges per graph | build graph ms | embeddings/s batched (8) | embeddings/s single |');
  console.log('|---|---|---|---|---|');
  const byArch = new Map<string, Nerf[]>();
  for (const arch of TRAINING_ARCHITECTURES) {
    const nerfs = await Promise.all(IDS.map((id) => readNerfFile(join(DEMO, `${id}.${arch}.nerf.safetensors`))));
    byArch.set(arch, nerfs);
    const build = (await timeMs(runs, () => buildParamGraph(nerfs[0]!))).median;
    const batched = (await timeMs(runs, () => embedder.embed(nerfs, sessions, provider, 8))).median;
    const single = (await timeMs(runs, () => embedder.embed(nerfs.slice(0, 1), sessions, provider, 1))).median;
    console.log(`| ${arch} | ${buildParamGraph(nerfs[0]!).edgeCount} | ${build.toFixed(2)} | ${((8 * 1000) / batched).toFixed(1)} | ${(1000 / single).toFixed(1)} |`);
  }

  const config = DEFAULT_TRAIN;
  const model = buildGmnTrainStep(config);
  const params = initialParams(model.graph, 0);
  const k = config.objectsPerBatch;
  const [a, b] = [byArch.get('mlp-train')!, byArch.get('hash-train')!];
  const nerfs = [...a.slice(0, k), ...b.slice(0, k)];
  const feeds: Record<string, HostTensor> = { ...graphBatchFeeds(batchGraphs(nerfs.map((n) => buildParamGraph(n)))) };
  const rays = config.foregroundRays + config.backgroundRays;
  const s = config.samples;
  const points = new Float32Array(nerfs.length * rays * s * 3);
  const deltas = new Float32Array(nerfs.length * rays * s);
  const colour = new Float32Array(nerfs.length * rays * 3);
  const opacity = new Float32Array(nerfs.length * rays);
  for (let i = 0; i < nerfs.length; i++) {
    const t = await computeRayTargets(nerfField(nerfs[i]!, sessions, provider), nerfs[i]!.config.aabb, { views: 1, size: 32, foreground: config.foregroundRays, background: config.backgroundRays });
    const sampled = sampleRays(t, s);
    points.set(sampled.points, i * rays * s * 3);
    deltas.set(sampled.deltas, i * rays * s);
    colour.set(t.colour, i * rays * 3);
    opacity.set(t.opacity, i * rays);
  }
  Object.assign(feeds, {
    points: { dtype: 'float32', shape: [nerfs.length, rays * s, 3], data: points },
    deltas: { dtype: 'float32', shape: [nerfs.length, rays, s], data: deltas },
    target_colour: { dtype: 'float32', shape: [nerfs.length, rays, 3], data: colour },
    target_opacity: { dtype: 'float32', shape: [nerfs.length, rays], data: opacity },
    background: { dtype: 'float32', shape: [3], data: Float32Array.of(1, 1, 1) },
    step: { dtype: 'float32', shape: [], data: Float32Array.of(1) },
    lr: { dtype: 'float32', shape: [], data: Float32Array.of(1e-4) },
  });
  for (const [name, t] of Object.entries(params)) {
    feeds[`params/${name}`] = t;
    feeds[`adam_m/${name}`] = { ...t, data: new Float32Array(t.data.length) };
    feeds[`adam_v/${name}`] = { ...t, data: new Float32Array(t.data.length) };
  }
  const session = await sessions.get(model.bytes, provider, { variableShapes: true });
  const step = (await timeMs(Math.min(runs, 3), () => runSession(session, feeds))).median;
  console.log(`\ntrain step (rec+con, K ${k} objects x 2 architectures: mlp-train + hash-train, ${rays} rays x ${s} samples): ${step.toFixed(0)} ms`);
  await sessions.dispose();
}
