import { decode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { normal, seededRandom } from '../../src/main/compute/init';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache } from '../../src/main/compute/session';
import { fitStandardiser, trainClassifier } from '../../src/main/gmn/eval/classifier';
import { accuracy } from '../../src/main/gmn/eval/metrics';
import { GROUP_COLOURS, MAP_HEIGHT, MAP_WIDTH, drawScatterPlot, encodeRgbPng } from '../../src/main/gmn/eval/scatter-plot';
import { tsne } from '../../src/main/gmn/eval/tsne';
import { drawText, textWidth } from '../../src/main/image/bitmap-font';

const sessions = new SessionCache();
afterAll(() => sessions.dispose());

/** `perClass` points around each of `classes` random centres (from `seed`) in `width` dims, noise `spread` (from `noiseSeed`). */
function clusters(classes: number, perClass: number, width: number, spread: number, seed: number, noiseSeed = seed + 1000): { embeddings: Float32Array[]; labels: number[] } {
  const centreDraws = seededRandom(seed);
  const next = seededRandom(noiseSeed);
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: width }, () => normal(centreDraws)));
  const embeddings: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < classes * perClass; i++) {
    const c = i % classes;
    embeddings.push(Float32Array.from(centres[c]!, (v) => v + spread * normal(next)));
    labels.push(c);
  }
  return { embeddings, labels };
}

describe('probe classifier', () => {
  it('standardises with the statistics of the L2-normalised training rows and zeroes dimensions constant on them', () => {
    // Rows of very different norms; dimension 2 is 0 on every training row.
    const train = [Float32Array.of(3, 4, 0, 1), Float32Array.of(10, -2, 0, 5), Float32Array.of(0.1, 0.3, 0, -0.2), Float32Array.of(-6, 1, 0, 2)];
    const standardise = fitStandardiser(train, 4);
    const out = standardise(train);
    for (const d of [0, 1, 3]) {
      const column = train.map((_, i) => out[4 * i + d]!);
      const mean = column.reduce((a, b) => a + b, 0) / 4;
      expect(mean).toBeCloseTo(0, 6);
      expect(Math.sqrt(column.reduce((a, v) => a + (v - mean) ** 2, 0) / 4)).toBeCloseTo(1, 5);
    }
    expect([0, 1, 2, 3].map((i) => out[4 * i + 2])).toEqual([0, 0, 0, 0]);
    // A test row with weight in the constant dimension: that dimension is 0, the others scale with the row's direction only.
    const [a, b] = [standardise([Float32Array.of(3, 4, 100, 1)]), standardise([Float32Array.of(3, 4, 0, 1)])];
    expect(a[2]).toBe(0);
    expect(Math.max(...a.map(Math.abs))).toBeLessThan(10);
    expect([...standardise([Float32Array.of(30, 40, 0, 10)])].map((v) => v.toFixed(5))).toEqual([...b].map((v) => v.toFixed(5)));
  });

  it('reaches accuracy 1 on separable clusters and keeps a step chosen on the validation set', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const data = clusters(13, 12, 24, 0.1, 1);
    const validation = { embeddings: data.embeddings.slice(0, 26), labels: data.labels.slice(0, 26) };
    const probe = await trainClassifier(data, validation, 13, sessions, provider, { steps: 60, hidden: 32, lr: 1e-2, validateEvery: 20 });
    expect(probe.training.trainAccuracy).toBe(1);
    expect([20, 40, 60]).toContain(probe.training.keptStep);
    expect(probe.training.validationAccuracy).toBe(1);
    const test = clusters(13, 3, 24, 0.1, 1, 77); // the same centres, fresh noise
    expect(accuracy(await probe.predict(test.embeddings), test.labels)).toBe(1);
    expect(await probe.predict([])).toEqual([]);
  });

  it('stays near chance on random labels it has not seen, and refuses bad labels', async () => {
    const provider = await chooseProvider('cpu', { threads: 1 });
    const train = clusters(13, 10, 16, 1, 2);
    const shuffled = { embeddings: train.embeddings, labels: train.labels.map((_, i) => Math.floor(seededRandom(i + 9)() * 13)) };
    const probe = await trainClassifier(shuffled, undefined, 13, sessions, provider, { steps: 40, hidden: 32 });
    expect(probe.training.keptStep).toBe(40);
    expect(probe.training.validationAccuracy).toBeUndefined();
    const held = clusters(13, 10, 16, 1, 3);
    const heldLabels = held.labels.map((_, i) => Math.floor(seededRandom(i + 5000)() * 13));
    expect(accuracy(await probe.predict(held.embeddings), heldLabels)).toBeLessThan(0.25);
    await expect(trainClassifier({ embeddings: train.embeddings.slice(0, 2), labels: [0, 13] }, undefined, 13, sessions, provider, { steps: 1 })).rejects.toThrow(/label 13 of sample 1 is not a class index in \[0, 13\)/);
  });
});

describe('t-SNE', () => {
  it('keeps well-separated clusters apart and is deterministic for a seed', () => {
    const data = clusters(3, 20, 16, 0.05, 4);
    const a = tsne(data.embeddings, { perplexity: 10, iterations: 400, seed: 1 });
    const b = tsne(data.embeddings, { perplexity: 10, iterations: 400, seed: 1 });
    expect([...a.points]).toEqual([...b.points]);
    expect(a.points.every(Number.isFinite)).toBe(true);
    expect(a.klDivergence).toBeGreaterThanOrEqual(0);
    // Every point's nearest 2D neighbour is from its own cluster.
    const n = data.labels.length;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = (a.points[2 * i]! - a.points[2 * j]!) ** 2 + (a.points[2 * i + 1]! - a.points[2 * j + 1]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      expect(data.labels[best]).toBe(data.labels[i]);
    }
  });

  it('handles tiny inputs: perplexity capped, one point at the origin', () => {
    expect(tsne([Float32Array.of(1, 2)]).points).toEqual(Float64Array.of(0, 0));
    const small = tsne(clusters(2, 3, 4, 0.1, 5).embeddings, { iterations: 50 });
    expect(small.perplexity).toBeCloseTo(5 / 3, 10);
    expect(small.points.every(Number.isFinite)).toBe(true);
    expect(() => tsne([], { perplexity: 0 })).toThrow(RangeError);
  });
});

describe('map image', () => {
  it(`draws a ${MAP_WIDTH}x${MAP_HEIGHT} PNG with each group's colour and a legend`, () => {
    const points = Float64Array.of(0, 0, 1, 1, 2, 0.5, -1, 3);
    const image = drawScatterPlot({ title: 'test map', points, groupOf: [0, 1, 1, 2], hollow: [false, false, true, false], groups: ['airplane', 'hash-T10', 'mlp-train'], notes: ['ring: unseen variant'] });
    const png = decode(encodeRgbPng(image));
    expect([png.width, png.height, png.channels]).toEqual([MAP_WIDTH, MAP_HEIGHT, 3]);
    const has = (colour: readonly number[]): boolean => {
      for (let i = 0; i < png.data.length; i += 3) if (png.data[i] === colour[0] && png.data[i + 1] === colour[1] && png.data[i + 2] === colour[2]) return true;
      return false;
    };
    // Legend swatches are drawn at full opacity in each group's colour; an unused colour is absent.
    for (let g = 0; g < 3; g++) expect(has(GROUP_COLOURS[g]!)).toBe(true);
    expect(has(GROUP_COLOURS[5]!)).toBe(false);
    expect(() => drawScatterPlot({ title: '', points, groupOf: [0, 1, 1, 3], groups: ['a', 'b', 'c'] })).toThrow(/group 3 is not an index/);
  });

  it('draws bitmap text, upper case as lower case, clipped at the border', () => {
    const image = { width: 40, height: 12, data: new Uint8Array(40 * 12 * 3) };
    drawText(image, 'T10-x', 1, 1, { scale: 1, colour: [255, 0, 0] });
    const lit = (x: number, y: number): boolean => image.data[3 * (y * 40 + x)] === 255;
    // 't': top row 111, then the stem in the middle column.
    expect([lit(1, 1), lit(2, 1), lit(3, 1), lit(2, 2), lit(1, 2)]).toEqual([true, true, true, true, false]);
    const other = { width: 40, height: 12, data: new Uint8Array(40 * 12 * 3) };
    drawText(other, 't10-x', 1, 1, { scale: 1, colour: [255, 0, 0] });
    expect(other.data).toEqual(image.data);
    expect(textWidth('abc', 2)).toBe(22);
    expect(() => drawText(image, 'clipped text far outside', 30, 8)).not.toThrow();
  });
});
