/**
 * Spelling correction for lexical search. A query word that is neither a word of the library's
 * full-text index nor of the lexicon (`LEXICON_WORDS`), nor the start of an indexed word while
 * the user is still typing it, is read as the nearest such words: one edit (a letter added,
 * dropped, changed, or two swapped) for words of 4 to 6 letters, two from 7 letters, a swap of
 * two letters for words of 3 (`typoDistance`). The library's words come from an fts5vocab table over `assets_fts`, so a tag that only this
 * library has ("zanzibar") is corrected too.
 */
import type { Database } from 'better-sqlite3';
import { LEXICON_WORDS, searchAlternatives } from '../text/synonyms';
import { allowedEdits, inflections, typoDistance } from '../text/tokenizer';
import { prepared } from './db';

/** Corrections kept per word: the nearest, most frequent first. */
const MAX_CORRECTIONS = 3;

/** One misspelt word and the words searched for it. */
export interface SpellingCorrection {
  readonly from: string;
  readonly to: readonly string[];
}

/** The per-connection fts5vocab table (rows: term, doc, cnt) over the library's full-text index. */
function vocabTable(db: Database): string {
  prepared(db, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.assets_fts_vocab USING fts5vocab(main, 'assets_fts', 'row')").run();
  return 'temp.assets_fts_vocab';
}

/** The words spelling may correct to, per database connection, with what the library was when read. */
const wordCache = new WeakMap<Database, { signature: string; words: Map<string, number> }>();

/**
 * The library's indexed words of 3 letters or more without digits, and the documents holding
 * each. Read once and kept until the database changes: `total_changes()` counts this
 * connection's writes (triggers included), `data_version` other connections' commits.
 */
function libraryWords(db: Database, table: string): Map<string, number> {
  const signature = `${prepared(db, 'SELECT total_changes()').pluck().get() as number}:${prepared(db, 'PRAGMA data_version').pluck().get() as number}`;
  const cached = wordCache.get(db);
  if (cached?.signature === signature) return cached.words;
  const words = new Map<string, number>();
  for (const { term, doc } of prepared(db, `SELECT term, doc FROM ${table}`).iterate() as Iterable<{ term: string; doc: number }>) {
    if (term.length >= 3 && !/\p{N}/u.test(term)) words.set(term, doc);
  }
  wordCache.set(db, { signature, words });
  return words;
}

/** Documents of the library holding the indexed word `term` (0 when none). */
function documentCount(db: Database, table: string, term: string): number {
  return (prepared(db, `SELECT doc FROM ${table} WHERE term = ?`).pluck().get(term) as number | undefined) ?? 0;
}

/** Does some indexed word start with `prefix`? */
function hasPrefix(db: Database, table: string, prefix: string): boolean {
  return prepared(db, `SELECT 1 FROM ${table} WHERE term >= ? AND term < ? LIMIT 1`).get(prefix, `${prefix}\u{10FFFF}`) !== undefined;
}

/** Is `word` a word lexical search finds as it is (itself, a synonym, a plural of one, a prefix being typed)? */
function known(db: Database, table: string, word: string, typing: boolean): boolean {
  const forms = new Set([...searchAlternatives(word), ...inflections(word)]);
  for (const form of forms) if (LEXICON_WORDS.has(form) || documentCount(db, table, form) > 0) return true;
  return typing && hasPrefix(db, table, word);
}

/**
 * Corrections for the words of a query (lower-cased, as `ftsQuery` splits them): for each word
 * lexical search would not find, the nearest words of the library and the lexicon within the
 * allowed edits, fewest edits first, then the words in more documents. `typingLast`: the last
 * word may be unfinished, so a word it starts counts as found, and corrections also consider the
 * typed letters as the start of a longer word.
 */
export function spellingCorrections(db: Database, words: readonly string[], typingLast: boolean): SpellingCorrection[] {
  const table = vocabTable(db);
  const corrections: SpellingCorrection[] = [];
  let library: Map<string, number> | undefined;
  for (const [i, word] of words.entries()) {
    const max = allowedEdits(word.length);
    const typing = typingLast && i === words.length - 1;
    if (max === 0 || /\p{N}/u.test(word) || known(db, table, word, typing)) continue;
    library ??= libraryWords(db, table);
    const forms = [word, ...inflections(word).filter((f) => f.length < word.length && f.length >= 4)];
    const best = new Map<string, { distance: number; doc: number }>();
    const consider = (term: string, doc: number): void => {
      let distance = max + 1;
      for (const form of forms) {
        const edits = form === word ? max : allowedEdits(form.length);
        distance = Math.min(distance, typoDistance(form, term, edits));
        // An unfinished last word: its letters against the start of the candidate, half an edit
        // behind a whole word at the same distance ("cra": "car" before "carbine").
        if (typing && term.length > form.length) distance = Math.min(distance, typoDistance(form, term.slice(0, form.length), edits) + 0.5);
      }
      if (distance > max + 0.5) return;
      const seen = best.get(term);
      if (!seen || distance < seen.distance) best.set(term, { distance, doc: Math.max(doc, seen?.doc ?? 0) });
    };
    for (const [term, doc] of library) consider(term, doc);
    for (const term of LEXICON_WORDS) if (!library.has(term)) consider(term, 0);
    const ranked = [...best.entries()].sort(([a, x], [b, y]) => x.distance - y.distance || y.doc - x.doc || (a < b ? -1 : a > b ? 1 : 0));
    const nearest = ranked.filter(([, c]) => c.distance === ranked[0]?.[1].distance).slice(0, MAX_CORRECTIONS);
    if (nearest.length > 0) corrections.push({ from: word, to: nearest.map(([term]) => term) });
  }
  return corrections;
}
