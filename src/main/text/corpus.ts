/**
 * Training text for the text model: many captions per zoo object (the zoo's caption generator
 * with more seeds, so wording, word order and optional attributes vary), plus short query-like
 * phrases ("chair", "red chair", "tall lamp") drawn at training time, because that is what
 * people type into a search box.
 */
import { captions, objectNouns } from '../vocabulary/captions';
import { generateObject } from '../zoo/objects';
import type { Attributes } from '../vocabulary/captions';
import type { Category } from '../vocabulary/categories';

/** What the text side knows of one zoo object. */
export interface CaptionedObject {
  readonly id: string;
  readonly category: Category;
  readonly attributes: Attributes;
  readonly captions: readonly string[];
}

/** A 32-bit FNV-1a hash, to give each object its own caption seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The object (category, seed) with up to `count` training captions: its zoo captions and more
 * from the generator with a separate seed. @default count 24
 */
export function captionedObject(category: Category, seed: number, count = 24): CaptionedObject {
  const object = generateObject(category, seed);
  const extra = captions(object.attributes, hash(`${object.id}:text-training`), count);
  return { id: object.id, category, attributes: object.attributes, captions: [...new Set([...object.captions, ...extra])] };
}

/**
 * A short query for the object, as a user would type it: a noun, a colour and a noun, or a size
 * word and a noun. `next` is uniform in [0, 1).
 */
export function shortQuery(attributes: Attributes, next: () => number): string {
  const nouns = objectNouns(attributes);
  const noun = next() < 0.5 ? attributes.category : nouns[Math.floor(next() * nouns.length)]!;
  const r = next();
  if (r < 0.4) return noun;
  if (r < 0.8) return `${attributes.colours[0] ?? 'gray'} ${noun}`;
  const size = attributes.size[Math.floor(next() * Math.max(1, attributes.size.length))];
  return size ? `${size} ${noun}` : noun;
}
