/**
 * Can the rendering loss use a latent at all? Trains the decoder of `decoder.ts` with the
 * rendering loss on 16 train-split zoo objects for a few hundred steps, the latent coming from:
 *
 * - `codes`: a free code per object (an auto-decoder): the best any encoder could give;
 * - `gmn`: the GMN encoder, batch-normalised, on one architecture (tri-plane);
 * - `mix`: the GMN encoder, batch-normalised, on batches of 4 objects in tri-plane + the same 4 in MLP;
 * - `mix-ref`: as `mix`, each embedding relative to its config's reference NeRF (reference.ts).
 *
 * Prints the rendering loss every 25 steps. Needs a zoo with targets (npm run zoo; npm run train
 * caches the targets).
 *
 *   npx tsx scripts/rendering-probe.ts --zoo data/zoo --mode mix-ref [--steps 300]
 */
import { parseArgs } from 'node:util';
import { Graph, type Value } from '../src/main/compute/graph';
import { initialParams, seededRandom } from '../src/main/compute/init';
import * as op from '../src/main/compute/ops';
import { buildTrainStep } from '../src/main/compute/optim';
import { chooseProvider } from '../src/main/compute/providers';
import { SessionCache } from '../src/main/compute/session';
import { adamWState, adamWStep } from '../src/main/compute/adamw-state';
import type { HostTensor } from '../src/main/compute/tensor';
import { NerfCache, ensureTargets, loadZoo } from '../src/main/gmn/dataset';
import { DEFAULT_DECODER, buildDecoder } from '../src/main/gmn/decoder';
import { DEFAULT_ENCODER, buildEncoder, declareEncoderInputs } from '../src/main/gmn/encoder';
import { renderingLoss } from '../src/main/gmn/losses';
import { referenceNerf } from '../src/main/gmn/reference';
import { DEFAULT_TRAIN, batchStandardize } from '../src/main/gmn/train-graph';
import { batchFeeds } from '../src/main/gmn/train-job';

const MODES = ['codes', 'gmn', 'mix', 'mix-ref'] as const;
type Mode = (typeof MODES)[number];

const { values } = parseArgs({ options: { zoo: { type: 'string' }, mode: { type: 'string' }, steps: { type: 'string' } } });
if (!values.zoo || !(MODES as readonly string[]).includes(values.mode ?? '')) {
  console.error(`usage: npx tsx scripts/rendering-probe.ts --zoo DIR --mode ${MODES.join('|')} [--steps 300]`);
  process.exit(2);
}
const mode = values.mode as Mode;
const steps = Number(values.steps ?? 300);
const objects = 16;
const graphs = 8;
const d = DEFAULT_ENCODER.embedding;
const config = { ...DEFAULT_TRAIN, objectsPerBatch: graphs / 2 };
const mixed = mode === 'mix' || mode === 'mix-ref';

const g = new Graph('float32');
let latent: Value;
if (mode === 'codes') {
  latent = op.gather(g.param('codes', [objects, d], { kind: 'normal', std: 1 }), g.input('object_index', 'int64', [graphs]));
} else if (mixed) {
  // Graphs [0, 4) tri-plane, [4, 8) MLP, then the two references.
  const raw = op.reshape(buildEncoder(g, declareEncoderInputs(g), DEFAULT_ENCODER), [graphs + 2, d]);
  let e = op.slice(raw, 0, 0, graphs);
  if (mode === 'mix-ref') {
    const half = graphs / 2;
    e = op.concat([op.sub(op.slice(raw, 0, 0, half), op.slice(raw, 0, graphs, graphs + 1)), op.sub(op.slice(raw, 0, half, graphs), op.slice(raw, 0, graphs + 1, graphs + 2))], 0);
  }
  latent = batchStandardize(g, e);
} else {
  latent = batchStandardize(g, op.reshape(buildEncoder(g, declareEncoderInputs(g), DEFAULT_ENCODER), [graphs, d]));
}
const rays = config.foregroundRays + config.backgroundRays;
const s = config.samples;
const points = g.input('points', 'float32', [graphs, rays * s, 3]);
const { density, rgb } = buildDecoder(g, latent, points, DEFAULT_DECODER);
const loss = renderingLoss({
  density: op.reshape(density, [graphs, rays, s]),
  rgb: op.reshape(rgb, [graphs, rays, s, 3]),
  deltas: g.input('deltas', 'float32', [graphs, rays, s]),
  targetColour: g.input('target_colour', 'float32', [graphs, rays, 3]),
  targetOpacity: g.input('target_opacity', 'float32', [graphs, rays]),
  background: g.input('background', 'float32', [3]),
  foreground: config.foregroundRays,
}).loss;
const model = buildTrainStep({ graph: g, loss, metrics: {}, optimizer: { weightDecay: 0, clipNorm: 1 } });

const provider = await chooseProvider('cpu', { threads: 2 });
const sessions = new SessionCache();
const session = await sessions.get(model.bytes, provider, { variableShapes: true });
const zoo = loadZoo(values.zoo);
const cache = new NerfCache(zoo);
const train = zoo.manifest.objects.filter((o) => o.split === 'train');
const ids = Array.from({ length: objects }, (_, i) => train[(i * 37) % train.length]!.id);
const load = async (arch: string) => {
  const nerfs = await Promise.all(ids.map((id) => cache.get(id, arch)));
  const targets = await Promise.all(ids.map((id, i) => ensureTargets(zoo.dir, cache.file(id, arch), nerfs[i]!, sessions, provider, { seed: 0 })));
  return { nerfs, targets };
};
const a = await load('triplane-train');
const b = mixed ? await load('mlp-train') : a;

const optimizer = adamWState(initialParams(g, 0));
const next = seededRandom(1);
let sum = 0;
let count = 0;
for (let step = 1; step <= steps; step++) {
  const pick = Array.from({ length: graphs }, () => Math.floor(next() * objects));
  let feeds: Record<string, HostTensor>;
  if (mixed) {
    const half = pick.slice(0, graphs / 2);
    const nerfs = [...half.map((i) => a.nerfs[i]!), ...half.map((i) => b.nerfs[i]!)];
    feeds = await batchFeeds(nerfs, [...half.map((i) => a.targets[i]!), ...half.map((i) => b.targets[i]!)], config, next);
    if (mode === 'mix-ref') Object.assign(feeds, await batchFeeds([...nerfs, referenceNerf(nerfs[0]!.config), referenceNerf(nerfs[graphs - 1]!.config)], null, { ...config, objectsPerBatch: graphs / 2 + 1 }, next));
  } else {
    feeds = await batchFeeds(pick.map((i) => a.nerfs[i]!), pick.map((i) => a.targets[i]!), config, next);
  }
  if (mode === 'codes') {
    for (const k of Object.keys(feeds)) if (!['points', 'deltas', 'target_colour', 'target_opacity', 'background'].includes(k)) delete feeds[k];
    feeds['object_index'] = { dtype: 'int64', shape: [graphs], data: BigInt64Array.from(pick, (i) => BigInt(i)) };
  }
  const out = await adamWStep(session, feeds, optimizer, 1e-3, 'rendering-probe');
  sum += (out['loss']!.data as Float32Array)[0]!;
  count++;
  if (step % 25 === 0) {
    console.log(`${mode} step ${step}: rendering loss ${(sum / count).toFixed(4)} (mean of the last ${count} steps)`);
    sum = 0;
    count = 0;
  }
}
await sessions.dispose();
