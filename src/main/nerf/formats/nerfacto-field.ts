/**
 * Turns nerfacto's two networks into nerfdex's one decoder, exactly (nerfstudio's
 * fields/nerfacto_field.py, NerfactoField.get_density / get_outputs):
 *   h = B_k relu(... relu(B_0 g + b_0)) + b_k        (mlp_base: g = hash-grid features)
 *   density = average_init_density * exp(h[0]);      geo = h[1 : 1 + geo_feat_dim]
 *   rgb = sigmoid(R_m relu(... relu(R_0 [sh(d); geo; appearance] + r_0)) + r_m)   (mlp_head)
 * At a fixed view direction d and a fixed appearance vector, R_0's columns on sh(d) and on the
 * appearance are a constant: they join r_0. geo enters the head only through R_0, so B_k folds
 * into R_0 (R_0geo B_k a + R_0geo b_k + ...); the raw density s = B_k[0] a + b_k[0] +
 * log(average_init_density) rides through the head's hidden layers as relu(s) and relu(-s) and
 * comes out as their difference, as in instant-ngp-field.ts. So the decoder is
 *   g -> base hidden layers -> [head hidden + 2] x m -> 4
 * and reproduces nerfacto's raw density everywhere and its raw rgb at direction d.
 */
import type { HostTensor } from '../../compute/tensor';
import { FIELD_OUTPUTS } from '../layout';

/** A linear layer, [rows = out, cols = in] row-major, with its bias. */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

export function dense(rows: number, cols: number, weight?: ArrayLike<number>, bias?: ArrayLike<number>): Dense {
  return { rows, cols, weight: weight ? Float64Array.from(weight) : new Float64Array(rows * cols), bias: bias ? Float64Array.from(bias) : new Float64Array(rows) };
}

/** Rows [from, to) of a layer, with their biases. */
export function rowsOf(m: Dense, from: number, to: number): Dense {
  return dense(to - from, m.cols, m.weight.subarray(from * m.cols, to * m.cols), m.bias.subarray(from, to));
}

/** Columns [from, to) of a layer's weight (bias kept). */
export function columnsOf(m: Dense, from: number, to: number): Dense {
  const out = dense(m.rows, to - from, undefined, m.bias);
  for (let r = 0; r < m.rows; r++) for (let c = from; c < to; c++) out.weight[r * (to - from) + c - from] = m.weight[r * m.cols + c]!;
  return out;
}

/** The layer with input columns [from, cols) fed the constant `value`: their product joins the bias. */
export function fixInputs(m: Dense, from: number, values: ArrayLike<number>): Dense {
  const out = columnsOf(m, 0, from);
  for (let r = 0; r < m.rows; r++) for (let c = from; c < m.cols; c++) out.bias[r]! += m.weight[r * m.cols + c]! * values[c - from]!;
  return out;
}

/** a b (a: [r, k], b: [k, c]); the bias is a's times b's bias plus a's. */
function compose(a: Dense, b: Dense): Dense {
  if (a.cols !== b.rows) throw new RangeError(`nerfacto fold: cannot compose [${a.rows}, ${a.cols}] with [${b.rows}, ${b.cols}]`);
  const out = dense(a.rows, b.cols, undefined, a.bias);
  for (let r = 0; r < a.rows; r++) {
    for (let k = 0; k < a.cols; k++) {
      const x = a.weight[r * a.cols + k]!;
      if (x === 0) continue;
      out.bias[r]! += x * b.bias[k]!;
      for (let c = 0; c < b.cols; c++) out.weight[r * b.cols + c]! += x * b.weight[k * b.cols + c]!;
    }
  }
  return out;
}

function stack(parts: readonly Dense[]): Dense {
  const cols = parts[0]!.cols;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const out = dense(rows, cols);
  let row = 0;
  for (const p of parts) {
    out.weight.set(p.weight, row * cols);
    out.bias.set(p.bias, row);
    row += p.rows;
  }
  return out;
}

function negate(m: Dense): Dense {
  return { rows: m.rows, cols: m.cols, weight: m.weight.map((x) => -x), bias: m.bias.map((x) => -x) };
}

/** [[m, 0], [0, I]] plus zero biases for the `carry` pass-through neurons. */
function withCarry(m: Dense, carry: number): Dense {
  const out = dense(m.rows + carry, m.cols + carry);
  for (let r = 0; r < m.rows; r++) out.weight.set(m.weight.subarray(r * m.cols, (r + 1) * m.cols), r * out.cols);
  out.bias.set(m.bias);
  for (let i = 0; i < carry; i++) out.weight[(m.rows + i) * out.cols + m.cols + i] = 1;
  return out;
}

/** nerfstudio's components_from_spherical_harmonics (utils/spherical_harmonics.py), degree 3: 16 values. */
export function nerfstudioSphericalHarmonics(x: number, y: number, z: number): number[] {
  const [xx, yy, zz] = [x * x, y * y, z * z];
  return [
    0.28209479177387814,
    0.4886025119029199 * y,
    0.4886025119029199 * z,
    0.4886025119029199 * x,
    1.0925484305920792 * x * y,
    1.0925484305920792 * y * z,
    0.9461746957575601 * zz - 0.31539156525251999,
    1.0925484305920792 * x * z,
    0.5462742152960396 * (xx - yy),
    0.5900435899266435 * y * (3 * xx - yy),
    2.890611442640554 * x * y * z,
    0.4570457994644658 * y * (5 * zz - 1),
    0.3731763325901154 * z * (5 * zz - 3),
    0.4570457994644658 * x * (5 * zz - 1),
    1.445305721320277 * z * (xx - yy),
    0.5900435899266435 * x * (xx - 3 * yy),
  ];
}

export interface NerfactoNetworks {
  /** mlp_base's layers, input trimmed to the grid features; the last one's rows are [density, geo...]. */
  readonly base: readonly Dense[];
  /** mlp_head's layers; the first one's input is geo only (direction, appearance and padding folded into its bias). */
  readonly head: readonly Dense[];
  readonly geoFeatures: number;
  /** log(average_init_density), added to the raw density. */
  readonly densityOffset: number;
}

export interface FoldedNerfacto {
  readonly hidden: number[];
  readonly params: Record<string, HostTensor>;
}

function toParams(layers: readonly Dense[]): Record<string, HostTensor> {
  const params: Record<string, HostTensor> = {};
  layers.forEach(({ rows, cols, weight, bias }, i) => {
    // [out, in] -> nerfdex's [in, out].
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[c * rows + r] = weight[r * cols + c]!;
    params[`layers/${i}/weight`] = { dtype: 'float32', shape: [cols, rows], data };
    params[`layers/${i}/bias`] = { dtype: 'float32', shape: [rows], data: Float32Array.from(bias) };
  });
  return params;
}

/** The nerfdex decoder of a nerfacto field at one view direction (see the file comment). */
export function foldNerfacto(n: NerfactoNetworks): FoldedNerfacto {
  const k = n.base.length - 1;
  const m = n.head.length - 1;
  const last = n.base[k]!;
  const raw = rowsOf(last, 0, 1);
  raw.bias[0]! += n.densityOffset;
  const geo = rowsOf(last, 1, 1 + n.geoFeatures);
  const layers: Dense[] = n.base.slice(0, k).map((l) => l);
  const hidden = layers.map((l) => l.rows);
  const joined = compose(n.head[0]!, geo);
  if (m === 0) {
    layers.push(stack([raw, rowsOf(joined, 0, FIELD_OUTPUTS - 1)]));
    return { hidden, params: toParams(layers) };
  }
  layers.push(stack([joined, raw, negate(raw)]));
  for (let j = 1; j < m; j++) layers.push(withCarry(n.head[j]!, 2));
  const out = n.head[m]!;
  const carried = out.cols + 2;
  const final = dense(FIELD_OUTPUTS, carried);
  final.weight[carried - 2] = 1;
  final.weight[carried - 1] = -1;
  for (let c = 0; c < 3; c++) {
    final.weight.set(out.weight.subarray(c * out.cols, (c + 1) * out.cols), (c + 1) * carried);
    final.bias[c + 1] = out.bias[c]!;
  }
  layers.push(final);
  return { hidden: [...hidden, ...n.head.slice(0, m).map((l) => l.rows + 2)], params: toParams(layers) };
}
