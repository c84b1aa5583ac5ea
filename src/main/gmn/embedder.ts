/**
 * The shipped encoder on disk and in use: `encoder.onnx` (parameter-graph feeds in, embeddings
 * out, weights as initializers, loadable by any ONNX Runtime) and `encoder.json` beside it (the
 * version, sizes, value normalisation, how it was trained and what it scored).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { ProviderChoice } from '../../shared/compute';
import { exportModel } from '../compute/export';
import type { SessionCache } from '../compute/session';
import { runSession } from '../compute/session';
import type { HostTensor } from '../compute/tensor';
import type { Nerf } from '../nerf/types';
import { nerfBatchFeeds } from './batch';
import type { EncoderConfig } from './encoder';
import { DEFAULT_VALUE_NORMALIZATION, type ValueNormalization, checkValueNormalization } from './normalize';
import { paramGraphSize } from './param-graph';
import { JobCancelledError } from '../compute/jobs';
import { distillNerf } from '../nerf/distill';
import { TRAINING_ARCHITECTURES } from '../nerf/architectures';
import { encoderModel } from './train-graph';

/** What `encoder.json` holds. */

/**
 * Graphs per session run on the CPU: one. A batch's per-edge tensors ([edges, hidden] per layer;
 * a hash-train graph alone has tens of thousands of edges) outgrow the CPU's caches, and every
 * op then costs about twice as much per graph: measured on the shipped encoder, session run ms
 * per NeRF at 1 / 8 graphs per run were 12.8 / 23.7 (mlp-train), 36.0 / 73.4 (triplane-train),
 * 59.5 / 92.9 (hash-train). GPU providers keep the caller's batch.
 */
export const CPU_GRAPHS_PER_RUN = 1;
export interface EncoderInfo {
  /** Stable id of these weights, e.g. `gmn-3f2a9c1b` (a hash of the model bytes). */
  readonly version: string;
  readonly encoder: EncoderConfig;
  readonly normalization: ValueNormalization;
  /** The command that produced the weights, for the docs and the app's About. */
  readonly command?: string;
  /** sha256 of the zoo manifest it was trained on. */
  readonly zooManifest?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly created?: string;
}

/** Fields of encoder.json that only encoders of recipe v1 carry (docs/gmn.md, "Earlier runs"). */
export const RETIRED_ENCODER_FIELDS = ['reference', 'standardization'] as const;

/** An encoder.json of an encoder trained with a retired recipe, which this build cannot run. */
export class RetiredEncoderError extends Error {
  override readonly name = 'RetiredEncoderError';
  constructor(
    readonly file: string,
    readonly fields: readonly string[],
  ) {
    super(`${file}: this encoder was trained with a retired recipe (GMN recipe v1: its encoder.json carries ${fields.map((f) => `"${f}"`).join(' and ')}), which this version of nerfdex no longer runs; retrain it with \`npm run train\` (docs/gmn.md) or use the shipped encoder`);
  }
}

/**
 * Refuses the description of an encoder trained with a retired recipe (embeddings relative to
 * reference NeRFs, standardised with train-split statistics).
 * @throws {RetiredEncoderError} naming `jsonPath` and the fields.
 */
export function checkEncoderRecipe(info: object, jsonPath: string): void {
  const fields = RETIRED_ENCODER_FIELDS.filter((f) => f in info);
  if (fields.length > 0) throw new RetiredEncoderError(jsonPath, fields);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes encoder.onnx and encoder.json (atomically) from trained encoder parameters. */
export async function writeEncoder(onnxPath: string, params: Readonly<Record<string, HostTensor>>, info: Omit<EncoderInfo, 'version'>): Promise<EncoderInfo> {
  const { graph, embeddings } = encoderModel(info.encoder);
  const needed: Record<string, HostTensor> = {};
  for (const p of graph.params) {
    const t = params[p.name];
    if (!t) throw new RangeError(`writeEncoder: no value for encoder parameter "${p.name}"`);
    needed[p.name] = t;
  }
  const preliminary = exportModel(graph, { outputs: { embeddings }, params: needed, name: 'nerfdex_gmn_encoder' });
  const version = `gmn-${(await sha256Hex(preliminary)).slice(0, 8)}`;
  const full: EncoderInfo = { version, ...info };
  const bytes = exportModel(graph, { outputs: { embeddings }, params: needed, name: 'nerfdex_gmn_encoder', metadata: { 'nerfdex.encoder': JSON.stringify(full) } });
  for (const [path, data] of [[onnxPath, bytes], [onnxPath.replace(/\.onnx$/, '.json'), new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`)]] as const) {
    await writeFile(`${path}.tmp-${process.pid}`, data);
    await rename(`${path}.tmp-${process.pid}`, path);
  }
  return full;
}

/**
 * Parameter graphs above this many edges are not embedded directly: the largest architecture the
 * encoder is trained or tested on has 71,044 (hash-F4), a real instant-ngp table has millions.
 */
export const MAX_DIRECT_EDGES = 100_000;

/** The training architecture of each family, which oversized NeRFs are distilled into. */
const DISTILL_TARGET: Readonly<Record<Nerf['config']['family'], string>> = {
  mlp: TRAINING_ARCHITECTURES[0],
  triplane: TRAINING_ARCHITECTURES[1],
  hashgrid: TRAINING_ARCHITECTURES[2],
};

/** Progress and cancellation of the distillation an oversized NeRF goes through before embedding. */
export interface EmbedOptions {
  /** Called as a distillation goes on: the NeRF's index in the call, and the fit's step of steps. */
  readonly onDistillProgress?: (index: number, step: number, steps: number) => void;
  /** Checked between distillation steps; true stops and rejects with JobCancelledError. */
  readonly shouldStop?: () => boolean;
}

/**
 * Whether a hash grid is laid out as no training architecture is: nerfstudio's torch indexing, or
 * a grid spanning more than the NeRF's box (a contracted nerfacto scene). The encoder never saw
 * such tables, so their fields are distilled whatever their size.
 */
function outsideTrainingLayouts(config: Nerf['config']): boolean {
  return config.family === 'hashgrid' && ((config.gridIndexing ?? 'tcnn') !== 'tcnn' || config.gridAabb !== undefined);
}

/**
 * What the encoder sees of `nerf`: itself, or, when its graph exceeds MAX_DIRECT_EDGES or its
 * grid's layout is not a training one, its field distilled into its family's training
 * architecture (nerf/distill.ts).
 */
export async function embeddableNerf(nerf: Nerf, sessions: SessionCache, provider: ProviderChoice, options: EmbedOptions = {}, index = 0): Promise<Nerf> {
  if (paramGraphSize(nerf.config).edges <= MAX_DIRECT_EDGES && !outsideTrainingLayouts(nerf.config)) return nerf;
  const distilled = await distillNerf(nerf, DISTILL_TARGET[nerf.config.family], sessions, provider, {
    seed: 0,
    ...(options.onDistillProgress ? { onProgress: (step: number, steps: number) => options.onDistillProgress!(index, step, steps) } : {}),
    ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
  });
  if (options.shouldStop?.()) throw new JobCancelledError('embedding cancelled during distillation');
  return distilled;
}

/** Embeds NeRFs with a loaded encoder: parameter graphs batched, one session run per batch. */
export class Embedder {
  private constructor(
    readonly info: EncoderInfo,
    private readonly model: Uint8Array,
  ) {}

  /**
   * Loads encoder.onnx and the encoder.json beside it.
   * @throws {RetiredEncoderError} for an encoder trained with a retired recipe.
   */
  static async load(onnxPath: string): Promise<Embedder> {
    const model = new Uint8Array(await readFile(onnxPath));
    const jsonPath = onnxPath.replace(/\.onnx$/, '.json');
    let info: EncoderInfo;
    try {
      info = JSON.parse(await readFile(jsonPath, 'utf8')) as EncoderInfo;
    } catch (e) {
      throw new Error(`${jsonPath}: cannot read the encoder description (${(e as Error).message})`);
    }
    if (typeof info.version !== 'string' || !info.encoder || typeof info.encoder.embedding !== 'number') throw new Error(`${jsonPath}: not an encoder description`);
    checkEncoderRecipe(info, jsonPath);
    checkValueNormalization(info.normalization ?? DEFAULT_VALUE_NORMALIZATION);
    return new Embedder(info, model);
  }

  /** An embedder over model bytes already in memory (tests, freshly trained weights). */
  static fromBytes(model: Uint8Array, info: EncoderInfo): Embedder {
    return new Embedder(info, model);
  }

  get dimensions(): number {
    return this.info.encoder.embedding;
  }

  /**
   * One embedding per NeRF, in order; `batchSize` graphs per session run, except on the CPU,
   * which runs `CPU_GRAPHS_PER_RUN`. NeRFs too large for a parameter graph are distilled first
   * (see `embeddableNerf`). @default batchSize 8
   */
  async embed(nerfs: readonly Nerf[], sessions: SessionCache, provider: ProviderChoice, batchSize = 8, options: EmbedOptions = {}): Promise<Float32Array[]> {
    const session = await sessions.get(this.model, provider, { variableShapes: true });
    const out: Float32Array[] = [];
    const d = this.dimensions;
    const perRun = provider.name === 'cpu' ? Math.min(batchSize, CPU_GRAPHS_PER_RUN) : batchSize;
    for (let i = 0; i < nerfs.length; i += perRun) {
      const batch: Nerf[] = [];
      // One at a time: a distillation is a fit, which uses the worker's threads by itself.
      for (const [j, n] of nerfs.slice(i, i + perRun).entries()) batch.push(await embeddableNerf(n, sessions, provider, options, i + j));
      const feeds = nerfBatchFeeds(batch, this.info.encoder, this.info.normalization);
      const result = await runSession(session, feeds);
      const e = result['embeddings']!.data as Float32Array;
      for (let g = 0; g < batch.length; g++) out.push(e.slice(g * d, (g + 1) * d));
    }
    return out;
  }
}
