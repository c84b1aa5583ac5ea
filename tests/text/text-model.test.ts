import { readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../../src/main/compute/graph';
import { buildModel } from '../../src/main/compute/model';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache, runSession } from '../../src/main/compute/session';
import type { HostTensor } from '../../src/main/compute/tensor';
import { Library } from '../../src/main/library/library';
import { buildTextModel, declareTextInputs } from '../../src/main/text/model';
import { CATEGORY_QUERIES } from '../../src/main/text/synonyms';
import { applySuggestions, tagLibrary } from '../../src/main/app/auto-tags';
import { AutoTagger, buildTagReference, generatedCaption } from '../../src/main/text/tags';
import { TextEmbedder, TextSearchHook, textModelPaths } from '../../src/main/text/text-model-file';
import { TextQueryError, Tokenizer } from '../../src/main/text/tokenizer';
import { textTrainJob } from '../../src/main/text/train-job';
import { readZooEmbeddings } from '../../src/main/text/embedding-cache';
import { CATEGORIES } from '../../src/main/vocabulary/categories';
import { configOf, sha256 } from '../library/helpers';
import { SYNTHETIC_DIMS, SYNTHETIC_VERSION, inlineContext, writeSyntheticZoo } from './synthetic';
import { typosOf } from './typos';

const silent = { info: () => undefined, warn: () => undefined };

describe('text model', () => {
  let dir: string;
  let modelPath: string;
  let losses: number[];
  let synthetic: ReturnType<typeof writeSyntheticZoo>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nerfdex-text-'));
    synthetic = writeSyntheticZoo(join(dir, 'zoo'));
    modelPath = join(dir, 'models', 'text.onnx');
    const ctx = inlineContext();
    await textTrainJob({ zoo: join(dir, 'zoo'), encoderVersion: SYNTHETIC_VERSION, out: modelPath, provider: await chooseProvider('cpu', { threads: 1 }), steps: 400, batch: 32, seed: 0 }, ctx);
    losses = ctx.log;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains: the loss falls', () => {
    expect(losses.length).toBeGreaterThan(4);
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
  });

  it('exports a text.onnx that computes what the training graph forward computes', async () => {
    const text = await TextEmbedder.load(modelPath);
    expect(text.info.encoderVersion).toBe(SYNTHETIC_VERSION);
    expect(text.dimensions).toBe(SYNTHETIC_DIMS);
    // The forward pass the train step is built on, with parameters as inputs, fed the trained values.
    const g = new Graph('float32');
    const { tokens, weights } = declareTextInputs(g);
    const forward = buildTextModel(g, text.info.config, tokens, weights);
    const bytes = buildModel(g, { outputs: { raw: forward.raw, logits: forward.categoryLogits } });
    const exported = readFileSync(modelPath);
    const { onnx } = (await import('onnx-proto')).default;
    const proto = onnx.ModelProto.decode(exported);
    const params: Record<string, HostTensor> = {};
    for (const init of proto.graph!.initializer!) {
      if (!init.name!.startsWith('params/')) continue;
      const raw = init.rawData!;
      params[init.name!] = { dtype: 'float32', shape: init.dims!.map(Number), data: new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) };
    }
    const queries = ['red chair', 'a tall gray lamp with a round base', 'couch'];
    const batch = Tokenizer.batch(queries.map((q) => text.tokenizer.tokenize(q)));
    const sessions = new SessionCache();
    const session = await sessions.get(bytes, await chooseProvider('cpu', { threads: 1 }));
    const reference = await runSession(session, {
      ...params,
      tokens: { dtype: 'int64', shape: [batch.batch, batch.length], data: batch.tokens },
      weights: { dtype: 'float32', shape: [batch.batch, batch.length], data: batch.weights },
    });
    const encoded = await text.encodeMany(queries);
    const d = text.dimensions;
    const c = CATEGORIES.length;
    const raw = reference['raw']!.data as Float32Array;
    const logits = reference['logits']!.data as Float32Array;
    encoded.forEach((e, i) => {
      // text.onnx = unit(raw * outputScale), softmax(logits).
      const scaled = Array.from({ length: d }, (_, j) => raw[i * d + j]! * text.info.outputScale![j]!);
      const norm = Math.hypot(...scaled);
      scaled.forEach((x, j) => expect(e.embedding[j]).toBeCloseTo(x / norm, 5));
      const row = Array.from(logits.subarray(i * c, (i + 1) * c));
      const max = Math.max(...row);
      const sum = row.reduce((s, x) => s + Math.exp(x - max), 0);
      row.forEach((x, j) => expect(e.categories[j]).toBeCloseTo(Math.exp(x - max) / sum, 5));
    });
    await sessions.dispose();
    expect(textModelPaths(modelPath).info.endsWith('text.json')).toBe(true);
    await expect(text.encode('')).rejects.toThrow(TextQueryError);
  });

  it('suggests the category and a generated caption from the latent space', async () => {
    const embeddings = await readZooEmbeddings(join(dir, 'zoo'), SYNTHETIC_VERSION);
    const tagger = new AutoTagger(buildTagReference(embeddings));
    const test = embeddings.index.fits.map((f, i) => ({ f, i })).filter(({ f }) => f.split === 'test');
    const right = test.filter(({ f, i }) => tagger.suggest(synthetic.vectors.subarray(i * SYNTHETIC_DIMS, (i + 1) * SYNTHETIC_DIMS)).category.name === f.category).length;
    expect(right / test.length).toBeGreaterThan(0.9);
    const s = tagger.suggest(synthetic.vectors.subarray(test[0]!.i * SYNTHETIC_DIMS, (test[0]!.i + 1) * SYNTHETIC_DIMS));
    expect(s.tags[0]).toMatchObject({ tag: test[0]!.f.category, kind: 'category' });
    expect(s.category.confidence).toBeGreaterThan(0.5);
    expect(s.caption).toMatch(/^an? .*airplane/);
    expect(generatedCaption('watercraft', 'red', 'long', 'two masts')).toBe('a long red boat with two masts');
    expect(generatedCaption('airplane', 'orange')).toBe('an orange airplane');
  });

  it('finds each category by its name, its misspellings and a synonym in a tiny library, and answers empty and absurd queries', async () => {
    const text = await TextEmbedder.load(modelPath);
    const library = await Library.open(join(dir, 'library'), { log: silent });
    try {
      await library.registerModel({ version: SYNTHETIC_VERSION, dims: SYNTHETIC_DIMS });
      // The test objects of arch-a, named so that no lexical match can help.
      const truth = new Map<number, string>();
      synthetic.fits.forEach((f, i) => {
        if (f.split !== 'test' || f.architecture !== 'arch-a') return;
        const { assetId } = library.putAsset({ contentSha256: sha256(`${f.objectId}`), name: `asset ${i}`, config: configOf('mlp'), embeddings: [{ modelVersion: SYNTHETIC_VERSION, vector: synthetic.vectors.subarray(i * SYNTHETIC_DIMS, (i + 1) * SYNTHETIC_DIMS) }] });
        truth.set(assetId, f.category);
      });
      await library.activateModel(SYNTHETIC_VERSION, { allowIncomplete: true });
      library.setSemanticSearch(new TextSearchHook(text));
      const firstCategory = async (query: string): Promise<string | undefined> => {
        const found = await library.searchText(query, { limit: 5 });
        expect(found.semantic).toBe('used');
        expect(found.results[0]!.reasons).toEqual(['shape']);
        expect(found.results[0]!.shapeScore).toEqual(expect.any(Number));
        return truth.get(found.results[0]!.asset.id);
      };
      for (const category of CATEGORIES) expect(await firstCategory(category), category).toBe(category);
      for (const category of CATEGORIES) for (const typo of typosOf(category)) expect(await firstCategory(typo), `${typo} for ${category}`).toBe(category);
      expect(await firstCategory('a red couch')).toBe('sofa');
      expect(await firstCategory('Aeroplanes')).toBe('airplane');
      expect(await firstCategory(CATEGORY_QUERIES.display[1]!)).toBe('display');
      // Empty: no results, no error. No known word: lexical only, semantic says why.
      expect((await library.searchText('')).results).toEqual([]);
      const unknown = await library.searchText('zqxjkv wvvqpt');
      expect(unknown.semantic).toBe('no-index');
      expect(unknown.results).toEqual([]);
      // Absurdly long: truncated, answered.
      const long = await library.searchText(`${'lamp '.repeat(100_000)}`, { limit: 3 });
      expect(truth.get(long.results[0]!.asset.id)).toBe('lamp');
      // Suggestions stored on an asset without caption: tags suggested, caption marked generated.
      const [assetId] = [...truth.keys()];
      const tagger = new AutoTagger(buildTagReference(await readZooEmbeddings(join(dir, 'zoo'), SYNTHETIC_VERSION)));
      applySuggestions(library, assetId!, tagger.suggest(library.embedding(assetId!)!));
      expect(library.getAsset(assetId!)).toMatchObject({ captionGenerated: true });
      expect(library.tags(assetId!).some((t) => t.source === 'suggested' && t.tag === truth.get(assetId!))).toBe(true);
      expect(tagLibrary(library, tagger, SYNTHETIC_VERSION)).toBe(truth.size - 1);
      const tagged = [...truth.entries()].filter(([id, category]) => library.tags(id).find((t) => t.source === 'suggested')?.tag === category).length;
      expect(tagged / truth.size).toBeGreaterThan(0.9);
      expect([...truth.keys()].every((id) => library.getAsset(id)!.captionGenerated)).toBe(true);
    } finally {
      await library.close();
    }
  });
});
