/**
 * `npm run bench -- text [--model resources/models/text.onnx] [--assets 10000] [--queries 200]`
 *
 * Prints ms per text query at a library of N assets: tokenise + encode (text.onnx on one CPU
 * thread), the library's whole text search with the semantic hook (FTS5 lists + HNSW over the
 * GMN embeddings + fusion + hydration), the same search without the hook, and with misspelt
 * category words (the lexical spelling step, `library/spelling.ts`). Library
 * embeddings are synthetic (clustered) vectors in the text model's space, because only latency
 * is measured. Without a trained model at --model, an untrained one with the zoo vocabulary is
 * used: it costs the same. Never passes or fails on a time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialParams, normal, seededRandom } from '../src/main/compute/init';
import { Library } from '../src/main/library/library';
import type { AssetInput } from '../src/main/library/types';
import { captionedObject } from '../src/main/text/corpus';
import { DEFAULT_TEXT_MODEL, textInferenceModel } from '../src/main/text/model';
import { TextEmbedder, TextSearchHook, writeTextModel } from '../src/main/text/text-model-file';
import { buildVocabulary } from '../src/main/text/tokenizer';
import { CATEGORY_QUERIES } from '../src/main/text/synonyms';
import { CATEGORIES } from '../src/main/vocabulary/categories';
import { typosOf } from '../tests/text/typos';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}

const silent = { info: () => undefined, warn: () => undefined };
const aabb = [
  [-1, -1, -1],
  [1, 1, 1],
] as const;

/** An untrained text model with the zoo's vocabulary, written to `dir/text.onnx`. */
async function untrainedModel(dir: string, dims: number): Promise<string> {
  const captions = CATEGORIES.flatMap((c) => Array.from({ length: 30 }, (_, seed) => captionedObject(c, seed).captions).flat());
  const { vocabulary, frequencies } = buildVocabulary(captions, { extraWords: Object.values(CATEGORY_QUERIES).flat() });
  const config = { ...DEFAULT_TEXT_MODEL, vocabulary: vocabulary.length, embedding: dims };
  const { graph } = textInferenceModel(config);
  const path = join(dir, 'text.onnx');
  await writeTextModel(path, initialParams(graph, 0), { config, encoderVersion: 'bench-model', vocabulary, frequencies, categories: [...CATEGORIES], training: { steps: 0 } });
  return path;
}

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return `${at(0.5).toFixed(2)} | ${at(0.99).toFixed(2)}`;
}

export async function run(args: string[]): Promise<void> {
  const n = Number(option(args, 'assets', '10000'));
  const queryCount = Number(option(args, 'queries', '200'));
  const requested = option(args, 'model', 'resources/models/text.onnx');
  const dir = mkdtempSync(join(tmpdir(), 'nerfdex-bench-text-'));
  try {
    const trained = existsSync(requested);
    const probe = trained ? await TextEmbedder.load(requested) : undefined;
    const dims = probe?.dimensions ?? 128;
    const modelPath = trained ? requested : await untrainedModel(dir, dims);
    const text = probe ?? (await TextEmbedder.load(modelPath));
    const version = text.info.encoderVersion;
    console.log(`text model: ${trained ? `${requested} (${text.info.version})` : 'untrained, zoo vocabulary (no trained model at --model)'}; ${text.info.vocabulary.length} tokens, ${dims} dims; ${n.toLocaleString('en')} assets`);

    const next = seededRandom(3);
    const centres = Array.from({ length: 50 }, () => Float32Array.from({ length: dims }, () => normal(next)));
    const library = await Library.open(join(dir, 'library'), { log: silent });
    await library.registerModel({ version, dims });
    for (let i = 0; i < n; i += 500) {
      const batch: AssetInput[] = [];
      for (let j = i; j < Math.min(n, i + 500); j++) {
        const vector = Float32Array.from(centres[j % 50]!, (x) => x + 0.5 * normal(next));
        batch.push({
          contentSha256: createHash('sha256').update(`bench-text-${j}`).digest('hex'),
          name: `asset ${j}`,
          config: { family: 'mlp', architecture: 'mlp-train', aabb, densityActivation: 'softplus', frequencies: 6, hidden: [64, 64, 64] },
          category: CATEGORIES[j % CATEGORIES.length],
          caption: captionedObject(CATEGORIES[j % CATEGORIES.length]!, j % 30, 0).captions[0],
          embeddings: [{ modelVersion: version, vector }],
        });
      }
      library.putAssets(batch);
    }
    await library.activateModel(version, { allowIncomplete: true });
    await library.indexReady();
    const status = library.indexStatus();
    console.log(`index: ${status?.count} vectors, graph ${status?.graph}`);

    const queries = CATEGORIES.flatMap((c) => [...CATEGORY_QUERIES[c], `a red ${c}`, `tall ${c} with legs`]);
    const q = (i: number) => queries[i % queries.length]!;
    const time = async (body: (i: number) => Promise<unknown>): Promise<number[]> => {
      await body(0);
      const out: number[] = [];
      for (let i = 0; i < queryCount; i++) {
        const t0 = performance.now();
        await body(i);
        out.push(performance.now() - t0);
      }
      return out;
    };
    const encode = await time((i) => text.encode(q(i)));
    const hook = new TextSearchHook(text);
    library.setSemanticSearch(hook);
    const fused = await time((i) => library.searchText(q(i), { limit: 20 }));
    const used = (await library.searchText(q(1), { limit: 20 })).semantic;
    const lexical = await time((i) => library.searchText(q(i), { limit: 20, semantic: false }));
    const misspelt = CATEGORIES.flatMap((c) => typosOf(c).map((t) => `${t} `));
    const typo = await time((i) => library.searchText(misspelt[i % misspelt.length]!, { limit: 20 }));
    const corrected = (await Promise.all(misspelt.map((m) => library.searchText(m, { limit: 20 })))).filter((r) => r.corrections.length > 0).length;
    const vectors = await Promise.all(queries.map(async (query) => (await text.encode(query)).embedding));
    const vectorOnly = await time(async (i) => library.findSimilar({ vector: vectors[i % vectors.length]!, k: 20 }));
    const vectorDeep = await time(async (i) => library.findSimilar({ vector: vectors[i % vectors.length]!, k: 200 }));
    console.log(`\n| per query (${queryCount} queries, ${n.toLocaleString('en')} assets) | p50 ms | p99 ms |`);
    console.log('|---|---|---|');
    console.log(`| encode (tokenise + text.onnx, 1 thread) | ${summary(encode)} |`);
    console.log(`| text search with the semantic hook (encode + FTS5 + HNSW + fusion + 20 results; semantic ${used}) | ${summary(fused)} |`);
    console.log(`| text search without it (FTS5 only) | ${summary(lexical)} |`);
    console.log(`| text search with the hook, a misspelt category (${misspelt.length} misspellings, ${corrected} corrected by the spelling step) | ${summary(typo)} |`);
    console.log(`| vector search alone, k = 20 / k = 200 (the fusion depth), hydrated | ${summary(vectorOnly)} / ${summary(vectorDeep)} |`);
    await library.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
