/**
 * The shipped text model on disk and in use: `text.onnx` (tokens + pooling weights in, unit
 * embeddings in the GMN space and category logits out, weights as initializers), `text.json`
 * beside it (version, the encoder version it was aligned to, vocabulary, training record, tag
 * reference labels) and `text.tags.f32` (the tag reference's GMN embeddings).
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { ProviderChoice } from '../../shared/compute';
import { exportModel } from '../compute/export';
import { SessionCache, runSession } from '../compute/session';
import type { HostTensor } from '../compute/tensor';
import type { SemanticTextSearch } from './semantic-search';
import { type TextModelConfig, textInferenceModel } from './model';
import { type TagReference, type TagReferenceInfo, AutoTagger } from './tags';
import { TextQueryError, type Tokenization, Tokenizer } from './tokenizer';

/** What `text.json` holds. */
export interface TextModelInfo {
  readonly format: 'nerfdex-text-model';
  /** Stable id of these weights, e.g. `text-3f2a9c1b`. */
  readonly version: string;
  /** The GMN encoder version whose space the text embeddings live in. */
  readonly encoderVersion: string;
  readonly config: TextModelConfig;
  /** Per-dimension scale of the GMN targets in training, folded into the output (see textInferenceModel). */
  readonly outputScale?: readonly number[];
  /** `<pad>`, words, word pairs; index = token id. */
  readonly vocabulary: readonly string[];
  readonly frequencies: Readonly<Record<string, number>>;
  /** Category of each output of the category head. */
  readonly categories: readonly string[];
  readonly training: Readonly<Record<string, number | string>>;
  readonly command?: string;
  readonly created?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  /** Labels of the tag reference rows in text.tags.f32. */
  readonly tags?: TagReferenceInfo;
}

/** text.json and text.tags.f32 beside a text.onnx path. */
export function textModelPaths(onnxPath: string): { info: string; tags: string } {
  const base = onnxPath.replace(/\.onnx$/, '');
  return { info: `${base}.json`, tags: `${base}.tags.f32` };
}

async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp-${process.pid}`, data);
  await rename(`${path}.tmp-${process.pid}`, path);
}

/** Writes text.onnx, text.json and (with a reference) text.tags.f32 from trained parameters. */
export async function writeTextModel(onnxPath: string, params: Readonly<Record<string, HostTensor>>, info: Omit<TextModelInfo, 'format' | 'version' | 'tags'>, tags?: TagReference): Promise<TextModelInfo> {
  const { graph, outputs } = textInferenceModel(info.config, info.outputScale);
  const needed: Record<string, HostTensor> = {};
  for (const p of graph.params) {
    const t = params[p.name];
    if (!t) throw new RangeError(`writeTextModel: no value for text model parameter "${p.name}"`);
    needed[p.name] = t;
  }
  const preliminary = exportModel(graph, { outputs, params: needed, name: 'nerfdex_text_encoder' });
  const version = `text-${createHash('sha256').update(preliminary).update(info.encoderVersion).digest('hex').slice(0, 8)}`;
  const full: TextModelInfo = { format: 'nerfdex-text-model', version, ...info, ...(tags ? { tags: tags.info } : {}) };
  const bytes = exportModel(graph, { outputs, params: needed, name: 'nerfdex_text_encoder', metadata: { 'nerfdex.text.version': version, 'nerfdex.text.encoder': info.encoderVersion } });
  const paths = textModelPaths(onnxPath);
  await writeAtomic(onnxPath, bytes);
  await writeAtomic(paths.info, new TextEncoder().encode(`${JSON.stringify(full)}\n`));
  if (tags) await writeAtomic(paths.tags, new Uint8Array(tags.vectors.buffer, tags.vectors.byteOffset, tags.vectors.byteLength));
  return full;
}

/** One CPU thread: a query is a few hundred multiply-adds, and GMN work owns the other cores. */
export const TEXT_PROVIDER: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'text queries run on one CPU thread', attempts: [], threads: 1 };

/** An encoded query. */
export interface EncodedText {
  /** Unit vector in the GMN space of `encoderVersion`. */
  readonly embedding: Float32Array;
  /** Softmax of the category head, in `info.categories` order. */
  readonly categories: Float32Array;
  readonly tokens: Tokenization;
}

/** Encodes text with a loaded text model. */
export class TextEmbedder {
  readonly tokenizer: Tokenizer;

  private constructor(
    readonly info: TextModelInfo,
    private readonly model: Uint8Array,
    private readonly sessions: SessionCache,
    private readonly provider: ProviderChoice,
    /** The automatic tagger, when text.tags.f32 was there. */
    readonly tagger: AutoTagger | undefined,
  ) {
    this.tokenizer = new Tokenizer(info.vocabulary, info.frequencies);
  }

  /** Loads text.onnx with text.json (and text.tags.f32, when present) beside it. */
  static async load(onnxPath: string, options: { sessions?: SessionCache; provider?: ProviderChoice } = {}): Promise<TextEmbedder> {
    const model = new Uint8Array(await readFile(onnxPath));
    const paths = textModelPaths(onnxPath);
    let info: TextModelInfo;
    try {
      info = JSON.parse(await readFile(paths.info, 'utf8')) as TextModelInfo;
    } catch (e) {
      throw new Error(`${paths.info}: cannot read the text model description (${(e as Error).message})`);
    }
    if (info.format !== 'nerfdex-text-model' || !Array.isArray(info.vocabulary)) throw new Error(`${paths.info}: not a nerfdex text model description`);
    let tagger: AutoTagger | undefined;
    if (info.tags) {
      const bytes = await readFile(paths.tags);
      tagger = new AutoTagger({ info: info.tags, vectors: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice() });
    }
    return new TextEmbedder(info, model, options.sessions ?? new SessionCache({ maxSessions: 2 }), options.provider ?? TEXT_PROVIDER, tagger);
  }

  /** A text embedder over model bytes in memory (tests). */
  static fromBytes(model: Uint8Array, info: TextModelInfo, options: { sessions?: SessionCache; provider?: ProviderChoice; tags?: TagReference } = {}): TextEmbedder {
    return new TextEmbedder(info, model, options.sessions ?? new SessionCache({ maxSessions: 2 }), options.provider ?? TEXT_PROVIDER, options.tags ? new AutoTagger(options.tags) : undefined);
  }

  get dimensions(): number {
    return this.info.config.embedding;
  }

  /** Tokenises and encodes `texts` in one run. A text that cannot be read throws `TextQueryError`. */
  async encodeMany(texts: readonly string[]): Promise<EncodedText[]> {
    if (texts.length === 0) return [];
    const tokens = texts.map((t) => this.tokenizer.tokenize(t));
    const batch = Tokenizer.batch(tokens);
    const session = await this.sessions.get(this.model, this.provider, { variableShapes: true });
    const out = await runSession(session, {
      tokens: { dtype: 'int64', shape: [batch.batch, batch.length], data: batch.tokens },
      weights: { dtype: 'float32', shape: [batch.batch, batch.length], data: batch.weights },
    });
    const e = out['embeddings']!.data as Float32Array;
    const logits = out['category_logits']!.data as Float32Array;
    const d = this.dimensions;
    const c = this.info.categories.length;
    return tokens.map((t, i) => ({ embedding: e.slice(i * d, (i + 1) * d), categories: softmax(logits.subarray(i * c, (i + 1) * c)), tokens: t }));
  }

  /** One text's embedding. `TextQueryError` for an empty query or one with no known word. */
  async encode(text: string): Promise<EncodedText> {
    return (await this.encodeMany([text]))[0]!;
  }
}

function softmax(x: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]!);
  const out = new Float32Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += out[i] = Math.exp(x[i]! - max);
  for (let i = 0; i < x.length; i++) out[i]! /= sum;
  return out;
}

/**
 * The library's semantic text-search hook over a text model: active while the library's model is
 * the encoder the text model was aligned to. A query with no word the model knows gives no
 * semantic evidence (undefined), so lexical matches still answer it.
 */
export class TextSearchHook implements SemanticTextSearch {
  constructor(readonly embedder: TextEmbedder) {}

  get modelVersion(): string {
    return this.embedder.info.encoderVersion;
  }

  async embedText(query: string): Promise<Float32Array | undefined> {
    try {
      return (await this.embedder.encode(query)).embedding;
    } catch (error) {
      if (error instanceof TextQueryError) return undefined;
      throw error;
    }
  }
}
