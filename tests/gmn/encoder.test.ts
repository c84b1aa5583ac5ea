import { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { initialParams, seededRandom } from '../../src/main/compute/init';
import { runSession } from '../../src/main/compute/session';
import type { HostTensor } from '../../src/main/compute/tensor';
import { batchGraphs, encoderFeeds } from '../../src/main/gmn/batch';
import type { EncoderConfig } from '../../src/main/gmn/encoder';
import { probePoints } from '../../src/main/gmn/probes';
import { encoderModel } from '../../src/main/gmn/train-graph';
import { buildParamGraph } from '../../src/main/gmn/param-graph';
import { configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import type { Nerf } from '../../src/main/nerf/types';
import { permuteHidden } from './permute';

const AABB = [[-1, -1, -1], [1, 1, 1]] as const;
const config: EncoderConfig = { hidden: 16, embedding: 24, blocks: 3 };
/** The shipped recipe's encoder at test size: probe features, output readout, separate feature encoders. */
const probed: EncoderConfig = { hidden: 16, embedding: 24, blocks: 3, positionScale: 10, probes: probePoints(16), readout: 'edges+outputs', featureEncoders: 'separate' };
const CONFIGS = [['plain', config], ['probed', probed]] as const;

function nerf(id: string, seed: number): Nerf {
  const params = initParams(configFor(id, AABB), seed);
  const next = seededRandom(seed + 1);
  // Non-zero biases, so the bias edges matter.
  for (const [name, t] of Object.entries(params)) if (name.endsWith('/bias')) for (let i = 0; i < t.data.length; i++) (t.data as Float32Array)[i] = next() - 0.5;
  return { config: configFor(id, AABB), params, meta: {} };
}

async function embed(nerfs: Nerf[], encoder: EncoderConfig = config): Promise<Float32Array> {
  const { graph, bytes } = encoderModel(encoder);
  const params = initialParams(graph, 3);
  const feeds: Record<string, HostTensor> = encoderFeeds(batchGraphs(nerfs.map((n) => buildParamGraph(n, encoder.probes ? { probes: encoder.probes } : {}))), encoder);
  for (const [name, t] of Object.entries(params)) feeds[`params/${name}`] = t;
  // One thread: ONNX Runtime's multi-threaded CPU scatter-add loses updates (providers.ts, singleThreaded).
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const out = await runSession(session, feeds);
  return out['embeddings']!.data as Float32Array;
}

describe('GMN encoder', () => {
  it.each(CONFIGS)('embeds a batch of mixed architectures, each graph independently of the others (%s)', async (_, encoder) => {
    const a = nerf('mlp-train', 1);
    const b = nerf('triplane-R16', 2);
    const c = nerf('hash-T10', 3);
    const together = await embed([a, b, c], encoder);
    expect(together).toHaveLength(3 * 24);
    const alone = await embed([b], encoder);
    for (let i = 0; i < 24; i++) expect(Math.abs(together[24 + i]! - alone[i]!)).toBeLessThan(1e-5);
    expect(together.every(Number.isFinite)).toBe(true);
    // Different NeRFs land in different places.
    let diff = 0;
    for (let i = 0; i < 24; i++) diff = Math.max(diff, Math.abs(together[i]! - together[24 + i]!));
    expect(diff).toBeGreaterThan(1e-3);
  });

  const families = ['mlp-train', 'triplane-train', 'hash-train', 'mlp-L2', 'triplane-L3', 'hash-F4'];
  it.each(CONFIGS.flatMap(([name, encoder]) => families.map((id) => [id, name, encoder] as const)))('gives the same embedding when the hidden neurons of a %s NeRF are permuted (%s)', async (id, _, encoder) => {
    const original = nerf(id, 7);
    const width = 64;
    const next = seededRandom(11);
    const sigma = Array.from({ length: width }, (_, i) => i);
    for (let i = width - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [sigma[i], sigma[j]] = [sigma[j]!, sigma[i]!];
    }
    const permuted = permuteHidden(original, 1, sigma);
    const [x, y] = [await embed([original], encoder), await embed([permuted], encoder)];
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      scale = Math.max(scale, Math.abs(x[i]!));
    }
    expect(scale).toBeGreaterThan(1e-3);
    expect(worst / scale).toBeLessThan(1e-5);
  });
});

describe('encoder files', () => {
  it.each(CONFIGS)('round-trip: writeEncoder -> Embedder.load embeds as the training graph does; stock ORT loads the file (%s)', async (_, config) => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeEncoder, Embedder } = await import('../../src/main/gmn/embedder');
    const { SessionCache } = await import('../../src/main/compute/session');
    const { chooseProvider } = await import('../../src/main/compute/providers');
    const { DEFAULT_VALUE_NORMALIZATION } = await import('../../src/main/gmn/normalize');
    const { graph } = encoderModel(config);
    const params = initialParams(graph, 3);
    const path = join(mkdtempSync(join(tmpdir(), 'nerfdex-enc-')), 'encoder.onnx');
    const info = await writeEncoder(path, params, { encoder: config, normalization: DEFAULT_VALUE_NORMALIZATION, command: 'test' });
    expect(info.version).toMatch(/^gmn-[0-9a-f]{8}$/);
    const embedder = await Embedder.load(path);
    expect(embedder.info).toEqual(info);
    const nerfs = [nerf('mlp-train', 1), nerf('hash-T10', 3), nerf('triplane-R16', 2)];
    const sessions = new SessionCache();
    const got = await embedder.embed(nerfs, sessions, await chooseProvider('cpu'), 2);
    const expected = await embed(nerfs, config);
    got.forEach((e, g) => e.forEach((v, i) => expect(Math.abs(v - expected[g * 24 + i]!)).toBeLessThan(1e-5)));
    const stock = await InferenceSession.create(path);
    expect(stock.outputNames).toEqual(['embeddings']);
    await sessions.dispose();
  });

  it.each(['reference', 'standardization'])('an encoder.json of the retired recipe (carrying "%s") is refused by Embedder.load and readEncoderInfo, naming the file', async (field) => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeEncoder, Embedder, RetiredEncoderError } = await import('../../src/main/gmn/embedder');
    const { readEncoderInfo } = await import('../../src/main/library/import/importer');
    const { DEFAULT_VALUE_NORMALIZATION } = await import('../../src/main/gmn/normalize');
    const path = join(mkdtempSync(join(tmpdir(), 'nerfdex-enc-v1-')), 'encoder.onnx');
    await writeEncoder(path, initialParams(encoderModel(config).graph, 3), { encoder: config, normalization: DEFAULT_VALUE_NORMALIZATION });
    const jsonPath = path.replace(/\.onnx$/, '.json');
    const retired = { ...(JSON.parse(readFileSync(jsonPath, 'utf8')) as object), [field]: field === 'reference' ? { seed: 20_261_129 } : { mean: [0], std: [1] } };
    writeFileSync(jsonPath, JSON.stringify(retired));
    const message = `${jsonPath}: this encoder was trained with a retired recipe (GMN recipe v1: its encoder.json carries "${field}"), which this version of nerfdex no longer runs; retrain it with \`npm run train\` (docs/gmn.md) or use the shipped encoder`;
    await expect(Embedder.load(path)).rejects.toThrow(new RetiredEncoderError(jsonPath, [field]));
    await expect(Embedder.load(path)).rejects.toThrow(message);
    await expect(readEncoderInfo(path)).rejects.toThrow(message);
  });
});

describe('NeRFs too large for a parameter graph', () => {
  it('are distilled into their family training architecture before embedding; others pass as they are', async () => {
    const { embeddableNerf, MAX_DIRECT_EDGES } = await import('../../src/main/gmn/embedder');
    const { paramGraphSize } = await import('../../src/main/gmn/param-graph');
    const { SessionCache } = await import('../../src/main/compute/session');
    const { chooseProvider } = await import('../../src/main/compute/providers');
    const sessions = new SessionCache();
    const provider = await chooseProvider('cpu');
    const small = nerf('hash-train', 1);
    expect(await embeddableNerf(small, sessions, provider)).toBe(small);
    const bigConfig = { ...configFor('hash-train', AABB), architecture: 'hash-T17', log2TableSize: 17 } as const;
    expect(paramGraphSize(bigConfig).edges).toBeGreaterThan(MAX_DIRECT_EDGES);
    const big: Nerf = { config: bigConfig, params: initParams(bigConfig, 2), meta: { objectId: 'big-1' } };
    const seen = await embeddableNerf(big, sessions, provider);
    expect(seen.config.architecture).toBe('hash-train');
    expect(seen.meta.provenance?.['distilledFrom']).toBe('hash-T17');
    expect(paramGraphSize(seen.config).edges).toBeLessThanOrEqual(MAX_DIRECT_EDGES);
    await sessions.dispose();
  });

  it('distils a small grid of no training layout too (a nerfacto table), reporting progress and stopping when cancelled', async () => {
    const { embeddableNerf } = await import('../../src/main/gmn/embedder');
    const { JobCancelledError } = await import('../../src/main/compute/jobs');
    const { SessionCache } = await import('../../src/main/compute/session');
    const { chooseProvider } = await import('../../src/main/compute/providers');
    const sessions = new SessionCache();
    const provider = await chooseProvider('cpu');
    const base = configFor('hash-train', AABB);
    const config = { ...base, architecture: 'nerfacto-like', gridIndexing: 'nerfstudio-torch', gridAabb: [[-4, -4, -4], [4, 4, 4]] } as const;
    const grid: Nerf = { config, params: initParams(config, 3), meta: {} };
    const steps: number[] = [];
    const seen = await embeddableNerf(grid, sessions, provider, { onDistillProgress: (index, step) => steps.push(index, step) }, 5);
    expect(seen.config.architecture).toBe('hash-train');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps[0]).toBe(5);
    let asked = 0;
    await expect(embeddableNerf(grid, sessions, provider, { shouldStop: () => ++asked > 2 })).rejects.toThrow(JobCancelledError);
    expect(asked).toBeLessThan(10);
    await sessions.dispose();
  });
});
