/**
 * A NeRF as a FieldFunction: one cached session per config (parameters fed as inputs, so every
 * NeRF of an architecture shares it), points in, density and rgb out.
 */
import { Graph } from '../compute/graph';
import { buildModel } from '../compute/model';
import type { SessionCache } from '../compute/session';
import { runSession } from '../compute/session';
import type { HostTensor } from '../compute/tensor';
import type { ProviderChoice } from '../../shared/compute';
import { buildFieldGraph, declareFieldParams } from './field-graph';
import type { FieldFunction, Nerf, NerfConfig } from './types';

const modelCache = new Map<string, Uint8Array>();

/** Model bytes evaluating one NeRF of `config`: inputs params/<name> [1, ...], points [1, N, 3]. */
export function fieldModel(config: NerfConfig): Uint8Array {
  const key = JSON.stringify(config);
  let bytes = modelCache.get(key);
  if (!bytes) {
    const g = new Graph('float32');
    const params = declareFieldParams(g, config, 1);
    const points = g.input('points', 'float32', [1, 'N', 3]);
    const { density, rgb } = buildFieldGraph(g, config, points, params);
    bytes = buildModel(g, { outputs: { density, rgb }, name: `field/${config.architecture}` });
    modelCache.set(key, bytes);
  }
  return bytes;
}

/** Evaluates `nerf` at world-space points through ONNX Runtime. */
export function nerfField(nerf: Nerf, sessions: SessionCache, provider: ProviderChoice): FieldFunction {
  const feeds: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(nerf.params)) feeds[`params/${name}`] = { ...t, shape: [1, ...t.shape] };
  const model = fieldModel(nerf.config);
  return async (points: Float32Array) => {
    const session = await sessions.get(model, provider, { variableShapes: true });
    const n = points.length / 3;
    const out = await runSession(session, { ...feeds, points: { dtype: 'float32', shape: [1, n, 3], data: points } });
    return { density: out['density']!.data as Float32Array, rgb: out['rgb']!.data as Float32Array };
  };
}
