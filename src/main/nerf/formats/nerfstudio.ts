/**
 * nerfstudio nerfacto checkpoints: `<run>/nerfstudio_models/step-NNNNNNNNN.ckpt` (torch.save of
 * {step, pipeline, optimizers, schedulers, scalers}, read by torch-checkpoint.ts) with the run's
 * `<run>/config.yml` beside the folder (nerfstudio-config.ts; optional).
 *
 * The in-memory NeRF is a `hashgrid` NeRF: nerfacto's table unchanged (tcnn's layout for the
 * tiny-cuda-nn implementation, `gridIndexing: 'nerfstudio-torch'` for the torch one) and a decoder
 * folded from mlp_base and mlp_head (nerfacto-field.ts): density exactly as nerfacto computes it
 * (average_init_density * exp(raw), read as exp(min(raw + log density scale, 15))), colour exactly
 * as nerfacto computes it at one view direction with the mean appearance embedding
 * (use_average_appearance_embedding, nerfacto's default; zeros when the config turns it off).
 *
 * Space: nerfacto contracts it (SceneContraction, L-inf: x inside [-1, 1]^3, 2 - 1/|x| beyond,
 * the grid spanning [-2, 2]^3). The NeRF shows the inner box [-1, 1]^3, where the contraction is
 * the identity, so its field is nerfacto's there exactly; the unbounded background is not shown.
 * With `disable_scene_contraction` the NeRF shows the scene box, which is then the grid's box.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parameterLayout } from '../layout';
import type { Aabb, HashGridConfig, Nerf } from '../types';
import { DisallowedGlobalError, NerfFileError, NerfstudioError } from './errors';
import { encodeDirection } from './instant-ngp-field';
import { type Dense, columnsOf, fixInputs, foldNerfacto, nerfstudioSphericalHarmonics } from './nerfacto-field';
import { NerfactoLayoutError, type NerfactoModel, fieldTensors, nerfactoGrid, pipelineOf, readNerfactoWeights } from './nerfacto-weights';
import { MAX_CONFIG_BYTES, type NerfstudioModelSettings, parseNerfstudioConfig } from './nerfstudio-config';
import { TORCH_CHECKPOINT_LIMITS, type TorchCheckpointLimits, isZip, openTorchCheckpoint } from './torch-checkpoint';
import type { NerfFormat } from './registry';

export const NERFSTUDIO_EXTENSIONS: readonly string[] = ['.ckpt'];
/** The view direction of the colour: straight down nerfstudio's z-up world, as a camera above sees it. */
export const NERFSTUDIO_VIEW_DIRECTION: readonly [number, number, number] = [0, 0, -1];
/** The inner box of nerfacto's contracted space: the part of the scene the NeRF shows. */
export const NERFACTO_INNER_BOX: Aabb = [[-1, -1, -1], [1, 1, 1]];
const CONTRACTED_GRID_BOX: Aabb = [[-2, -2, -2], [2, 2, 2]];
const STEP_FILE = /^step-(\d+)\.ckpt$/;

export interface OpenNerfstudioOptions {
  /** config.yml's text; null: read without one; absent: looked for beside the checkpoint. */
  readonly configText?: string | null;
  /** Direction (normalised here) from which the colour is seen. @default NERFSTUDIO_VIEW_DIRECTION */
  readonly viewDirection?: readonly [number, number, number];
  readonly limits?: TorchCheckpointLimits;
}

export interface NerfstudioCheckpoint {
  readonly nerf: Nerf;
  readonly model: NerfactoModel;
  /** What was assumed because no config.yml (or no buffer, no shape) said it. */
  readonly assumed: readonly string[];
  /** The config.yml read, if any. */
  readonly configPath?: string;
}

/** Cheap sniff, never throws: a .ckpt extension and zip bytes. */
export function matchNerfstudio(head: Uint8Array, path: string): boolean {
  return path.toLowerCase().endsWith('.ckpt') && isZip(head);
}

/** Where a checkpoint's config.yml is: the run folder above `nerfstudio_models/`, or beside the file. */
export function configPathsFor(checkpointPath: string): string[] {
  const folder = dirname(checkpointPath);
  const paths = [join(folder, 'config.yml')];
  if (basename(folder) === 'nerfstudio_models') paths.unshift(join(dirname(folder), 'config.yml'));
  return paths;
}

/** The step of a `step-NNNNNNNNN.ckpt` name, or undefined. */
export function checkpointStep(path: string): number | undefined {
  const m = STEP_FILE.exec(basename(path));
  return m ? Number(m[1]) : undefined;
}

/** A run's checkpoint as a folder walk finds it (the walk matches names in any case). */
const RUN_CHECKPOINT = /^step-(\d+)\.ckpt$/i;

/**
 * Of the `step-N.ckpt` files among `files`, those older than the newest step in their folder (a
 * run's nerfstudio_models/), each with the reason: an import takes a run's newest checkpoint.
 */
export function olderCheckpoints(files: readonly string[]): Map<string, string> {
  const newest = new Map<string, { file: string; step: number }>();
  for (const file of files) {
    const m = RUN_CHECKPOINT.exec(basename(file));
    if (!m) continue;
    const step = Number(m[1]);
    const best = newest.get(dirname(file));
    if (!best || step > best.step) newest.set(dirname(file), { file, step });
  }
  const older = new Map<string, string>();
  for (const file of files) {
    const m = RUN_CHECKPOINT.exec(basename(file));
    const best = newest.get(dirname(file));
    if (!m || !best || best.file === file) continue;
    older.set(file, `an older checkpoint of the run (step ${Number(m[1])}); the newest, ${basename(best.file)} (step ${best.step}), is imported`);
  }
  return older;
}

/**
 * The name of a run's checkpoint: `outputs/poster/nerfacto/2024-05-01_120000/nerfstudio_models/step-000029999.ckpt`
 * is `poster.nerfacto.2024-05-01_120000` (experiment, method, timestamp); undefined for a checkpoint outside a run folder.
 */
export function runName(file: string): string | undefined {
  const parts = resolve(file).split(sep);
  if (!RUN_CHECKPOINT.test(basename(file)) || parts.length < 5 || parts[parts.length - 2] !== 'nerfstudio_models') return undefined;
  return parts.slice(-5, -2).join('.');
}

/** The other step-N.ckpt files beside this one (a run keeps several; an import takes the newest). */
function siblingSteps(path: string): number[] {
  try {
    return readdirSync(dirname(path))
      .map((n) => checkpointStep(n))
      .filter((s): s is number => s !== undefined)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

function readConfigBeside(file: string): { text: string; path: string } | undefined {
  for (const path of configPathsFor(file)) {
    let size: number;
    try {
      const info = statSync(path);
      if (!info.isFile()) continue;
      size = info.size;
    } catch {
      continue;
    }
    if (size > MAX_CONFIG_BYTES) throw new NerfstudioError(file, `${path} is ${size} bytes, more than the ${MAX_CONFIG_BYTES} read`);
    return { text: readFileSync(path, 'utf8'), path };
  }
  return undefined;
}

function unitVector(d: readonly number[]): [number, number, number] {
  const norm = Math.hypot(...d);
  if (d.length !== 3 || !Number.isFinite(norm) || norm === 0) throw new RangeError(`openNerfstudio: viewDirection must be a finite non-zero 3-vector, got ${JSON.stringify(d)}`);
  return [d[0]! / norm, d[1]! / norm, d[2]! / norm];
}

/** sh(d) as nerfacto's SHEncoding computes it from get_normalized_directions(d) = (d + 1) / 2. */
function directionEncoding(model: NerfactoModel, d: readonly [number, number, number]): number[] {
  if (model.implementation === 'tcnn') return Array.from(encodeDirection({ pieces: [{ kind: 'sphericalHarmonics', degree: 4, padFront: 0 }], width: 16 }, d)!);
  // The torch SHEncoding evaluates its polynomials on the [0, 1] values as they come.
  const [x, y, z] = d.map((v) => (v + 1) / 2) as [number, number, number];
  return nerfstudioSphericalHarmonics(x, y, z);
}

/**
 * The head's first layer over geo only: the direction's, the appearance's and (tcnn) the padding
 * ones' columns join the bias. Columns: [sh 16 | geo | appearance | padding].
 */
function headOverGeo(first: Dense, sh: readonly number[], geo: number, appearance: ArrayLike<number>): Dense {
  const out = columnsOf(first, 16, 16 + geo);
  for (let r = 0; r < first.rows; r++) {
    let b = out.bias[r]!;
    for (let c = 0; c < first.cols; c++) {
      if (c >= 16 && c < 16 + geo) continue;
      const v = c < 16 ? sh[c]! : c < 16 + geo + appearance.length ? appearance[c - 16 - geo]! : 1;
      b += first.weight[r * first.cols + c]! * v;
    }
    out.bias[r] = b;
  }
  return out;
}

function finiteBox(box: readonly (readonly number[])[] | undefined): Aabb | undefined {
  if (!box || box.length !== 2 || !box.every((c) => c.length === 3 && c.every(Number.isFinite))) return undefined;
  const [lo, hi] = box as [number[], number[]];
  if (![0, 1, 2].every((a) => hi[a]! > lo[a]!)) return undefined;
  return [[lo[0]!, lo[1]!, lo[2]!], [hi[0]!, hi[1]!, hi[2]!]];
}

/** Parses a nerfstudio checkpoint (and its config.yml) into a nerfdex NeRF; throws NerfstudioError naming `file`. */
export function openNerfstudio(bytes: Uint8Array, file: string, options: OpenNerfstudioOptions = {}): NerfstudioCheckpoint {
  const view = unitVector(options.viewDirection ?? NERFSTUDIO_VIEW_DIRECTION);
  const checkpoint = openTorchCheckpoint(bytes, file, options.limits ?? TORCH_CHECKPOINT_LIMITS);
  let settings: NerfstudioModelSettings = {};
  let configPath: string | undefined;
  const config = options.configText === undefined ? readConfigBeside(file) : options.configText === null ? undefined : { text: options.configText, path: 'config.yml' };
  if (config) {
    try {
      settings = parseNerfstudioConfig(config.text);
    } catch (e) {
      throw new NerfstudioError(file, `${config.path}: ${(e as Error).message}`);
    }
    configPath = config.path;
    if (settings.implementation !== undefined && settings.implementation !== 'tcnn' && settings.implementation !== 'torch') throw new NerfstudioError(file, `${config.path}: implementation ${JSON.stringify(settings.implementation)} is neither "tcnn" nor "torch"`);
  }
  try {
    const pipeline = pipelineOf(checkpoint.root);
    const weights = readNerfactoWeights(checkpoint, fieldTensors(pipeline), settings);
    const { model } = weights;
    const assumed = [...weights.assumed];
    if (settings.implementation !== undefined && settings.implementation !== model.implementation) assumed.push(`the weights are ${model.implementation}'s layout though config.yml says ${settings.implementation} (nerfstudio falls back to torch without tiny-cuda-nn)`);
    // average_init_density is not stored in the weights: nerfacto's preset sets 0.01 since 1.0.1, the model default is 1.
    const averageInitDensity = settings.averageInitDensity ?? (model.naming === 'current' ? 0.01 : 1);
    if (settings.averageInitDensity === undefined) assumed.push(`average_init_density ${averageInitDensity} (the nerfacto preset of ${model.naming === 'current' ? 'nerfstudio 1.0.1 and later' : 'nerfstudio before 1.0'})`);
    if (!(averageInitDensity > 0)) throw new NerfactoLayoutError(`average_init_density must be positive, got ${averageInitDensity}`);
    const contracted = !(settings.disableSceneContraction ?? false);
    if (settings.disableSceneContraction === undefined) assumed.push('scene contraction on (nerfacto\'s default; no config.yml says disable_scene_contraction)');
    const useMean = settings.useAverageAppearanceEmbedding ?? true;
    const appearance = weights.appearanceMean && useMean ? weights.appearanceMean : new Float64Array(model.appearanceDim);

    const gridFeatures = model.levels * model.featuresPerLevel;
    const base = weights.base.map((layer, i) => (i === 0 ? fixInputs(layer, gridFeatures, new Array<number>(layer.cols).fill(weights.baseInputPad)) : layer));
    const sh = directionEncoding(model, view);
    const head = weights.head.map((layer, i) => (i === 0 ? headOverGeo(layer, sh, model.geoFeatures, appearance) : layer));
    const decoder = foldNerfacto({ base, head, geoFeatures: model.geoFeatures, densityOffset: Math.log(averageInitDensity) });

    const sceneBox = finiteBox(weights.sceneBox);
    let aabb: Aabb;
    if (contracted) aabb = NERFACTO_INNER_BOX;
    else if (sceneBox) aabb = sceneBox;
    else {
      const s = settings.sceneScale ?? 1;
      aabb = [[-s, -s, -s], [s, s, s]];
      assumed.push(`scene box [-${s}, ${s}]^3 (the checkpoint stores no aabb)`);
    }
    const grid = nerfactoGrid(model);
    const config: HashGridConfig = {
      family: 'hashgrid',
      architecture: `nerfacto-${model.implementation}-L${model.levels}-F${model.featuresPerLevel}-T${model.log2TableSize}`,
      aabb,
      densityActivation: 'truncExp',
      ...grid,
      hidden: decoder.hidden,
      ...(contracted ? { gridAabb: CONTRACTED_GRID_BOX } : {}),
    };
    const layout = parameterLayout(config);
    const F = model.featuresPerLevel;
    const tensors = { 'encoding/table': { dtype: 'float32' as const, shape: [weights.table.length / F, F], data: Float32Array.from(weights.table) }, ...decoder.params };
    for (const spec of layout) {
      const t = tensors[spec.name as keyof typeof tensors];
      if (!t || t.shape.join() !== spec.shape.join()) throw new NerfactoLayoutError(`the field gives "${spec.name}" as [${t?.shape.join(', ')}], its config needs [${spec.shape.join(', ')}]`);
      const bad = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new NerfactoLayoutError(`folding the networks overflows float32 in "${spec.name}" at index ${bad}`);
    }
    const root = checkpoint.root as { get?: (k: string) => unknown };
    const step = typeof root.get === 'function' ? root.get('step') : undefined;
    const steps = siblingSteps(file);
    const provenance: Record<string, string | number | boolean> = {
      source: 'nerfstudio',
      method: settings.methodName ?? 'nerfacto',
      implementation: model.implementation,
      naming: model.naming,
      contraction: contracted ? 'L-inf scene contraction; the NeRF shows the inner box [-1, 1]^3 (the background beyond it is not shown)' : 'none; the NeRF shows the scene box',
      viewDirection: view.join(','),
      appearance: model.appearanceDim === 0 ? 'none' : useMean ? `mean of ${weights.appearanceImages} training images' embeddings` : 'zeros (use_average_appearance_embedding is off)',
      averageInitDensity,
      densityActivation: 'nerfacto average_init_density * exp(x), read as exp(min(x + log average_init_density, 15))',
      config: configPath ?? 'none',
    };
    if (settings.modelClass) provenance['modelClass'] = settings.modelClass;
    if (typeof step === 'number') provenance['trainingStep'] = step;
    if (sceneBox) provenance['sceneBox'] = JSON.stringify(sceneBox);
    if (steps.length > 1) provenance['checkpointSteps'] = `${steps.length} checkpoints beside it (steps ${steps[0]} to ${steps[steps.length - 1]})`;
    if (assumed.length > 0) provenance['assumed'] = assumed.join('; ');
    const nerf: Nerf = { config, params: tensors, meta: { provenance } };
    return { nerf, model, assumed, ...(configPath ? { configPath } : {}) };
  } catch (e) {
    if (e instanceof NerfFileError || e instanceof DisallowedGlobalError) throw e;
    if (e instanceof NerfactoLayoutError || e instanceof RangeError || e instanceof TypeError) throw new NerfstudioError(file, e.message);
    throw e;
  }
}

/**
 * The nerfstudio format for the registry: the NeRF, with what the reader assumed and the
 * config.yml it read as extras; a folder walk takes each run's newest checkpoint, named after the run.
 */
export const nerfstudioFormat: NerfFormat = {
  name: 'nerfstudio',
  label: 'nerfstudio checkpoints',
  extensions: NERFSTUDIO_EXTENSIONS,
  match: matchNerfstudio,
  open: (bytes, path) => {
    const { nerf, assumed, configPath } = openNerfstudio(bytes, path);
    return { nerf, extras: { assumed, ...(configPath ? { configPath } : {}) } };
  },
  supersededIn: olderCheckpoints,
  assetName: runName,
};
