/**
 * How close do the embeddings of large NeRFs land to the same objects' training-architecture
 * embeddings? For N test objects of a zoo (one per category first), fits each object at a large
 * hash grid (16 levels x 2^14 entries x 2 features by default: about 490k graph edges, far
 * above MAX_DIRECT_EDGES), embeds it with `Embedder.embed` (which distills it into hash-train,
 * nerf/distill.ts), and compares that embedding with the embeddings of the zoo's mlp-train,
 * triplane-train and hash-train fits of the same N objects:
 *
 * - per object: cosine to its own three training-architecture embeddings, and the mean cosine to
 *   the other objects' ones;
 * - retrieval: the rank of the object among the N x 3 training-architecture embeddings, among
 *   the N x 2 of the other families (mlp-train, triplane-train), and among the N hash-train ones
 *   (R@1, R@5: the nearest, or one of the five nearest, is the same object).
 *
 * The zoo's own hash-train embeddings, queried against the N x 2 mlp-train and triplane-train
 * ones, are the baseline: how close the encoder puts a small hash grid fitted directly to the
 * other families. Prints a markdown table.
 *
 *   npx tsx scripts/large-hash-closeness.ts --zoo data/zoo --model runs/gmn-v2/encoder.onnx [--objects 13]
 *     [--levels 16] [--log2-table 14] [--steps 300] [--threads 1]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/main/compute/init';
import { chooseProvider } from '../src/main/compute/providers';
import { SessionCache } from '../src/main/compute/session';
import { Embedder, MAX_DIRECT_EDGES } from '../src/main/gmn/embedder';
import { paramGraphSize } from '../src/main/gmn/param-graph';
import { TRAINING_ARCHITECTURES, perLevelScaleFor } from '../src/main/nerf/architectures';
import { nerfField } from '../src/main/nerf/field-runtime';
import { fitNerfs } from '../src/main/nerf/fit';
import { cosine } from '../src/main/gmn/eval/metrics';
import { readNerfFile } from '../src/main/nerf/formats/native';
import type { HashGridConfig, Nerf } from '../src/main/nerf/types';
import { sampleTrainingPoints } from '../src/main/zoo/field';
import { ZOO_AABB, fitPsnr, groundTruthFieldFunction, zooFileName } from '../src/main/zoo/fit-job';
import { generateObject } from '../src/main/zoo/objects';
import type { Category } from '../src/main/vocabulary/categories';

interface ManifestObject {
  readonly id: string;
  readonly category: Category;
  readonly seed: number;
  readonly split: string;
}

const USAGE = 'usage: npx tsx scripts/large-hash-closeness.ts --zoo DIR --model ENCODER.onnx [--objects 13] [--levels 16] [--log2-table 14] [--steps 300] [--threads 1]';

function integer(text: string | undefined, name: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}

/** Test objects, one per category in turn (the first of each category, then the second...). */
function pickObjects(objects: readonly ManifestObject[], count: number): ManifestObject[] {
  const byCategory = new Map<string, ManifestObject[]>();
  for (const o of objects.filter((o) => o.split === 'test')) {
    const list = byCategory.get(o.category) ?? [];
    list.push(o);
    byCategory.set(o.category, list);
  }
  const picked: ManifestObject[] = [];
  for (let round = 0; picked.length < count; round++) {
    const before = picked.length;
    for (const list of byCategory.values()) if (list[round] && picked.length < count) picked.push(list[round]!);
    if (picked.length === before) break;
  }
  return picked;
}

interface Closeness {
  /** Cosine to the same object's embedding in each compared architecture. */
  readonly own: number[];
  /** Mean cosine to the other objects' embeddings (every compared architecture). */
  readonly others: number;
  /** 1-based rank of the first embedding of the same object among all compared ones. */
  readonly rank: number;
}

/** Closeness of `query` (object `self`) to the gallery `gallery[object][architecture]`. */
function closeness(query: Float32Array, self: number, gallery: readonly (readonly Float32Array[])[]): Closeness {
  const scored = gallery.flatMap((row, object) => row.map((e) => ({ object, score: cosine(query, e) })));
  const others = scored.filter((s) => s.object !== self);
  scored.sort((a, b) => b.score - a.score);
  return {
    own: gallery[self]!.map((e) => cosine(query, e)),
    others: others.reduce((sum, s) => sum + s.score, 0) / Math.max(1, others.length),
    rank: scored.findIndex((s) => s.object === self) + 1,
  };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f = (x: number, digits = 3): string => x.toFixed(digits);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      zoo: { type: 'string' },
      model: { type: 'string' },
      objects: { type: 'string' },
      levels: { type: 'string' },
      'log2-table': { type: 'string' },
      steps: { type: 'string' },
      threads: { type: 'string' },
    },
  });
  if (!values.zoo || !values.model) {
    console.error(USAGE);
    return 2;
  }
  const count = integer(values.objects, 'objects', 13, 2);
  const levels = integer(values.levels, 'levels', 16, 1);
  const log2TableSize = integer(values['log2-table'], 'log2-table', 14, 4);
  const steps = integer(values.steps, 'steps', 300, 1);
  const threads = integer(values.threads, 'threads', 1, 0);

  const manifestPath = join(values.zoo, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { objects?: ManifestObject[] };
  if (!Array.isArray(manifest.objects)) throw new TypeError(`${manifestPath}: no "objects" list (not a zoo manifest)`);
  const objects = pickObjects(manifest.objects, count);
  if (objects.length < 2) throw new RangeError(`${manifestPath}: needs at least 2 test objects, found ${objects.length}`);

  const embedder = await Embedder.load(values.model);
  const provider = await chooseProvider('cpu', { threads });
  const sessions = new SessionCache();
  // The large grid: instant-ngp's shape (16 levels, F 2, base 16) with a smaller table; finest 512.
  const large: HashGridConfig = {
    family: 'hashgrid',
    architecture: `hash-L${levels}-T${log2TableSize}`,
    aabb: ZOO_AABB,
    densityActivation: 'truncExp',
    levels,
    log2TableSize,
    featuresPerLevel: 2,
    baseResolution: 16,
    perLevelScale: perLevelScaleFor(16, 512, levels),
    hidden: [64, 64],
  };
  const size = paramGraphSize(large);
  if (size.edges <= MAX_DIRECT_EDGES) throw new RangeError(`${large.architecture} has ${size.edges} graph edges, not above MAX_DIRECT_EDGES (${MAX_DIRECT_EDGES}): it would not be distilled`);
  console.error(`encoder ${embedder.info.version} (${values.model}); ${objects.length} test objects; large grid ${large.architecture}: ${size.edges} graph edges; ${steps} fit steps`);

  const t0 = performance.now();
  const trainNerfs: Nerf[] = [];
  for (const o of objects) for (const a of TRAINING_ARCHITECTURES) trainNerfs.push(await readNerfFile(join(values.zoo, zooFileName(o.id, a))));
  const trainEmbeddings = await embedder.embed(trainNerfs, sessions, provider);
  const gallery = objects.map((_, i) => TRAINING_ARCHITECTURES.map((_, a) => trainEmbeddings[i * TRAINING_ARCHITECTURES.length + a]!));
  console.error(`embedded ${trainNerfs.length} training-architecture fits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const rows: { id: string; psnr: number; result: Closeness; cross: Closeness; hashOnly: Closeness; fitSeconds: number; embedSeconds: number }[] = [];
  for (const [i, o] of objects.entries()) {
    const object = generateObject(o.category, o.seed);
    // The zoo's own supervision for this object (same sampler and seed as zoo/fit-job.ts).
    const samples = sampleTrainingPoints(object.shape, 100_000, seededRandom(o.seed * 7919 + 17));
    const fitStart = performance.now();
    const fit = await fitNerfs(large, [samples], sessions, provider, { steps, pointsPerStep: 2048, lr: 1e-2, seed: o.seed });
    const nerf: Nerf = { config: large, params: fit.params[0]!, meta: { objectId: o.id, category: o.category } };
    const quality = await fitPsnr(groundTruthFieldFunction(object.shape), nerfField(nerf, sessions, provider), 64, [[35, 25]]);
    const embedStart = performance.now();
    const [embedding] = await embedder.embed([nerf], sessions, provider, 1);
    const embedSeconds = (performance.now() - embedStart) / 1000;
    const result = closeness(embedding!, i, gallery);
    const cross = closeness(embedding!, i, gallery.map((row) => row.slice(0, 2)));
    const hashOnly = closeness(embedding!, i, gallery.map((row) => row.slice(2)));
    rows.push({ id: o.id, psnr: quality, result, cross, hashOnly, fitSeconds: (embedStart - fitStart) / 1000, embedSeconds });
    console.error(
      `${o.id}: large fit ${quality.toFixed(1)} dB in ${rows.at(-1)!.fitSeconds.toFixed(0)} s; embed (distill) ${embedSeconds.toFixed(0)} s; own ${result.own.map((c) => f(c)).join('/')}, others ${f(result.others)}, rank ${result.rank}`,
    );
  }
  await sessions.dispose();

  // Baseline: the zoo's hash-train embedding against the other objects' mlp-train and triplane-train ones.
  const crossGallery = gallery.map((row) => row.slice(0, 2));
  const baseline = gallery.map((row, i) => closeness(row[2]!, i, crossGallery));

  const recall = (list: readonly Closeness[], k: number): string => f(mean(list.map((c) => (c.rank <= k ? 1 : 0))), 2);
  const chance = (n: number, good: number, k: number): string => f(1 - hypergeometricMiss(n, good, k), 2);
  const N = objects.length;
  const lines = [
    `Encoder \`${embedder.info.version}\` (\`${values.model}\`), ${N} zoo test objects, large grid ${levels} levels x 2^${log2TableSize} entries x 2 features (${size.edges.toLocaleString('en')} graph edges), ${steps} fit steps; embedded by distillation into hash-train.`,
    '',
    '| object | large-fit PSNR (dB) | distilled: cos to own mlp / triplane / hash-train | mean cos to other objects | rank among 3N / 2N mlp+triplane | zoo hash-train: cos to own mlp / triplane | its mean cos to others | its rank among 2N |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r, i) =>
        `| ${r.id} | ${r.psnr.toFixed(1)} | ${r.result.own.map((c) => f(c)).join(' / ')} | ${f(r.result.others)} | ${r.result.rank} / ${r.cross.rank} | ${baseline[i]!.own.map((c) => f(c)).join(' / ')} | ${f(baseline[i]!.others)} | ${baseline[i]!.rank} |`,
    ),
    `| **mean** | ${mean(rows.map((r) => r.psnr)).toFixed(1)} | ${[0, 1, 2].map((a) => f(mean(rows.map((r) => r.result.own[a]!)))).join(' / ')} | ${f(mean(rows.map((r) => r.result.others)))} | ${f(mean(rows.map((r) => r.result.rank)), 1)} / ${f(mean(rows.map((r) => r.cross.rank)), 1)} | ${[0, 1].map((a) => f(mean(baseline.map((b) => b.own[a]!)))).join(' / ')} | ${f(mean(baseline.map((b) => b.others)))} | ${f(mean(baseline.map((b) => b.rank)), 1)} |`,
    '',
    '| query | gallery | R@1 | R@5 | chance R@1 / R@5 |',
    '|---|---|---|---|---|',
    `| distilled large fit | ${3 * N} mlp-train + triplane-train + hash-train | ${recall(rows.map((r) => r.result), 1)} | ${recall(rows.map((r) => r.result), 5)} | ${chance(3 * N, 3, 1)} / ${chance(3 * N, 3, 5)} |`,
    `| distilled large fit | ${N} hash-train | ${recall(rows.map((r) => r.hashOnly), 1)} | ${recall(rows.map((r) => r.hashOnly), 5)} | ${chance(N, 1, 1)} / ${chance(N, 1, 5)} |`,
    `| distilled large fit | ${2 * N} mlp-train + triplane-train | ${recall(rows.map((r) => r.cross), 1)} | ${recall(rows.map((r) => r.cross), 5)} | ${chance(2 * N, 2, 1)} / ${chance(2 * N, 2, 5)} |`,
    `| zoo hash-train fit (baseline) | ${2 * N} mlp-train + triplane-train | ${recall(baseline, 1)} | ${recall(baseline, 5)} | ${chance(2 * N, 2, 1)} / ${chance(2 * N, 2, 5)} |`,
    '',
    `Cost per object: large fit ${f(mean(rows.map((r) => r.fitSeconds)), 0)} s, embedding with distillation ${f(mean(rows.map((r) => r.embedSeconds)), 0)} s.`,
  ];
  console.log(lines.join('\n'));
  return 0;
}

/** Probability that none of `good` items among `n` is in a random `k` of them. */
function hypergeometricMiss(n: number, good: number, k: number): number {
  let p = 1;
  for (let i = 0; i < Math.min(k, n); i++) p *= Math.max(0, n - good - i) / (n - i);
  return p;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exitCode = 1;
  },
);
