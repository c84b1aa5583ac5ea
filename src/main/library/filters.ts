/**
 * Asset filters (family, architecture, category, tags, collection) as one SQL condition over
 * `assets a`, shared by the gallery listing, find-similar and text search.
 */
import type { AssetFilters } from './types';

const FAMILIES = new Set(['mlp', 'triplane', 'hashgrid']);

/** A tag as stored: trimmed, lower case, inner whitespace collapsed; 1 to 64 characters. */
export function normalizeTag(tag: string): string {
  if (typeof tag !== 'string') throw new TypeError(`a tag must be a string, got ${typeof tag}`);
  const clean = tag.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
  if (clean.length < 1 || clean.length > 64) throw new RangeError(`tag "${tag}" must have 1 to 64 characters after trimming`);
  return clean;
}

function list(value: string | readonly string[] | undefined, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  const values = typeof value === 'string' ? [value] : [...value];
  for (const v of values) if (typeof v !== 'string') throw new TypeError(`filters.${what} must be a string or strings, got ${JSON.stringify(v)}`);
  return values;
}

/** Whether `filters` restricts anything. */
export function hasFilters(filters: AssetFilters | undefined): boolean {
  if (!filters) return false;
  return filters.family !== undefined || filters.architecture !== undefined || filters.category !== undefined || (filters.tags !== undefined && filters.tags.length > 0) || filters.collection !== undefined || filters.includeMissing === false;
}

/** The SQL condition (over `assets a`) and its parameters; `'1'` when nothing is filtered. */
export function filterSql(filters: AssetFilters | undefined): { where: string; params: unknown[] } {
  if (!filters) return { where: '1', params: [] };
  const parts: string[] = [];
  const params: unknown[] = [];
  const inList = (column: string, values: string[] | undefined) => {
    if (values === undefined) return;
    if (values.length === 0) parts.push('0');
    else {
      parts.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    }
  };
  const families = list(filters.family, 'family');
  for (const f of families ?? []) if (!FAMILIES.has(f)) throw new RangeError(`filters.family "${f}" is not one of ${[...FAMILIES].join(', ')}`);
  inList('a.family', families);
  inList('a.architecture', list(filters.architecture, 'architecture'));
  inList('a.category', list(filters.category, 'category'));
  const tags = list(filters.tags, 'tags')?.map(normalizeTag);
  if (tags && tags.length > 0) {
    const unique = [...new Set(tags)];
    parts.push(`a.id IN (SELECT asset_id FROM tags WHERE tag IN (${unique.map(() => '?').join(', ')}) AND source <> 'rejected' GROUP BY asset_id HAVING count(*) = ?)`);
    params.push(...unique, unique.length);
  }
  if (filters.collection !== undefined) {
    if (!Number.isInteger(filters.collection)) throw new TypeError(`filters.collection must be a collection id (integer), got ${JSON.stringify(filters.collection)}`);
    parts.push('EXISTS (SELECT 1 FROM collection_assets ca WHERE ca.collection_id = ? AND ca.asset_id = a.id)');
    params.push(filters.collection);
  }
  if (filters.includeMissing === false) parts.push("EXISTS (SELECT 1 FROM files f WHERE f.asset_id = a.id AND f.status = 'present')");
  return { where: parts.length > 0 ? parts.join(' AND ') : '1', params };
}
