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

/** x @ W for a weight of its own, no bias: one part of a linear layer over concatenated inputs. */
function part(g: Graph, name: string, x: Value, inputs: number, outputs: number): Value {
  return op.matmul(x, g.param(name, [inputs, outputs]));
}

/**
 * e' = ReLU(W1[h_u, h_v, e]); m_v = mean over incoming edges of ReLU(W2[h_u, e']);
 * h' = ReLU(W3[h_v, m_v]); h += W4 SiLU(h'); e += W5 SiLU(e'). With `updateNodes` false (the
 * encoder's last block) only the edges are updated.
 *
 * A linear layer over concatenated inputs is the sum of one linear map per part, so node-side
 * parts are applied to the N nodes first and then gathered onto the E edges: the same function
 * as concatenating per edge, with no [E, 3H] concatenation and N instead of E rows through those
 * matrix products (E is 10 to 50 times N in NeRF parameter graphs).
 */
export function messagePassingBlock(g: Graph, name: string, hidden: number, x: BlockInputs, updateNodes = true): BlockOutputs {
  return g.scope(name, () => {
    const h = layerNormParams(g, `${name}/node_norm`, x.nodes, hidden);
    const e = layerNormParams(g, `${name}/edge_norm`, x.edges, hidden);
    const fromSource = op.gather(part(g, `${name}/edge_update/source_weight`, h, hidden, hidden), x.src);
    const fromTarget = op.gather(part(g, `${name}/edge_update/target_weight`, h, hidden, hidden), x.dst);
    const fromEdge = linear(e, g.param(`${name}/edge_update/edge_weight`, [hidden, hidden]), g.param(`${name}/edge_update/bias`, [hidden], { kind: 'constant', value: 0 }));
    const e1 = op.relu(op.add(op.add(fromSource, fromTarget), fromEdge));
    const edges = op.add(x.edges, dense(g, `${name}/edge_out`, silu(e1), hidden, hidden));
    if (!updateNodes) return { nodes: x.nodes, edges };
    const messageSource = op.gather(part(g, `${name}/message/source_weight`, h, hidden, hidden), x.src);
    const messages = op.relu(op.add(messageSource, linear(e1, g.param(`${name}/message/edge_weight`, [hidden, hidden]), g.param(`${name}/message/bias`, [hidden], { kind: 'constant', value: 0 }))));
    const m = segmentMean(messages, x.dst, h);
    const h1 = op.relu(op.add(part(g, `${name}/node_update/node_weight`, h, hidden, hidden), dense(g, `${name}/node_update/message`, m, hidden, hidden)));
    const nodes = op.add(x.nodes, dense(g, `${name}/node_out`, silu(h1), hidden, hidden));
    return { nodes, edges };
  });
}
