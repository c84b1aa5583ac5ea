import { describe, it } from 'vitest';
import * as op from '../../src/main/compute/ops';
import { buildDecoder } from '../../src/main/gmn/decoder';
import { compositeRays, renderingLoss, siglipLoss, softmaxCrossEntropy } from '../../src/main/gmn/losses';
import { checkGradients } from '../compute/op-check';

/** Plain-TS compositing of one ray: colour (premultiplied) and opacity. */
function compositeReference(density: number[], rgb: number[][], deltas: number[]): { colour: number[]; opacity: number } {
  let t = 1;
  const colour = [0, 0, 0];
  let opacity = 0;
  density.forEach((s, i) => {
    const alpha = 1 - Math.exp(-s * deltas[i]!);
    const w = t * alpha;
    for (let c = 0; c < 3; c++) colour[c]! += w * rgb[i]![c]!;
    opacity += w;
    t *= 1 - alpha;
  });
  return { colour, opacity };
}

describe('GMN losses', () => {
  it('composites rays as T_i = prod_{j<i}(1 - alpha_j) does, and has exact gradients', async () => {
    // G 2, R 3, S 4; density from positive inputs, rgb in [0, 1] from sigmoid.
    const reference = (inputs: readonly Float64Array[]): number[] => {
      const [d, r, dt] = inputs;
      const out: number[] = [];
      for (let g = 0; g < 2; g++) {
        for (let ray = 0; ray < 3; ray++) {
          const base = (g * 3 + ray) * 4;
          const dens = Array.from({ length: 4 }, (_, s) => d![base + s]! * 3);
          const rgb = Array.from({ length: 4 }, (_, s) => [0, 1, 2].map((c) => 1 / (1 + Math.exp(-r![(base + s) * 3 + c]!))));
          const res = compositeReference(dens, rgb, Array.from(dt!.subarray(base, base + 4)));
          out.push(...res.colour, res.opacity);
        }
      }
      return out;
    };
    await checkGradients(
      (_g, [d, r, dt]) => {
        const { colour, opacity } = compositeRays(op.mul(d!, 3), op.sigmoid(r!), dt!);
        return op.concat([colour, op.unsqueeze(opacity, [2])], 2);
      },
      [{ shape: [2, 3, 4], domain: 'positive' }, { shape: [2, 3, 4, 3] }, { shape: [2, 3, 4], domain: 'positive' }],
      { reference },
    );
  });

  it('rendering loss: gradients match finite differences', async () => {
    await checkGradients(
      (g, [d, r, tc, ta]) => {
        const background = g.constant({ dtype: 'float64', shape: [3], data: Float64Array.of(0.2, 0.5, 0.9) });
        const deltas = g.constant({ dtype: 'float64', shape: [2, 3, 4], data: new Float64Array(24).fill(0.1) });
        return renderingLoss({ density: op.mul(d!, 4), rgb: op.sigmoid(r!), deltas, targetColour: op.mul(op.sigmoid(tc!), 0.5), targetOpacity: op.sigmoid(ta!), background, foreground: 2 }).loss;
      },
      [{ shape: [2, 3, 4], domain: 'positive' }, { shape: [2, 3, 4, 3] }, { shape: [2, 3, 3] }, { shape: [2, 3] }],
    );
  });

  it('SigLIP matches its definition and has exact gradients (incl. temperature and bias)', async () => {
    const reference = (inputs: readonly Float64Array[]): number[] => {
      const [u, v] = inputs;
      const k = 3;
      const d = 4;
      const norm = (x: Float64Array, i: number): number[] => {
        const row = Array.from(x.subarray(i * d, (i + 1) * d));
        const n = Math.sqrt(row.reduce((s, a) => s + a * a, 0) + 1e-8);
        return row.map((a) => a / n);
      };
      let total = 0;
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const dot = norm(u!, i).reduce((s, a, c) => s + a * norm(v!, j)[c]!, 0);
          const z = (i === j ? 1 : -1) * (10 * dot - 10);
          total += Math.log(1 + Math.exp(-z));
        }
      }
      return [total / (k * k)];
    };
    await checkGradients((g, [u, v]) => siglipLoss(g, u!, v!).loss, [{ shape: [3, 4] }, { shape: [3, 4] }], { reference });
  });

  it('decoder: gradients w.r.t. the embedding and every weight match finite differences', async () => {
    await checkGradients(
      (_g, [latent, points]) => {
        const { density, rgb } = buildDecoder(_g, latent!, points!, { hidden: 4, layers: 3, frequencies: 1 });
        return op.concat([op.unsqueeze(density, [2]), rgb], 2);
      },
      [{ shape: [2, 3] }, { shape: [2, 5, 3] }],
      { seed: 5, perturbParams: 0.1 },
    );
  });

  it('softmax cross-entropy matches -log softmax at the label, with exact gradients, and survives large logits', async () => {
    const labels = [2, 0, 3];
    const reference = ([x]: readonly Float64Array[]): number[] => {
      let total = 0;
      labels.forEach((label, r) => {
        const row = Array.from(x!.subarray(r * 4, r * 4 + 4), (a) => 5 * a);
        const lse = Math.log(row.reduce((s, a) => s + Math.exp(a), 0));
        total += lse - row[label]!;
      });
      return [total / labels.length];
    };
    const oneHot = (g: Parameters<typeof siglipLoss>[0]) => g.constant({ dtype: 'float64', shape: [3, 4], data: Float64Array.from({ length: 12 }, (_, i) => (labels[Math.floor(i / 4)] === i % 4 ? 1 : 0)) });
    await checkGradients((g, [x]) => softmaxCrossEntropy(op.mul(x!, 5), oneHot(g)), [{ shape: [3, 4] }], { reference });
    // Logits of 1e3 would overflow exp without the shift by the row maximum.
    await checkGradients((g, [x]) => softmaxCrossEntropy(op.add(op.mul(x!, 5), 1000), oneHot(g)), [{ shape: [3, 4] }], { reference });
  });
});
