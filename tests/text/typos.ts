/** Misspellings a fast typist makes, for the typo-tolerance tests of lexical and semantic search. */
import { allowedEdits } from '../../src/main/text/tokenizer';

/**
 * Misspellings of `word` within what correction allows for its length: two adjacent letters
 * swapped (from the second letter on, as in "cahir"), a letter doubled, and for words of 5
 * letters or more a letter dropped and a letter replaced by its neighbour on the keyboard row;
 * from 7 letters also two edits at once (a swap and a replaced letter). Distinct, none the word itself.
 */
export function typosOf(word: string): string[] {
  const out = new Set<string>();
  const swap = (w: string, i: number): string => w.slice(0, i) + w[i + 1]! + w[i]! + w.slice(i + 2);
  out.add(swap(word, 1));
  out.add(word + word.at(-1)!);
  if (word.length >= 5) {
    const mid = Math.floor(word.length / 2);
    out.add(word.slice(0, mid) + word.slice(mid + 1));
    out.add(word.slice(0, mid) + neighbour(word[mid]!) + word.slice(mid + 1));
  }
  if (allowedEdits(word.length) >= 2) {
    const swapped = swap(word, 1);
    out.add(swapped.slice(0, -2) + neighbour(swapped.at(-2)!) + swapped.at(-1)!);
  }
  out.delete(word);
  return [...out];
}

const ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** The key to the right of `c` on its keyboard row (to the left at the row's end). */
function neighbour(c: string): string {
  const row = ROWS.find((r) => r.includes(c));
  if (!row) return c;
  const i = row.indexOf(c);
  return row[i + 1 < row.length ? i + 1 : i - 1]!;
}
