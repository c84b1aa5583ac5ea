/**
 * A small hand-written lexicon for what people type: synonyms of the 13 categories, colours and
 * proportions, spelling variants, numbers, and the words that carry no meaning for search. Every
 * synonym maps to one canonical word the captions use, so the text model never has to learn two
 * words for one thing; anything not listed here is left to the vocabulary and spelling correction.
 */
import { CATEGORIES, type Category } from '../vocabulary/categories';

/** Multi-word phrases read as one canonical word (applied before single words). */
export const PHRASES: Readonly<Record<string, string>> = {
  'cell phone': 'cellphone',
  'mobile phone': 'cellphone',
  'smart phone': 'smartphone',
  'storage cabinet': 'cabinet',
  'chest of drawers': 'dresser',
  'flat screen': 'flatscreen',
  'dark blue': 'navy',
  'navy blue': 'navy',
  'light blue': 'blue',
  'sky blue': 'blue',
  'dark red': 'maroon',
  'light grey': 'silver',
  'light gray': 'silver',
  'dark grey': 'gray',
  'dark gray': 'gray',
  'sound system': 'speaker',
};

/** Single words and their canonical form. */
export const SYNONYMS: Readonly<Record<string, string>> = {
  // airplane
  plane: 'airplane',
  aeroplane: 'airplane',
  aircraft: 'airplane',
  airliner: 'airliner',
  jetliner: 'airliner',
  aeroplanes: 'airplane',
  // sofa
  couch: 'sofa',
  settee: 'sofa',
  davenport: 'sofa',
  divan: 'sofa',
  // chair
  seat: 'seat',
  stool: 'chair',
  // display
  monitor: 'display',
  screen: 'display',
  lcd: 'display',
  flatscreen: 'display',
  tv: 'television',
  telly: 'television',
  // watercraft
  boat: 'watercraft',
  vessel: 'watercraft',
  yacht: 'sailboat',
  dinghy: 'rowboat',
  canoe: 'rowboat',
  kayak: 'rowboat',
  ferry: 'ship',
  steamer: 'ship',
  // phone
  telephone: 'phone',
  cellphone: 'cellphone',
  mobile: 'cellphone',
  handset: 'phone',
  iphone: 'smartphone',
  // car
  automobile: 'car',
  auto: 'car',
  vehicle: 'car',
  sedan: 'sedan',
  saloon: 'sedan',
  jeep: 'suv',
  // rifle
  gun: 'rifle',
  firearm: 'rifle',
  carbine: 'rifle',
  musket: 'rifle',
  // speaker
  loudspeaker: 'speaker',
  speakers: 'speaker',
  // lamp
  light: 'lamp',
  lantern: 'lamp',
  // cabinet
  cupboard: 'cabinet',
  dresser: 'cabinet',
  closet: 'cabinet',
  locker: 'cabinet',
  // bench
  pew: 'bench',
  // colours
  grey: 'gray',
  colour: 'color',
  crimson: 'red',
  scarlet: 'red',
  ruby: 'red',
  cream: 'beige',
  tan: 'beige',
  khaki: 'beige',
  ivory: 'white',
  violet: 'purple',
  lilac: 'purple',
  lavender: 'purple',
  magenta: 'pink',
  turquoise: 'teal',
  cyan: 'teal',
  aqua: 'teal',
  burgundy: 'maroon',
  wine: 'maroon',
  golden: 'yellow',
  gold: 'yellow',
  lime: 'green',
  olive: 'green',
  charcoal: 'black',
  metallic: 'silver',
  chrome: 'silver',
  // proportions
  big: 'large',
  huge: 'large',
  little: 'small',
  tiny: 'small',
  skinny: 'thin',
  slim: 'thin',
  broad: 'wide',
  // numbers
  '1': 'one',
  '2': 'two',
  '3': 'three',
  '4': 'four',
  '5': 'five',
  '6': 'six',
};

/** Words that say nothing about an object; dropped before anything else. */
export const STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'with', 'and', 'in', 'that', 'has', 'have', 'having', 'is', 'are', 'this', 'of', 'its', 'it', 'on', 'to', 'for', 'some', 'very', 'at', 'all', 'or', 'any', 'me', 'show', 'find', 'search', 'my', 'one\'s', 'which', 'colored', 'coloured', 'color', 'object', 'model', 'nerf', 'thing',
]);

/**
 * Words a user may type for each category, for evaluation and tests: the category's own name
 * first, then its synonyms (each, after canonicalisation, a word the text model knows). "desk"
 * and "writing desk" are left out: in the zoo, desk lamps outnumber desks, so they find lamps.
 */
export const CATEGORY_QUERIES: Readonly<Record<Category, readonly string[]>> = {
  airplane: ['airplane', 'plane', 'aircraft', 'aeroplane', 'jet', 'airliner'],
  bench: ['bench', 'park bench', 'pew'],
  cabinet: ['cabinet', 'cupboard', 'wardrobe', 'dresser', 'sideboard'],
  car: ['car', 'automobile', 'vehicle', 'sedan', 'auto'],
  chair: ['chair', 'armchair', 'office chair', 'stool'],
  display: ['display', 'monitor', 'screen', 'television', 'tv'],
  lamp: ['lamp', 'light', 'floor lamp', 'desk lamp'],
  speaker: ['speaker', 'loudspeaker', 'subwoofer'],
  rifle: ['rifle', 'gun', 'shotgun', 'firearm'],
  sofa: ['sofa', 'couch', 'settee', 'loveseat'],
  table: ['table', 'dining table', 'coffee table', 'bar table'],
  phone: ['phone', 'cellphone', 'cell phone', 'mobile phone', 'smartphone', 'telephone'],
  watercraft: ['boat', 'watercraft', 'vessel', 'ship', 'sailboat', 'yacht'],
};

/** The canonical word of `word` (itself when it has no synonym). */
export function canonicalWord(word: string): string {
  return SYNONYMS[word] ?? word;
}

/** Is `name` one of the 13 categories? */
export function isCategory(name: string): name is Category {
  return (CATEGORIES as readonly string[]).includes(name);
}

/** The category each single-word category query (and its canonical form) stands for. */
const CATEGORY_OF_WORD: ReadonlyMap<string, Category> = new Map(
  Object.entries(CATEGORY_QUERIES).flatMap(([category, words]) =>
    words.filter((w) => !w.includes(' ')).flatMap((w) => [[w, category as Category] as const, [canonicalWord(w), category as Category] as const]),
  ),
);

/**
 * What a typed word should also match in lexical search: its canonical form and, for a word
 * that names a category ("couch", "jet", "monitor"), the category's own name, so a library
 * finds its sofas for "couch" whatever their captions say. A plural whose singular is known
 * counts as the singular. The word itself always comes first.
 */
export function searchAlternatives(word: string): string[] {
  const known = (w: string): boolean => SYNONYMS[w] !== undefined || CATEGORY_OF_WORD.has(w);
  const singular = known(word) ? word : [word.replace(/es$/, ''), word.replace(/s$/, '')].find((w) => w !== word && known(w));
  const base = singular ?? word;
  const canonical = canonicalWord(base);
  const category = CATEGORY_OF_WORD.get(base) ?? CATEGORY_OF_WORD.get(canonical);
  return [...new Set([word, base, canonical, ...(category ? [category] : [])])];
}

/**
 * Every word the lexicon knows: the categories, the words that name them, the synonyms and the
 * canonical words they lead to. Lexical search corrects misspellings against these and the
 * library's own words.
 */
export const LEXICON_WORDS: ReadonlySet<string> = new Set(
  [...CATEGORIES, ...CATEGORY_OF_WORD.keys(), ...Object.keys(SYNONYMS), ...Object.values(SYNONYMS)].filter((w) => /^[\p{L}]+$/u.test(w)),
);
