import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialParams } from '../../src/main/compute/init';
import { chooseProvider } from '../../src/main/compute/providers';
import { JobPool } from '../../src/main/app/job-pool';
import { writeEncoder } from '../../src/main/gmn/embedder';
import { EVAL_FILES, evaluateEncoder } from '../../src/main/gmn/eval/evaluate';
import { formatReport } from '../../src/main/gmn/eval/report';
import type { HeadlineFigures, ProtocolDetail } from '../../src/main/gmn/eval/types';
import { MAP_HEIGHT, MAP_WIDTH } from '../../src/main/gmn/eval/scatter-plot';
import { readZoo } from '../../src/main/gmn/eval/zoo-embeddings';
import { DEFAULT_VALUE_NORMALIZATION } from '../../src/main/gmn/normalize';
import { encoderModel } from '../../src/main/gmn/train-graph';
import { TRAINING_ARCHITECTURES } from '../../src/main/nerf/architectures';
import { generateZoo } from '../../src/main/zoo/generate';

const pool = new JobPool({ size: 1 });
afterAll(() => pool.close());

const zooDir = mkdtempSync(join(tmpdir(), 'nerfdex-eval-zoo-'));
const modelPath = join(mkdtempSync(join(tmpdir(), 'nerfdex-eval-model-')), 'encoder.onnx');
const encoder = { hidden: 8, embedding: 16, blocks: 2 };

/** Every fixed headline key, checked against the tables it is read from. */
function expectHeadline(h: HeadlineFigures, detail: ProtocolDetail): void {
  const row = (name: string) => detail.classification.rows.find((r) => r.architecture === name)!;
  expect(h.classification.training).toBe(row('all training').accuracy);
  expect(h.classification.unseen).toBe(row('all unseen').accuracy);
  expect(h.classification.knn).toEqual({ training: row('all training').knnAccuracy, unseen: row('all unseen').knnAccuracy });
  expect(Object.keys(h.classification.perArchitecture)).toEqual([...TRAINING_ARCHITECTURES]);
  for (const a of TRAINING_ARCHITECTURES) expect(h.classification.perArchitecture[a]).toBe(row(a).accuracy);
  expect(h.retrieval).toEqual({ r1: detail.retrieval.average['1'], r5: detail.retrieval.average['5'], r10: detail.retrieval.average['10'] });
  // Accuracies are counts of right answers out of 9 (training) or 3 (unseen) test NeRFs.
  for (const [v, n] of [[h.classification.training, 9], [h.classification.unseen, 3], [h.classification.knn.training, 9], [h.classification.knn.unseen, 3], ...Object.values(h.classification.perArchitecture).map((x) => [x, 3])] as [number, number][]) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
    expect(Math.abs(v * n - Math.round(v * n))).toBeLessThan(1e-9);
  }
  for (const v of [h.retrieval.r1, h.retrieval.r5, h.retrieval.r10]) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
  expect(h.retrieval.r5).toBe(1); // every gallery holds 3 objects
  expect(h.retrieval.r10).toBe(1);
}

beforeAll(async () => {
  await generateZoo({
    out: zooDir,
    pool,
    provider: await chooseProvider('cpu', { threads: 1 }),
    categories: ['chair', 'airplane', 'lamp'],
    perCategory: 2,
    valPerCategory: 0,
    testPerCategory: 1,
    trainArchitectures: TRAINING_ARCHITECTURES,
    testArchitectures: [...TRAINING_ARCHITECTURES, 'mlp-L2'],
    steps: 20,
    pointsPerStep: 256,
    batch: 6,
  });
  const manifestSha = createHash('sha256').update(readFileSync(join(zooDir, 'manifest.json'))).digest('hex');
  // An untrained encoder: the seeded initial weights, written as a shipped model would be.
  await writeEncoder(modelPath, initialParams(encoderModel(encoder).graph, 5), { encoder, normalization: DEFAULT_VALUE_NORMALIZATION, command: 'test', zooManifest: manifestSha });
}, 300_000);

describe('encoder evaluation end to end', () => {
  it('evaluates an untrained encoder on a tiny zoo: every section, real metrics in range, PNGs of the map size', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nerfdex-eval-out-'));
    const stages = new Set<string>();
    const result = await evaluateEncoder({
      model: modelPath,
      zoo: zooDir,
      out,
      provider: await chooseProvider('cpu', { threads: 1 }),
      classifier: { steps: 30 },
      tsne: { iterations: 200 },
      onProgress: (p) => stages.add(p.stage),
    });
    const { metrics, report } = result;
    expect([...stages]).toEqual(['embedding', 'classification', 'retrieval', 'baseline', 'map']);

    // Header and counts: 3 categories x 2 train objects x 3 archs; 3 test objects x 4 archs.
    expect(metrics.model.version).toMatch(/^gmn-[0-9a-f]{8}$/);
    expect(metrics.model.trainedOnThisZoo).toBe(true);
    expect(metrics.zoo.manifestSha256).toBe((await readZoo(zooDir)).sha256);
    expect(metrics.zoo.objects).toEqual({ train: 6, val: 0, test: 3 });
    expect(metrics.zoo.embeddings).toEqual({ train: 18, val: 0, test: 12 });
    expect(metrics.zoo.unseenArchitectures).toEqual(['mlp-L2']);
    for (const heading of ['# GMN encoder evaluation', '## Classification from frozen embeddings', '## Cross-architecture instance retrieval (test split)', '## Map of the test embeddings']) {
      expect(report).toContain(heading);
    }
    expect(report).toContain(metrics.model.version);
    expect(report).toContain(metrics.zoo.manifestSha256);
    expect(report).toContain(`![test embeddings by category](${EVAL_FILES.byCategory})`);

    // Classification: one row per test architecture plus the two totals, accuracies in [0, 1].
    const c = metrics.detail.classification;
    expect(c.rows.map((r) => r.architecture)).toEqual([...TRAINING_ARCHITECTURES, 'all training', 'mlp-L2', 'all unseen']);
    expect(c.rows.map((r) => r.count)).toEqual([3, 3, 3, 9, 3, 3]);
    for (const r of c.rows) {
      for (const v of [r.accuracy, r.knnAccuracy]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(Math.abs(v * r.count - Math.round(v * r.count))).toBeLessThan(1e-9); // a count of right answers
      }
    }
    expect(c.classifier.validationAccuracy).toBeUndefined();
    expect(c.classifier.keptStep).toBe(30);
    expect(c.chance).toBeCloseTo(1 / 3, 10);

    // Retrieval: the 6 ordered pairs of training architectures, 3 objects each.
    const r = metrics.detail.retrieval;
    expect(r.pairs.map((p) => `${p.query}>${p.gallery}`)).toEqual([
      'mlp-train>triplane-train', 'mlp-train>hash-train', 'triplane-train>mlp-train', 'triplane-train>hash-train', 'hash-train>mlp-train', 'hash-train>triplane-train',
    ]);
    for (const p of r.pairs) {
      expect(p.objects).toBe(3);
      expect([0, 1 / 3, 2 / 3, 1].some((v) => Math.abs(v - p.recall['1']!) < 1e-12)).toBe(true);
      expect(p.recall['5']).toBe(1); // k >= gallery size
      expect(p.chance).toEqual({ 1: 1 / 3, 5: 1, 10: 1 });
    }
    expect(r.average['1']).toBeGreaterThanOrEqual(0);
    expect(r.average['1']).toBeLessThanOrEqual(1);

    // The fixed headline keys, for the encoder and for the functional baseline.
    expectHeadline(metrics, metrics.detail);
    const base = metrics.baseline!;
    expect(base.descriptor).toEqual({ kind: 'log1p density', resolution: 16, length: 4096 });
    expectHeadline(base, base.detail);
    // The baseline goes through the same protocol: the same groups and pairs, its own probe on 4,096-wide inputs.
    expect(base.detail.classification.rows.map((x) => [x.architecture, x.count])).toEqual(c.rows.map((x) => [x.architecture, x.count]));
    expect(base.detail.retrieval.pairs.map((p) => [p.query, p.gallery, p.objects])).toEqual(r.pairs.map((p) => [p.query, p.gallery, p.objects]));
    expect(base.detail.classification.classifier.keptStep).toBe(30);
    expect(base.detail.classification.classifier.trainSamples).toBe(18);
    // The baseline's probe fits 18 train descriptors; 4,096 dimensions separate 18 samples.
    expect(base.detail.classification.classifier.trainAccuracy).toBe(1);
    expect(metrics.seconds.baseline).toBeGreaterThan(0);
    expect(report).toContain('## Summary');
    expect(report).toMatch(/\| functional baseline \(density\) \| [0-9.]+ % \| [0-9.]+ % \| [0-9.]+ % \| 100\.0 % \| 100\.0 % \|/);
    expect(report).toContain('| test architecture | kind | NeRFs | MLP accuracy | 5-NN accuracy | baseline MLP | baseline 5-NN |');
    expect(report).toContain('| query | gallery | objects | R@1 | R@5 | R@10 | baseline R@1 | baseline R@5 | baseline R@10 | chance R@1 | chance R@5 | chance R@10 |');
    // Without the baseline (--no-baseline) the report says so and has no baseline columns.
    const bare = formatReport({ ...metrics, baseline: undefined });
    expect(bare).toContain('The functional baseline was not computed (`--no-baseline`).');
    expect(bare).not.toContain('baseline MLP');
    expect(bare).toContain('| query | gallery | objects | R@1 | R@5 | R@10 | chance R@1 | chance R@5 | chance R@10 |');

    // Files: report and metrics as returned, the two maps decode at the map size.
    expect(readFileSync(join(out, EVAL_FILES.report), 'utf8')).toBe(report);
    const written = JSON.parse(readFileSync(join(out, EVAL_FILES.metrics), 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(metrics)));
    for (const figures of [written, written.baseline]) {
      for (const key of ['training', 'unseen']) expect(typeof figures.classification[key]).toBe('number');
      for (const key of ['r1', 'r10']) expect(typeof figures.retrieval[key]).toBe('number');
    }
    for (const file of [EVAL_FILES.byCategory, EVAL_FILES.byArchitecture]) {
      const png = decode(readFileSync(join(out, file)));
      expect([png.width, png.height]).toEqual([MAP_WIDTH, MAP_HEIGHT]);
    }
    expect(metrics.map.points).toBe(12);
    // Neighbour shares over the 9 test embeddings of the training architectures (3 objects x 3).
    const nb = metrics.neighbours!;
    expect(nb.k).toBe(8);
    expect(nb.chance).toEqual({ architecture: 2 / 8, category: expect.any(Number), object: 2 / 8, 'main colour': expect.any(Number) });
    // With k = every other embedding, each share is its chance share.
    for (const name of ['architecture', 'category', 'object', 'main colour']) expect(nb.shares[name]).toBeCloseTo(nb.chance[name]!, 9);
    expect(report).toContain('## What nearest neighbours share');
    expect(Number.isFinite(metrics.map.klDivergence)).toBe(true);
  }, 120_000);

  it('names the file when the zoo has no manifest or a foreign one', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nerfdex-eval-empty-'));
    await expect(readZoo(empty)).rejects.toThrow(/manifest\.json: cannot read the zoo manifest/);
    writeFileSync(join(empty, 'manifest.json'), JSON.stringify({ format: 'something-else' }));
    await expect(readZoo(empty)).rejects.toThrow(/manifest\.json: not a nerfdex zoo manifest \(format is "something-else"\)/);
  });
});
