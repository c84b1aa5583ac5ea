/**
 * Training checkpoints on top of safetensors: parameters under `param/`, Adam moments under
 * `adam_m/` and `adam_v/`, and the step and format version in the metadata.
 */
import { castFloat, isFloat, type HostTensor } from './tensor';
import { findNonFinite, readSafetensorsFile, writeSafetensorsFile } from './safetensors';

/** The newest checkpoint layout this code reads and the one it writes. */
export const CHECKPOINT_VERSION = 1;

const VERSION_KEY = 'nerfdex.checkpoint_version';
const STEP_KEY = 'nerfdex.step';
const PARAM_PREFIX = 'param/';
const M_PREFIX = 'adam_m/';
const V_PREFIX = 'adam_v/';

/** Adam's state: first and second moments, one per parameter with the parameter's shape. */
export interface OptimizerState {
  m: Record<string, HostTensor>;
  v: Record<string, HostTensor>;
  step: number;
}

/** What a checkpoint holds. */
export interface CheckpointState {
  params: Record<string, HostTensor>;
  optimizer?: OptimizerState;
  /** Free-form strings; the keys `nerfdex.checkpoint_version` and `nerfdex.step` are reserved. */
  metadata?: Record<string, string>;
}

/** What {@link loadCheckpoint} returns: a {@link CheckpointState} whose metadata is always present. */
export interface LoadedCheckpoint extends CheckpointState {
  metadata: Record<string, string>;
}

/** Options for {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /**
   * `'float16'` stores float parameters as float16 to halve the file. Adam moments are always kept
   * as they are: the second moment is often below float16's smallest value (6e-8) and would
   * become zero, which makes the first steps after resuming huge.
   * @default 'keep'
   */
  dtype?: 'float16' | 'keep';
}

/** Options for {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** `'float32'` converts every float tensor (float16 and float64 too) to float32. @default 'keep' */
  dtype?: 'float32' | 'keep';
}

/**
 * A well-formed safetensors file that is not a checkpoint this version can use. Errors in the
 * safetensors layer itself surface as `SafetensorsError`; both name the file.
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The first way `moments` fails to match `params` name for name and shape for shape, or undefined. */
function momentMismatch(label: string, moments: Record<string, HostTensor>, params: Record<string, HostTensor>): string | undefined {
  for (const name of Object.keys(params).sort()) {
    const moment = moments[name];
    if (!Object.hasOwn(moments, name) || moment === undefined) return `${label} has no entry for parameter ${JSON.stringify(name)}`;
    const expected = params[name]!.shape;
    if (moment.shape.length !== expected.length || moment.shape.some((d, i) => d !== expected[i])) {
      return `${label} ${JSON.stringify(name)} has shape ${shapeText(moment.shape)} but the parameter has shape ${shapeText(expected)}`;
    }
  }
  for (const name of Object.keys(moments).sort()) {
    if (!Object.hasOwn(params, name)) return `${label} has ${JSON.stringify(name)}, which is not a parameter`;
  }
  return undefined;
}

function compact(name: string, t: HostTensor): HostTensor {
  if (!isFloat(t.dtype) || t.dtype === 'float16') return t;
  const half = castFloat(t, 'float16');
  const bad = findNonFinite(half);
  if (bad >= 0 && findNonFinite(t) !== bad) {
    throw new RangeError(`saveCheckpoint: parameter ${JSON.stringify(name)} value ${t.data[bad]} at index ${bad} overflows float16`);
  }
  return half;
}

/**
 * Saves parameters and, when given, Adam state to `path`, atomically (see `writeSafetensorsFile`).
 * @throws {RangeError} when the moments do not match the parameters, the step is not a
 *   non-negative integer, metadata uses a reserved key, or a value overflows float16.
 */
export async function saveCheckpoint(path: string, state: CheckpointState, options?: SaveCheckpointOptions): Promise<void> {
  const dtype = options?.dtype ?? 'keep';
  const userMetadata = Object.entries(state.metadata ?? {});
  for (const [key] of userMetadata) {
    if (key === VERSION_KEY || key === STEP_KEY) throw new RangeError(`saveCheckpoint: metadata key ${JSON.stringify(key)} is reserved`);
  }
  const metadata: Record<string, string> = Object.fromEntries([...userMetadata, [VERSION_KEY, String(CHECKPOINT_VERSION)]]);

  const tensors: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(state.params)) tensors[PARAM_PREFIX + name] = dtype === 'float16' ? compact(name, t) : t;
  const optimizer = state.optimizer;
  if (optimizer !== undefined) {
    const mismatch = momentMismatch('optimizer.m', optimizer.m, state.params) ?? momentMismatch('optimizer.v', optimizer.v, state.params);
    if (mismatch !== undefined) throw new RangeError(`saveCheckpoint: ${mismatch}`);
    if (!Number.isSafeInteger(optimizer.step) || optimizer.step < 0) throw new RangeError(`saveCheckpoint: optimizer step ${optimizer.step} is not a non-negative integer`);
    for (const [name, t] of Object.entries(optimizer.m)) tensors[M_PREFIX + name] = t;
    for (const [name, t] of Object.entries(optimizer.v)) tensors[V_PREFIX + name] = t;
    metadata[STEP_KEY] = String(optimizer.step);
  }
  await writeSafetensorsFile(path, tensors, metadata);
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}. The result has `optimizer` exactly when
 * the file has a step, and `metadata` without the reserved keys.
 * @throws {SafetensorsError} when the file is not valid safetensors.
 * @throws {CheckpointError} when the version is missing or newer than {@link CHECKPOINT_VERSION},
 *   a tensor has an unknown prefix, or the moments do not match the parameters.
 */
export async function loadCheckpoint(path: string, options?: LoadCheckpointOptions): Promise<LoadedCheckpoint> {
  const { tensors, metadata: stored } = await readSafetensorsFile(path);
  const fail = (reason: string): never => {
    throw new CheckpointError(path, reason);
  };
  const version = stored[VERSION_KEY];
  if (version === undefined) fail(`no ${JSON.stringify(VERSION_KEY)} in the metadata; not a nerfdex checkpoint`);
  if (!/^[1-9][0-9]{0,8}$/.test(version!)) fail(`checkpoint version ${JSON.stringify(version)} is not a positive integer`);
  if (Number(version) > CHECKPOINT_VERSION) fail(`checkpoint version ${JSON.stringify(version)} is newer than the supported version ${CHECKPOINT_VERSION}`);

  const convert = (t: HostTensor): HostTensor => (options?.dtype === 'float32' && isFloat(t.dtype) && t.dtype !== 'float32' ? castFloat(t, 'float32') : t);
  const prefixes = [PARAM_PREFIX, M_PREFIX, V_PREFIX];
  const groups = prefixes.map((): [string, HostTensor][] => []);
  for (const [key, t] of Object.entries(tensors)) {
    const index = prefixes.findIndex((p) => key.startsWith(p));
    if (index < 0) fail(`tensor ${JSON.stringify(key)} has none of the prefixes ${prefixes.join(', ')}`);
    groups[index]!.push([key.slice(prefixes[index]!.length), convert(t)]);
  }
  // fromEntries, not assignment, so a name like "__proto__" stays an ordinary key.
  const [params, m, v] = groups.map((entries) => Object.fromEntries(entries)) as [Record<string, HostTensor>, Record<string, HostTensor>, Record<string, HostTensor>];

  const stepText = stored[STEP_KEY];
  let optimizer: OptimizerState | undefined;
  if (stepText === undefined) {
    if (Object.keys(m).length > 0 || Object.keys(v).length > 0) fail(`optimizer moments present but no ${JSON.stringify(STEP_KEY)} in the metadata`);
  } else {
    if (!/^(0|[1-9][0-9]*)$/.test(stepText) || !Number.isSafeInteger(Number(stepText))) fail(`optimizer step ${JSON.stringify(stepText)} is not a non-negative integer`);
    const mismatch = momentMismatch(M_PREFIX, m, params) ?? momentMismatch(V_PREFIX, v, params);
    if (mismatch !== undefined) fail(mismatch);
    optimizer = { m, v, step: Number(stepText) };
  }

  const metadata = Object.fromEntries(Object.entries(stored).filter(([key]) => key !== VERSION_KEY && key !== STEP_KEY));
  return optimizer === undefined ? { params, metadata } : { params, optimizer, metadata };
}
