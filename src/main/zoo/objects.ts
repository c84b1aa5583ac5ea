/** Zoo objects: one category generator run for one seed, with its id and captions. */

import { seededRandom } from '../compute/init';
import { captions } from '../vocabulary/captions';
import { GENERATORS } from './categories';
import { type Shape } from './sdf';
import type { Attributes } from '../vocabulary/captions';
import { type Category, CATEGORIES } from '../vocabulary/categories';

/** One procedural object of the zoo. */
export interface ZooObject {
  /** Stable id, `<category>-<seed with six digits>`, e.g. `chair-000123`. */
  readonly id: string;
  readonly category: Category;
  readonly seed: number;
  readonly shape: Shape;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly attributes: Attributes;
  /** Three distinct captions. */
  readonly captions: readonly string[];
}

/** The id of the object a category and seed give. */
export function objectId(category: Category, seed: number): string {
  return `${category}-${String(seed).padStart(6, '0')}`;
}

/** A 32-bit FNV-1a hash of a string: decorrelates the streams of neighbouring seeds. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The object of `category` for `seed`: the same arguments always give the same shape, params,
 * attributes and captions. Shapes and captions draw from separate random streams, so changing
 * caption wording never changes a shape.
 */
export function generateObject(category: Category, seed: number): ZooObject {
  if (!(CATEGORIES as readonly string[]).includes(category)) throw new RangeError(`unknown category ${JSON.stringify(category)}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  const { shape, params, attributes } = GENERATORS[category](seededRandom(hash(`${category}:${seed}:shape`)));
  return {
    id: objectId(category, seed),
    category,
    seed,
    shape,
    params,
    attributes,
    captions: captions(attributes, hash(`${category}:${seed}:captions`), 3),
  };
}
