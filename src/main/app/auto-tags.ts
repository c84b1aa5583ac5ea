/**
 * Automatic tags written into the library: the text model's suggestions (text/tags.ts) stored
 * as suggested tags, and generated captions where an asset has none. Here, above both the text
 * layer and the library, because it needs both.
 */
import type { Library } from '../library/library';
import type { AutoTagger, SuggestOptions, TagSuggestions } from '../text/tags';

/**
 * Stores the suggestions for an asset: tags as suggested (the user accepts them into tags), and,
 * when the asset has no caption, the generated caption marked as generated.
 */
export function applySuggestions(library: Library, assetId: number, suggestions: TagSuggestions): void {
  library.suggestTags(
    assetId,
    suggestions.tags.map((t) => ({ tag: t.tag, confidence: t.confidence })),
  );
  const asset = library.getAsset(assetId);
  if (asset && !asset.caption) library.updateAsset(assetId, { caption: suggestions.caption, captionGenerated: true });
}

/**
 * Suggests tags (and captions where missing) for every asset embedded with `modelVersion` that
 * has no suggested tags yet; returns how many assets it tagged.
 */
export function tagLibrary(library: Library, tagger: AutoTagger, modelVersion: string, options: SuggestOptions = {}): number {
  let tagged = 0;
  for (let offset = 0; ; offset += 1000) {
    const { items } = library.listAssets({ limit: 1000, offset, sort: 'name' });
    for (const asset of items) {
      if (library.tags(asset.id).some((t) => t.source === 'suggested')) continue;
      const embedding = library.embedding(asset.id, modelVersion);
      if (!embedding) continue;
      applySuggestions(library, asset.id, tagger.suggest(embedding, options));
      tagged++;
    }
    if (items.length < 1000) return tagged;
  }
}
