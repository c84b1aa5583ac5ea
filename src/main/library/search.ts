/**
 * Search over the catalogue: find-similar (vector search with filters and pagination) and text
 * search (FTS5 over names, captions, categories and tags, plus semantic matches from a text
 * encoder through the `SemanticTextSearch` hook, merged by reciprocal-rank fusion).
 */
import type { Database } from 'better-sqlite3';
import type { SemanticTextSearch } from '../text/semantic-search';
import { searchAlternatives } from '../text/synonyms';
import { filteredIds, checkPage, summaries } from './catalogue';
import { prepared } from './db';
import { type SpellingCorrection, spellingCorrections } from './spelling';
import { filterSql, hasFilters } from './filters';
import type { AssetFilters, AssetSummary } from './types';
import type { IndexFilter, SearchMethod, VectorIndex } from './vector-index';
import type { VectorHit } from './vectors';

/** Find-similar by an asset of the library or by a vector (a dropped file embedded by the caller). */
export type SimilarQuery = ({ readonly assetId: number; readonly vector?: undefined } | { readonly vector: Float32Array | readonly number[]; readonly assetId?: undefined }) & {
  /** Results per page. @default 10 */
  readonly k?: number;
  /** Results to skip (pagination). @default 0 */
  readonly offset?: number;
  readonly filters?: AssetFilters;
  /** Exact search whatever the library's size. @default false */
  readonly exact?: boolean;
};

export interface SimilarResult {
  readonly asset: AssetSummary;
  /** Cosine similarity in [-1, 1]. */
  readonly score: number;
}

export interface SimilarResults {
  readonly results: SimilarResult[];
  readonly modelVersion: string;
  readonly method: SearchMethod;
}

/** Why a text-search result matched: its name/caption/category, its tags, or its shape (semantic). */
export type MatchReason = 'text' | 'tag' | 'shape';

export interface TextSearchOptions {
  /** @default 20 */
  readonly limit?: number;
  /** @default 0 */
  readonly offset?: number;
  readonly filters?: AssetFilters;
  /** Also ask the semantic hook, when one is set and matches the active model. @default true */
  readonly semantic?: boolean;
}

export interface TextSearchResult {
  readonly asset: AssetSummary;
  /** Fused score: sum over the lists that found it of 1 / (RRF_K + rank). */
  readonly score: number;
  /** Lists that found it, the one that contributed most first. */
  readonly reasons: readonly MatchReason[];
  /** -bm25 of the name/caption/category match (higher is better), when there was one. */
  readonly textScore?: number;
  /** -bm25 of the tag match, when there was one. */
  readonly tagScore?: number;
  /** Cosine similarity of the semantic match, when there was one. */
  readonly shapeScore?: number;
}

export interface TextSearchResults {
  readonly results: TextSearchResult[];
  /** Whether semantic matches took part, and if not, why ('no-index' also when the query gives no vector). */
  readonly semantic: 'used' | 'off' | 'no-hook' | 'model-mismatch' | 'no-index';
  /** Query words lexical search read as others because it knew them in no other form ("chiar" -> "chair"). */
  readonly corrections: readonly SpellingCorrection[];
}

/** Reciprocal-rank-fusion constant (Cormack et al. 2009): damps the weight of the very first ranks. */
export const RRF_K = 60;

/** bm25 column weights: name, caption, category, tags. */
const BM25_WEIGHTS = [4, 1, 2, 2] as const;

/** Candidates each list contributes to the fusion (or offset + limit, if more). */
const FUSION_DEPTH = 200;

/** The words of a query as lexical search reads them (at most 32), and whether the last may be unfinished. */
export function queryWords(text: string): { words: string[]; typingLast: boolean } {
  if (typeof text !== 'string') throw new TypeError(`query must be a string, got ${typeof text}`);
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 32) ?? [];
  return { words, typingLast: !/\s$/.test(text) };
}

/**
 * FTS5 query for free text: each word a quoted term (so no input is FTS syntax), all of them
 * (`all`: AND) or any (`any`: OR, bm25 ranking documents with more and rarer words
 * first); the last word is a prefix while the user is still typing it. A word with synonyms
 * matches them too (`searchAlternatives`: "couch" also finds "sofa", the category), and a
 * misspelt word its corrections (`spellingCorrections`: "chiar" also finds "chair"). Undefined
 * when the text has no word.
 */
export function ftsQuery(text: string, mode: 'all' | 'any' = 'all', corrections: readonly SpellingCorrection[] = []): string | undefined {
  const { words, typingLast } = queryWords(text);
  if (words.length === 0) return undefined;
  const corrected = new Map(corrections.map((c) => [c.from, c.to]));
  const term = (w: string, i: number): string => {
    const own = `"${w}"${i === words.length - 1 && typingLast ? ' *' : ''}`;
    const others = [...new Set([...searchAlternatives(w).slice(1), ...(corrected.get(w) ?? []).flatMap(searchAlternatives)])].filter((a) => a !== w);
    return others.length === 0 ? own : `(${[own, ...others.map((a) => `"${a}"`)].join(' OR ')})`;
  };
  // Explicit AND: FTS5's implicit AND does not join a parenthesised group.
  return words.map(term).join(mode === 'all' ? ' AND ' : ' OR ');
}

/** Hits of one FTS query restricted to some columns, best first; no join with assets unless filtered. */
function ftsHits(db: Database, match: string, columns: readonly string[], filters: AssetFilters | undefined, limit: number): { id: number; score: number }[] {
  const query = `{${columns.join(' ')}} : (${match})`;
  const rank = `bm25(assets_fts, ${BM25_WEIGHTS.join(', ')})`;
  const rows = hasFilters(filters)
    ? (() => {
        const { where, params } = filterSql(filters);
        return prepared(db, `SELECT f.rowid AS id, ${rank} AS rank FROM assets_fts f JOIN assets a ON a.id = f.rowid WHERE assets_fts MATCH ? AND ${where} ORDER BY rank, f.rowid LIMIT ?`).all(query, ...params, limit);
      })()
    : prepared(db, `SELECT rowid AS id, ${rank} AS rank FROM assets_fts WHERE assets_fts MATCH ? ORDER BY rank, rowid LIMIT ?`).all(query, limit);
  return (rows as { id: number; rank: number }[]).map((r) => ({ id: r.id, score: -r.rank }));
}

/**
 * Lexical hits for free text in some columns: documents with every word first (by bm25), then,
 * if those are fewer than `limit`, documents with some of the words (by bm25).
 */
export function lexicalSearch(
  db: Database,
  text: string,
  columns: readonly string[],
  filters: AssetFilters | undefined,
  limit: number,
  corrections: readonly SpellingCorrection[] = [],
): { id: number; score: number }[] {
  const all = ftsQuery(text, 'all', corrections);
  if (!all) return [];
  const hits = ftsHits(db, all, columns, filters, limit);
  const any = ftsQuery(text, 'any', corrections)!;
  if (hits.length >= limit || any === all) return hits;
  const seen = new Set(hits.map((h) => h.id));
  for (const hit of ftsHits(db, any, columns, filters, limit)) {
    if (hits.length >= limit) break;
    if (!seen.has(hit.id)) hits.push(hit);
  }
  return hits;
}

/** A ranked list of one kind of evidence, best first. */
interface RankedList {
  readonly reason: MatchReason;
  readonly hits: readonly { id: number; score: number }[];
}

/** Reciprocal-rank fusion of the lists; ties broken by asset id. */
export function fuse(lists: readonly RankedList[]): { id: number; score: number; reasons: MatchReason[]; scores: Partial<Record<MatchReason, number>> }[] {
  const fused = new Map<number, { id: number; score: number; parts: { reason: MatchReason; weight: number }[]; scores: Partial<Record<MatchReason, number>> }>();
  for (const list of lists) {
    list.hits.forEach((hit, rank) => {
      const weight = 1 / (RRF_K + rank + 1);
      let entry = fused.get(hit.id);
      if (!entry) fused.set(hit.id, (entry = { id: hit.id, score: 0, parts: [], scores: {} }));
      entry.score += weight;
      entry.parts.push({ reason: list.reason, weight });
      entry.scores[list.reason] = hit.score;
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .map((e) => ({ id: e.id, score: e.score, reasons: e.parts.sort((a, b) => b.weight - a.weight).map((p) => p.reason), scores: e.scores }));
}

/** The SQL filter as an index filter: a count up front, candidates checked in one query each. */
function sqlFilter(db: Database, filters: AssetFilters | undefined): IndexFilter {
  const { where, params } = filterSql(filters);
  return {
    count: prepared(db, `SELECT count(*) FROM assets a WHERE ${where}`).pluck().get(...params) as number,
    check: (candidates) => new Set(prepared(db, `SELECT a.id FROM assets a WHERE a.id IN (SELECT value FROM json_each(?)) AND ${where}`).pluck().all(JSON.stringify(candidates), ...params) as number[]),
    all: () => filteredIds(db, filters),
  };
}

/** Vector hits for a query: the first `offset + k`, best first. */
function vectorHits(
  db: Database,
  index: VectorIndex,
  query: ArrayLike<number>,
  options: { k: number; offset: number; filters?: AssetFilters; exclude?: ReadonlySet<number>; exact?: boolean },
): { hits: VectorHit[]; method: SearchMethod } {
  checkPage(options.k, options.offset);
  const filter = hasFilters(options.filters) ? sqlFilter(db, options.filters) : undefined;
  return index.search(query, options.offset + options.k, { filter, exclude: options.exclude, exact: options.exact });
}

/** Vector search, paginated, results hydrated with asset summaries. */
export function similar(
  db: Database,
  cacheDir: string,
  index: VectorIndex,
  query: ArrayLike<number>,
  options: { k: number; offset: number; filters?: AssetFilters; exclude?: ReadonlySet<number>; exact?: boolean },
): SimilarResults {
  const { hits, method } = vectorHits(db, index, query, options);
  const page = hits.slice(options.offset);
  const assets = summaries(
    db,
    page.map((h) => h.id),
    cacheDir,
  );
  const results: SimilarResult[] = [];
  for (const hit of page) {
    const asset = assets.get(hit.id);
    if (asset) results.push({ asset, score: hit.score });
  }
  return { results, modelVersion: index.modelVersion, method };
}

/** Text search: lexical lists from FTS5, an optional semantic list, fused and paginated. */
export async function searchText(
  db: Database,
  cacheDir: string,
  text: string,
  options: TextSearchOptions,
  semantic: { hook: SemanticTextSearch | undefined; index: VectorIndex | undefined; activeVersion: string | undefined },
): Promise<TextSearchResults> {
  const limit = options.limit ?? 20;
  const offset = options.offset ?? 0;
  checkPage(limit, offset);
  const depth = Math.max(FUSION_DEPTH, offset + limit);
  const { words, typingLast } = queryWords(text);
  const corrections = spellingCorrections(db, words, typingLast);
  const lists: RankedList[] = [
    { reason: 'text', hits: lexicalSearch(db, text, ['name', 'caption', 'category'], options.filters, depth, corrections) },
    { reason: 'tag', hits: lexicalSearch(db, text, ['tags'], options.filters, depth, corrections) },
  ];
  let status: TextSearchResults['semantic'];
  if (options.semantic === false) status = 'off';
  else if (!semantic.hook) status = 'no-hook';
  else if (semantic.hook.modelVersion !== semantic.activeVersion) status = 'model-mismatch';
  else if (!semantic.index || text.trim().length === 0) status = 'no-index';
  else {
    const vector = await semantic.hook.embedText(text);
    if (vector) lists.push({ reason: 'shape', hits: vectorHits(db, semantic.index, vector, { k: depth, offset: 0, filters: options.filters }).hits });
    status = vector ? 'used' : 'no-index';
  }
  const page = fuse(lists).slice(offset, offset + limit);
  const assets = summaries(
    db,
    page.map((p) => p.id),
    cacheDir,
  );
  const results: TextSearchResult[] = [];
  for (const p of page) {
    const asset = assets.get(p.id);
    if (!asset) continue;
    results.push({ asset, score: p.score, reasons: p.reasons, textScore: p.scores.text, tagScore: p.scores.tag, shapeScore: p.scores.shape });
  }
  return { results, semantic: status, corrections };
}
