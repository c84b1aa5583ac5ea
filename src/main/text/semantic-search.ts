/** What text search asks of a text encoder: the interface the library's text search calls and `TextSearchHook` implements. */

/**
 * The text encoder's hook: a text query as a vector in the shape embedding space of
 * `modelVersion` (contrastively aligned). Text search uses it only while that model is active.
 */
export interface SemanticTextSearch {
  readonly modelVersion: string;
  /** The query's vector; undefined when the encoder knows none of its words (no semantic evidence). */
  embedText(query: string): Promise<Float32Array | undefined>;
}
