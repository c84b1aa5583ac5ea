/**
 * Hand-built ONNX models for the compute tests, written with onnx-proto (irVersion 8, opset 18).
 */
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

type Dim = number | string;

export function valueInfo(name: string, dims?: readonly Dim[], elemType: number = FLOAT): OnnxTypes.IValueInfoProto {
  const shape = dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined;
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

export function node(opType: string, input: string[], output: string[], attribute: OnnxTypes.IAttributeProto[] = []): OnnxTypes.INodeProto {
  return { opType, input, output, name: `${opType}_${output[0]}`, attribute };
}

export function floatScalar(name: string, value: number): OnnxTypes.ITensorProto {
  return { name, dataType: FLOAT, dims: [], floatData: [value] };
}

export function encodeModel(graph: OnnxTypes.IGraphProto): Uint8Array {
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'nerfdex-tests', opsetImport: [{ domain: '', version: 18 }], graph });
  return onnx.ModelProto.encode(model).finish();
}

/** c = a + b on float32 vectors of length `n` (a number) or a dynamic length (a name). */
export function addModel(n: Dim = 'n'): Uint8Array {
  return encodeModel({
    name: 'add',
    node: [node('Add', ['a', 'b'], ['c'])],
    input: [valueInfo('a', [n]), valueInfo('b', [n])],
    output: [valueInfo('c', [n])],
  });
}

/** y = x W W ... W (`depth` MatMuls) with x: [n, n], W: [n, n]; enough work to keep a core busy. */
export function matmulChainModel(depth: number): Uint8Array {
  const nodes: OnnxTypes.INodeProto[] = [];
  let previous = 'x';
  for (let i = 0; i < depth; i++) {
    const out = i === depth - 1 ? 'y' : `h${i}`;
    nodes.push(node('MatMul', [previous, 'w'], [out]));
    previous = out;
  }
  return encodeModel({ name: 'chain', node: nodes, input: [valueInfo('x', ['n', 'n']), valueInfo('w', ['n', 'n'])], output: [valueInfo('y', ['n', 'n'])] });
}

/**
 * A train step following the optimiser's I/O convention, for one parameter `w` of shape [1]
 * and batch input `y` of shape [batch, 1]: loss = mean((w - y)^2), g = dloss/dw,
 * next w = w - lr g, next m = m + g, next v = v + step (so v sums the step numbers fed),
 * metrics/lr = lr, metrics/batch_mean = mean(y).
 */
export function trainStepModel(): Uint8Array {
  return encodeModel({
    name: 'train_step',
    initializer: [floatScalar('two', 2)],
    node: [
      node('Sub', ['params/w', 'y'], ['diff']),
      node('Mul', ['diff', 'diff'], ['sq']),
      node('ReduceMean', ['sq'], ['loss'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('ReduceMean', ['diff'], ['mean_diff'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('Mul', ['mean_diff', 'two'], ['grad']),
      node('Mul', ['lr', 'grad'], ['delta']),
      node('Sub', ['params/w', 'delta'], ['next/params/w']),
      node('Add', ['adam_m/w', 'grad'], ['next/adam_m/w']),
      node('Add', ['adam_v/w', 'step'], ['next/adam_v/w']),
      node('Identity', ['lr'], ['metrics/lr']),
      node('ReduceMean', ['y'], ['metrics/batch_mean'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
    ],
    input: [
      valueInfo('params/w', [1]),
      valueInfo('adam_m/w', [1]),
      valueInfo('adam_v/w', [1]),
      valueInfo('step', []),
      valueInfo('lr', []),
      valueInfo('y', ['batch', 1]),
    ],
    output: [
      valueInfo('next/params/w', [1]),
      valueInfo('next/adam_m/w', [1]),
      valueInfo('next/adam_v/w', [1]),
      valueInfo('loss', []),
      valueInfo('metrics/lr', []),
      valueInfo('metrics/batch_mean', []),
    ],
  });
}
