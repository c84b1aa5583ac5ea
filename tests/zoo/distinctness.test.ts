/**
 * Categories differ by shape alone: occupancy grids, no colour. A 1-nearest-neighbour classifier
 * (IoU of 16^3 occupancy grids) with a gallery of 20 objects per category labels held-out
 * objects, and objects of one category overlap more with each other than with other categories.
 */

import { describe, expect, it } from 'vitest';
import { generateObject } from '../../src/main/zoo/objects';
import { type Category, CATEGORIES } from '../../src/main/vocabulary/categories';
import { gridPoints, iou, occupancy } from './occupancy';

const RES = 16;
const GALLERY = 20;
const QUERIES = 15;
/** Held-out seeds start far from the gallery's. */
const QUERY_SEED = 1000;

const points = gridPoints(RES);
/** A cell counts as occupied when the shape comes within half a cell width of its centre. */
const grid = (category: Category, seed: number): Uint8Array => occupancy(generateObject(category, seed).shape, points, 1 / RES);

describe('shape distinctness between categories', () => {
  const gallery = CATEGORIES.map((c) => Array.from({ length: GALLERY }, (_, s) => grid(c, s)));

  it('a 1-NN occupancy classifier labels >= 85 % of held-out objects correctly', () => {
    let correct = 0;
    const perCategory: Record<string, number> = {};
    CATEGORIES.forEach((category, truth) => {
      perCategory[category] = 0;
      for (let q = 0; q < QUERIES; q++) {
        const query = grid(category, QUERY_SEED + q);
        let best = -1;
        let bestIou = -1;
        gallery.forEach((objects, label) => {
          for (const object of objects) {
            const value = iou(query, object);
            if (value > bestIou) [best, bestIou] = [label, value];
          }
        });
        if (best === truth) {
          correct++;
          perCategory[category]!++;
        }
      }
    });
    const accuracy = correct / (QUERIES * CATEGORIES.length);
    expect(accuracy, JSON.stringify(perCategory)).toBeGreaterThanOrEqual(0.85);
    for (const category of CATEGORIES) expect(perCategory[category]! / QUERIES, category).toBeGreaterThanOrEqual(0.6);
  });

  it('objects overlap more within their category than with the others', () => {
    const meanIou = (a: Uint8Array[], b: Uint8Array[], same: boolean): number => {
      let sum = 0;
      let count = 0;
      a.forEach((x, i) => b.forEach((y, j) => {
        if (same && j <= i) return;
        sum += iou(x, y);
        count++;
      }));
      return sum / count;
    };
    let within = 0;
    let between = 0;
    CATEGORIES.forEach((_, a) => {
      const own = meanIou(gallery[a]!, gallery[a]!, true);
      const others = CATEGORIES.map((__, b) => (b === a ? NaN : meanIou(gallery[a]!, gallery[b]!, false))).filter((v) => !Number.isNaN(v));
      const otherMean = others.reduce((s, v) => s + v, 0) / others.length;
      expect(own, CATEGORIES[a]).toBeGreaterThan(otherMean);
      within += own / CATEGORIES.length;
      between += otherMean / CATEGORIES.length;
    });
    expect(within).toBeGreaterThan(2 * between);
  });
});
