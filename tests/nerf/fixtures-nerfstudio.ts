/**
 * nerfstudio nerfacto checkpoints written by the tests (through fixtures-torch.ts's torch.save),
 * in the state-dict layouts nerfstudio's own modules give (fields/nerfacto_field.py,
 * field_components/mlp.py, encodings.py, tiny-cuda-nn's torch bindings), with a config.yml in
 * the real form, and an independent float64 evaluation of nerfacto's field from the same
 * weights, written from nerfstudio's Python:
 *   positions = (contract_linf(x) + 2) / 4 (or (x - aabb.min) / size without contraction);
 *   selector zeroes positions outside (0, 1)^3
 *   torch HashEncoding: scaled = x * floor(min_res * growth^l); corners ceil / floor;
 *     hash = (x * 1 ^ y * 2654435761 ^ z * 805459861) % T + l T, in int64
 *   tcnn HashGrid: tcnn's levels (scale x + 0.5, dense coarse levels); params = MLP then grid
 *   h = mlp_base(features); density = average_init_density * exp(h[0])
 *   rgb = sigmoid(mlp_head([SH((d + 1) / 2), h[1:16], mean appearance]))
 * tcnn MLPs: W_in [width, in padded to 16] | ... | W_out [out padded to 16, width], no biases;
 * a bare tcnn.Network pads its input with ones, NetworkWithInputEncoding's grid pads zeros.
 */
import { seededRandom } from '../../src/main/compute/init';
import { hashGridLevels } from '../../src/main/nerf/layout';
import { referenceHashGridIndex } from '../../src/main/nerf/reference-field';
import type { HashGridConfig } from '../../src/main/nerf/types';
import { OrderedDictValue, PyFloatValue, PyTupleValue, type PyValue, type StorageType, TensorValue, type TorchSaveOptions, torchSave } from './fixtures-torch';

export interface NerfactoFixtureOptions {
  readonly seed?: number;
  readonly implementation?: 'torch' | 'tcnn';
  /** current: mlp_base.model.*; split: mlp_base_grid / mlp_base_mlp (0.3.x); legacy: mlp_base.params (0.1-0.2, tcnn). */
  readonly naming?: 'current' | 'split' | 'legacy';
  readonly levels?: number;
  readonly featuresPerLevel?: number;
  readonly log2TableSize?: number;
  readonly baseResolution?: number;
  readonly maxResolution?: number;
  readonly hidden?: number;
  readonly hiddenColor?: number;
  readonly appearanceDim?: number;
  readonly images?: number;
  readonly averageInitDensity?: number;
  readonly contraction?: boolean;
  readonly storage?: StorageType;
  /** Leave the radiance field out (a proposal-network-only checkpoint). */
  readonly withoutField?: boolean;
  /** Scale of the table's values. @default 1 */
  readonly tableScale?: number;
}

export interface NerfactoFixture {
  readonly options: Required<Omit<NerfactoFixtureOptions, 'withoutField'>>;
  /** torch.save bytes of {step, pipeline, optimizers, schedulers, scalers}. */
  readonly checkpoint: (save?: TorchSaveOptions) => Uint8Array;
  /** The pipeline state dict's entries, to edit (hostile fixtures). */
  readonly pipeline: [string, PyValue][];
  readonly root: (pipeline: [string, PyValue][]) => PyValue;
  readonly configYaml: string;
  readonly sceneBox: readonly [readonly number[], readonly number[]];
  /** nerfacto's density and rgb at world points seen along unit direction d. */
  readonly reference: (points: ArrayLike<number>, d: readonly number[]) => { density: Float64Array; rgb: Float64Array };
}

interface Layer {
  readonly rows: number;
  readonly cols: number;
  readonly w: Float64Array;
  readonly b?: Float64Array;
}

const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Rounds like the storage does (fp16 loses bits). */
function stored(v: number, storage: StorageType): number {
  if (storage !== 'HalfStorage') return Math.fround(v);
  const f = Math.fround(v);
  if (f === 0) return 0;
  const e = Math.floor(Math.log2(Math.abs(f)));
  const step = 2 ** (Math.max(e, -14) - 10);
  return Math.round(f / step) * step;
}

function run(layers: readonly Layer[], x: readonly number[]): readonly number[] {
  let h = x;
  layers.forEach((l, i) => {
    const y = Array.from({ length: l.rows }, (_, r) => (l.b ? l.b[r]! : 0) + h.reduce((s, v, c) => s + v * l.w[r * l.cols + c]!, 0));
    h = i + 1 < layers.length ? y.map((v) => Math.max(v, 0)) : y;
  });
  return h;
}

/** nerfstudio's components_from_spherical_harmonics, degree 3 (torch SHEncoding). */
function shTorch([x, y, z]: readonly number[]): number[] {
  const [xx, yy, zz] = [x! * x!, y! * y!, z! * z!];
  return [
    0.28209479177387814, 0.4886025119029199 * y!, 0.4886025119029199 * z!, 0.4886025119029199 * x!,
    1.0925484305920792 * x! * y!, 1.0925484305920792 * y! * z!, 0.9461746957575601 * zz - 0.31539156525251999, 1.0925484305920792 * x! * z!, 0.5462742152960396 * (xx - yy),
    0.5900435899266435 * y! * (3 * xx - yy), 2.890611442640554 * x! * y! * z!, 0.4570457994644658 * y! * (5 * zz - 1), 0.3731763325901154 * z! * (5 * zz - 3),
    0.4570457994644658 * x! * (5 * zz - 1), 1.445305721320277 * z! * (xx - yy), 0.5900435899266435 * x! * (xx - 3 * yy),
  ];
}

/** tiny-cuda-nn's SphericalHarmonics degree 4 (encodings/spherical_harmonics.h) of x in [0, 1]^3, unwarped to 2 x - 1. */
function shTcnn(unit: readonly number[]): number[] {
  const [x, y, z] = unit.map((v) => 2 * v - 1) as [number, number, number];
  const [xx, yy, zz] = [x * x, y * y, z * z];
  return [
    0.28209479177387814, -0.48860251190291987 * y, 0.48860251190291987 * z, -0.48860251190291987 * x,
    1.0925484305920792 * x * y, -1.0925484305920792 * y * z, 0.94617469575755997 * zz - 0.31539156525251999, -1.0925484305920792 * x * z, 0.54627421529603959 * xx - 0.54627421529603959 * yy,
    0.59004358992664352 * y * (-3 * xx + yy), 2.8906114426405538 * x * y * z, 0.45704579946446572 * y * (1 - 5 * zz), 0.3731763325901154 * z * (5 * zz - 3),
    0.45704579946446572 * x * (1 - 5 * zz), 1.4453057213202769 * z * (xx - yy), 0.59004358992664352 * x * (-xx + 3 * yy),
  ];
}

const scalar = (v: number, type: StorageType = 'LongStorage'): TensorValue => new TensorValue([v], [], type);

function realConfig(o: NerfactoFixture['options']): string {
  return `!!python/object:nerfstudio.engine.trainer.TrainerConfig
_target: !!python/name:nerfstudio.engine.trainer.Trainer ''
data: &id003 !!python/object/apply:pathlib.PosixPath
- data
- nerfstudio
- poster
experiment_name: poster
load_checkpoint: null
logging: !!python/object:nerfstudio.configs.base_config.LoggingConfig
  local_writer: !!python/object:nerfstudio.configs.base_config.LocalWriterConfig
    _target: !!python/name:nerfstudio.utils.writer.LocalWriter ''
    enable: true
    max_log_size: 10
    stats_to_track: !!python/tuple
    - !!python/object/apply:nerfstudio.utils.writer.EventName
      - Train Iter (time)
    - !!python/object/apply:nerfstudio.utils.writer.EventName
      - Train Rays / Sec
  steps_per_log: 10
max_num_iterations: 30000
method_name: nerfacto
mixed_precision: true
optimizers:
  fields:
    optimizer: !!python/object:nerfstudio.engine.optimizers.AdamOptimizerConfig
      _target: &id001 !!python/name:torch.optim.adam.Adam ''
      eps: 1.0e-15
      lr: 0.01
      max_norm: null
      weight_decay: 0
    scheduler: !!python/object:nerfstudio.engine.schedulers.ExponentialDecaySchedulerConfig
      _target: &id002 !!python/name:nerfstudio.engine.schedulers.ExponentialDecayScheduler ''
      lr_final: 0.0001
      lr_pre_warmup: 1.0e-08
      max_steps: 200000
      ramp: cosine
      warmup_steps: 0
  proposal_networks:
    optimizer: !!python/object:nerfstudio.engine.optimizers.AdamOptimizerConfig
      _target: *id001
      eps: 1.0e-15
      lr: 0.01
      max_norm: null
      weight_decay: 0
    scheduler: !!python/object:nerfstudio.engine.schedulers.ExponentialDecaySchedulerConfig
      _target: *id002
      lr_final: 0.0001
      max_steps: 200000
output_dir: !!python/object/apply:pathlib.PosixPath
- outputs
pipeline: !!python/object:nerfstudio.pipelines.base_pipeline.VanillaPipelineConfig
  _target: !!python/name:nerfstudio.pipelines.base_pipeline.VanillaPipeline ''
  datamanager: !!python/object:nerfstudio.data.datamanagers.parallel_datamanager.ParallelDataManagerConfig
    _target: !!python/name:nerfstudio.data.datamanagers.parallel_datamanager.ParallelDataManager ''
    camera_res_scale_factor: 1.0
    data: *id003
    dataparser: !!python/object:nerfstudio.data.dataparsers.nerfstudio_dataparser.NerfstudioDataParserConfig
      _target: !!python/name:nerfstudio.data.dataparsers.nerfstudio_dataparser.Nerfstudio ''
      auto_scale_poses: true
      center_method: poses
      data: !!python/object/apply:pathlib.PosixPath []
      downscale_factor: null
      orientation_method: up
      scale_factor: 1.0
      scene_scale: 1.0
      train_split_fraction: 0.9
    train_num_rays_per_batch: 4096
  model: !!python/object:nerfstudio.models.nerfacto.NerfactoModelConfig
    _target: !!python/name:nerfstudio.models.nerfacto.NerfactoModel ''
    appearance_embed_dim: ${o.appearanceDim}
    average_init_density: ${o.averageInitDensity}
    background_color: last_sample
    base_res: ${o.baseResolution}
    camera_optimizer: !!python/object:nerfstudio.cameras.camera_optimizers.CameraOptimizerConfig
      _target: !!python/name:nerfstudio.cameras.camera_optimizers.CameraOptimizer ''
      mode: SO3xR3
      rot_l2_penalty: 0.001
      trans_l2_penalty: 0.01
    collider_params:
      far_plane: 6.0
      near_plane: 2.0
    disable_scene_contraction: ${o.contraction ? 'false' : 'true'}
    distortion_loss_mult: 0.002
    enable_collider: true
    eval_num_rays_per_chunk: 32768
    far_plane: 1000.0
    features_per_level: ${o.featuresPerLevel}
    hidden_dim: ${o.hidden}
    hidden_dim_color: ${o.hiddenColor}
    hidden_dim_transient: 64
    implementation: ${o.implementation}
    log2_hashmap_size: ${o.log2TableSize}
    loss_coefficients:
      rgb_loss_coarse: 1.0
      rgb_loss_fine: 1.0
    max_res: ${o.maxResolution}
    near_plane: 0.05
    num_levels: ${o.levels}
    num_nerf_samples_per_ray: 48
    num_proposal_iterations: 2
    num_proposal_samples_per_ray: !!python/tuple
    - 256
    - 96
    predict_normals: false
    prompt: null
    proposal_net_args_list:
    - hidden_dim: 16
      log2_hashmap_size: 17
      max_res: 128
      num_levels: 5
      use_linear: false
    - hidden_dim: 16
      log2_hashmap_size: 17
      max_res: 256
      num_levels: 5
      use_linear: false
    use_appearance_embedding: ${o.appearanceDim > 0 ? 'true' : 'false'}
    use_average_appearance_embedding: true
    use_gradient_scaling: false
relative_model_dir: !!python/object/apply:pathlib.PosixPath
- nerfstudio_models
save_only_latest_checkpoint: true
steps_per_save: 2000
timestamp: 2024-05-01_120000
use_grad_scaler: false
viewer: !!python/object:nerfstudio.configs.base_config.ViewerConfig
  max_num_display_images: 512
  quit_on_train_completion: false
vis: viewer
`;
}

/** A tiny nerfacto field and everything it is written as. */
export function makeNerfactoFixture(options: NerfactoFixtureOptions = {}): NerfactoFixture {
  const o = {
    seed: 1,
    implementation: 'torch' as const,
    naming: 'current' as const,
    levels: 4,
    featuresPerLevel: 2,
    log2TableSize: 8,
    baseResolution: 4,
    maxResolution: 32,
    hidden: 16,
    hiddenColor: 16,
    appearanceDim: 4,
    images: 3,
    averageInitDensity: 0.5,
    contraction: true,
    storage: 'FloatStorage' as StorageType,
    tableScale: 1,
    ...options,
  };
  delete (o as { withoutField?: boolean }).withoutField;
  const next = seededRandom(o.seed);
  const uniform = (bound: number): number => (2 * next() - 1) * bound;
  const tcnn = o.implementation === 'tcnn';
  const L = o.levels;
  const F = o.featuresPerLevel;
  const T = 2 ** o.log2TableSize;
  const geo = 15;
  const growth = L > 1 ? Math.exp((Math.log(o.maxResolution) - Math.log(o.baseResolution)) / (L - 1)) : 1;
  const tcnnGrid: HashGridConfig = { family: 'hashgrid', architecture: 'fixture', aabb: [[0, 0, 0], [1, 1, 1]], densityActivation: 'truncExp', hidden: [], levels: L, featuresPerLevel: F, log2TableSize: o.log2TableSize, baseResolution: o.baseResolution, perLevelScale: growth };
  const tcnnLevels = hashGridLevels(tcnnGrid);
  const entries = tcnn ? tcnnLevels.reduce((n, l) => n + l.size, 0) : L * T;
  const table = Float64Array.from({ length: entries * F }, () => stored(uniform(o.tableScale), o.storage));

  // Layers, [out, in] (torch nn.Linear and tcnn both store rows = out).
  const makeLayer = (rows: number, cols: number, bias: boolean): Layer => ({
    rows,
    cols,
    w: Float64Array.from({ length: rows * cols }, () => stored(uniform(Math.sqrt(3 / cols)), o.storage)),
    ...(bias ? { b: Float64Array.from({ length: rows }, () => stored(uniform(0.3), o.storage)) } : {}),
  });
  const gridOut = L * F;
  // tcnn pads the grid features (zeros) or a bare Network's input (ones) to 16.
  const baseIn = tcnn ? roundUp(gridOut, 16) : gridOut;
  const base = [makeLayer(o.hidden, baseIn, !tcnn), makeLayer(tcnn ? 16 : 1 + geo, o.hidden, !tcnn)];
  const headIn = 16 + geo + o.appearanceDim;
  const headInPadded = tcnn ? roundUp(headIn, 16) : headIn;
  const head = [makeLayer(o.hiddenColor, headInPadded, !tcnn), makeLayer(o.hiddenColor, o.hiddenColor, !tcnn), makeLayer(tcnn ? 16 : 3, o.hiddenColor, !tcnn)];
  const appearance = Float64Array.from({ length: o.images * o.appearanceDim }, () => stored(uniform(1), o.storage));
  const appearanceMean = Array.from({ length: o.appearanceDim }, (_, d) => {
    let s = 0;
    for (let i = 0; i < o.images; i++) s += appearance[i * o.appearanceDim + d]!;
    return s / o.images;
  });
  const sceneBox = [[-1, -1, -1], [1, 1, 1]] as const;

  const tensor = (values: ArrayLike<number>, shape: number[]): TensorValue => new TensorValue(values, shape, o.storage);
  const flat = (layers: readonly Layer[]): number[] => layers.flatMap((l) => Array.from(l.w));
  const torchLayers = (prefix: string, layers: readonly Layer[]): [string, PyValue][] =>
    layers.flatMap((l, i) => [[`${prefix}layers.${i}.weight`, tensor(l.w, [l.rows, l.cols])] as [string, PyValue], [`${prefix}layers.${i}.bias`, tensor(l.b!, [l.rows])] as [string, PyValue]]);
  const f = '_model.field.';
  const field: [string, PyValue][] = [[`${f}aabb`, new TensorValue(sceneBox.flat(), [2, 3])]];
  if (o.naming === 'current') field.push([`${f}max_res`, scalar(o.maxResolution)], [`${f}num_levels`, scalar(L)], [`${f}log2_hashmap_size`, scalar(o.log2TableSize)]);
  if (o.appearanceDim > 0) field.push([`${f}embedding_appearance.embedding.weight`, tensor(appearance, [o.images, o.appearanceDim])]);
  if (tcnn) field.push([`${f}direction_encoding.tcnn_encoding.params`, new TensorValue([], [0])]);
  const tableTensor = (): TensorValue => tensor(table, [entries, F]);
  if (o.naming === 'current') {
    if (tcnn) field.push([`${f}mlp_base.model.params`, tensor([...flat(base), ...table], [flat(base).length + table.length])]);
    else field.push([`${f}mlp_base.model.0.hash_table`, tableTensor()], ...torchLayers(`${f}mlp_base.model.1.`, base));
  } else if (o.naming === 'split') {
    // 0.3.x registers the grid and MLP twice: as attributes and inside the Sequential mlp_base.
    for (const [grid, mlp] of [['mlp_base_grid.', 'mlp_base_mlp.'], ['mlp_base.0.', 'mlp_base.1.']]) {
      if (tcnn) field.push([`${f}${grid}tcnn_encoding.params`, tensor(table, [table.length])], [`${f}${mlp}tcnn_encoding.params`, tensor(flat(base), [flat(base).length])]);
      else field.push([`${f}${grid}hash_table`, tableTensor()], ...torchLayers(`${f}${mlp}`, base));
    }
  } else {
    field.push([`${f}mlp_base.params`, tensor([...flat(base), ...table], [flat(base).length + table.length])]);
  }
  if (tcnn) field.push([`${f}${o.naming === 'legacy' ? 'mlp_head.params' : 'mlp_head.tcnn_encoding.params'}`, tensor(flat(head), [flat(head).length])]);
  else field.push(...torchLayers(`${f}mlp_head.`, head));
  const proposals: [string, PyValue][] = [0, 1].flatMap((i) =>
    tcnn
      ? [[`_model.proposal_networks.${i}.mlp_base.model.params`, tensor(Array.from({ length: 64 }, () => uniform(0.1)), [64])] as [string, PyValue]]
      : [
          [`_model.proposal_networks.${i}.aabb`, new TensorValue(sceneBox.flat(), [2, 3])] as [string, PyValue],
          [`_model.proposal_networks.${i}.mlp_base.model.0.hash_table`, tensor(Array.from({ length: 64 }, () => uniform(0.1)), [32, 2])] as [string, PyValue],
        ],
  );
  const pipeline: [string, PyValue][] = [
    ...(options.withoutField ? [] : field),
    ['_model.camera_optimizer.pose_adjustment', tensor(new Array<number>(o.images * 6).fill(0), [o.images, 6])],
    ...proposals,
    ['datamanager.train_camera_optimizer.pose_adjustment', tensor(new Array<number>(o.images * 6).fill(0), [o.images, 6])],
  ];
  const root = (entries: [string, PyValue][]): PyValue => {
    const firstTensor = entries.find(([, v]) => v instanceof TensorValue)?.[1] as TensorValue | undefined;
    const moment = firstTensor ? new TensorValue(Array.from(firstTensor.values, () => 0), [...firstTensor.shape], firstTensor.storageType) : null;
    return new Map<PyValue, PyValue>([
      ['step', 29999],
      ['pipeline', new OrderedDictValue(entries)],
      [
        'optimizers',
        new Map<PyValue, PyValue>([
          [
            'fields',
            new Map<PyValue, PyValue>([
              ['state', new Map<PyValue, PyValue>([[0, new Map<PyValue, PyValue>([['step', scalar(29999, 'FloatStorage')], ['exp_avg', moment], ['exp_avg_sq', moment]])]])],
              ['param_groups', [new Map<PyValue, PyValue>([['lr', new PyFloatValue(0.0003)], ['betas', new PyTupleValue([new PyFloatValue(0.9), new PyFloatValue(0.999)])], ['eps', new PyFloatValue(1e-15)], ['weight_decay', 0], ['amsgrad', false], ['foreach', null], ['params', [0, 1, 2]]])]],
            ]),
          ],
        ]),
      ],
      ['schedulers', new Map<PyValue, PyValue>([['fields', new Map<PyValue, PyValue>([['base_lrs', [new PyFloatValue(0.01)]], ['last_epoch', 29999], ['_step_count', 30000], ['lr_lambdas', [null]]])]])],
      ['scalers', new Map<PyValue, PyValue>([['scale', new PyFloatValue(65536)], ['growth_factor', new PyFloatValue(2)], ['backoff_factor', new PyFloatValue(0.5)], ['growth_interval', 2000], ['_growth_tracker', 0]])],
    ]);
  };

  const reference = (points: ArrayLike<number>, d: readonly number[]): { density: Float64Array; rgb: Float64Array } => {
    const n = points.length / 3;
    const density = new Float64Array(n);
    const rgb = new Float64Array(3 * n);
    const dir = d.map((v) => (v + 1) / 2);
    const sh = tcnn ? shTcnn(dir) : shTorch(dir);
    for (let i = 0; i < n; i++) {
      const x = [0, 1, 2].map((a) => points[3 * i + a]!);
      let pos: number[];
      if (o.contraction) {
        const mag = Math.max(...x.map(Math.abs));
        const c = mag < 1 ? x : x.map((v) => (2 - 1 / mag) * (v / mag));
        pos = c.map((v) => (v + 2) / 4);
      } else pos = x.map((v, a) => (v - sceneBox[0][a]!) / (sceneBox[1][a]! - sceneBox[0][a]!));
      const selector = pos.every((v) => v > 0 && v < 1) ? 1 : 0;
      pos = pos.map((v) => v * selector);
      const features: number[] = [];
      for (let l = 0; l < L; l++) {
        const acc = new Array<number>(F).fill(0);
        if (tcnn) {
          const level = tcnnLevels[l]!;
          const p = pos.map((u) => u * level.scale + 0.5);
          const cell = p.map(Math.floor);
          for (let corner = 0; corner < 8; corner++) {
            let w = 1;
            const at = [0, 1, 2].map((a) => {
              const up = (corner >> a) & 1;
              w *= up ? p[a]! - cell[a]! : 1 - (p[a]! - cell[a]!);
              return cell[a]! + up;
            }) as [number, number, number];
            const row = level.offset + referenceHashGridIndex(level, at);
            for (let c = 0; c < F; c++) acc[c]! += w * table[row * F + c]!;
          }
        } else {
          const scaling = Math.floor(Math.fround(o.baseResolution * Math.fround(Math.fround(growth) ** l)));
          const scaled = pos.map((v) => v * scaling);
          const ce = scaled.map(Math.ceil);
          const fl = scaled.map(Math.floor);
          const off = scaled.map((v, a) => v - fl[a]!);
          const hash = (v: readonly number[]): number => Number((BigInt(v[0]!) ^ (BigInt(v[1]!) * 2654435761n) ^ (BigInt(v[2]!) * 805459861n)) % BigInt(T)) + l * T;
          const at = (h: number): number[] => Array.from({ length: F }, (_, c) => table[h * F + c]!);
          const lerp = (a: number[], b: number[], t: number): number[] => a.map((v, c) => v * t + b[c]! * (1 - t));
          // encodings.py's eight corners and its interpolation order.
          const f0 = at(hash(ce));
          const f1 = at(hash([ce[0]!, fl[1]!, ce[2]!]));
          const f2 = at(hash([fl[0]!, fl[1]!, ce[2]!]));
          const f3 = at(hash([fl[0]!, ce[1]!, ce[2]!]));
          const f4 = at(hash([ce[0]!, ce[1]!, fl[2]!]));
          const f5 = at(hash([ce[0]!, fl[1]!, fl[2]!]));
          const f6 = at(hash(fl));
          const f7 = at(hash([fl[0]!, ce[1]!, fl[2]!]));
          const f03 = lerp(f0, f3, off[0]!);
          const f12 = lerp(f1, f2, off[0]!);
          const f56 = lerp(f5, f6, off[0]!);
          const f47 = lerp(f4, f7, off[0]!);
          const f0312 = lerp(f03, f12, off[1]!);
          const f4756 = lerp(f47, f56, off[1]!);
          acc.splice(0, F, ...lerp(f0312, f4756, off[2]!));
        }
        features.push(...acc);
      }
      const baseInput = [...features, ...new Array<number>(baseIn - gridOut).fill(o.naming === 'split' ? 1 : 0)];
      const h = run(base, baseInput);
      density[i] = o.averageInitDensity * Math.exp(h[0]!) * selector;
      const headInput = [...sh, ...h.slice(1, 1 + geo), ...appearanceMean, ...new Array<number>(headInPadded - headIn).fill(1)];
      const out = run(head, headInput);
      for (let c = 0; c < 3; c++) rgb[3 * i + c] = sigmoid(out[c]!);
    }
    return { density, rgb };
  };
  return {
    options: o,
    pipeline,
    root,
    checkpoint: (save = {}) => torchSave(root(pipeline), { name: 'step-000029999', ...save }),
    configYaml: realConfig(o),
    sceneBox,
    reference,
  };
}
