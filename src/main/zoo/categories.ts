/** The category generators of the shape zoo, one per ShapeNet category. */

import { display, phone, speaker } from './generators/devices';
import { cabinet, lamp, table } from './generators/furniture';
import { rifle } from './generators/rifle';
import { bench, chair, sofa } from './generators/seating';
import { airplane, car } from './generators/vehicles';
import { watercraft } from './generators/watercraft';
import type { Category } from '../vocabulary/categories';
import type { ShapeGenerator } from './types';

/** The generator of each category. */
export const GENERATORS: Readonly<Record<Category, ShapeGenerator>> = {
  airplane,
  bench,
  cabinet,
  car,
  chair,
  display,
  lamp,
  speaker,
  rifle,
  sofa,
  table,
  phone,
  watercraft,
};
