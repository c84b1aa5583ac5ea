import type onnxProto from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/main/compute/autodiff';
import * as fn from '../../src/main/compute/functions';
import { GRADIENTS, type GradRule } from '../../src/main/compute/gradients';
import { Graph } from '../../src/main/compute/graph';
import { OPSET, buildModel, decodeModel } from '../../src/main/compute/model';
import * as op from '../../src/main/compute/ops';
import { ModelValidationError, validateModel } from '../../src/main/compute/validate';
import { FLOAT64_SESSION, checkGradients, randomArray, relativeError, rng } from './op-check';

/** Decoded messages are class instances, whose repeated fields are always arrays. */
function graphOf(model: ReturnType<typeof decodeModel>): onnxProto.onnx.GraphProto {
  if (!model.graph) throw new Error('model has no graph');
  return model.graph as onnxProto.onnx.GraphProto;
}

function buildBlock(): Uint8Array {
  const g = new Graph('float32');
  const x = g.input('x', 'float32', ['N', 4]);
  const h = g.scope('block0', () => op.relu(fn.linear(x, g.param('block0/weight', [4, 8]), g.param('block0/bias', [8]))));
  return buildModel(g, { outputs: { y: op.reduceSum(h, [1]) } });
}

describe('graph builder', () => {
  it('gives the same bytes for the same build, with readable scoped names and opset 18', () => {
    const a = buildBlock();
    const b = buildBlock();
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const model = decodeModel(a);
    expect(Number(model.opsetImport[0]!.version)).toBe(OPSET);
    expect(OPSET).toBeGreaterThanOrEqual(18);
    const names = graphOf(model).node.map((n) => n.name);
    expect(names).toContain('block0/MatMul_0');
    expect(names).toContain('block0/Relu_0');
    expect(graphOf(model).input.map((i) => i.name)).toEqual(['params/block0/weight', 'params/block0/bias', 'x']);
    expect(graphOf(model).input[2]?.type?.tensorType?.shape?.dim?.[0]?.dimParam).toBe('N');
  });

  it('keeps only the nodes the outputs need', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const used = op.exp(x);
    op.log(x);
    const model = decodeModel(buildModel(g, { outputs: { y: used } }));
    expect(graphOf(model).node.map((n) => n.opType)).toEqual(['Exp', 'Identity']);
  });

  it('rejects bad shapes and types at build time with messages that quote them', () => {
    const g = new Graph();
    const a = g.input('a', 'float32', [3, 4]);
    const b = g.input('b', 'float32', [5, 4]);
    expect(() => op.add(a, b)).toThrow(RangeError);
    expect(() => op.add(a, b)).toThrow('Add: shapes [3, 4] and [5, 4] do not broadcast');
    expect(() => op.matmul(a, b)).toThrow('MatMul: inner dimensions differ in [3, 4] @ [5, 4]');
    expect(() => op.reduceSum(a, [2])).toThrow('ReduceSum: axis 2 out of range for rank 2');
    expect(() => op.transpose(a, [0, 0])).toThrow(RangeError);
    const i = g.input('i', 'int64', [3]);
    expect(() => op.exp(i)).toThrow(TypeError);
    expect(() => op.add(a, i)).toThrow('Add: dtypes differ (float32 and int64)');
    expect(() => g.input('a', 'float32', [1])).toThrow('graph: the name "a" is already used');
    expect(() => op.reshape(a, [0, 12])).toThrow('Reshape: invalid dimension 0');
    expect(() => op.gather(a, a)).toThrow('Gather: indices must be int64 or int32, got float32');
    const other = new Graph().input('z', 'float32', [3, 4]);
    expect(() => op.add(a, other)).toThrow('Add: input z belongs to another graph');
  });

  it('validates the structure of a model as a separate step', () => {
    const model = decodeModel(buildBlock());
    expect(() => validateModel(model)).not.toThrow();
    const broken = decodeModel(buildBlock());
    graphOf(broken).node.reverse();
    expect(() => validateModel(broken)).toThrow(ModelValidationError);
    expect(() => validateModel(broken)).toThrow(/reads ".*" before it is defined/);
    const noOutput = decodeModel(buildBlock());
    graphOf(noOutput).output[0]!.name = 'missing';
    expect(() => validateModel(noOutput)).toThrow('invalid ONNX model: graph output "missing" is never produced');
  });

  it('runs one graph with symbolic dims on several sizes, gradients included', async () => {
    // y = sum_rows(LN(x) W) reduced by a mean over N: every rule that uses run-time shapes.
    const g = new Graph('float64');
    const x = g.input('x', 'float64', ['N', 3]);
    const w = g.input('w', 'float64', [3, 2]);
    const s = g.input('s', 'float64', [3]);
    const h = op.matmul(op.layerNorm(op.slice(op.concat([x, x], 1), 1, 1, 4), s, op.mul(s, 0.5)), w);
    const loss = op.meanAll(op.mul(op.reshape(h, ['N', 2]), op.reduceMax(h, [0], true)));
    const [gx, gw] = gradients(loss, [x, w]);
    const session = await InferenceSession.create(buildModel(g, { outputs: { loss, gx: gx!, gw: gw! } }), FLOAT64_SESSION);
    const next = rng(5);
    for (const n of [4, 9]) {
      const xs = randomArray(n * 3, 'any', next);
      const ws = randomArray(6, 'any', next);
      const ss = randomArray(3, 'positive', next);
      const feeds = { x: new Tensor('float64', xs, [n, 3]), w: new Tensor('float64', ws, [3, 2]), s: new Tensor('float64', ss, [3]) };
      const out = await session.run(feeds);
      expect(out['gx']!.dims).toEqual([n, 3]);
      const lossAt = async (): Promise<number> => ((await session.run(feeds))['loss']!.data as Float64Array)[0]!;
      const numeric = new Float64Array(xs.length);
      for (let j = 0; j < xs.length; j++) {
        const keep = xs[j]!;
        xs[j] = keep + 1e-6;
        const plus = await lossAt();
        xs[j] = keep - 1e-6;
        const minus = await lossAt();
        xs[j] = keep;
        numeric[j] = (plus - minus) / 2e-6;
      }
      expect(relativeError(out['gx']!.data as Float64Array, numeric)).toBeLessThan(1e-6);
    }
  });

  it('names an op without a gradient rule', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const [y] = g.addNode('Erf', [x], {}, [{ dtype: 'float32', shape: [3] }]);
    expect(() => gradients(op.sumAll(y!), [x])).toThrow('gradients: no gradient rule for Erf (node Erf_0)');
  });

  it('the gradient check fails on a wrong rule (it can fail)', async () => {
    const rules = GRADIENTS as Record<string, GradRule>;
    const right = rules['Sin']!;
    rules['Sin'] = (node, dy) => [op.mul(dy[0]!, op.sin(node.inputs[0]!))];
    try {
      await expect(checkGradients((_g, [a]) => op.sin(a!), [{ shape: [3] }])).rejects.toThrow(/relative error/);
    } finally {
      rules['Sin'] = right;
    }
  });
});
