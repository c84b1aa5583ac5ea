import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { buildParamGraph, paramGraphSize } from '../../src/main/gmn/param-graph';
import { PROBE_EXTENT, probeFeatures, probePoints } from '../../src/main/gmn/probes';
import { NODE_TYPE_INDEX } from '../../src/main/gmn/types';
import { configFor } from '../../src/main/nerf/architectures';
import { initParams } from '../../src/main/nerf/field-graph';
import { decoderWidths } from '../../src/main/nerf/layout';
import { referenceField } from '../../src/main/nerf/reference-field';
import type { Nerf } from '../../src/main/nerf/types';
import { permuteHidden } from './permute';

const AABB = [[-2, -1, 0], [2, 1, 1]] as const;
const P = 16;
const probes = probePoints(P);

function nerf(id: string, seed: number): Nerf {
  const config = configFor(id, AABB);
  const params = initParams(config, seed);
  const next = seededRandom(seed + 1);
  for (const [name, t] of Object.entries(params)) if (name.endsWith('/bias')) for (let i = 0; i < t.data.length; i++) (t.data as Float32Array)[i] = next() - 0.5;
  return { config, params, meta: {} };
}

describe('probe points', () => {
  it('are deterministic, distinct and inside the probe extent', () => {
    expect(probePoints(P)).toEqual(probes);
    expect(probes).toHaveLength(3 * P);
    expect(probes.every((v) => Math.abs(v) <= PROBE_EXTENT)).toBe(true);
    expect(new Set(Array.from({ length: P }, (_, i) => probes.slice(3 * i, 3 * i + 3).join(','))).size).toBe(P);
    expect(() => probePoints(0)).toThrow(RangeError);
  });
});

describe('probe features', () => {
  const ARCHS = ['mlp-train', 'triplane-train', 'hash-train', 'mlp-L2', 'triplane-C16', 'hash-L6'];

  it.each(ARCHS)('%s: output neurons carry log1p(density) and colour at the probes, bias nodes 1, grid nodes nothing', (id) => {
    const n = nerf(id, 3);
    const graph = buildParamGraph(n, { probes });
    const probe = graph.probe!;
    const widths = decoderWidths(n.config);
    const size = paramGraphSize(n.config);
    expect(probe.count).toBe(P);
    expect(probe.nodes.length).toBe(size.nodes - size.gridNodes);
    expect(probe.nodes[0]).toBe(size.gridNodes);
    // World positions of the probes in this NeRF's (non-cubic) box.
    const world = probes.map((u, i) => AABB[0][i % 3]! + ((u + 1) / 2) * (AABB[1][i % 3]! - AABB[0][i % 3]!));
    const truth = referenceField(n.config, n.params, world);
    const outputRows = [...probe.nodes].map((node, r) => [node, r] as const).filter(([node]) => graph.nodeType[node] === NODE_TYPE_INDEX.output);
    expect(outputRows).toHaveLength(4);
    for (let p = 0; p < P; p++) {
      expect(probe.values[outputRows[0]![1] * P + p]).toBeCloseTo(Math.log1p(truth.density[p]!), 4);
      for (let c = 0; c < 3; c++) expect(probe.values[outputRows[1 + c]![1] * P + p]).toBeCloseTo(truth.rgb[3 * p + c]!, 5);
    }
    const biasRows = [...probe.nodes].map((node, r) => [node, r] as const).filter(([node]) => graph.nodeType[node] === NODE_TYPE_INDEX.bias);
    expect(biasRows).toHaveLength(widths.length - 1);
    for (const [, r] of biasRows) expect([...probe.values.subarray(r * P, (r + 1) * P)].every((v) => v === 1)).toBe(true);
    expect(probe.values.every(Number.isFinite)).toBe(true);
  });

  it.each(ARCHS)('%s: permuting hidden neurons permutes their probe rows and changes nothing else', (id) => {
    const n = nerf(id, 5);
    const width = decoderWidths(n.config)[1]!;
    const next = seededRandom(9);
    const sigma = Array.from({ length: width }, (_, i) => i);
    for (let i = width - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [sigma[i], sigma[j]] = [sigma[j]!, sigma[i]!];
    }
    const a = probeFeatures(n, probes);
    const b = probeFeatures(permuteHidden(n, 1, sigma), probes);
    const first = decoderWidths(n.config)[0]!;
    let moved = 0;
    for (let r = 0; r < a.nodes.length; r++) {
      const hidden = r >= first && r < first + width;
      const source = hidden ? first + sigma[r - first]! : r;
      for (let p = 0; p < P; p++) expect(Math.abs(b.values[r * P + p]! - a.values[source * P + p]!)).toBeLessThan(1e-5);
      if (hidden && source !== r) moved++;
    }
    expect(moved).toBeGreaterThan(width / 2);
  });

  it('refuses probe lists that are not x y z triples', () => {
    expect(() => probeFeatures(nerf('mlp-train', 1), [0, 0])).toThrow(new RangeError('probeFeatures: probes must hold x y z per point, got 2 numbers'));
  });
});
