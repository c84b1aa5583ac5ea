import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { gradients } from '../../src/main/compute/autodiff';
import * as fn from '../../src/main/compute/functions';
import { GRADIENTS, type GradRule } from '../../src/main/compute/gradients';
import { Graph, type Value } from '../../src/main/compute/graph';
import { buildModel } from '../../src/main/compute/model';
import * as op from '../../src/main/compute/ops';
import { type InputSpec, checkGradients } from './op-check';

const S = (shape: number[], domain: InputSpec['domain'] = 'any'): InputSpec => ({ shape, domain });
const idx = (g: Graph, values: number[], shape = [values.length]): Value =>
  g.constant({ dtype: 'int64', shape, data: BigInt64Array.from(values.map(BigInt)) });
const mask = (g: Graph, values: number[], shape: number[]): Value => g.constant({ dtype: 'bool', shape, data: Uint8Array.from(values) });

type Case = [name: string, build: (g: Graph, x: Value[]) => Value, inputs: InputSpec[]];

// One line per case: every differentiable op, with broadcasting where the op broadcasts.
const cases: Case[] = [
  ['Add same shape', (_g, [a, b]) => op.add(a!, b!), [S([3, 4]), S([3, 4])]],
  ['Add broadcast row', (_g, [a, b]) => op.add(a!, b!), [S([3, 4]), S([4])]],
  ['Add broadcast both', (_g, [a, b]) => op.add(a!, b!), [S([3, 1]), S([1, 4])]],
  ['Add rank 3 + rank 2', (_g, [a, b]) => op.add(a!, b!), [S([2, 3, 4]), S([3, 1])]],
  ['Add scalar literal', (_g, [a]) => op.add(a!, 2.5), [S([3, 2])]],
  ['Sub broadcast', (_g, [a, b]) => op.sub(a!, b!), [S([3, 4]), S([3, 1])]],
  ['Mul broadcast', (_g, [a, b]) => op.mul(a!, b!), [S([2, 1, 4]), S([3, 1])]],
  ['Mul fan-out (x * x)', (_g, [a]) => op.mul(a!, a!), [S([5])]],
  ['Div broadcast', (_g, [a, b]) => op.div(a!, b!), [S([3, 4]), S([4], 'positive')]],
  ['Neg', (_g, [a]) => op.neg(a!), [S([3, 2])]],
  ['Exp', (_g, [a]) => op.exp(a!), [S([3, 2])]],
  ['Log', (_g, [a]) => op.log(a!), [S([3, 2], 'positive')]],
  ['Sqrt', (_g, [a]) => op.sqrt(a!), [S([3, 2], 'positive')]],
  ['Pow constant exponent', (_g, [a]) => op.pow(a!, 2.5), [S([3, 2], 'positive')]],
  ['Pow tensor exponent broadcast', (_g, [a, b]) => op.pow(a!, b!), [S([3, 2], 'positive'), S([2])]],
  ['Abs', (_g, [a]) => op.abs(a!), [S([4, 3], 'away0')]],
  ['Relu', (_g, [a]) => op.relu(a!), [S([4, 3], 'away0')]],
  ['Sigmoid', (_g, [a]) => op.sigmoid(a!), [S([4, 3])]],
  ['Tanh', (_g, [a]) => op.tanh(a!), [S([4, 3])]],
  ['Sin', (_g, [a]) => op.sin(op.mul(a!, 3)), [S([4, 3])]],
  ['Cos', (_g, [a]) => op.cos(op.mul(a!, 3)), [S([4, 3])]],
  ['Softplus (composite)', (_g, [a]) => fn.softplus(op.mul(a!, 4)), [S([4, 3])]],
  ['SiLU (composite)', (_g, [a]) => fn.silu(op.mul(a!, 3)), [S([4, 3])]],
  ['SmoothL1 (composite)', (_g, [a, b]) => fn.smoothL1(op.mul(a!, 3), b!, 1), [S([4, 3], 'away0'), S([4, 3])]],
  ['Where broadcast', (g, [a, b]) => op.where(mask(g, [1, 0, 1, 0], [4, 1]), a!, b!), [S([4, 3]), S([3])]],
  ['Clip', (_g, [a]) => op.clip(a!, -0.5, 0.5), [S([4, 3], 'any')]],
  ['MatMul', (_g, [a, b]) => op.matmul(a!, b!), [S([3, 4]), S([4, 5])]],
  ['MatMul batched, broadcast B', (_g, [a, b]) => op.matmul(a!, b!), [S([2, 3, 4]), S([4, 5])]],
  ['MatMul batched, broadcast batch', (_g, [a, b]) => op.matmul(a!, b!), [S([2, 3, 4]), S([1, 4, 2])]],
  ['Gather rows with repeats', (g, [a]) => op.gather(a!, idx(g, [4, 0, 4, 2])), [S([5, 3])]],
  ['Gather 2-D indices', (g, [a]) => op.gather(a!, idx(g, [1, 1, 0, 3], [2, 2])), [S([4, 2])]],
  ['ScatterND add rows', (g, [base, upd]) => op.scatterAddRows(base!, idx(g, [0, 3, 0, 1, 3, 3]), upd!), [S([4, 3]), S([6, 3])]],
  ['Segment sum', (g, [upd, rows]) => op.add(op.segmentSum(upd!, idx(g, [2, 0, 2, 1, 2]), rows!), rows!), [S([5, 3]), S([4, 3])]],
  ['Segment mean (composite)', (g, [upd, rows]) => op.add(fn.segmentMean(upd!, idx(g, [2, 0, 2, 1, 2]), rows!), rows!), [S([5, 3]), S([4, 3])]],
  ['ReduceSum axis 1', (_g, [a]) => op.reduceSum(a!, [1]), [S([3, 4])]],
  ['ReduceSum axes 0,2 keepdims', (_g, [a]) => op.reduceSum(a!, [0, 2], true), [S([2, 3, 4])]],
  ['ReduceMean axis -1', (_g, [a]) => op.reduceMean(a!, [-1]), [S([3, 4])]],
  ['ReduceMean axes 0,1 keepdims', (_g, [a]) => op.reduceMean(a!, [0, 1], true), [S([2, 3, 4])]],
  ['ReduceMax axis 1', (_g, [a]) => op.reduceMax(a!, [1]), [S([3, 4])]],
  ['ReduceMax axes 0,2 keepdims', (_g, [a]) => op.reduceMax(a!, [0, 2], true), [S([2, 3, 4])]],
  ['Concat axis 0', (_g, [a, b, c]) => op.concat([a!, b!, c!], 0), [S([2, 3]), S([1, 3]), S([3, 3])]],
  ['Concat axis 1', (_g, [a, b]) => op.concat([a!, b!], 1), [S([2, 3]), S([2, 2])]],
  ['Slice middle', (_g, [a]) => op.slice(a!, 1, 1, 3), [S([3, 5])]],
  ['Slice to end', (_g, [a]) => op.slice(a!, 0, 1), [S([4, 2])]],
  ['Reshape', (_g, [a]) => op.reshape(a!, [2, 6]), [S([3, 4])]],
  ['Reshape -1', (_g, [a]) => op.reshape(a!, [-1]), [S([3, 4])]],
  ['Unsqueeze + Squeeze', (_g, [a]) => op.squeeze(op.mul(op.unsqueeze(a!, [1]), 2), [1]), [S([3, 4])]],
  ['Transpose', (_g, [a]) => op.transpose(a!, [2, 0, 1]), [S([2, 3, 4])]],
  ['Expand', (_g, [a]) => op.expand(a!, [2, 3, 4]), [S([3, 1])]],
  ['CumSum', (_g, [a]) => op.cumsum(a!, 1), [S([2, 5])]],
  ['CumSum exclusive', (_g, [a]) => op.cumsum(a!, 1, { exclusive: true }), [S([2, 5])]],
  ['CumSum reverse', (_g, [a]) => op.cumsum(a!, 0, { reverse: true }), [S([4, 2])]],
  ['CumSum exclusive reverse', (_g, [a]) => op.cumsum(a!, -1, { exclusive: true, reverse: true }), [S([2, 5])]],
  ['LayerNormalization 2-D', (_g, [x, s, b]) => op.layerNorm(x!, s!, b!), [S([4, 6]), S([6]), S([6])]],
  ['LayerNormalization 3-D', (_g, [x, s, b]) => op.layerNorm(x!, s!, b!), [S([2, 3, 5]), S([5]), S([5])]],
];

describe('gradients match central finite differences (float64, relative error <= 1e-6)', () => {
  it.each(cases)('%s', async (_name, build, inputs) => {
    await checkGradients(build, inputs);
  });

  it('Cast float64 -> float32 -> float64 (inputs and step exact in float32)', async () => {
    const values = [Float64Array.from({ length: 6 }, (_, i) => (i - 3) / 64)];
    await checkGradients((_g, [a]) => op.cast(op.cast(a!, 'float32'), 'float64'), [S([2, 3])], { values, step: 1 / 1024 });
  });

  it('composite: a 2-layer MLP with LayerNorm and a scatter-add message-passing step', async () => {
    // Nodes [4, 3], edges 0->1, 1->2, 2->0, 3->0, 0->3: h = relu(LN(x W1 + b1)); m = mean_{edges} relu(h_src W2); out = (h + m) W3
    const src = [0, 1, 2, 3, 0];
    const dst = [1, 2, 0, 0, 3];
    const build = (g: Graph, [x, w1, b1, s, t, w2, w3]: Value[]): Value => {
      const h = op.relu(op.layerNorm(fn.linear(x!, w1!, b1!), s!, t!));
      const messages = op.relu(op.matmul(op.gather(h, g.constant({ dtype: 'int64', shape: [5], data: BigInt64Array.from(src.map(BigInt)) })), w2!));
      const m = fn.segmentMean(messages, g.constant({ dtype: 'int64', shape: [5], data: BigInt64Array.from(dst.map(BigInt)) }), h);
      return fn.linear(op.add(h, m), w3!);
    };
    const worst = await checkGradients(build, [S([4, 3]), S([3, 5]), S([5]), S([5]), S([5]), S([5, 5]), S([5, 2])], { seed: 7 });
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('GMN message-passing block', () => {
  it('has gradients matching finite differences for nodes, edges and a weight', async () => {
    const { messagePassingBlock } = await import('../../src/main/gmn/message-passing');
    const src = [0, 1, 2, 3, 0, 2];
    const dst = [1, 2, 0, 0, 3, 3];
    await checkGradients(
      (g, [nodes, edges]) => {
        const out = messagePassingBlock(g, 'block', 4, { nodes: nodes!, edges: edges!, src: idx(g, src), dst: idx(g, dst) });
        return op.concat([op.reduceSum(out.nodes, [0], true), op.reduceSum(out.edges, [0], true)], 0);
      },
      [S([4, 4]), S([6, 4])],
      { seed: 11 },
    );
  });
});

describe('gradient shapes are checked in full at build time', () => {
  // Rules that forget to un-broadcast: they pass the output's gradient (times the other operand) straight through.
  const forgetful: Readonly<Record<string, GradRule>> = {
    ...GRADIENTS,
    Add: (_node, [g]) => [g!, g!],
    Mul: (node, [g]) => [op.mul(g!, node.inputs[1]!), op.mul(g!, node.inputs[0]!)],
  };

  it('catches an Add rule that does not sum over a broadcast leading axis', () => {
    const g = new Graph();
    const loss = op.sumAll(op.add(g.input('h', 'float32', [8, 32]), g.input('bias', 'float32', [32])));
    const [bias] = g.inputs.slice(1);
    expect(() => gradients(loss, [bias!], forgetful)).toThrow(RangeError);
    expect(() => gradients(loss, [bias!], forgetful)).toThrow(
      'gradients: gradient of Add input "bias" has shape [8, 32], expected [32]: the rule for Add must sum over broadcast dimensions',
    );
  });

  it('catches a Mul rule that does not sum over a broadcast size-1 axis, with a symbolic batch', () => {
    const g = new Graph();
    const s = g.input('s', 'float32', ['B', 1]);
    const loss = op.sumAll(op.mul(s, g.input('h', 'float32', ['B', 32])));
    expect(() => gradients(loss, [s], forgetful)).toThrow(RangeError);
    expect(() => gradients(loss, [s], forgetful)).toThrow(
      'gradients: gradient of Mul input "s" has shape [B, 32], expected [B, 1]: the rule for Mul must sum over broadcast dimensions',
    );
  });

  it('treats a size 1 against a symbol as a mismatch (a symbol never broadcasts)', () => {
    const g = new Graph();
    const w = g.input('w', 'float32', [1, 32]);
    const loss = op.sumAll(op.add(g.input('h', 'float32', ['B', 32]), w));
    expect(() => gradients(loss, [w], forgetful)).toThrow('gradient of Add input "w" has shape [B, 32], expected [1, 32]');
  });

  it('catches a rule that returns the wrong dtype', () => {
    const g = new Graph('float64');
    const x = g.input('x', 'float64', [3]);
    const loss = op.sumAll(op.cast(x, 'float32'));
    const uncast: Readonly<Record<string, GradRule>> = { ...GRADIENTS, Cast: (_node, [dy]) => [dy!] };
    expect(() => gradients(loss, [x], uncast)).toThrow(TypeError);
    expect(() => gradients(loss, [x], uncast)).toThrow('gradients: gradient of Cast input "x" has dtype float32, expected float64');
  });

  it("gives LayerNormalization gradients their inputs' shapes when the normalised axis is symbolic", () => {
    // The rule computes dx from scale's size (4) and dscale from x's axis (F); both are reshaped back.
    const g = new Graph();
    const x = g.input('x', 'float32', ['N', 'F']);
    const scale = g.input('scale', 'float32', [4]);
    const bias = g.input('bias', 'float32', [4]);
    const grads = gradients(op.sumAll(op.layerNorm(x, scale, bias)), [x, scale, bias]);
    expect(grads.map((v) => v.shape)).toEqual([['N', 'F'], [4], [4]]);
  });

  it('passes the real rules on [B, 32] + [32] and [B, 1] * [B, 32], and the shapes hold at run time', async () => {
    // loss = sum(s * (h + bias)): d/dh = s, d/dbias = sum over rows of s, d/ds = row sums of h + bias.
    const g = new Graph('float32');
    const h = g.input('h', 'float32', ['B', 32]);
    const bias = g.input('bias', 'float32', [32]);
    const s = g.input('s', 'float32', ['B', 1]);
    const [gh, gbias, gs] = gradients(op.sumAll(op.mul(s, op.add(h, bias))), [h, bias, s]);
    expect([gh!.shape, gbias!.shape, gs!.shape]).toEqual([['B', 32], [32], ['B', 1]]);

    const session = await InferenceSession.create(buildModel(g, { outputs: { gh: gh!, gbias: gbias!, gs: gs! } }));
    const rows = 3;
    const hs = Float32Array.from({ length: rows * 32 }, (_, i) => (i % 7) - 3);
    const biases = Float32Array.from({ length: 32 }, (_, j) => j / 8);
    const ss = Float32Array.of(0.5, -1, 2);
    const out = await session.run({ h: new Tensor('float32', hs, [rows, 32]), bias: new Tensor('float32', biases, [32]), s: new Tensor('float32', ss, [rows, 1]) });
    expect([out['gh']!.dims, out['gbias']!.dims, out['gs']!.dims]).toEqual([[rows, 32], [32], [rows, 1]]);
    expect(Array.from(out['gbias']!.data as Float32Array)).toEqual(new Array<number>(32).fill(1.5));
    const rowSums = [0, 1, 2].map((b) => biases.reduce((sum, bj, j) => sum + hs[b * 32 + j]! + bj, 0));
    Array.from(out['gs']!.data as Float32Array).forEach((v, b) => expect(v).toBeCloseTo(rowSums[b]!, 4));
    expect(Array.from(out['gh']!.data as Float32Array).slice(30, 34)).toEqual([0.5, 0.5, -1, -1]);
  });
});
