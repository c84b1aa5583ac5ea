/**
 * The text model's tokeniser: free text -> canonical content words -> vocabulary ids (words and
 * word pairs) with pooling weights. Lower-cases, reads synonyms and plurals, corrects misspellings
 * of one or two letters against the vocabulary, ignores unknown words, and refuses a query with
 * no word in it with a `TextQueryError`.
 */
import { PHRASES, STOPWORDS, canonicalWord, SYNONYMS } from './synonyms';

/** Characters of a query read; the rest is ignored (and reported as truncated). */
export const MAX_QUERY_CHARS = 2000;
/** Content words of a query used; the rest is ignored (and reported as truncated). */
export const MAX_QUERY_WORDS = 32;
/** Pooling weight of a word pair relative to a single word. */
export const BIGRAM_WEIGHT = 0.5;

/** Why a query cannot be embedded. */
export type TextQueryProblem = 'empty' | 'no-known-words';

/** A query the text model cannot read: no words at all, or none it knows. */
export class TextQueryError extends RangeError {
  override readonly name = 'TextQueryError';
  constructor(
    readonly problem: TextQueryProblem,
    message: string,
  ) {
    super(message);
  }
}

/** The words of `text`, lower-cased, phrases and synonyms made canonical, stopwords dropped. */
export function canonicalWords(text: string): { words: string[]; truncated: boolean } {
  if (typeof text !== 'string') throw new TypeError(`query must be a string, got ${text === null ? 'null' : typeof text}`);
  const truncated = text.length > MAX_QUERY_CHARS;
  const raw = text.slice(0, MAX_QUERY_CHARS).normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const words: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const pair = i + 1 < raw.length ? `${raw[i]} ${raw[i + 1]}` : '';
    const triple = i + 2 < raw.length ? `${pair} ${raw[i + 2]}` : '';
    if (triple && PHRASES[triple]) {
      words.push(PHRASES[triple]!);
      i += 2;
    } else if (pair && PHRASES[pair]) {
      words.push(PHRASES[pair]!);
      i += 1;
    } else if (!STOPWORDS.has(raw[i]!)) {
      words.push(canonicalWord(raw[i]!));
    }
  }
  return { words, truncated };
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), capped at `max + 1`. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    let best = max + 1;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
  }
  return Math.min(d[rows * cols - 1]!, max + 1);
}

/** Edits allowed when correcting a word of this length: 1 from 3 letters (for 3, only a swap: see `typoDistance`), 2 from 7. */
export function allowedEdits(length: number): number {
  return length < 3 ? 0 : length < 7 ? 1 : 2;
}

/**
 * Edits between a typed word and a candidate, when within what the word's length allows
 * (`allowedEdits`), else `allowedEdits + 1`. A word of 3 letters has too many neighbours for any
 * edit ("cat", "bar" and "cap" are all one from "car"): only a swap of two adjacent letters
 * counts ("cra" -> "car").
 */
export function typoDistance(word: string, candidate: string, max = allowedEdits(word.length)): number {
  if (max === 0) return word === candidate ? 0 : 1;
  if (word.length === 3 && word !== candidate) {
    const swap = candidate.length === 3 && [0, 1].some((i) => word[i] === candidate[i + 1] && word[i + 1] === candidate[i] && word[2 - 2 * i] === candidate[2 - 2 * i]);
    return swap ? 1 : max + 1;
  }
  return editDistance(word, candidate, max);
}

/** What the tokeniser made of one query. */
export interface Tokenization {
  /** Vocabulary ids (words, then word pairs); never 0 (padding). */
  readonly ids: number[];
  /** Pooling weight of each id; they sum to 1. */
  readonly weights: number[];
  /** The canonical words used, in order. */
  readonly words: string[];
  /** Words ignored because nothing in the vocabulary is close to them. */
  readonly unknown: string[];
  /** Words read as another ("sofas" -> "sofa", "chiar" -> "chair"). */
  readonly corrections: { readonly from: string; readonly to: string }[];
  /** The query was longer than MAX_QUERY_CHARS characters or MAX_QUERY_WORDS words. */
  readonly truncated: boolean;
}

/** A padded batch of tokenised queries, as the text model's inputs want them. */
export interface TokenBatch {
  /** int64 [B, L], 0 for padding. */
  readonly tokens: BigInt64Array;
  /** float32 [B, L], 0 for padding. */
  readonly weights: Float32Array;
  readonly batch: number;
  readonly length: number;
}

/** Word pair token: the two canonical words joined by `_`. */
export function bigram(a: string, b: string): string {
  return `${a}_${b}`;
}

/**
 * Maps text to vocabulary ids. The vocabulary is `<pad>` (id 0), then words, then word pairs
 * (`a_b`). Words are looked up as typed, then singular or plural, then by spelling correction
 * to the nearest known word (ties go to the more frequent word, then the alphabetically first).
 */
export class Tokenizer {
  private readonly ids: Map<string, number>;
  private readonly words: string[];
  private readonly frequency: Map<string, number>;
  private readonly cache = new Map<string, { to: string | undefined; via: 'exact' | 'corrected' }>();

  /**
   * @param vocabulary `<pad>`, words, pairs, as `buildVocabulary` returns it
   * @param frequencies counts of the words in the training captions, for tie-breaks
   */
  constructor(
    readonly vocabulary: readonly string[],
    frequencies: Readonly<Record<string, number>> = {},
  ) {
    if (vocabulary[0] !== PAD) throw new RangeError(`Tokenizer: the vocabulary must start with "${PAD}", got ${JSON.stringify(vocabulary[0])}`);
    this.ids = new Map(vocabulary.map((w, i) => [w, i]));
    if (this.ids.size !== vocabulary.length) throw new RangeError('Tokenizer: the vocabulary has duplicate entries');
    this.words = vocabulary.slice(1).filter((w) => !w.includes('_'));
    this.frequency = new Map(Object.entries(frequencies));
  }

  /** Size of the vocabulary, padding included. */
  get size(): number {
    return this.vocabulary.length;
  }

  /** Is `word` (canonical) a word of the vocabulary? */
  knows(word: string): boolean {
    return word !== PAD && this.ids.has(word) && !word.includes('_');
  }

  /** The vocabulary word `word` stands for, or undefined when none is close enough. */
  resolve(word: string): { to: string | undefined; via: 'exact' | 'corrected' } {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const result = this.resolveUncached(word);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(word, result);
    return result;
  }

  private resolveUncached(word: string): { to: string | undefined; via: 'exact' | 'corrected' } {
    if (this.knows(word)) return { to: word, via: 'exact' };
    for (const form of inflections(word)) {
      const canonical = canonicalWord(form);
      if (this.knows(canonical)) return { to: canonical, via: 'corrected' };
    }
    const max = allowedEdits(word.length);
    if (max === 0) return { to: undefined, via: 'exact' };
    // Candidates: vocabulary words and the synonyms that lead to one; the word as typed and, for
    // a misspelt plural ("chiars"), its singular forms.
    const forms = [word, ...inflections(word).filter((f) => f.length < word.length && f.length >= 4)];
    let best: { word: string; distance: number; frequency: number } | undefined;
    const consider = (candidate: string, target: string): void => {
      if (!this.knows(target)) return;
      for (const form of forms) {
        const distance = typoDistance(form, candidate, form === word ? max : allowedEdits(form.length));
        if (distance > max) continue;
        const frequency = this.frequency.get(target) ?? 0;
        if (!best || distance < best.distance || (distance === best.distance && (frequency > best.frequency || (frequency === best.frequency && target < best.word)))) {
          best = { word: target, distance, frequency };
        }
      }
    };
    for (const w of this.words) consider(w, w);
    for (const [synonym, target] of Object.entries(SYNONYMS)) consider(synonym, target);
    return { to: best?.word, via: 'corrected' };
  }

  /** Tokenises one query. `TextQueryError` when it has no word, or no word the vocabulary knows. */
  tokenize(text: string): Tokenization {
    const { words: raw, truncated: cut } = canonicalWords(text);
    if (raw.length === 0) throw new TextQueryError('empty', text.trim().length === 0 ? 'the query is empty: type what to look for, e.g. "red chair"' : `the query ${quoteShort(text)} has no words to search for`);
    const words: string[] = [];
    const unknown: string[] = [];
    const corrections: { from: string; to: string }[] = [];
    for (const w of raw) {
      const { to, via } = this.resolve(w);
      if (to === undefined) unknown.push(w);
      else {
        if (via === 'corrected' && to !== w) corrections.push({ from: w, to });
        words.push(to);
      }
    }
    const truncated = cut || words.length > MAX_QUERY_WORDS;
    const used = words.slice(0, MAX_QUERY_WORDS);
    if (used.length === 0) throw new TextQueryError('no-known-words', `none of the words of ${quoteShort(text)} is known to the text model (unknown: ${unknown.slice(0, 5).join(', ')})`);
    const ids: number[] = [];
    const weights: number[] = [];
    for (const w of used) {
      ids.push(this.ids.get(w)!);
      weights.push(1);
    }
    for (let i = 0; i + 1 < used.length; i++) {
      const id = this.ids.get(bigram(used[i]!, used[i + 1]!));
      if (id !== undefined) {
        ids.push(id);
        weights.push(BIGRAM_WEIGHT);
      }
    }
    const total = weights.reduce((s, x) => s + x, 0);
    return { ids, weights: weights.map((x) => x / total), words: used, unknown, corrections, truncated };
  }

  /** Pads tokenisations into one batch of length `length` (at least the longest). */
  static batch(items: readonly Pick<Tokenization, 'ids' | 'weights'>[], length?: number): TokenBatch {
    const longest = Math.max(1, ...items.map((t) => t.ids.length));
    const l = Math.max(length ?? 0, longest);
    const tokens = new BigInt64Array(items.length * l);
    const weights = new Float32Array(items.length * l);
    items.forEach((t, b) => {
      t.ids.forEach((id, i) => {
        tokens[b * l + i] = BigInt(id);
        weights[b * l + i] = t.weights[i]!;
      });
    });
    return { tokens, weights, batch: items.length, length: l };
  }
}

/** The padding token, id 0. */
export const PAD = '<pad>';

/** Singular and plural forms to try for a word not in the vocabulary, most likely first. */
export function inflections(word: string): string[] {
  const out: string[] = [];
  if (word.length > 4 && word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.length > 4 && word.endsWith('ves')) out.push(`${word.slice(0, -3)}f`, `${word.slice(0, -3)}fe`);
  if (word.length > 3 && word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.length > 2 && word.endsWith('s') && !word.endsWith('ss')) out.push(word.slice(0, -1));
  out.push(`${word}s`, `${word}es`);
  return out;
}

/**
 * The vocabulary of a caption corpus: `<pad>`, every canonical word (plus `extraWords`), then the
 * word pairs seen at least `minPairCount` times; with the word counts for tie-breaks.
 */
export function buildVocabulary(captions: Iterable<string>, options: { extraWords?: readonly string[]; minPairCount?: number } = {}): { vocabulary: string[]; frequencies: Record<string, number> } {
  const words = new Map<string, number>();
  const pairs = new Map<string, number>();
  for (const caption of captions) {
    const { words: ws } = canonicalWords(caption);
    ws.forEach((w, i) => {
      words.set(w, (words.get(w) ?? 0) + 1);
      if (i > 0) pairs.set(bigram(ws[i - 1]!, w), (pairs.get(bigram(ws[i - 1]!, w)) ?? 0) + 1);
    });
  }
  for (const w of options.extraWords ?? []) for (const c of canonicalWords(w).words) if (!words.has(c)) words.set(c, 0);
  const minPair = options.minPairCount ?? 3;
  const sortedWords = [...words.keys()].filter((w) => !w.includes('_')).sort();
  const sortedPairs = [...pairs.entries()].filter(([, n]) => n >= minPair).map(([p]) => p).sort();
  return { vocabulary: [PAD, ...sortedWords, ...sortedPairs], frequencies: Object.fromEntries([...words.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}

function quoteShort(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}
