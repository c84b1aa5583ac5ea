import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/main/compute/init';
import { GENERATORS } from '../../src/main/zoo/categories';
import { generateObject, objectId } from '../../src/main/zoo/objects';
import { type Part, evaluateShape, partBounds, shapeBounds } from '../../src/main/zoo/sdf';
import { CATEGORIES } from '../../src/main/vocabulary/categories';
import { gridPoints, iou, occupancy } from './occupancy';

const SEEDS = Array.from({ length: 20 }, (_, i) => i);

describe('generateObject', () => {
  it('has a generator for each of the 13 ShapeNet categories', () => {
    expect(Object.keys(GENERATORS).sort()).toEqual([...CATEGORIES].sort());
    expect(CATEGORIES).toHaveLength(13);
  });

  it('is deterministic: same seed, same params, captions and SDF', () => {
    const probes = Float32Array.from({ length: 600 }, (_, i) => Math.sin(i * 7.31) * 0.95);
    for (const category of CATEGORIES) {
      const a = generateObject(category, 42);
      const b = generateObject(category, 42);
      expect(b.id).toBe(a.id);
      expect(b.params).toEqual(a.params);
      expect(b.attributes).toEqual(a.attributes);
      expect(b.captions).toEqual(a.captions);
      const sa = { sdf: new Float32Array(200), rgb: new Float32Array(600) };
      const sb = { sdf: new Float32Array(200), rgb: new Float32Array(600) };
      evaluateShape(a.shape, probes, sa);
      evaluateShape(b.shape, probes, sb);
      expect([...sb.sdf]).toEqual([...sa.sdf]);
      expect([...sb.rgb]).toEqual([...sa.rgb]);
    }
  });

  it('gives stable ids from category and seed', () => {
    expect(generateObject('chair', 123).id).toBe('chair-000123');
    expect(objectId('watercraft', 7)).toBe('watercraft-000007');
  });

  it('rejects unknown categories and bad seeds', () => {
    expect(() => generateObject('chair', -1)).toThrow(/seed must be a non-negative integer, got -1/);
    expect(() => generateObject('chair', 1.5)).toThrow(RangeError);
    expect(() => generateObject('teapot' as never, 1)).toThrow(/unknown category "teapot"/);
  });

  it('names colours that the shape uses, main colour first', () => {
    for (const category of CATEGORIES) {
      for (const seed of SEEDS.slice(0, 5)) {
        const { shape, attributes } = generateObject(category, seed);
        expect(attributes.category).toBe(category);
        expect(attributes.colours.length).toBeGreaterThan(0);
        for (const colour of attributes.colours) expect(shape.parts.some((p) => p.colour === colour)).toBe(true);
      }
    }
  });
});

describe('every category x 20 seeds', () => {
  const grid = gridPoints(32);
  // One random point per cell of a 32^3 grid: 27 % of them probe the shell outside the box.
  const stratified = gridPoints(32, seededRandom(11));

  it('fits in [-0.9, 0.9]^3 and occupies a non-trivial volume', () => {
    const smallest: Record<string, number> = {};
    for (const category of CATEGORIES) {
      for (const seed of SEEDS) {
        const { shape, id } = generateObject(category, seed);
        const bounds = shapeBounds(shape);
        for (let k = 0; k < 3; k++) {
          expect(bounds.min[k], id).toBeGreaterThanOrEqual(-0.9);
          expect(bounds.max[k], id).toBeLessThanOrEqual(0.9);
        }
        const occupied = occupancy(shape, stratified);
        let inside = 0;
        let outside = 0;
        for (let i = 0; i < occupied.length; i++) {
          if (!occupied[i]) continue;
          if (Math.max(Math.abs(stratified[3 * i]!), Math.abs(stratified[3 * i + 1]!), Math.abs(stratified[3 * i + 2]!)) > 0.9) outside++;
          else inside++;
        }
        expect(outside, `${id} occupies points outside the box`).toBe(0);
        smallest[category] = Math.min(smallest[category] ?? 1, inside / occupied.length);
      }
    }
    // Rifles and airplanes are thin, as in ShapeNet: their thinnest take 0.13-0.2 % of [-1, 1]^3.
    const summary = Object.entries(smallest).map(([c, f]) => `${c} ${(100 * f).toFixed(2)} %`).join(', ');
    for (const category of CATEGORIES) expect(smallest[category], summary).toBeGreaterThan(0.001);
  });

  it('stands upright and faces +z: front parts lie in front of back parts', () => {
    // Per category, pairs of (front part names, back part names); the first pair present is checked.
    const facing: Partial<Record<(typeof CATEGORIES)[number], [string[], string[]][]>> = {
      airplane: [[['nose'], ['tail cone']]],
      bench: [[['seat', 'seat slat'], ['back slat']]],
      cabinet: [[['door', 'drawer front'], ['body']]],
      car: [[['headlight'], ['tail light']]],
      chair: [[['seat'], ['back', 'top rail']]],
      display: [[['screen'], ['frame', 'tube housing', 'neck', 'arch']]],
      speaker: [[['driver cone', 'grille'], ['cabinet']]],
      rifle: [[['barrel'], ['stock', 'butt plate']]],
      sofa: [[['seat cushion'], ['back']]],
      phone: [[['key'], ['camera']], [['screen'], ['camera']]],
    };
    const centreZ = (parts: readonly Part[]): number => parts.reduce((sum, p) => sum + (partBounds(p).min[2] + partBounds(p).max[2]) / 2, 0) / parts.length;
    let checked = 0;
    for (const [category, pairs] of Object.entries(facing)) {
      for (const seed of SEEDS) {
        const { shape, id } = generateObject(category as (typeof CATEGORIES)[number], seed);
        const bounds = shapeBounds(shape);
        expect(bounds.max[1] - bounds.min[1], id).toBeGreaterThan(0.15);
        for (const [front, back] of pairs) {
          const fronts = shape.parts.filter((p) => front.includes(p.name));
          const backs = shape.parts.filter((p) => back.includes(p.name));
          if (fronts.length === 0 || backs.length === 0) continue;
          expect(centreZ(fronts), id).toBeGreaterThan(centreZ(backs));
          checked++;
          break;
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('varies within a category: different params and occupancy IoU below 0.95', () => {
    for (const category of CATEGORIES) {
      const grids = SEEDS.slice(0, 6).map((seed) => generateObject(category, seed));
      for (let i = 0; i < grids.length; i++) {
        for (let j = i + 1; j < grids.length; j++) {
          expect(grids[j]!.params).not.toEqual(grids[i]!.params);
        }
      }
      const a = occupancy(grids[0]!.shape, grid);
      const b = occupancy(grids[1]!.shape, grid);
      expect(iou(a, b), `${category} seeds 0 and 1`).toBeLessThan(0.95);
    }
  });
});
