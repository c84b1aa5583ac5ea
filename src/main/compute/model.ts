/**
 * Serialises a graph to an ONNX ModelProto, keeping only what the requested outputs need.
 * Deterministic: nodes in creation order, attributes and initializers sorted by name.
 */
import onnxProto from 'onnx-proto';
import type { Attr, Graph, Shape, Value } from './graph';
import { type HostTensor, ONNX_DTYPE, sizeOf } from './tensor';
import { validateModel } from './validate';

const { onnx } = onnxProto;

/** The opset every nerfdex graph targets. */
export const OPSET = 18;
/** IR version 8: the newest the bundled protobuf schema knows, enough for opset 18. */
export const IR_VERSION = 8;

export interface ModelOptions {
  /** Graph outputs: name -> value. A value whose name differs is renamed through Identity. */
  readonly outputs: Readonly<Record<string, Value>>;
  /**
   * Parameter values to store as initializers (an exported, self-contained model). Parameters
   * left out stay graph inputs, as a train-step graph wants them. @default {}
   */
  readonly initializers?: Readonly<Record<string, HostTensor>>;
  /** @default 'nerfdex' */
  readonly name?: string;
  readonly docString?: string;
  /** Extra metadata_props (key -> value), e.g. the model version. */
  readonly metadata?: Readonly<Record<string, string>>;
}

function dimProto(d: number | string, withParams: boolean): onnxProto.onnx.TensorShapeProto.IDimension {
  if (typeof d === 'number') return { dimValue: d };
  return withParams ? { dimParam: d } : {};
}

function valueInfo(name: string, v: Value, withParams: boolean): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[v.dtype], shape: { dim: v.shape.map((d: Shape[number]) => dimProto(d, withParams)) } } },
  };
}

/** Little-endian bytes of a host tensor, as TensorProto.raw_data wants them. */
export function tensorProto(name: string, t: HostTensor): onnxProto.onnx.ITensorProto {
  const expected = sizeOf(t.shape);
  if (t.data.length !== expected) throw new RangeError(`initializer ${name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return { name, dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: bytes };
}

function attrProto(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...a.value] };
    case 'tensor':
      return { name, type: T.TENSOR, t: tensorProto('', a.value) };
  }
}

/** Builds the ModelProto object (not yet encoded). */
export function toModelProto(graph: Graph, options: ModelOptions): onnxProto.onnx.ModelProto {
  const outputEntries = Object.entries(options.outputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!outputEntries.length) throw new RangeError('model: at least one output is required');
  const needed = new Set<Value>();
  const stack = outputEntries.map(([, v]) => v);
  while (stack.length) {
    const v = stack.pop()!;
    if (needed.has(v)) continue;
    needed.add(v);
    if (v.producer) for (const i of v.producer.inputs) if (i) stack.push(i);
  }
  const initializers = options.initializers ?? {};
  for (const name of Object.keys(initializers)) {
    if (!graph.params.some((p) => p.name === name)) throw new RangeError(`model: initializer for unknown parameter "${name}"`);
  }

  const nodes: onnxProto.onnx.INodeProto[] = [];
  const producers = new Set(graph.nodes.filter((n) => n.outputs.some((o) => needed.has(o))));
  for (const node of graph.nodes) {
    if (!producers.has(node)) continue;
    const attributes = Object.keys(node.attrs)
      .sort()
      .map((k) => attrProto(k, node.attrs[k]!));
    nodes.push({ name: node.name, opType: node.opType, domain: node.domain, input: node.inputs.map((v) => (v ? v.name : '')), output: node.outputs.map((o) => o.name), attribute: attributes });
  }
  const outputs: onnxProto.onnx.IValueInfoProto[] = [];
  for (const [name, v] of outputEntries) {
    if (v.name !== name) nodes.push({ name: `output/${name}`, opType: 'Identity', input: [v.name], output: [name] });
    outputs.push(valueInfo(name, v, false));
  }

  const inits: onnxProto.onnx.ITensorProto[] = [];
  for (const [v, t] of graph.constants) if (needed.has(v)) inits.push(tensorProto(v.name, t));
  const inputs: onnxProto.onnx.IValueInfoProto[] = [];
  for (const { name, value } of graph.params) {
    if (!needed.has(value)) continue;
    const t = initializers[name];
    if (!t) inputs.push(valueInfo(value.name, value, true));
    else {
      if (t.dtype !== value.dtype || t.shape.length !== value.rank || t.shape.some((d, i) => d !== value.shape[i])) {
        throw new TypeError(`model: parameter "${name}" is ${value.dtype}[${value.shape.join(', ')}], got ${t.dtype}[${t.shape.join(', ')}]`);
      }
      inits.push(tensorProto(value.name, t));
    }
  }
  for (const v of graph.inputs) if (needed.has(v)) inputs.push(valueInfo(v.name, v, true));
  inits.sort((a, b) => (a.name! < b.name! ? -1 : 1));

  const metadata = Object.entries(options.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'nerfdex',
    graph: { name: options.name ?? 'nerfdex', node: nodes, initializer: inits, input: inputs, output: outputs, docString: options.docString ?? '' },
    metadataProps: metadata.map(([key, value]) => ({ key, value })),
  });
  validateModel(proto);
  return proto;
}

/** Encodes the graph as ONNX model bytes. */
export function buildModel(graph: Graph, options: ModelOptions): Uint8Array {
  return onnx.ModelProto.encode(toModelProto(graph, options)).finish();
}

/** Decodes ONNX model bytes (for inspection and tests). */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
