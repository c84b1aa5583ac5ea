/** The vocabulary shared by the zoo's generators, captions and objects. */

import { type ColourName } from './palette';
import { type Shape } from './sdf';

/** ShapeNet's 13 categories, in the order the paper lists them. */
export const CATEGORIES = [
  'airplane',
  'bench',
  'cabinet',
  'car',
  'chair',
  'display',
  'lamp',
  'speaker',
  'rifle',
  'sofa',
  'table',
  'phone',
  'watercraft',
] as const;

export type Category = (typeof CATEGORIES)[number];

/**
 * One descriptive trait of an object, in the forms a caption needs.
 * Example: { tag: 'tall back', phrase: 'a tall back', adjective: 'tall-backed' }.
 */
export interface Feature {
  /** A short, stable label for automatic tags ("tall back", "four legs"). */
  readonly tag: string;
  /** A noun phrase that reads after "with" ("a tall back", "thin legs"). */
  readonly phrase: string;
  /** A compound adjective that reads before the noun ("tall-backed"), where English has one. */
  readonly adjective?: string;
}

/** What a caption or an automatic tagger may say about an object. */
export interface Attributes {
  readonly category: Category;
  /** A noun for this object more specific than the category ("office chair", "sailboat"). */
  readonly subtype: string;
  /** Palette names of the object's colours, main (largest visible) colour first, no repeats. */
  readonly colours: readonly ColourName[];
  /** Overall size words ("tall", "low", "wide", "long", "thin"). */
  readonly size: readonly string[];
  readonly features: readonly Feature[];
}

/** Everything a category generator decides for one object. */
export interface GeneratedShape {
  /** Normalised: centred, upright (+y), facing +z, inside [-0.9, 0.9]^3. */
  readonly shape: Shape;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly attributes: Attributes;
}

/** A category generator: draws its proportions, parts and colours from `next` (uniform [0, 1)). */
export type ShapeGenerator = (next: () => number) => GeneratedShape;
