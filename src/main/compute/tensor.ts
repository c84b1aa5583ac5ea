/**
 * Host-side tensors: the plain data that crosses between our code, ONNX Runtime, files and
 * worker threads. Kept free of ONNX Runtime types so it can travel through `postMessage`.
 */

/** Element types the compute core knows. `float16` data is held as raw bits in a Uint16Array. */
export type DType = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool';

export type TypedArrayOf<T extends DType> = T extends 'float32'
  ? Float32Array
  : T extends 'float64'
    ? Float64Array
    : T extends 'float16'
      ? Uint16Array
      : T extends 'int64'
        ? BigInt64Array
        : T extends 'int32'
          ? Int32Array
          : Uint8Array;

export type TensorData = Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

/** A dense, row-major tensor in host memory. */
export interface HostTensor<T extends DType = DType> {
  readonly dtype: T;
  readonly shape: readonly number[];
  readonly data: TypedArrayOf<T>;
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export function isFloat(dtype: DType): dtype is 'float32' | 'float64' | 'float16' {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Allocates a zero-filled typed array for `n` elements of `dtype`. */
export function allocate<T extends DType>(dtype: T, n: number): TypedArrayOf<T> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n) as TypedArrayOf<T>;
    case 'float64':
      return new Float64Array(n) as TypedArrayOf<T>;
    case 'float16':
      return new Uint16Array(n) as TypedArrayOf<T>;
    case 'int64':
      return new BigInt64Array(n) as TypedArrayOf<T>;
    case 'int32':
      return new Int32Array(n) as TypedArrayOf<T>;
    default:
      return new Uint8Array(n) as TypedArrayOf<T>;
  }
}

/** Builds a tensor, checking that the data length matches the shape. */
export function tensor<T extends DType>(dtype: T, shape: readonly number[], data?: TypedArrayOf<T> | ArrayLike<number>): HostTensor<T> {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor: invalid dimension ${d} in shape [${shape.join(', ')}]`);
  }
  const n = sizeOf(shape);
  let typed: TypedArrayOf<T>;
  if (data === undefined) typed = allocate(dtype, n);
  else if (ArrayBuffer.isView(data)) typed = data as TypedArrayOf<T>;
  else {
    typed = allocate(dtype, n);
    const src = data as ArrayLike<number>;
    if (dtype === 'int64') for (let i = 0; i < src.length; i++) (typed as BigInt64Array)[i] = BigInt(src[i]!);
    else for (let i = 0; i < src.length; i++) (typed as Float64Array)[i] = src[i]!;
    if (src.length !== n) throw new RangeError(`tensor: ${src.length} values for shape [${shape.join(', ')}] (${n} elements)`);
  }
  if (typed.length !== n) throw new RangeError(`tensor: ${typed.length} values for shape [${shape.join(', ')}] (${n} elements)`);
  return { dtype, shape: [...shape], data: typed };
}

/** Reads element `i` of any tensor as a number (int64 converted, float16 decoded). */
export function elementAt(t: HostTensor, i: number): number {
  if (t.dtype === 'int64') return Number((t.data as BigInt64Array)[i]!);
  if (t.dtype === 'float16') return float16BitsToNumber((t.data as Uint16Array)[i]!);
  return (t.data as Float64Array)[i]!;
}

/** Converts a tensor of floats to float64/float32/float16 (float16 rounds to nearest even). */
export function castFloat<T extends 'float32' | 'float64' | 'float16'>(t: HostTensor, dtype: T): HostTensor<T> {
  const n = t.data.length;
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = elementAt(t, i);
    if (dtype === 'float16') (out as Uint16Array)[i] = numberToFloat16Bits(v);
    else (out as Float64Array)[i] = v;
  }
  return { dtype, shape: [...t.shape], data: out };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half precision bits -> number. */
export function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number -> IEEE 754 half precision bits, round to nearest even, overflow to infinity. */
export function numberToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}
