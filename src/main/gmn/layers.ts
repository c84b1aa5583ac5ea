/** Small parameterised layers shared by the GMN encoder and decoder. */
import type { Graph, Value } from '../compute/graph';
import * as op from '../compute/ops';

/** LayerNorm over the last axis with learnable scale (init 1) and bias (init 0). */
export function layerNormParams(g: Graph, name: string, x: Value, size: number): Value {
  const scale = g.param(`${name}/scale`, [size], { kind: 'constant', value: 1 });
  const bias = g.param(`${name}/bias`, [size], { kind: 'constant', value: 0 });
  return op.layerNorm(x, scale, bias);
}
