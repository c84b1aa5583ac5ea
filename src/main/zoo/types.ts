/** What a zoo generator produces: a shape with the attributes its captions describe. */

import type { Attributes } from '../vocabulary/captions';
import { type Shape } from './sdf';

/** Everything a category generator decides for one object. */
export interface GeneratedShape {
  /** Normalised: centred, upright (+y), facing +z, inside [-0.9, 0.9]^3. */
  readonly shape: Shape;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly attributes: Attributes;
}

/** A category generator: draws its proportions, parts and colours from `next` (uniform [0, 1)). */
export type ShapeGenerator = (next: () => number) => GeneratedShape;
