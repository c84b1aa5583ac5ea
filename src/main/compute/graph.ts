/**
 * The graph builder: values, nodes and a graph that records them in creation order (which is a
 * topological order, since a node can only consume values that already exist).
 *
 * Shapes are tracked statically with symbolic dimensions (strings such as `"N"`), so the
 * autodiff knows at build time which axes a broadcast expanded. Invariant: a symbolic dimension
 * never broadcasts, i.e. it is assumed not to be 1 at run time where it meets a different size.
 */
import { type DType, type HostTensor, isFloat } from './tensor';

/** A dimension: a fixed size, or a symbol bound at run time. */
export type Dim = number | string;
export type Shape = readonly Dim[];

/** An ONNX attribute, tagged with its type because a JS number cannot say int or float. */
export type Attr =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'tensor'; readonly value: HostTensor };

export const attr = {
  int: (value: number): Attr => ({ type: 'int', value }),
  float: (value: number): Attr => ({ type: 'float', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
  ints: (value: readonly number[]): Attr => ({ type: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ type: 'floats', value }),
  tensor: (value: HostTensor): Attr => ({ type: 'tensor', value }),
};

/** Where a value comes from. */
export type ValueKind = 'input' | 'param' | 'constant' | 'node';

/** A named tensor in the graph: a graph input, a parameter, a constant or a node output. */
export class Value {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: ValueKind,
    readonly producer: Node | null,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.join(', ')}]`;
  }
}

/** One operator application. `inputs` may hold `null` for an omitted optional input. */
export interface Node {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

/** The type of one output, as the op's shape rule computed it. */
export interface OutputSpec {
  readonly dtype: DType;
  readonly shape: Shape;
}

/**
 * How a parameter starts: constant, or drawn uniformly in [-bound, bound] or from N(0, std^2).
 * `glorot` is uniform with bound sqrt(6 / (fanIn + fanOut)) over the last two dims.
 */
export type ParamInit =
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'glorot' };

/** A parameter's declaration: its graph value, the short name used in files and feeds, its init. */
export interface ParamInfo {
  readonly name: string;
  readonly value: Value;
  readonly init: ParamInit;
}

/**
 * Records the values and nodes of one ONNX graph. Names are deterministic: scope path, op type
 * and a per-graph counter, so the same build gives the same model bytes.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly params: ParamInfo[] = [];
  readonly constants = new Map<Value, HostTensor>();
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly scopes: string[] = [];
  private readonly constantCache = new Map<string, Value>();

  /**
   * @param floatType the dtype of parameters and literal constants; float64 for gradient checks.
   */
  constructor(readonly floatType: 'float32' | 'float64' = 'float32') {}

  /** Runs `body` with names prefixed by `scope/`, so an ONNX viewer shows the model's structure. */
  scope<T>(scope: string, body: () => T): T {
    this.scopes.push(scope);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** Declares a graph input fed at run time. */
  input(name: string, dtype: DType, shape: Shape): Value {
    const v = new Value(this, this.claim(name), dtype, shape, 'input', null);
    this.inputs.push(v);
    return v;
  }

  /**
   * Declares a trainable parameter of the graph's float type. In a train-step graph it is fed as
   * `params/<name>`; an exported model holds it as an initializer of the same name.
   */
  param(name: string, shape: readonly number[], init: ParamInit = { kind: 'glorot' }): Value {
    for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new RangeError(`param ${name}: invalid shape [${shape.join(', ')}]`);
    const v = new Value(this, this.claim(`params/${name}`), this.floatType, shape, 'param', null);
    this.params.push({ name, value: v, init });
    return v;
  }

  /** A constant tensor stored as an initializer; identical small constants are shared. */
  constant(t: HostTensor, name?: string): Value {
    const key = t.data.length <= 16 && name === undefined ? `${t.dtype}[${t.shape.join(',')}]:${Array.from(t.data as ArrayLike<number | bigint>).join(',')}` : '';
    const cached = key ? this.constantCache.get(key) : undefined;
    if (cached) return cached;
    const v = new Value(this, this.claim(name ?? this.fresh('const')), t.dtype, [...t.shape], 'constant', null);
    this.constants.set(v, t);
    if (key) this.constantCache.set(key, v);
    return v;
  }

  /** A scalar constant (shape []) of `dtype`, @default the graph's float type. */
  scalar(value: number, dtype: DType = this.floatType): Value {
    return this.constant(scalarTensor(value, dtype));
  }

  /** A 1-D int64 constant, as ONNX wants for axes, shapes and indices. */
  int64s(values: readonly number[]): Value {
    return this.constant({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
  }

  /**
   * Appends a node. Callers (the op functions) have already computed output types with the op's
   * shape rule; this only records and names.
   */
  addNode(opType: string, inputs: readonly (Value | null)[], attrs: Record<string, Attr>, outputs: readonly OutputSpec[], domain = ''): Value[] {
    for (const input of inputs) {
      if (input && input.graph !== this) throw new Error(`${opType}: input ${input.name} belongs to another graph`);
    }
    const nodeName = this.fresh(opType);
    const outs: Value[] = [];
    const node: Node = { name: nodeName, opType, domain, inputs: [...inputs], outputs: outs, attrs };
    outputs.forEach((spec, i) => {
      outs.push(new Value(this, this.claim(outputs.length === 1 ? nodeName : `${nodeName}:${i}`), spec.dtype, spec.shape, 'node', node));
    });
    this.nodes.push(node);
    return outs;
  }

  /** Is `v` a float value that gradients can flow through? */
  isDifferentiable(v: Value): boolean {
    return isFloat(v.dtype);
  }

  private fresh(base: string): string {
    const prefix = this.scopes.length ? `${this.scopes.join('/')}/` : '';
    const key = prefix + base;
    for (;;) {
      const n = this.counters.get(key) ?? 0;
      this.counters.set(key, n + 1);
      const name = `${key}_${n}`;
      if (!this.names.has(name)) return name;
    }
  }

  private claim(name: string): string {
    if (!name) throw new RangeError('graph: a value name must not be empty');
    if (this.names.has(name)) throw new RangeError(`graph: the name "${name}" is already used`);
    this.names.add(name);
    return name;
  }
}

export function scalarTensor(value: number, dtype: DType): HostTensor {
  switch (dtype) {
    case 'float32':
      return { dtype, shape: [], data: Float32Array.of(value) };
    case 'float64':
      return { dtype, shape: [], data: Float64Array.of(value) };
    case 'int64':
      return { dtype, shape: [], data: BigInt64Array.of(BigInt(value)) };
    case 'int32':
      return { dtype, shape: [], data: Int32Array.of(value) };
    case 'bool':
    case 'uint8':
      return { dtype, shape: [], data: Uint8Array.of(value) };
    default:
      throw new TypeError(`scalar: unsupported dtype ${dtype}`);
  }
}
