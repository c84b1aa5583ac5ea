/** Records and inputs of the library's API (src/main/library). */
import type { NerfConfig, NerfFamily } from '../nerf/types';
import type { SuggestedTag } from '../text/tags';

export type { SuggestedTag };

/** Where the library writes what it has to say (rebuilds, repairs). */
export interface LibraryLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Free-form JSON-able facts about where a NeRF came from. */
export type Provenance = Readonly<Record<string, string | number | boolean>>;

/** One asset: a NeRF identified by the sha256 of its content. */
export interface AssetRecord {
  readonly id: number;
  readonly contentSha256: string;
  readonly name: string;
  readonly family: NerfFamily;
  readonly architecture: string;
  readonly config: NerfConfig;
  readonly category: string | null;
  readonly caption: string | null;
  /** Whether the caption was written by a model (true) or a person / the file (false). */
  readonly captionGenerated: boolean;
  readonly meta: Provenance;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What the gallery shows of an asset. */
export interface AssetSummary {
  readonly id: number;
  readonly name: string;
  readonly family: NerfFamily;
  readonly architecture: string;
  readonly category: string | null;
  readonly caption: string | null;
  /** Absolute path of the thumbnail in the cache folder, or null while there is none. */
  readonly thumbnail: string | null;
  /** True when no file of the asset is present on disk. */
  readonly missing: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type FileStatus = 'present' | 'missing';

export interface FileRecord {
  readonly id: number;
  readonly assetId: number;
  readonly path: string;
  readonly format: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
  readonly status: FileStatus;
  readonly lastSeen: number;
}

/** A location of an asset's content on disk. */
export interface FileInput {
  /** Absolute path (made absolute and normalised when stored). */
  readonly path: string;
  /** Reader that opened it (`native`, `instant-ngp`, ...). */
  readonly format: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the file's bytes. @default the asset's contentSha256 */
  readonly sha256?: string;
}

/** A derived file in the cache folder (path relative to it). */
export interface RenditionInput {
  /** `thumbnail`, `preview`, ... */
  readonly kind: string;
  readonly path: string;
  readonly bytes: number;
}

export interface EmbeddingInput {
  readonly modelVersion: string;
  readonly vector: Float32Array | readonly number[];
}

/**
 * Suggests tags (and a caption for a NeRF without one) from an embedding of encoder
 * `modelVersion`; the text model's automatic tagger (text/tags.ts) is one.
 */
export interface AssetTagger {
  readonly modelVersion: string;
  suggest(embedding: Float32Array): { readonly tags: readonly SuggestedTag[]; readonly caption: string };
}

/** Everything an import knows about one NeRF file, written in one transaction. */
export interface AssetInput {
  /** sha256 (hex) of the content; the asset's identity. */
  readonly contentSha256: string;
  readonly name: string;
  readonly config: NerfConfig;
  readonly category?: string;
  readonly caption?: string;
  /** @default false */
  readonly captionGenerated?: boolean;
  /** @default {} */
  readonly meta?: Provenance;
  readonly file?: FileInput;
  readonly embeddings?: readonly EmbeddingInput[];
  readonly renditions?: readonly RenditionInput[];
  readonly suggestedTags?: readonly SuggestedTag[];
}

export interface PutAssetResult {
  readonly assetId: number;
  /** False when an asset with this content existed (the file was added to it). */
  readonly created: boolean;
}

/** Editable fields of an asset. */
export interface AssetPatch {
  readonly name?: string;
  readonly category?: string | null;
  readonly caption?: string | null;
  readonly captionGenerated?: boolean;
}

export type TagSource = 'user' | 'suggested';

export interface TagRecord {
  readonly tag: string;
  readonly source: TagSource;
  /** Null for user tags. */
  readonly confidence: number | null;
}

export interface CollectionRecord {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly size: number;
  readonly createdAt: number;
}

/** Filters shared by listing, find-similar and text search; all given ones must hold. */
export interface AssetFilters {
  readonly family?: NerfFamily | readonly NerfFamily[];
  readonly architecture?: string | readonly string[];
  readonly category?: string | readonly string[];
  /** Every one of these tags (user or suggested). */
  readonly tags?: readonly string[];
  /** Member of this collection (id). */
  readonly collection?: number;
  /** Keep assets none of whose files is present. @default true */
  readonly includeMissing?: boolean;
}

export type AssetSortKey = 'created' | 'updated' | 'name' | 'category' | 'family' | 'architecture';

export interface ListAssetsOptions {
  readonly filters?: AssetFilters;
  /** @default 'created' */
  readonly sort?: AssetSortKey;
  /** @default 'desc' for created/updated, 'asc' otherwise */
  readonly order?: 'asc' | 'desc';
  /** @default 50 */
  readonly limit?: number;
  /** @default 0 */
  readonly offset?: number;
}

export interface ModelRecord {
  readonly version: string;
  readonly dims: number;
  readonly info: Readonly<Record<string, unknown>>;
  readonly active: boolean;
  readonly createdAt: number;
}

/** Why a file could not be imported (the latest reason per path is kept). */
export interface ImportErrorInput {
  readonly path: string;
  /** The error's class name (`NativeNerfError`, `UnknownFormatError`, ...). */
  readonly errorClass: string;
  readonly reason: string;
  readonly size?: number;
  readonly mtimeMs?: number;
}

export interface ImportErrorRecord {
  readonly path: string;
  readonly errorClass: string;
  readonly reason: string;
  readonly size: number | null;
  readonly mtimeMs: number | null;
  readonly attempts: number;
  readonly at: number;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRecord {
  readonly id: number;
  readonly kind: string;
  readonly state: JobState;
  readonly done: number;
  readonly total: number | null;
  readonly payload: unknown;
  readonly error: string | null;
  readonly ownerPid: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}
