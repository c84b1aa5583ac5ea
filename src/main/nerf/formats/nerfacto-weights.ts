/**
 * Finds a nerfacto field's weights in a nerfstudio checkpoint's `pipeline` state dict, under
 * `_model.field.`, in the namings nerfstudio has used:
 *   current (1.0+, MLPWithHashEncoding): mlp_base.model.0.hash_table + mlp_base.model.1.layers.N.*
 *     (torch) or mlp_base.model.params (tiny-cuda-nn NetworkWithInputEncoding: MLP, then grid)
 *   split (0.3.x): mlp_base_grid.{hash_table | tcnn_encoding.params} + mlp_base_mlp.{layers.N.* |
 *     tcnn_encoding.params} (also reachable as mlp_base.0.* / mlp_base.1.*)
 *   legacy (0.1-0.2, tcnn only): mlp_base.params, mlp_head.params
 * and mlp_head.{layers.N.* | tcnn_encoding.params}, embedding_appearance.embedding.weight, and
 * the buffers aabb, num_levels, max_res, log2_hashmap_size. The sizes come from config.yml when
 * given, else from those buffers and the tensors' shapes (a tcnn blob's size pins its widths);
 * each guess is recorded in `assumed`.
 */
import { type TcnnMlp, mlpMatrixShapes, mlpParameterCount } from './instant-ngp-config';
import { type Dense, dense } from './nerfacto-field';
import type { NerfstudioModelSettings } from './nerfstudio-config';
import { PyDict, TensorRef, describe } from './pickle';
import type { CheckpointTensor, TorchCheckpoint } from './torch-checkpoint';
import { hashGridEntries } from '../layout';
import type { HashGridConfig } from '../types';

export type NerfactoImplementation = 'torch' | 'tcnn';
export type NerfactoNaming = 'current' | 'split' | 'legacy';

/** A field error before the file is known: the format turns it into a NerfstudioError. */
export class NerfactoLayoutError extends Error {
  override readonly name = 'NerfactoLayoutError';
}

export const FIELD_PREFIX = '_model.field.';
const PROPOSAL_PREFIX = '_model.proposal_networks.';
/** nerfacto's SHEncoding(levels=4): 16 values. */
const SH_WIDTH = 16;

/** The sizes of one nerfacto field. */
export interface NerfactoModel {
  readonly implementation: NerfactoImplementation;
  readonly naming: NerfactoNaming;
  readonly levels: number;
  readonly featuresPerLevel: number;
  readonly log2TableSize: number;
  readonly baseResolution: number;
  readonly maxResolution: number;
  /** Linear layers of mlp_base (num_layers) and their width. */
  readonly baseLayers: number;
  readonly baseWidth: number;
  readonly geoFeatures: number;
  readonly headLayers: number;
  readonly headWidth: number;
  readonly appearanceDim: number;
}

/** What was read: the grid table in its implementation's layout, the layers, the appearance mean. */
export interface NerfactoWeights {
  readonly model: NerfactoModel;
  /** [entries * F]. */
  readonly table: Float32Array;
  /** mlp_base, [out, in]; tcnn layers still padded (see `inputPad`). */
  readonly base: readonly Dense[];
  /** What tcnn feeds the base MLP's padded inputs: grid padding is 0, a bare Network's is 1. */
  readonly baseInputPad: 0 | 1;
  readonly head: readonly Dense[];
  /** Mean appearance embedding over the training images (absent without an embedding). */
  readonly appearanceMean?: Float64Array;
  readonly appearanceImages: number;
  /** The field's aabb buffer (the scene box), when stored. */
  readonly sceneBox?: readonly [readonly number[], readonly number[]];
  readonly assumed: string[];
}

/** The pipeline state dict (a PyDict of name -> tensor) inside the checkpoint's root. */
export function pipelineOf(root: unknown): Map<string, unknown> {
  if (!(root instanceof PyDict)) throw new NerfactoLayoutError(`not a nerfstudio checkpoint (the pickle holds ${describe(root)}, not a dict)`);
  const pipeline = root.get('pipeline');
  if (!(pipeline instanceof PyDict)) {
    const keys = [...root.entries.keys()].slice(0, 6).map((k) => describe(k)).join(', ');
    throw new NerfactoLayoutError(`not a nerfstudio checkpoint (no "pipeline" state dict; keys ${keys})`);
  }
  const out = new Map<string, unknown>();
  for (const [k, v] of pipeline.entries) if (typeof k === 'string') out.set(k.startsWith('module.') ? k.slice('module.'.length) : k, v);
  return out;
}

/** The tensors under `_model.field.`, by name without the prefix; refuses a checkpoint without them. */
export function fieldTensors(pipeline: ReadonlyMap<string, unknown>): Map<string, TensorRef> {
  const field = new Map<string, TensorRef>();
  for (const [k, v] of pipeline) if (k.startsWith(FIELD_PREFIX) && v instanceof TensorRef) field.set(k.slice(FIELD_PREFIX.length), v);
  if (field.size > 0) return field;
  const proposals = [...pipeline.keys()].filter((k) => k.startsWith(PROPOSAL_PREFIX));
  if (proposals.length > 0) {
    throw new NerfactoLayoutError(`holds only nerfacto's proposal networks (${proposals.length} tensors under ${PROPOSAL_PREFIX}, e.g. "${proposals[0]}"), not its radiance field (${FIELD_PREFIX}*): proposal networks give density for sampling only, so there is nothing to show`);
  }
  const keys = [...pipeline.keys()].slice(0, 4).map((k) => `"${k}"`).join(', ');
  throw new NerfactoLayoutError(`no nerfacto field in the pipeline (no ${FIELD_PREFIX}* tensors; keys ${keys || 'none'})`);
}

interface Located {
  readonly naming: NerfactoNaming;
  readonly implementation: NerfactoImplementation;
  readonly table?: string;
  /** One tcnn blob for base MLP + grid (NetworkWithInputEncoding). */
  readonly combined?: string;
  readonly baseBlob?: string;
  readonly baseLayers: string[];
  readonly headBlob?: string;
  readonly headLayers: string[];
}

function torchLayers(names: ReadonlySet<string>, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; names.has(`${prefix}layers.${i}.weight`); i++) out.push(`${prefix}layers.${i}`);
  return out;
}

/** Which naming and implementation the field's tensor names are. */
function locate(names: ReadonlySet<string>): Located {
  const headLayers = torchLayers(names, 'mlp_head.');
  const headBlob = names.has('mlp_head.tcnn_encoding.params') ? 'mlp_head.tcnn_encoding.params' : names.has('mlp_head.params') ? 'mlp_head.params' : undefined;
  const head = { headLayers, ...(headBlob ? { headBlob } : {}) };
  if (names.has('mlp_base.model.0.hash_table')) return { naming: 'current', implementation: 'torch', table: 'mlp_base.model.0.hash_table', baseLayers: torchLayers(names, 'mlp_base.model.1.'), ...head };
  if (names.has('mlp_base.model.params')) return { naming: 'current', implementation: 'tcnn', combined: 'mlp_base.model.params', baseLayers: [], ...head };
  for (const [grid, mlp] of [['mlp_base_grid.', 'mlp_base_mlp.'], ['mlp_base.0.', 'mlp_base.1.']] as const) {
    if (names.has(`${grid}hash_table`)) return { naming: 'split', implementation: 'torch', table: `${grid}hash_table`, baseLayers: torchLayers(names, mlp), ...(names.has(`${mlp}tcnn_encoding.params`) ? { baseBlob: `${mlp}tcnn_encoding.params` } : {}), ...head };
    if (names.has(`${grid}tcnn_encoding.params`)) return { naming: 'split', implementation: 'tcnn', table: `${grid}tcnn_encoding.params`, baseLayers: torchLayers(names, mlp), ...(names.has(`${mlp}tcnn_encoding.params`) ? { baseBlob: `${mlp}tcnn_encoding.params` } : {}), ...head };
  }
  if (names.has('mlp_base.params')) return { naming: 'legacy', implementation: 'tcnn', combined: 'mlp_base.params', baseLayers: [], ...head };
  const shown = [...names].slice(0, 6).map((n) => `"${n}"`).join(', ');
  throw new NerfactoLayoutError(`the field has no nerfacto base network (mlp_base.model.*, mlp_base_grid / mlp_base_mlp or mlp_base.params; it holds ${shown})`);
}

const nextMultiple = (v: number, m: number): number => Math.ceil(v / m) * m;

/** tcnn's MLP as nerfstudio configures it: FullyFusedMLP for widths 16-128 (alignment 16), else CutlassMLP (8). */
function tcnnMlp(width: number, layers: number, inputs: number, outputs: number): TcnnMlp {
  const fused = [16, 32, 64, 128].includes(width);
  return { kind: fused ? 'FullyFusedMLP' : 'CutlassMLP', neurons: width, hiddenLayers: layers - 1, inputWidth: nextMultiple(inputs, fused ? 16 : 8), outputWidth: outputs, paddedOutputWidth: nextMultiple(outputs, 16) };
}

function tcnnDense(blob: Float32Array, offset: number, mlp: TcnnMlp): Dense[] {
  let at = offset;
  return mlpMatrixShapes(mlp).map(([rows, cols]) => {
    const layer = dense(rows, cols, blob.subarray(at, at + rows * cols));
    at += rows * cols;
    return layer;
  });
}

function checkFloat(name: string, t: CheckpointTensor): CheckpointTensor {
  if (!['float32', 'float16', 'bfloat16', 'float64'].includes(t.dtype)) throw new NerfactoLayoutError(`"${FIELD_PREFIX}${name}" has dtype ${t.dtype}, expected a float tensor (float32 or float16)`);
  const bad = t.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new NerfactoLayoutError(`"${FIELD_PREFIX}${name}" holds ${t.data[bad]} at index ${bad}`);
  return t;
}

function torchDense(tensors: ReadonlyMap<string, CheckpointTensor>, prefix: string): Dense {
  const w = checkFloat(`${prefix}.weight`, tensors.get(`${prefix}.weight`)!);
  const b = tensors.get(`${prefix}.bias`);
  if (w.shape.length !== 2) throw new NerfactoLayoutError(`"${FIELD_PREFIX}${prefix}.weight" has shape [${w.shape.join(', ')}], expected [out, in]`);
  const [rows, cols] = w.shape as [number, number];
  if (b && (b.shape.length !== 1 || b.shape[0] !== rows)) throw new NerfactoLayoutError(`"${FIELD_PREFIX}${prefix}.bias" has shape [${b.shape.join(', ')}], expected [${rows}]`);
  return dense(rows, cols, w.data, b ? checkFloat(`${prefix}.bias`, b).data : undefined);
}

function scalarBuffer(tensors: ReadonlyMap<string, CheckpointTensor>, name: string): number | undefined {
  const t = tensors.get(name);
  if (!t || t.data.length !== 1) return undefined;
  const v = t.data[0]!;
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** Candidate values: the stated one alone, else the default first and the usual alternatives after. */
const candidates = (stated: number | undefined, preferred: readonly number[]): readonly number[] => (stated !== undefined ? [stated] : preferred);

/**
 * Reads the field's weights. `settings` is config.yml's model (empty without one); every size
 * it does not state is taken from the buffers and shapes, or assumed (and said so).
 */
export function readNerfactoWeights(checkpoint: TorchCheckpoint, field: ReadonlyMap<string, TensorRef>, settings: NerfstudioModelSettings): NerfactoWeights {
  const names = new Set(field.keys());
  const where = locate(names);
  const assumed: string[] = [];
  const wanted = new Map<string, TensorRef>();
  const want = (name: string | undefined): void => {
    if (name) wanted.set(name, field.get(name)!);
  };
  [where.table, where.combined, where.baseBlob, where.headBlob].forEach(want);
  for (const prefix of [...where.baseLayers, ...where.headLayers]) {
    want(`${prefix}.weight`);
    if (names.has(`${prefix}.bias`)) want(`${prefix}.bias`);
  }
  for (const name of ['embedding_appearance.embedding.weight', 'aabb', 'num_levels', 'max_res', 'log2_hashmap_size']) if (names.has(name)) want(name);
  if (!where.headBlob && where.headLayers.length === 0) throw new NerfactoLayoutError('the field has no colour head (mlp_head.layers.N.* or mlp_head.tcnn_encoding.params)');
  if (where.naming === 'split' && !where.baseBlob && where.baseLayers.length === 0) throw new NerfactoLayoutError('the field has a grid but no base MLP (mlp_base_mlp.*)');
  const tensors = checkpoint.readTensors(wanted);

  const appearance = tensors.get('embedding_appearance.embedding.weight');
  let appearanceMean: Float64Array | undefined;
  let appearanceImages = 0;
  if (appearance) {
    checkFloat('embedding_appearance.embedding.weight', appearance);
    if (appearance.shape.length !== 2) throw new NerfactoLayoutError(`the appearance embedding has shape [${appearance.shape.join(', ')}], expected [images, dim]`);
    const [images, dim] = appearance.shape as [number, number];
    appearanceImages = images;
    appearanceMean = new Float64Array(dim);
    for (let i = 0; i < images; i++) for (let d = 0; d < dim; d++) appearanceMean[d]! += appearance.data[i * dim + d]! / images;
  }
  const appearanceDim = appearanceMean?.length ?? 0;
  const aabbTensor = tensors.get('aabb');
  const sceneBox = aabbTensor && aabbTensor.data.length === 6 ? ([Array.from(aabbTensor.data.subarray(0, 3)), Array.from(aabbTensor.data.subarray(3, 6))] as const) : undefined;
  const state = (key: keyof NerfstudioModelSettings, buffer: string | undefined, fallback: number, what: string): number => {
    const stated = settings[key] as number | undefined;
    if (stated !== undefined) return stated;
    const stored = buffer ? scalarBuffer(tensors, buffer) : undefined;
    if (stored !== undefined) return stored;
    assumed.push(`${what} ${fallback} (nerfacto's default; no config.yml states it)`);
    return fallback;
  };
  const maxResolution = state('maxRes', 'max_res', 2048, 'max_res');
  const baseResolution = state('baseRes', undefined, 16, 'base_res');

  // The base network and grid.
  let table: Float32Array;
  let base: Dense[];
  let baseInputPad: 0 | 1 = 0;
  let levels: number;
  let featuresPerLevel: number;
  let log2TableSize: number;
  let baseWidth: number;
  let baseLayers: number;
  let geoFeatures: number;
  const gridCount = (L: number, F: number, log2: number): number =>
    hashGridEntries({ family: 'hashgrid', architecture: 'count', aabb: [[0, 0, 0], [1, 1, 1]], densityActivation: 'truncExp', hidden: [], levels: L, featuresPerLevel: F, log2TableSize: log2, baseResolution, perLevelScale: growthFactor(baseResolution, maxResolution, L) }) * F;
  if (where.implementation === 'torch') {
    const t = checkFloat(where.table!, tensors.get(where.table!)!);
    if (t.shape.length !== 2) throw new NerfactoLayoutError(`"${FIELD_PREFIX}${where.table}" has shape [${t.shape.join(', ')}], expected [levels x 2^log2_hashmap_size, features]`);
    const [rows, F] = t.shape as [number, number];
    featuresPerLevel = F;
    const statedLevels = settings.numLevels ?? scalarBuffer(tensors, 'num_levels');
    const statedLog2 = settings.log2HashmapSize ?? scalarBuffer(tensors, 'log2_hashmap_size');
    levels = statedLevels ?? (statedLog2 !== undefined ? rows / 2 ** statedLog2 : 16);
    log2TableSize = statedLog2 ?? Math.log2(rows / levels);
    if (statedLevels === undefined && statedLog2 === undefined) assumed.push('num_levels 16 (nerfacto\'s default; the table\'s rows give levels x 2^log2_hashmap_size only)');
    if (!Number.isInteger(levels) || !Number.isInteger(log2TableSize) || levels * 2 ** log2TableSize !== rows) {
      throw new NerfactoLayoutError(`"${FIELD_PREFIX}${where.table}" has ${rows} rows, not num_levels x 2^log2_hashmap_size (${levels} x 2^${log2TableSize})`);
    }
    table = t.data;
    base = where.baseBlob ? [] : where.baseLayers.map((p) => torchDense(tensors, p));
    if (where.baseBlob) {
      // 0.3.x torch grid with a tcnn MLP cannot happen (one implementation per field), but read it if it does.
      throw new NerfactoLayoutError('the field mixes a torch hash table with a tiny-cuda-nn base MLP');
    }
    if (base.length === 0) throw new NerfactoLayoutError('the field has a hash table but no base MLP layers');
    baseLayers = base.length;
    baseWidth = base.length > 1 ? base[0]!.rows : 0;
    geoFeatures = base[base.length - 1]!.rows - 1;
    if (base[0]!.cols !== levels * F) throw new NerfactoLayoutError(`the base MLP's first layer takes ${base[0]!.cols} inputs, the grid gives ${levels} x ${F}`);
  } else {
    levels = state('numLevels', 'num_levels', 16, 'num_levels');
    log2TableSize = state('log2HashmapSize', 'log2_hashmap_size', 19, 'log2_hashmap_size');
    const blobName = where.combined ?? where.baseBlob;
    const gridName = where.combined ? undefined : where.table;
    const blob = blobName ? checkFloat(blobName, tensors.get(blobName)!).data : new Float32Array(0);
    const gridBlob = gridName ? checkFloat(gridName, tensors.get(gridName)!).data : undefined;
    const torchBase = where.baseLayers.map((p) => torchDense(tensors, p));
    let found: { F: number; width: number; layers: number; mlp?: TcnnMlp } | undefined;
    for (const F of candidates(settings.featuresPerLevel, [2, 1, 4, 8])) {
      for (const width of candidates(settings.hiddenDim, [64, 16, 32, 128, 256])) {
        for (const layers of [2, 1, 3, 4]) {
          const mlp = tcnnMlp(width, layers, levels * F, 16);
          const mlpCount = torchBase.length > 0 ? 0 : mlpParameterCount(mlp);
          const grid = gridCount(levels, F, log2TableSize);
          const ok = where.combined ? blob.length === mlpCount + grid : gridBlob!.length === grid && (torchBase.length > 0 || blob.length === mlpCount);
          if (ok) {
            found = { F, width, layers, ...(torchBase.length > 0 ? {} : { mlp }) };
            break;
          }
        }
        if (found) break;
      }
      if (found) break;
    }
    if (!found) {
      const sizes = where.combined ? `${blobName} holds ${blob.length} values` : `${gridName} holds ${gridBlob!.length} values${blobName ? `, ${blobName} ${blob.length}` : ''}`;
      throw new NerfactoLayoutError(`the tiny-cuda-nn parameters do not fit a nerfacto base network with ${levels} levels, 2^${log2TableSize} entries, base resolution ${baseResolution}, max ${maxResolution} (${sizes})`);
    }
    featuresPerLevel = found.F;
    if (settings.featuresPerLevel === undefined) assumed.push(`features_per_level ${found.F} (fits the tiny-cuda-nn parameter count)`);
    if (found.mlp) {
      if (settings.hiddenDim === undefined) assumed.push(`hidden_dim ${found.width}, num_layers ${found.layers} (fit the tiny-cuda-nn parameter count)`);
      base = tcnnDense(blob, 0, found.mlp);
      table = where.combined ? blob.subarray(mlpParameterCount(found.mlp)) : gridBlob!;
      // NetworkWithInputEncoding pads the grid's output with zeros; a bare Network's Identity encoding pads with ones.
      baseInputPad = where.combined ? 0 : 1;
    } else {
      base = torchBase;
      table = gridBlob!;
    }
    baseLayers = base.length;
    baseWidth = base.length > 1 ? base[0]!.rows : 0;
    // tcnn pads the base output to 16: nerfacto's geo_feat_dim 15 fills it (a torch head says otherwise below).
    geoFeatures = 15;
  }

  // The head: [sh (16), geo, appearance] -> ... -> 3.
  let head: Dense[];
  let headWidth: number;
  if (where.headLayers.length > 0) {
    head = where.headLayers.map((p) => torchDense(tensors, p));
    const inputs = head[0]!.cols;
    geoFeatures = inputs - SH_WIDTH - appearanceDim;
    headWidth = head.length > 1 ? head[0]!.rows : 0;
  } else {
    const blob = checkFloat(where.headBlob!, tensors.get(where.headBlob!)!).data;
    let mlp: TcnnMlp | undefined;
    for (const width of candidates(settings.hiddenDimColor, [64, 16, 32, 128, 256])) {
      for (const layers of [3, 1, 2, 4, 5]) {
        const candidate = tcnnMlp(width, layers, SH_WIDTH + geoFeatures + appearanceDim, 3);
        if (mlpParameterCount(candidate) === blob.length) {
          mlp = candidate;
          break;
        }
      }
      if (mlp) break;
    }
    if (!mlp) throw new NerfactoLayoutError(`${where.headBlob} holds ${blob.length} values, which fit no nerfacto colour head over ${SH_WIDTH} + ${geoFeatures} + ${appearanceDim} inputs`);
    if (settings.hiddenDimColor === undefined) assumed.push(`hidden_dim_color ${mlp.neurons}, num_layers_color ${mlp.hiddenLayers + 1} (fit the tiny-cuda-nn parameter count)`);
    head = tcnnDense(blob, 0, mlp);
    headWidth = mlp.neurons;
  }
  if (geoFeatures < 1 || geoFeatures > base[base.length - 1]!.rows - 1) {
    throw new NerfactoLayoutError(`the colour head takes ${head[0]!.cols} inputs: ${SH_WIDTH} direction + ${appearanceDim} appearance leaves ${geoFeatures} geometry features, the base MLP gives ${base[base.length - 1]!.rows - 1}`);
  }
  const model: NerfactoModel = {
    implementation: where.implementation,
    naming: where.naming,
    levels,
    featuresPerLevel,
    log2TableSize,
    baseResolution,
    maxResolution,
    baseLayers,
    baseWidth,
    geoFeatures,
    headLayers: head.length,
    headWidth,
    appearanceDim,
  };
  return { model, table, base, baseInputPad, head, ...(appearanceMean ? { appearanceMean } : {}), appearanceImages, ...(sceneBox ? { sceneBox } : {}), assumed };
}

/** nerfstudio's growth_factor: exp((log(max_res) - log(min_res)) / (num_levels - 1)), 1 for one level. */
export function growthFactor(baseResolution: number, maxResolution: number, levels: number): number {
  return levels > 1 ? Math.exp((Math.log(maxResolution) - Math.log(baseResolution)) / (levels - 1)) : 1;
}

/** The grid part of the nerfdex config for a nerfacto field. */
export function nerfactoGrid(model: NerfactoModel): Pick<HashGridConfig, 'levels' | 'featuresPerLevel' | 'log2TableSize' | 'baseResolution' | 'perLevelScale' | 'gridIndexing'> {
  return {
    levels: model.levels,
    featuresPerLevel: model.featuresPerLevel,
    log2TableSize: model.log2TableSize,
    baseResolution: model.baseResolution,
    perLevelScale: Math.fround(growthFactor(model.baseResolution, model.maxResolution, model.levels)),
    ...(model.implementation === 'torch' ? { gridIndexing: 'nerfstudio-torch' as const } : {}),
  };
}
