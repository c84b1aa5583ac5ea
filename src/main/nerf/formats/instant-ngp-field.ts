/**
 * Turns instant-ngp's two networks into nerfdex's one decoder, exactly.
 *
 * instant-ngp: h = D_k relu(... relu(D_0 g)) (h has 16 outputs, h[0] = raw density), then
 * rgb = R_m relu(... relu(R_0 [h; e(d)])) with e(d) the direction encoding; no biases anywhere.
 * nerfdex: one ReLU MLP with biases from the grid features g to (raw density, raw rgb).
 *
 * At a fixed view direction d, e(d) is a constant, and h enters the rgb network only through
 * R_0, so the output layer of the density network and the first layer of the rgb network fold
 * into one linear layer: R_0 [h; e] = (R_0h D_k) a + R_0e e, a bias. The raw density s = D_k[0] a
 * must still reach the output through the rgb hidden layers: it rides along as relu(s) and
 * relu(-s) (two extra neurons per rgb hidden layer, identity weights; relu keeps non-negative
 * values) and comes out as relu(s) - relu(-s) = s. So the decoder is
 *   g -> [N_d] x k (density hidden layers, zero biases) -> [N_r + 2] x m -> 4,
 * and reproduces instant-ngp's raw density everywhere and its raw rgb at direction d, up to
 * floating-point rounding. Padded grid features are zeros, so their weight columns are dropped.
 */
import type { HostTensor } from '../../compute/tensor';
import { FIELD_OUTPUTS } from '../layout';
import { type DirectionEncoding, type InstantNgpModel, type TcnnMlp, mlpMatrixShapes } from './instant-ngp-config';

/** A weight matrix as tiny-cuda-nn stores it: [rows = out, cols = in], row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A layer of the nerfdex decoder under construction, still [out, in]. */
interface Layer {
  readonly weight: Matrix;
  readonly bias: Float64Array;
}

/** Cuts an MLP's matrices out of the flat parameters, starting at `offset`. */
export function mlpMatrices(params: Float32Array, offset: number, mlp: TcnnMlp): Matrix[] {
  let at = offset;
  return mlpMatrixShapes(mlp).map(([rows, cols]) => {
    const data = Float64Array.from(params.subarray(at, at + rows * cols));
    at += rows * cols;
    return { rows, cols, data };
  });
}

function matrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Rows [from, to) and columns [0, cols) of m. */
function block(m: Matrix, from: number, to: number, cols = m.cols): Matrix {
  const out = matrix(to - from, cols);
  for (let r = from; r < to; r++) for (let c = 0; c < cols; c++) out.data[(r - from) * cols + c] = m.data[r * m.cols + c]!;
  return out;
}

/** Columns [from, to) of m. */
function columns(m: Matrix, from: number, to: number): Matrix {
  const out = matrix(m.rows, to - from);
  for (let r = 0; r < m.rows; r++) for (let c = from; c < to; c++) out.data[r * (to - from) + c - from] = m.data[r * m.cols + c]!;
  return out;
}

function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`instant-ngp fold: cannot multiply [${a.rows}, ${a.cols}] by [${b.rows}, ${b.cols}]`);
  const out = matrix(a.rows, b.cols);
  for (let r = 0; r < a.rows; r++) {
    for (let k = 0; k < a.cols; k++) {
      const x = a.data[r * a.cols + k]!;
      if (x === 0) continue;
      for (let c = 0; c < b.cols; c++) out.data[r * b.cols + c]! += x * b.data[k * b.cols + c]!;
    }
  }
  return out;
}

function times(m: Matrix, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) out[r]! += m.data[r * m.cols + c]! * v[c]!;
  return out;
}

/** Stacks row blocks of equal width. */
function stack(parts: readonly Matrix[]): Matrix {
  const cols = parts[0]!.cols;
  const out = matrix(parts.reduce((n, p) => n + p.rows, 0), cols);
  let row = 0;
  for (const p of parts) {
    out.data.set(p.data, row * cols);
    row += p.rows;
  }
  return out;
}

/** [[m, 0], [0, I_carry]]: m plus `carry` pass-through neurons. */
function withCarry(m: Matrix, carry: number): Matrix {
  const out = matrix(m.rows + carry, m.cols + carry);
  for (let r = 0; r < m.rows; r++) out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), r * out.cols);
  for (let i = 0; i < carry; i++) out.data[(m.rows + i) * out.cols + m.cols + i] = 1;
  return out;
}

function negate(m: Matrix): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.map((x) => -x) };
}

// Real spherical harmonics up to degree 4 in tiny-cuda-nn's order and signs (sh_enc).
const SH_BASIS: readonly ((x: number, y: number, z: number) => number)[] = [
  () => 0.28209479177387814,
  (_x, y) => -0.48860251190291987 * y,
  (_x, _y, z) => 0.48860251190291987 * z,
  (x) => -0.48860251190291987 * x,
  (x, y) => 1.0925484305920792 * x * y,
  (_x, y, z) => -1.0925484305920792 * y * z,
  (_x, _y, z) => 0.94617469575755997 * z * z - 0.31539156525251999,
  (x, _y, z) => -1.0925484305920792 * x * z,
  (x, y) => 0.54627421529603959 * (x * x - y * y),
  (x, y) => 0.59004358992664352 * y * (-3 * x * x + y * y),
  (x, y, z) => 2.8906114426405538 * x * y * z,
  (_x, y, z) => 0.45704579946446572 * y * (1 - 5 * z * z),
  (_x, _y, z) => 0.3731763325901154 * z * (5 * z * z - 3),
  (x, _y, z) => 0.45704579946446572 * x * (1 - 5 * z * z),
  (x, y, z) => 1.4453057213202769 * z * (x * x - y * y),
  (x, y) => 0.59004358992664352 * x * (-x * x + 3 * y * y),
];

/** Highest spherical-harmonics degree whose colour this reader reproduces. */
export const MAX_SH_DEGREE = 4;

/**
 * e(d): the direction encoding at unit direction `d`, with the extra (latent) inputs at 0, or
 * undefined when a spherical-harmonics degree is above MAX_SH_DEGREE. The direction goes through
 * instant-ngp's warp ((d + 1) / 2, float) and tcnn's unwarp (2 x - 1) as on the GPU.
 */
export function encodeDirection(encoding: DirectionEncoding, d: readonly [number, number, number]): Float64Array | undefined {
  const f32 = Math.fround;
  const [x, y, z] = d.map((v) => f32(f32(f32(f32(v) + 1) * 0.5) * 2 - 1)) as [number, number, number];
  const out: number[] = [];
  for (const piece of encoding.pieces) {
    if (piece.kind === 'sphericalHarmonics') {
      if (piece.degree > MAX_SH_DEGREE) return undefined;
      for (let i = 0; i < piece.padFront; i++) out.push(1);
      for (let i = 0; i < piece.degree * piece.degree; i++) out.push(SH_BASIS[i]!(x, y, z));
    } else {
      for (let i = 0; i < piece.dims; i++) out.push(piece.offset);
      for (let i = 0; i < piece.padBack; i++) out.push(1);
    }
  }
  return Float64Array.from(out);
}

/** The nerfdex decoder: hidden widths and `layers/<i>/weight` [in, out], `layers/<i>/bias` [out]. */
export interface FoldedDecoder {
  readonly hidden: number[];
  readonly params: Record<string, HostTensor>;
}

function toParams(layers: readonly Layer[]): Record<string, HostTensor> {
  const params: Record<string, HostTensor> = {};
  layers.forEach(({ weight, bias }, i) => {
    // [out, in] -> nerfdex's [in, out].
    const data = new Float32Array(weight.rows * weight.cols);
    for (let r = 0; r < weight.rows; r++) for (let c = 0; c < weight.cols; c++) data[c * weight.rows + r] = weight.data[r * weight.cols + c]!;
    params[`layers/${i}/weight`] = { dtype: 'float32', shape: [weight.cols, weight.rows], data };
    params[`layers/${i}/bias`] = { dtype: 'float32', shape: [bias.length], data: Float32Array.from(bias) };
  });
  return params;
}

/**
 * Builds the decoder from the density MLP's and the rgb MLP's matrices. With `direction`
 * undefined the colour is left out: raw rgb is 0 (grey) everywhere.
 */
export function foldDecoder(model: InstantNgpModel, density: readonly Matrix[], rgb: readonly Matrix[], direction: Float64Array | undefined): FoldedDecoder {
  const features = model.grid.levels * model.grid.featuresPerLevel;
  const k = model.density.hiddenLayers;
  const m = model.rgb.hiddenLayers;
  const first = (mat: Matrix, i: number): Matrix => (i === 0 ? columns(mat, 0, features) : mat);
  const layers: Layer[] = density.slice(0, k).map((w, i) => ({ weight: first(w, i), bias: new Float64Array(w.rows) }));
  const out = first(density[k]!, k);
  const raw = block(out, 0, 1);
  const hidden = new Array<number>(k).fill(model.density.neurons);
  const zeros = (n: number): Matrix => matrix(n, out.cols);
  if (!direction) {
    layers.push({ weight: stack([raw, zeros(FIELD_OUTPUTS - 1)]), bias: new Float64Array(FIELD_OUTPUTS) });
    return { hidden, params: toParams(layers) };
  }
  const densityWidth = model.density.paddedOutputWidth;
  const r0 = rgb[0]!;
  const joined = multiply(columns(r0, 0, densityWidth), out);
  const bias = times(columns(r0, densityWidth, densityWidth + direction.length), direction);
  if (m === 0) {
    layers.push({ weight: stack([raw, block(joined, 0, 3)]), bias: Float64Array.from([0, bias[0]!, bias[1]!, bias[2]!]) });
    return { hidden, params: toParams(layers) };
  }
  // Junction: the rgb network's first layer on h, plus relu(s) and relu(-s) to carry s.
  const carried = model.rgb.neurons + 2;
  layers.push({ weight: stack([joined, raw, negate(raw)]), bias: Float64Array.from([...bias, 0, 0]) });
  for (let j = 1; j < m; j++) layers.push({ weight: withCarry(rgb[j]!, 2), bias: new Float64Array(carried) });
  const last = rgb[m]!;
  const final = matrix(FIELD_OUTPUTS, carried);
  final.data[carried - 2] = 1;
  final.data[carried - 1] = -1;
  for (let c = 0; c < 3; c++) final.data.set(last.data.subarray(c * last.cols, (c + 1) * last.cols), (c + 1) * carried);
  layers.push({ weight: final, bias: new Float64Array(FIELD_OUTPUTS) });
  return { hidden: [...hidden, ...new Array<number>(m).fill(carried)], params: toParams(layers) };
}
