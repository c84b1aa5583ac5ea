/**
 * Distillation: a NeRF of any size refitted into another architecture by sampling its own field.
 * This is how nerfdex embeds NeRFs whose parameter graphs are far larger than the encoder's
 * training graphs (a real instant-ngp table: 16 levels x 2^19 entries): the field is distilled
 * into a training architecture, whose graph the encoder knows, and that copy is embedded.
 */
import type { ProviderChoice } from '../../shared/compute';
import { seededRandom } from '../compute/init';
import type { SessionCache } from '../compute/session';
import { configFor } from './architectures';
import { nerfField } from './field-runtime';
import { type FitOptions, type FitSamples, fitNerfs } from './fit';
import { evaluateField } from './render/field-eval';
import type { Nerf } from './types';

export interface DistillOptions extends FitOptions {
  /** Points sampled from the source field. @default 100000 */
  readonly samples?: number;
  /** Share of the points drawn around the source's densest points. @default 0.5 */
  readonly surfaceFraction?: number;
}

/** Points of `source`'s field: uniform in its box, plus jittered copies of its densest points. */
export async function sampleNerf(source: Nerf, sessions: SessionCache, provider: ProviderChoice, options: DistillOptions = {}): Promise<FitSamples> {
  const n = options.samples ?? 100_000;
  const next = seededRandom(options.seed ?? 0);
  const [lo, hi] = source.config.aabb;
  const uniformCount = Math.round(n * (1 - (options.surfaceFraction ?? 0.5)));
  const field = nerfField(source, sessions, provider);
  const uniform = new Float32Array(uniformCount * 3);
  for (let i = 0; i < uniformCount; i++) for (let a = 0; a < 3; a++) uniform[3 * i + a] = lo[a]! + next() * (hi[a]! - lo[a]!);
  const first = await evaluateField(field, uniform);
  // The densest tenth of the uniform points seeds the near-surface samples.
  const order = Array.from(first.density.keys()).sort((p, q) => first.density[q]! - first.density[p]!);
  const seeds = order.slice(0, Math.max(1, Math.floor(uniformCount / 10)));
  const near = new Float32Array((n - uniformCount) * 3);
  const spread = 0.02 * Math.max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
  for (let i = 0; i < n - uniformCount; i++) {
    const s = seeds[Math.floor(next() * seeds.length)]!;
    for (let a = 0; a < 3; a++) {
      const gaussian = Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
      near[3 * i + a] = Math.min(hi[a]!, Math.max(lo[a]!, uniform[3 * s + a]! + spread * gaussian));
    }
  }
  const second = await evaluateField(field, near);
  const points = new Float32Array(n * 3);
  points.set(uniform);
  points.set(near, uniform.length);
  const density = new Float32Array(n);
  density.set(first.density);
  density.set(second.density, uniformCount);
  const rgb = new Float32Array(n * 3);
  rgb.set(first.rgb);
  rgb.set(second.rgb, uniformCount * 3);
  return { points, density, rgb };
}

/** `source` refitted as a NeRF of architecture `target` (same box), by its own field. */
export async function distillNerf(source: Nerf, target: string, sessions: SessionCache, provider: ProviderChoice, options: DistillOptions = {}): Promise<Nerf> {
  const samples = await sampleNerf(source, sessions, provider, options);
  const config = configFor(target, source.config.aabb);
  const result = await fitNerfs(config, [samples], sessions, provider, { steps: 300, pointsPerStep: 2048, ...options });
  return {
    config,
    params: result.params[0]!,
    meta: { ...source.meta, provenance: { ...(source.meta.provenance ?? {}), distilledFrom: source.config.architecture, distillSteps: result.steps } },
  };
}
