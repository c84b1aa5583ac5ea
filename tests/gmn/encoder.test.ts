import { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { initialParams, seededRandom } from '../../src/main/compute/init';
import { runSession } from '../../src/main/compute/session';
import type { HostTensor } from '../../src/main/compute/tensor';
import { batchGraphs, graphBatchFeeds } from '../../src/main/gmn/batch';
import { encoderModel } from '../../src/main/gmn/train-graph';
import { buildParamGraph } from '../../src/main/gmn/param-graph';
import { configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import type { Nerf } from '../../src/main/nerf/types';
import { permuteHidden } from './permute';

const AABB = [[-1, -1, -1], [1, 1, 1]] as const;
const config = { hidden: 16, embedding: 24, blocks: 3 };

function nerf(id: string, seed: number): Nerf {
  const params = initParams(configFor(id, AABB), seed);
  const next = seededRandom(seed + 1);
  // Non-zero biases, so the bias edges matter.
  for (const [name, t] of Object.entries(params)) if (name.endsWith('/bias')) for (let i = 0; i < t.data.length; i++) (t.data as Float32Array)[i] = next() - 0.5;
  return { config: configFor(id, AABB), params, meta: {} };
}

async function embed(nerfs: Nerf[]): Promise<Float32Array> {
  const { graph, bytes } = encoderModel(config);
  const params = initialParams(graph, 3);
  const feeds: Record<string, HostTensor> = { ...graphBatchFeeds(batchGraphs(nerfs.map((n) => buildParamGraph(n)))) };
  for (const [name, t] of Object.entries(params)) feeds[`params/${name}`] = t;
  const session = await InferenceSession.create(bytes);
  const out = await runSession(session, feeds);
  return out['embeddings']!.data as Float32Array;
}

describe('GMN encoder', () => {
  it('embeds a batch of mixed architectures, each graph independently of the others', async () => {
    const a = nerf('mlp-train', 1);
    const b = nerf('triplane-R16', 2);
    const c = nerf('hash-T10', 3);
    const together = await embed([a, b, c]);
    expect(together).toHaveLength(3 * 24);
    const alone = await embed([b]);
    for (let i = 0; i < 24; i++) expect(Math.abs(together[24 + i]! - alone[i]!)).toBeLessThan(1e-5);
    expect(together.every(Number.isFinite)).toBe(true);
    // Different NeRFs land in different places.
    let diff = 0;
    for (let i = 0; i < 24; i++) diff = Math.max(diff, Math.abs(together[i]! - together[24 + i]!));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it.each(['mlp-train', 'triplane-train', 'hash-train'])('gives the same embedding when the hidden neurons of a %s NeRF are permuted', async (id) => {
    const original = nerf(id, 7);
    const width = 64;
    const next = seededRandom(11);
    const sigma = Array.from({ length: width }, (_, i) => i);
    for (let i = width - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [sigma[i], sigma[j]] = [sigma[j]!, sigma[i]!];
    }
    const permuted = permuteHidden(original, 1, sigma);
    const [x, y] = [await embed([original]), await embed([permuted])];
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
  it('round-trip: writeEncoder -> Embedder.load embeds as the training graph does; stock ORT loads the file', async () => {
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
    const expected = await embed(nerfs);
    got.forEach((e, g) => e.forEach((v, i) => expect(Math.abs(v - expected[g * 24 + i]!)).toBeLessThan(1e-5)));
    const stock = await InferenceSession.create(path);
    expect(stock.outputNames).toEqual(['embeddings']);
    await sessions.dispose();
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
});
