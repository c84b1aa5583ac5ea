/**
 * Automatic tags from the latent space: a NeRF's GMN embedding is compared (cosine, after
 * centring and scaling each dimension by the reference's statistics) with the labelled zoo
 * training embeddings; its k nearest neighbours vote, weighted by similarity, for a category,
 * a main colour, proportion words and features. The vote share is the confidence. A caption
 * for a NeRF without one fills the zoo's first caption template from the suggested tags.
 */
import { CATEGORIES, CATEGORY_NOUNS } from '../vocabulary/categories';
import { COLOUR_NAMES } from '../vocabulary/colours';
import { captionedObject } from './corpus';
import type { ZooEmbeddings } from './embedding-cache';

/** Labels of the reference rows, stored in text.json. */
export interface TagReferenceInfo {
  readonly dims: number;
  /** Per-dimension mean and scale applied before cosine. */
  readonly mean: readonly number[];
  readonly scale: readonly number[];
  readonly categories: readonly string[];
  readonly colours: readonly string[];
  readonly sizes: readonly string[];
  /** Feature tags with the phrase a caption uses for them. */
  readonly features: readonly { readonly tag: string; readonly phrase: string }[];
  /** Per row: category, main colour, size and feature indices. */
  readonly rows: readonly { readonly c: number; readonly k: number; readonly s: readonly number[]; readonly f: readonly number[] }[];
}

export interface TagReference {
  readonly info: TagReferenceInfo;
  /** Row i: the reference embedding, already centred, scaled and unit length. */
  readonly vectors: Float32Array;
}

/** The reference of a zoo embedding cache: its train split in the training architectures. */
export function buildTagReference(embeddings: ZooEmbeddings): TagReference {
  const d = embeddings.index.dims;
  const fits = embeddings.index.fits.map((f, i) => ({ f, i })).filter(({ f }) => f.split === 'train');
  const mean = new Float64Array(d);
  const square = new Float64Array(d);
  for (const { i } of fits) {
    for (let j = 0; j < d; j++) {
      const x = embeddings.vectors[i * d + j]!;
      mean[j]! += x;
      square[j]! += x * x;
    }
  }
  const n = Math.max(1, fits.length);
  const scale = Array.from(mean, (m, j) => {
    const mu = m / n;
    return 1 / Math.sqrt(Math.max(square[j]! / n - mu * mu, 1e-12));
  });
  const meanArray = Array.from(mean, (m) => m / n);
  const sizes: string[] = [];
  const features: { tag: string; phrase: string }[] = [];
  const index = <T>(list: T[], key: (t: T) => string, item: T): number => {
    const at = list.findIndex((x) => key(x) === key(item));
    if (at >= 0) return at;
    list.push(item);
    return list.length - 1;
  };
  const attributes = new Map<string, ReturnType<typeof captionedObject>['attributes']>();
  const rows = fits.map(({ f }) => {
    let a = attributes.get(f.objectId);
    if (!a) attributes.set(f.objectId, (a = captionedObject(f.category, f.seed, 0).attributes));
    return {
      c: CATEGORIES.indexOf(f.category),
      k: COLOUR_NAMES.indexOf(a.colours[0] ?? 'gray'),
      s: a.size.map((s) => index(sizes, (x) => x, s)),
      f: a.features.map((x) => index(features, (y) => y.tag, { tag: x.tag, phrase: x.phrase })),
    };
  });
  const vectors = new Float32Array(fits.length * d);
  fits.forEach(({ i }, r) => vectors.set(standardize(embeddings.vectors.subarray(i * d, (i + 1) * d), meanArray, scale), r * d));
  return { info: { dims: d, mean: meanArray, scale, categories: [...CATEGORIES], colours: [...COLOUR_NAMES], sizes, features, rows }, vectors };
}

/** (x - mean) * scale, unit length. */
export function standardize(x: ArrayLike<number>, mean: readonly number[], scale: readonly number[]): Float32Array {
  const out = new Float32Array(mean.length);
  let norm = 0;
  for (let j = 0; j < mean.length; j++) {
    out[j] = (x[j]! - mean[j]!) * scale[j]!;
    norm += out[j]! * out[j]!;
  }
  const inv = 1 / Math.sqrt(Math.max(norm, 1e-24));
  for (let j = 0; j < out.length; j++) out[j]! *= inv;
  return out;
}

/** A tag suggested for an asset, with the tagger's confidence. */
export interface SuggestedTag {
  readonly tag: string;
  /** In [0, 1]. */
  readonly confidence: number;
}

export type TagKind = 'category' | 'colour' | 'size' | 'feature';

export interface AutoTag extends SuggestedTag {
  readonly kind: TagKind;
}

export interface TagSuggestions {
  /** The best category, whatever its confidence. */
  readonly category: { readonly name: string; readonly confidence: number };
  readonly colour: { readonly name: string; readonly confidence: number };
  /** Every tag at or above the threshold (the category always), best first within each kind. */
  readonly tags: readonly AutoTag[];
  /** A caption filled from the suggestions, for a NeRF that has none. */
  readonly caption: string;
}

export interface SuggestOptions {
  /** Neighbours that vote. @default 15 */
  readonly k?: number;
  /** Attributes below this confidence are not suggested. @default 0.4 */
  readonly threshold?: number;
}

/** Suggests tags for GMN embeddings by a similarity-weighted vote of their nearest reference rows. */
export class AutoTagger {
  constructor(readonly reference: TagReference) {
    const { info, vectors } = reference;
    if (vectors.length !== info.rows.length * info.dims) throw new RangeError(`AutoTagger: ${vectors.length} reference values for ${info.rows.length} rows of ${info.dims}`);
  }

  /** Tags for one embedding of the encoder the reference was built with. */
  suggest(embedding: ArrayLike<number>, options: SuggestOptions = {}): TagSuggestions {
    const { info, vectors } = this.reference;
    if (embedding.length !== info.dims) throw new RangeError(`AutoTagger: the embedding has ${embedding.length} values, the reference ${info.dims}`);
    const k = Math.min(options.k ?? 15, info.rows.length);
    const threshold = options.threshold ?? 0.4;
    const q = standardize(embedding, info.mean, info.scale);
    const d = info.dims;
    const scores = info.rows.map((_, r) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += q[j]! * vectors[r * d + j]!;
      return { r, s };
    });
    scores.sort((a, b) => b.s - a.s || a.r - b.r);
    const top = scores.slice(0, k);
    // Similarity-weighted votes: softmax of cosine at temperature 0.1.
    const weights = top.map((t) => Math.exp((t.s - top[0]!.s) / 0.1));
    const total = weights.reduce((s, w) => s + w, 0);
    const vote = (size: number, labels: (row: TagReferenceInfo['rows'][number]) => readonly number[]): number[] => {
      const out = new Array<number>(size).fill(0);
      top.forEach((t, i) => {
        for (const l of labels(info.rows[t.r]!)) out[l]! += weights[i]! / total;
      });
      // Shares of 1 can sum to 1 + 1e-16; the library takes confidences in [0, 1].
      return out.map((x) => Math.min(1, x));
    };
    const best = (v: number[]): number => v.reduce((b, x, i) => (x > v[b]! ? i : b), 0);
    const categories = vote(info.categories.length, (row) => [row.c]);
    const colours = vote(info.colours.length, (row) => [row.k]);
    const sizes = vote(info.sizes.length, (row) => row.s);
    const features = vote(info.features.length, (row) => row.f);
    const c = best(categories);
    const k2 = best(colours);
    const ranked = (v: number[], names: readonly string[], kind: TagKind): AutoTag[] =>
      v
        .map((confidence, i) => ({ tag: names[i]!, confidence, kind }))
        .filter((t) => t.confidence >= threshold)
        .sort((a, b) => b.confidence - a.confidence || (a.tag < b.tag ? -1 : 1));
    const category = { name: info.categories[c]!, confidence: categories[c]! };
    const colour = { name: info.colours[k2]!, confidence: colours[k2]! };
    const sizeTags = ranked(sizes, info.sizes, 'size');
    const featureTags = ranked(
      features,
      info.features.map((f) => f.tag),
      'feature',
    );
    const tags: AutoTag[] = [{ tag: category.name, confidence: category.confidence, kind: 'category' }, ...(colour.confidence >= threshold ? [{ tag: colour.name, confidence: colour.confidence, kind: 'colour' as const }] : []), ...sizeTags, ...featureTags];
    const feature = featureTags[0] && info.features.find((f) => f.tag === featureTags[0]!.tag);
    return { category, colour, tags, caption: generatedCaption(category.name, colour.confidence >= threshold ? colour.name : undefined, sizeTags[0]?.tag, feature?.phrase) };
  }
}

/** "a tall red chair with armrests": the zoo's first caption template, filled from tags. */
export function generatedCaption(category: string, colour?: string, size?: string, featurePhrase?: string): string {
  const noun = (CATEGORY_NOUNS as Record<string, readonly string[]>)[category]?.[0] ?? category;
  const phrase = [size, colour, noun].filter(Boolean).join(' ');
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}${featurePhrase ? ` with ${featurePhrase}` : ''}`;
}
