/** Initial parameter values, drawn from a seeded generator so a seed gives the same model. */
import type { Graph, ParamInit } from './graph';
import type { HostTensor } from './tensor';

/** mulberry32: small, fast, good enough for initialisation and sampling. Returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
export function normal(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** Fills `out` (a parameter of `shape`) as `init` says, drawing from `next`. */
export function fillParam(init: ParamInit, shape: readonly number[], out: Float32Array | Float64Array, next: () => number): void {
  switch (init.kind) {
    case 'constant':
      out.fill(init.value);
      return;
    case 'uniform':
      for (let i = 0; i < out.length; i++) out[i] = (2 * next() - 1) * init.bound;
      return;
    case 'normal':
      for (let i = 0; i < out.length; i++) out[i] = normal(next) * init.std;
      return;
    case 'glorot': {
      const fanOut = shape[shape.length - 1] ?? 1;
      const fanIn = shape.length >= 2 ? shape[shape.length - 2]! : fanOut;
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = (2 * next() - 1) * bound;
    }
  }
}

/** Initial values of every parameter of `graph`, in declaration order, from `seed`. */
export function initialParams(graph: Graph, seed: number): Record<string, HostTensor> {
  const next = seededRandom(seed);
  const out: Record<string, HostTensor> = {};
  for (const { name, value, init } of graph.params) {
    const shape = value.shape as readonly number[];
    const n = shape.reduce((p, d) => p * d, 1);
    const data = graph.floatType === 'float64' ? new Float64Array(n) : new Float32Array(n);
    fillParam(init, shape, data, next);
    out[name] = { dtype: graph.floatType, shape: [...shape], data };
  }
  return out;
}
