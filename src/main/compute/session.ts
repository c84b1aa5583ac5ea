/**
 * ONNX Runtime sessions: created once per graph and provider, fed and read as HostTensors.
 * Feeds are checked against the model's inputs before ONNX Runtime sees them.
 */
import { createHash } from 'node:crypto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ProviderChoice } from '../../shared/compute';
import type { JobContext } from './jobs';
import { decodeModel } from './model';
import { sessionOptionsFor, type ProviderSessionOptions } from './providers';
import { numberToFloat16Bits, sizeOf, type DType, type HostTensor, type TensorData } from './tensor';

const ORT_TYPES: ReadonlySet<string> = new Set<DType>(['float32', 'float64', 'float16', 'int64', 'int32', 'uint8', 'bool']);

/** Wraps a HostTensor for ONNX Runtime without copying its data. */
export function toOrtTensor(t: HostTensor): Tensor {
  const n = sizeOf(t.shape);
  if (t.data.length !== n) throw new RangeError(`toOrtTensor: ${t.data.length} values for shape [${t.shape.join(', ')}] (${n} elements)`);
  return new Tensor(t.dtype, t.data as Tensor.DataType, t.shape);
}

/** Copies an ONNX Runtime tensor into a HostTensor that owns its data. */
export function fromOrtTensor(t: Tensor): HostTensor {
  if (!ORT_TYPES.has(t.type)) throw new TypeError(`fromOrtTensor: unsupported element type '${t.type}' (supported: ${[...ORT_TYPES].join(', ')})`);
  const dtype = t.type as DType;
  const shape = [...t.dims];
  const source = t.data as TensorData | ArrayLike<number>;
  let data: TensorData;
  if (dtype === 'float16' && !(source instanceof Uint16Array)) {
    // Runtimes with a global Float16Array hand out decoded values; we keep raw bits.
    data = Uint16Array.from(Array.from(source as ArrayLike<number>, numberToFloat16Bits));
  } else {
    data = (source as TensorData).slice();
  }
  return { dtype, shape, data } as HostTensor;
}

/**
 * Runs `session` on host tensors. Missing or extra feeds, wrong dtypes, ranks and fixed
 * dimensions are reported by name before ONNX Runtime runs; outputs are copied out.
 * @param outputNames outputs to fetch. @default all outputs of the model
 */
export async function runSession(
  session: InferenceSession,
  feeds: Record<string, HostTensor>,
  outputNames?: readonly string[],
): Promise<Record<string, HostTensor>> {
  checkFeeds(session, feeds);
  const names = outputNames ?? session.outputNames;
  const unknown = names.filter((n) => !session.outputNames.includes(n));
  if (unknown.length > 0) {
    throw new Error(`runSession: unknown outputs ${quote(unknown)} (model outputs: ${quote(session.outputNames)})`);
  }
  const ortFeeds: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(t);
  let results: InferenceSession.ReturnType;
  try {
    results = await session.run(ortFeeds, [...names]);
  } catch (error) {
    throw new Error(`runSession: ONNX Runtime failed: ${error instanceof Error ? error.message.trim() : String(error)}`, { cause: error });
  }
  const out: Record<string, HostTensor> = {};
  for (const name of names) {
    const value = results[name];
    if (!(value instanceof Tensor)) throw new Error(`runSession: output '${name}' is not a tensor`);
    out[name] = fromOrtTensor(value);
    value.dispose();
  }
  return out;
}

function checkFeeds(session: InferenceSession, feeds: Record<string, HostTensor>): void {
  const inputs = session.inputNames;
  const missing = inputs.filter((n) => !Object.hasOwn(feeds, n));
  const extra = Object.keys(feeds).filter((n) => !inputs.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `missing feeds ${quote(missing)}` : '', extra.length > 0 ? `extra feeds ${quote(extra)}` : ''];
    throw new Error(`runSession: ${parts.filter(Boolean).join('; ')} (model inputs: ${quote(inputs)})`);
  }
  for (const meta of session.inputMetadata) {
    const t = feeds[meta.name]!;
    if (!meta.isTensor) throw new TypeError(`runSession: input '${meta.name}' is not a tensor input; only tensors are supported`);
    if (meta.type !== t.dtype) throw new TypeError(`runSession: feed '${meta.name}' is ${t.dtype}, the model expects ${meta.type}`);
    const n = sizeOf(t.shape);
    if (t.data.length !== n) throw new RangeError(`runSession: feed '${meta.name}' has ${t.data.length} values for shape [${t.shape.join(', ')}] (${n} elements)`);
    // ONNX Runtime reports [] both for scalars and for inputs of unknown shape, so [] checks nothing.
    if (meta.shape.length === 0) continue;
    if (meta.shape.length !== t.shape.length) {
      throw new RangeError(`runSession: feed '${meta.name}' has rank ${t.shape.length} (shape [${t.shape.join(', ')}]), the model expects rank ${meta.shape.length} ([${meta.shape.join(', ')}])`);
    }
    meta.shape.forEach((dim, axis) => {
      if (typeof dim === 'number' && dim !== t.shape[axis]) {
        throw new RangeError(`runSession: feed '${meta.name}' has shape [${t.shape.join(', ')}], the model expects [${meta.shape.join(', ')}] (axis ${axis})`);
      }
    });
  }
}

function quote(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/**
 * Does `model` hold a ScatterND with a reduction, which ONNX Runtime's CPU kernels get wrong on
 * more than one thread (providers.ts, `singleThreaded`)? Reads the node list only.
 */
export function hasScatterReduction(model: Uint8Array): boolean {
  const nodes = decodeModel(model).graph?.node ?? [];
  return nodes.some((n) => n.opType === 'ScatterND' && (n.attribute ?? []).some((a) => a.name === 'reduction' && new TextDecoder().decode(a.s ?? new Uint8Array()) !== 'none'));
}

export interface SessionCacheOptions {
  /** Sessions kept alive; the least recently used one is released beyond this. @default 8 */
  maxSessions?: number;
}

/**
 * Sessions keyed by graph signature: sha256 of the model bytes, the provider, its threads and the
 * session options. Feed shapes are not part of the key, so new input sizes reuse the session.
 * A session handed out stays valid until `maxSessions` other graphs have been requested since,
 * or `dispose()`; callers that run one graph at a time (a worker's job) never see it released.
 */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  private readonly maxSessions: number;

  constructor(options: SessionCacheOptions = {}) {
    this.maxSessions = options.maxSessions ?? 8;
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1) throw new RangeError(`SessionCache: maxSessions must be an integer >= 1, got ${this.maxSessions}`);
  }

  /** The graph signature under which `model` on `choice` is cached. */
  static signature(model: Uint8Array, choice: ProviderChoice, options: ProviderSessionOptions = {}): string {
    const hash = createHash('sha256').update(model).digest('hex');
    return `${hash}/${choice.name}/${choice.threads}/${options.variableShapes ? 'variable' : 'fixed'}`;
  }

  /** Number of sessions held. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * The session for `model` on `choice`, created on first request. A model with a scatter-add
   * runs single-threaded whatever `choice.threads` says (`hasScatterReduction`).
   */
  get(model: Uint8Array, choice: ProviderChoice, requested: ProviderSessionOptions = {}): Promise<InferenceSession> {
    const key = SessionCache.signature(model, choice, requested);
    let session = this.sessions.get(key);
    if (session) {
      this.sessions.delete(key);
      this.sessions.set(key, session);
      return session;
    }
    const options = requested.singleThreaded || !hasScatterReduction(model) ? requested : { ...requested, singleThreaded: true };
    session = InferenceSession.create(model, sessionOptionsFor(choice, options));
    this.sessions.set(key, session);
    session.catch(() => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    });
    while (this.sessions.size > this.maxSessions) {
      const [oldest, evicted] = this.sessions.entries().next().value as [string, Promise<InferenceSession>];
      this.sessions.delete(oldest);
      void evicted.then((s) => s.release()).catch(() => undefined);
    }
    return session;
  }

  /** Releases every session. The cache stays usable and creates sessions anew. */
  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}

/** Input of the `ort.run` job: one run of a model on host tensors. */
export interface ModelRunInput {
  model: Uint8Array;
  provider: ProviderChoice;
  feeds: Record<string, HostTensor>;
  /** @default all outputs */
  outputNames?: string[];
  /** @default false */
  variableShapes?: boolean;
}

/** The `ort.run` job: runs a model once in the worker, with the worker's session cache. */
export async function runModelJob(input: ModelRunInput, ctx: JobContext): Promise<Record<string, HostTensor>> {
  const session = await ctx.sessions.get(input.model, input.provider, { variableShapes: input.variableShapes ?? false });
  ctx.throwIfCancelled();
  return runSession(session, input.feeds, input.outputNames);
}
