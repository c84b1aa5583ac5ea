import { describe, expect, it } from 'vitest';
import { CATEGORY_QUERIES, searchAlternatives } from '../../src/main/text/synonyms';
import { MAX_QUERY_WORDS, TextQueryError, Tokenizer, buildVocabulary, canonicalWords, editDistance, inflections, typoDistance } from '../../src/main/text/tokenizer';
import { CATEGORIES } from '../../src/main/vocabulary/categories';
import { typosOf } from './typos';

const captions = ['a red office chair with four legs', 'a blue sofa with two cushions', 'tall gray lamp', 'a white cellphone', 'navy airplane with swept wings', 'this table is brown', 'a black rifle with a scope'];
const { vocabulary, frequencies } = buildVocabulary(captions, { extraWords: Object.values(CATEGORY_QUERIES).flat() });
const tokenizer = new Tokenizer(vocabulary, frequencies);
const words = (text: string): string[] => tokenizer.tokenize(text).words;

describe('text tokeniser', () => {
  it('lower-cases, drops stopwords and reads phrases and synonyms as canonical words', () => {
    expect(canonicalWords('A RED Chair, with Legs!').words).toEqual(['red', 'chair', 'legs']);
    expect(words('Couch')).toEqual(['sofa']);
    expect(words('grey lamp')).toEqual(['gray', 'lamp']);
    expect(words('mobile phone')).toEqual(['cellphone']);
    expect(words('cell phone')).toEqual(['cellphone']);
    expect(words('aeroplane')).toEqual(['airplane']);
    expect(words('4 legs')).toEqual(['four', 'legs']);
  });

  it('reads plurals and singulars of known words', () => {
    expect(inflections('sofas')).toContain('sofa');
    expect(words('chairs')).toEqual(['chair']);
    expect(words('couches')).toEqual(['sofa']);
    expect(words('leg')).toEqual(['legs']);
    expect(tokenizer.tokenize('lamps').corrections).toEqual([{ from: 'lamps', to: 'lamp' }]);
  });

  it('corrects misspellings of one or two letters to the nearest known word', () => {
    expect(editDistance('chiar', 'chair')).toBe(1);
    expect(editDistance('abc', 'xyzw', 2)).toBe(3);
    expect(words('chiar')).toEqual(['chair']);
    expect(words('sofaa')).toEqual(['sofa']);
    expect(words('airplaen')).toEqual(['airplane']);
    expect(words('aiplane')).toEqual(['airplane']);
    expect(words('coutch')).toEqual(['sofa']);
    expect(words('riffle')).toEqual(['rifle']);
    // Two edits from 7 letters on; a misspelt plural.
    expect(words('telefone')).toEqual(['phone']);
    expect(words('airplnae')).toEqual(['airplane']);
    expect(words('chiars')).toEqual(['chair']);
    expect(words('Coutches')).toEqual(['sofa']);
    // Three-letter words only by a swap of two letters (any other edit has too many neighbours); shorter never.
    expect(words('rde chair')).toEqual(['red', 'chair']);
    expect(tokenizer.tokenize('rex chair').unknown).toEqual(['rex']);
    expect(tokenizer.tokenize('re chair').unknown).toEqual(['re']);
    expect(typoDistance('cra', 'car')).toBe(1);
    expect(typoDistance('cat', 'car')).toBe(2);
  });

  it('reads misspellings of every category name as the category', () => {
    for (const category of CATEGORIES) {
      for (const typo of typosOf(category)) expect(words(typo), `${typo} for ${category}`).toEqual([category]);
    }
  });

  it('ignores unknown words but refuses a query with none it knows, and an empty one, with a typed error', () => {
    const t = tokenizer.tokenize('a red zqxjkv chair');
    expect(t.words).toEqual(['red', 'chair']);
    expect(t.unknown).toEqual(['zqxjkv']);
    expect(() => tokenizer.tokenize('')).toThrow(TextQueryError);
    expect(() => tokenizer.tokenize('   ')).toThrow(/the query is empty/);
    expect(() => tokenizer.tokenize('?!')).toThrow(/has no words/);
    try {
      tokenizer.tokenize('zqxjkv wvvqpt');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TextQueryError);
      expect(e).toBeInstanceOf(RangeError);
      expect((e as TextQueryError).problem).toBe('no-known-words');
      expect((e as Error).message).toMatch(/none of the words .* zqxjkv, wvvqpt/);
    }
    expect(() => tokenizer.tokenize(42 as unknown as string)).toThrow(TypeError);
  });

  it('truncates an absurdly long query instead of failing', () => {
    const t = tokenizer.tokenize('red chair '.repeat(50_000));
    expect(t.truncated).toBe(true);
    expect(t.words.length).toBe(MAX_QUERY_WORDS);
  });

  it('gives ids with pooling weights that sum to 1, word pairs at half weight, and pads batches', () => {
    const t = tokenizer.tokenize('red office chair');
    expect(t.ids.every((id) => id > 0 && id < tokenizer.size)).toBe(true);
    expect(t.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 6);
    const batch = Tokenizer.batch([t, tokenizer.tokenize('lamp')]);
    expect(batch.batch).toBe(2);
    expect(batch.length).toBe(t.ids.length);
    expect(batch.tokens[batch.length]).toBe(BigInt(vocabulary.indexOf('lamp')));
    expect(batch.tokens[batch.length + 1]).toBe(0n);
    expect(batch.weights[batch.length + 1]).toBe(0);
  });

  it('builds a deterministic vocabulary starting with the padding token', () => {
    expect(vocabulary[0]).toBe('<pad>');
    expect(buildVocabulary(captions).vocabulary).toEqual(buildVocabulary([...captions]).vocabulary);
    expect(() => new Tokenizer(['chair'])).toThrow(RangeError);
  });
});

describe('searchAlternatives (lexical search)', () => {
  it('adds the canonical word and the category a word names, plurals included; other words stay alone', () => {
    expect(searchAlternatives('couch')).toEqual(['couch', 'sofa']);
    expect(searchAlternatives('couches')).toEqual(['couches', 'couch', 'sofa']);
    expect(searchAlternatives('monitor')).toContain('display');
    expect(searchAlternatives('jet')).toContain('airplane');
    expect(searchAlternatives('chair')).toEqual(['chair']);
    expect(searchAlternatives('wooden')).toEqual(['wooden']);
    expect(searchAlternatives('bus')).toEqual(['bus']);
    // Every single-word category query leads to its category.
    for (const [category, words] of Object.entries(CATEGORY_QUERIES)) {
      for (const word of words.filter((w) => !w.includes(' '))) expect(searchAlternatives(word)).toContain(category);
    }
  });
});
