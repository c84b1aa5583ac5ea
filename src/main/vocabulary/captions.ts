/**
 * Natural-language captions from an object's attributes. Every caption names the main colour and
 * the object (a category word, the subtype or a noun that fits it); the other attributes are
 * dropped at random and the wording cycles through several templates, so captions of one object
 * differ.
 */

import { seededRandom } from '../compute/init';
import { RandomDraw } from '../compute/random-draw';
import { CATEGORY_NOUNS, SUBTYPE_NOUNS, type Category } from './categories';
import type { ColourName } from './colours';

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

/** Every noun a caption may use for the object: category words, the subtype and its nouns. */
export function objectNouns(attributes: Attributes): string[] {
  return [...CATEGORY_NOUNS[attributes.category], attributes.subtype, ...(SUBTYPE_NOUNS[attributes.subtype] ?? [])];
}

/** English joins: "a", "a and b", "a, b and c". */
function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function article(phrase: string): string {
  return /^[aeiou]/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

function shuffled<T>(d: RandomDraw, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = d.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** One caption for the object, drawing its wording from `next` (uniform [0, 1)). */
export function caption(attributes: Attributes, next: () => number): string {
  const d = new RandomDraw(next);
  const nouns = CATEGORY_NOUNS[attributes.category];
  const special = SUBTYPE_NOUNS[attributes.subtype] ?? [];
  const noun = d.chance(0.4) ? attributes.subtype : special.length > 0 && d.chance(0.25) ? d.pick(special) : d.chance(0.5) ? nouns[0]! : d.pick(nouns);
  const main = attributes.colours[0] ?? 'gray';
  const second = attributes.colours[1];
  const colour = second && d.chance(0.3) ? `${main} and ${second}` : main;
  const size = attributes.size.length > 0 && d.chance(0.5) ? d.pick(attributes.size) : undefined;
  const available = shuffled(d, attributes.features);
  const keep = available.length === 0 ? 0 : d.weighted([[0, 0.15], [1, 0.45], [2, 0.3], [3, 0.1]] as const);
  const features: Feature[] = available.slice(0, Math.min(keep, available.length));
  const phrases = features.map((f) => f.phrase);
  const sized = size ? `${size} ` : '';
  const withPhrases = phrases.length > 0 ? ` with ${joinAnd(phrases)}` : '';
  const template = d.int(0, 6);
  switch (template) {
    case 0:
      return `${article(`${sized}${colour} ${noun}`)}${withPhrases}`;
    case 1:
      return [`${colour} ${noun}`, ...(size ? [size] : []), ...features.map((f) => f.tag)].join(', ');
    case 2: {
      const adjectival = features.find((f) => f.adjective !== undefined);
      const rest = features.filter((f) => f !== adjectival).map((f) => f.phrase);
      const lead = adjectival?.adjective ?? size ?? '';
      return `${article(`${lead ? `${lead} ` : ''}${noun}`)} in ${colour}${rest.length > 0 ? ` with ${joinAnd(rest)}` : ''}`;
    }
    case 3:
      return `${article(`${sized}${noun}`)} in ${colour}${withPhrases}`;
    case 4:
      return phrases.length > 0 ? `${article(`${colour} ${noun}`)} that has ${joinAnd(phrases)}` : `${article(`${sized}${colour} ${noun}`)}`;
    case 5:
      return `this ${sized}${noun} is ${colour}${phrases.length > 0 ? ` and has ${joinAnd(phrases)}` : ''}`;
    default:
      return `${sized}${noun}, ${colour}${phrases.length > 0 ? `, ${joinAnd(phrases)}` : ''}`;
  }
}

/**
 * Up to `count` distinct captions for one object, deterministic for `seed`. Falls short only
 * when the attributes allow fewer distinct wordings.
 * @param count how many captions. @default 3
 */
export function captions(attributes: Attributes, seed: number, count = 3): string[] {
  const next = seededRandom(seed);
  const out: string[] = [];
  for (let attempt = 0; attempt < count * 50 && out.length < count; attempt++) {
    const text = caption(attributes, next);
    if (!out.includes(text)) out.push(text);
  }
  return out;
}
