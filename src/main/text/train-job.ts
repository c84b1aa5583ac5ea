/**
 * Training the text model against frozen GMN embeddings: each step pairs K distinct train-split
 * objects (the GMN embedding of one random training architecture each) with one caption or short
 * query each; SigLIP pulls matching pairs together, a small category cross-entropy keeps the
 * text side sorted by category. Ends with text.onnx + text.json (and the tag reference).
 */
import { mkdir } from 'node:fs/promises';
import type { ProviderChoice } from '../../shared/compute';
import { initialParams, seededRandom } from '../compute/init';
import { JobCancelledError, type JobContext } from '../compute/jobs';
import type { HostTensor } from '../compute/tensor';
import { runTraining, trainState } from '../compute/train-driver';
import { CATEGORIES } from '../vocabulary/categories';
import { type CaptionedObject, captionedObject, shortQuery } from './corpus';
import { type ZooEmbeddings, ensureZooEmbeddings, readZooEmbeddings } from './embedding-cache';
import { DEFAULT_TEXT_MODEL, type TextTrainConfig, buildTextTrainStep } from './model';
import { buildTagReference } from './tags';
import { CATEGORY_QUERIES } from './synonyms';
import { Tokenizer, buildVocabulary } from './tokenizer';
import { type TextModelInfo, writeTextModel } from './text-model-file';
import { COLOUR_NAMES } from '../vocabulary/colours';

export interface TextTrainInput {
  readonly zoo: string;
  /** encoder.onnx whose embeddings the text model meets (embedded once, then cached). */
  readonly encoder?: string;
  /** Or the version of an embedding cache already in `<zoo>/embeddings/`. */
  readonly encoderVersion?: string;
  /** Path of the text.onnx to write (text.json and text.tags.f32 beside it). */
  readonly out: string;
  readonly provider: ProviderChoice;
  /** @default 3000 */
  readonly steps?: number;
  /** Peak learning rate (one-cycle). @default 3e-3 */
  readonly lr?: number;
  /** @default 0 */
  readonly seed?: number;
  /** Pairs per step. @default 64 */
  readonly batch?: number;
  /** Weight of the category head's loss. @default 0.1 */
  readonly categoryWeight?: number;
  readonly command?: string;
}

export interface TextTrainOutput {
  readonly steps: number;
  readonly lastLoss: number;
  readonly model: string;
  readonly info: TextModelInfo;
  readonly seconds: number;
}

/** Probability that a training text is a short query rather than a caption. */
const SHORT_QUERY_RATE = 0.3;

/** The text model's training objects: the train split, with their captions and GMN rows. */
export function trainingObjects(embeddings: ZooEmbeddings, split: 'train' | 'val' | 'test' = 'train', trainingOnly = true): { object: CaptionedObject; rows: number[] }[] {
  const trainingArchitectures = new Set(embeddings.index.fits.filter((f) => f.split === 'train').map((f) => f.architecture));
  const byObject = new Map<string, { category: (typeof CATEGORIES)[number]; seed: number; rows: number[] }>();
  embeddings.index.fits.forEach((f, i) => {
    if (f.split !== split || (trainingOnly && !trainingArchitectures.has(f.architecture))) return;
    let entry = byObject.get(f.objectId);
    if (!entry) byObject.set(f.objectId, (entry = { category: f.category, seed: f.seed, rows: [] }));
    entry.rows.push(i);
  });
  return [...byObject.values()].map((e) => ({ object: captionedObject(e.category, e.seed), rows: e.rows }));
}

export async function textTrainJob(input: TextTrainInput, ctx: JobContext): Promise<TextTrainOutput> {
  const started = performance.now();
  let embeddings: ZooEmbeddings;
  if (input.encoder) {
    ctx.progress({ done: 0, total: 1, message: `embedding the zoo with ${input.encoder} (once per encoder)` });
    embeddings = await ensureZooEmbeddings(input.zoo, input.encoder, { sessions: ctx.sessions, provider: input.provider, onProgress: (done, total) => ctx.progress({ done, total, message: 'embedding the zoo' }) });
  } else if (input.encoderVersion) {
    embeddings = await readZooEmbeddings(input.zoo, input.encoderVersion);
  } else {
    throw new TypeError('textTrainJob: give encoder (a path) or encoderVersion (a cached embedding set)');
  }
  const seed = input.seed ?? 0;
  const objects = trainingObjects(embeddings);
  if (objects.length < 2) throw new RangeError(`textTrainJob: the zoo has ${objects.length} training object(s) with embeddings; need at least 2`);
  const k = Math.min(input.batch ?? 64, objects.length);
  const extraWords = [...CATEGORIES, ...Object.values(CATEGORY_QUERIES).flat(), ...COLOUR_NAMES];
  const { vocabulary, frequencies } = buildVocabulary(
    objects.flatMap((o) => o.object.captions),
    { extraWords },
  );
  const tokenizer = new Tokenizer(vocabulary, frequencies);
  const dims = embeddings.index.dims;
  const config: TextTrainConfig = {
    model: { ...DEFAULT_TEXT_MODEL, vocabulary: tokenizer.size, embedding: dims },
    batch: k,
    categoryWeight: input.categoryWeight ?? 0.1,
    weightDecay: 1e-4,
  };
  // Targets standardised per dimension with the train split's statistics (the tag reference's):
  // raw GMN embeddings of different objects can share most of their direction.
  const tags = buildTagReference(embeddings);
  const { mean, scale } = tags.info;
  const step = buildTextTrainStep(config);
  const session = await ctx.sessions.get(step.bytes, input.provider, { variableShapes: true });
  const state = trainState(initialParams(step.graph, seed));
  // Token ids of every caption, computed once.
  const tokenized = objects.map((o) => o.object.captions.map((c) => tokenizer.tokenize(c)));
  const next = seededRandom(seed * 7919 + 1);
  const total = input.steps ?? 3000;
  const lr = input.lr ?? 3e-3;
  const order = objects.map((_, i) => i);
  let cursor = order.length;
  const batch = (): Record<string, HostTensor> => {
    const picked: number[] = [];
    for (let i = 0; i < k; i++) {
      if (cursor >= order.length) {
        for (let j = order.length - 1; j > 0; j--) {
          const r = Math.floor(next() * (j + 1));
          [order[j], order[r]] = [order[r]!, order[j]!];
        }
        cursor = 0;
      }
      const candidate = order[cursor++]!;
      if (picked.includes(candidate)) i--;
      else picked.push(candidate);
    }
    const texts = picked.map((o) => {
      const object = objects[o]!;
      if (next() < SHORT_QUERY_RATE) return tokenizer.tokenize(shortQuery(object.object.attributes, next));
      const options = tokenized[o]!;
      return options[Math.floor(next() * options.length)]!;
    });
    const text = Tokenizer.batch(texts);
    const gmn = new Float32Array(k * dims);
    const onehot = new Float32Array(k * CATEGORIES.length);
    picked.forEach((o, i) => {
      const rows = objects[o]!.rows;
      const r = rows[Math.floor(next() * rows.length)]!;
      for (let j = 0; j < dims; j++) gmn[i * dims + j] = (embeddings.vectors[r * dims + j]! - mean[j]!) * scale[j]!;
      onehot[i * CATEGORIES.length + CATEGORIES.indexOf(objects[o]!.object.category)] = 1;
    });
    return {
      tokens: { dtype: 'int64', shape: [k, text.length], data: text.tokens },
      weights: { dtype: 'float32', shape: [k, text.length], data: text.weights },
      gmn: { dtype: 'float32', shape: [k, dims], data: gmn },
      category: { dtype: 'float32', shape: [k, CATEGORIES.length], data: onehot },
    };
  };
  const result = await runTraining(
    {
      job: 'text.train',
      session,
      state,
      steps: total,
      schedule: { kind: 'one-cycle', lr },
      batch,
      report: ({ index, metrics }) => ((index + 1) % 50 === 0 || index + 1 === total ? { done: index + 1, total, message: 'training', metrics } : undefined),
    },
    ctx,
  );
  if (result.cancelled) throw new JobCancelledError();
  const lastLoss = result.losses.at(-1) ?? NaN;
  await mkdir(input.out.replace(/[^/\\]*$/, '') || '.', { recursive: true });
  const info = await writeTextModel(input.out, state.params, {
    config: config.model,
    outputScale: scale,
    encoderVersion: embeddings.index.encoderVersion,
    vocabulary,
    frequencies,
    categories: [...CATEGORIES],
    training: { steps: total, batch: k, lr, seed, categoryWeight: config.categoryWeight, trainObjects: objects.length, zooManifest: embeddings.index.zooManifest },
    ...(input.command ? { command: input.command } : {}),
    created: new Date().toISOString(),
  }, tags);
  return { steps: total, lastLoss, model: input.out, info, seconds: (performance.now() - started) / 1000 };
}
