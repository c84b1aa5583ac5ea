/**
 * One GMN residual block (PAPER.md, "Encoder"): pre-LayerNorm, edge update, mean message
 * aggregation over incoming edges, node update, residual SiLU projections. Edges point from the
 * input side (src) to the output side (dst).
 */
import { layerNormParams } from './layers';
import { linear, segmentMean, silu } from '../compute/functions';
import type { Graph, Value } from '../compute/graph';
import * as op from '../compute/ops';

export interface BlockInputs {
  /** Node features [N, H]. */
  readonly nodes: Value;
  /** Edge features [E, H]. */
  readonly edges: Value;
  /** Source node of each edge, int64 [E]. */
  readonly src: Value;
  /** Destination node of each edge, int64 [E]. */
  readonly dst: Value;
}

export interface BlockOutputs {
  readonly nodes: Value;
  readonly edges: Value;
}

function dense(g: Graph, name: string, x: Value, inputs: number, outputs: number): Value {
  return linear(x, g.param(`${name}/weight`, [inputs, outputs]), g.param(`${name}/bias`, [outputs], { kind: 'constant', value: 0 }));
}

/**
 * e' = ReLU(W1[h_u, h_v, e]); m_v = mean over incoming edges of ReLU(W2[h_u, e']);
 * h' = ReLU(W3[h_v, m_v]); h += W4 SiLU(h'); e += W5 SiLU(e'). With `updateNodes` false (the
 * encoder's last block) only the edges are updated.
 */
export function messagePassingBlock(g: Graph, name: string, hidden: number, x: BlockInputs, updateNodes = true): BlockOutputs {
  return g.scope(name, () => {
    const h = layerNormParams(g, `${name}/node_norm`, x.nodes, hidden);
    const e = layerNormParams(g, `${name}/edge_norm`, x.edges, hidden);
    const hu = op.gather(h, x.src);
    const hv = op.gather(h, x.dst);
    const e1 = op.relu(dense(g, `${name}/edge_update`, op.concat([hu, hv, e], 1), 3 * hidden, hidden));
    const edges = op.add(x.edges, dense(g, `${name}/edge_out`, silu(e1), hidden, hidden));
    if (!updateNodes) return { nodes: x.nodes, edges };
    const messages = op.relu(dense(g, `${name}/message`, op.concat([hu, e1], 1), 2 * hidden, hidden));
    const m = segmentMean(messages, x.dst, h);
    const h1 = op.relu(dense(g, `${name}/node_update`, op.concat([h, m], 1), 2 * hidden, hidden));
    const nodes = op.add(x.nodes, dense(g, `${name}/node_out`, silu(h1), hidden, hidden));
    return { nodes, edges };
  });
}
