/**
 * `npm run bench -- compute [--provider auto|cpu|webgpu|...] [--threads N] [--runs N]`
 *
 * Prints ms per forward and ms per train step (forward + backward + AdamW, one session.run) for
 * one GMN message-passing block at GMN size (20k nodes, 80k edges, hidden 64) and for a 3-layer,
 * 64-wide MLP on 64k points.
 */
import { linear, mse } from '../src/main/compute/functions';
import { Graph, type Value } from '../src/main/compute/graph';
import { initialParams, seededRandom } from '../src/main/compute/init';
import { buildModel } from '../src/main/compute/model';
import * as op from '../src/main/compute/ops';
import { buildTrainStep } from '../src/main/compute/optim';
import { chooseProvider, parseProviderRequest } from '../src/main/compute/providers';
import { SessionCache, runSession } from '../src/main/compute/session';
import type { HostTensor } from '../src/main/compute/tensor';
import { messagePassingBlock } from '../src/main/gmn/message-passing';
import { numberOption, timeMs } from './timing';

interface Workload {
  readonly name: string;
  readonly build: (g: Graph) => { readonly loss: Value; readonly outputs: Record<string, Value> };
  readonly batch: () => Record<string, HostTensor>;
}

function randomTensor(shape: number[], seed: number): HostTensor {
  const next = seededRandom(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 2 * next() - 1;
  return { dtype: 'float32', shape, data };
}

function randomIndices(n: number, max: number, seed: number): HostTensor {
  const next = seededRandom(seed);
  const data = new BigInt64Array(n);
  for (let i = 0; i < n; i++) data[i] = BigInt(Math.floor(next() * max));
  return { dtype: 'int64', shape: [n], data };
}

const NODES = 20_000;
const EDGES = 80_000;
const HIDDEN = 64;
const POINTS = 65_536;

const workloads: Workload[] = [
  {
    name: `GMN block (${NODES} nodes, ${EDGES} edges, hidden ${HIDDEN})`,
    build: (g) => {
      const nodes = g.input('nodes', 'float32', ['N', HIDDEN]);
      const edges = g.input('edges', 'float32', ['E', HIDDEN]);
      const src = g.input('src', 'int64', ['E']);
      const dst = g.input('dst', 'int64', ['E']);
      const out = messagePassingBlock(g, 'block0', HIDDEN, { nodes, edges, src, dst });
      const loss = op.add(op.meanAll(op.mul(out.nodes, out.nodes)), op.meanAll(op.mul(out.edges, out.edges)));
      return { loss, outputs: { nodes_out: out.nodes, edges_out: out.edges } };
    },
    batch: () => ({
      nodes: randomTensor([NODES, HIDDEN], 1),
      edges: randomTensor([EDGES, HIDDEN], 2),
      src: randomIndices(EDGES, NODES, 3),
      dst: randomIndices(EDGES, NODES, 4),
    }),
  },
  {
    name: `MLP 3 x 64 on ${POINTS} points`,
    build: (g) => {
      const x = g.input('x', 'float32', ['N', 3]);
      const target = g.input('target', 'float32', ['N', 4]);
      let h = x;
      let width = 3;
      for (let i = 0; i < 3; i++) {
        h = op.relu(linear(h, g.param(`l${i}/weight`, [width, 64]), g.param(`l${i}/bias`, [64], { kind: 'constant', value: 0 })));
        width = 64;
      }
      const y = linear(h, g.param('out/weight', [64, 4]), g.param('out/bias', [4], { kind: 'constant', value: 0 }));
      return { loss: mse(y, target), outputs: { y } };
    },
    batch: () => ({ x: randomTensor([POINTS, 3], 5), target: randomTensor([POINTS, 4], 6) }),
  },
];

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  const provider = await chooseProvider(parseProviderRequest(option(args, 'provider') ?? 'auto'), { threads: numberOption(args, 'threads', 0) });
  const runs = numberOption(args, 'runs', 10);
  console.log(`provider: ${provider.name} (${provider.reason}); threads: ${provider.threads || 'ORT default'}; runs: ${runs}`);
  for (const a of provider.attempts) if (!a.ok) console.log(`  skipped ${a.name}: ${a.reason}`);
  const cache = new SessionCache();
  console.log('| workload | forward ms (median / min) | train step ms (median / min) |');
  console.log('|---|---|---|');
  for (const w of workloads) {
    const forwardGraph = new Graph('float32');
    const { outputs } = w.build(forwardGraph);
    const forwardBytes = buildModel(forwardGraph, { outputs });
    const trainGraph = new Graph('float32');
    const { loss } = w.build(trainGraph);
    const step = buildTrainStep({ graph: trainGraph, loss, optimizer: { clipNorm: 1 } });
    const params = initialParams(trainGraph, 0);
    const batch = w.batch();
    const forwardFeeds: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(batch)) if (k !== 'target') forwardFeeds[k] = v;
    const trainFeeds: Record<string, HostTensor> = {
      ...batch,
      step: { dtype: 'float32', shape: [], data: Float32Array.of(1) },
      lr: { dtype: 'float32', shape: [], data: Float32Array.of(1e-3) },
    };
    for (const [name, t] of Object.entries(params)) {
      forwardFeeds[`params/${name}`] = t;
      trainFeeds[`params/${name}`] = t;
      trainFeeds[`adam_m/${name}`] = { ...t, data: new Float32Array(t.data.length) };
      trainFeeds[`adam_v/${name}`] = { ...t, data: new Float32Array(t.data.length) };
    }
    const forwardSession = await cache.get(forwardBytes, provider);
    const forward = await timeMs(runs, () => runSession(forwardSession, forwardFeeds));
    const trainSession = await cache.get(step.bytes, provider);
    const train = await timeMs(runs, () => runSession(trainSession, trainFeeds));
    console.log(`| ${w.name} | ${forward.median.toFixed(1)} / ${forward.min.toFixed(1)} | ${train.median.toFixed(1)} / ${train.min.toFixed(1)} |`);
  }
  await cache.dispose();
}
