/**
 * The one API contract between the renderer and the main process. Every request is an `Api`
 * method; every method has a channel and an argument validator, so main checks each call at the
 * boundary whatever the transport. Imports nothing from Node, Electron or the DOM.
 *
 * Everything crosses as JSON (serve mode) or a structured clone (IPC), so bytes travel as base64
 * strings and optional fields are left out rather than sent as `undefined`.
 *
 * To add a method: declare it on `Api`, then give it an entry in `API_ARGUMENTS` (the compiler
 * insists on both); its channel follows from its name.
 */

import { PROVIDER_NAMES, type ProviderChoice } from './compute';
import type { ImportableFormat } from './formats';
import { MAX_FINE_TUNE_STEPS, MAX_THREADS, type AppSettings, type AppSettingsPatch, type DeviceInfo, type FineTuneRequest, type FineTuneStatus, type ModelVersionInfo } from './models';

/** The app and the runtimes it runs on, for the status line and bug reports. */
export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly electron: string;
  readonly chrome: string;
  readonly node: string;
  /** Operating system as Node names it (`linux`, `darwin`, `win32`). */
  readonly platform: string;
  /** Whether `revealFile` can show files in the system's file manager: in the desktop app, not in serve mode. */
  readonly canRevealFiles: boolean;
}

export const NERF_FAMILIES = ['mlp', 'triplane', 'hashgrid'] as const;
export type NerfFamilyName = (typeof NERF_FAMILIES)[number];

/** Gallery orders: by name, by when the asset was added, by category. */
export const ASSET_SORTS = ['name', 'added', 'category'] as const;
export type AssetSort = (typeof ASSET_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** Restricts a listing or a search; every field given must hold. */
export interface AssetFilter {
  readonly family?: NerfFamilyName;
  readonly architecture?: string;
  readonly category?: string;
  readonly tag?: string;
  /** Collection id. */
  readonly collection?: number;
}

export interface ListAssetsRequest {
  readonly filter?: AssetFilter;
  /** @default 'added' */
  readonly sort?: AssetSort;
  /** @default 'desc' for `added`, 'asc' otherwise */
  readonly order?: SortOrder;
  /** @default 0 */
  readonly offset?: number;
  /** @default 100 */
  readonly limit?: number;
}

/** What a gallery cell shows of an asset. */
export interface AssetCard {
  readonly id: number;
  readonly name: string;
  readonly family: NerfFamilyName;
  readonly architecture: string;
  readonly category: string | null;
  readonly caption: string | null;
  readonly hasThumbnail: boolean;
  /** No file of the asset is on disk any more. */
  readonly missing: boolean;
  /** When it was added, ms since the epoch. */
  readonly addedAt: number;
}

export interface AssetPage {
  readonly items: AssetCard[];
  /** Assets the filter lets through, over all pages. */
  readonly total: number;
  readonly offset: number;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

/** The library at a glance, and the choices of the gallery's filters. */
export interface LibrarySummary {
  /** The library folder. */
  readonly path: string;
  readonly assets: number;
  /** Assets with an embedding of the active model. */
  readonly embedded: number;
  readonly collections: number;
  /** The active encoder's version, or null when there is none. */
  readonly modelVersion: string | null;
  /** Whether an encoder model is installed; find-similar needs one. */
  readonly encoderInstalled: boolean;
  /** Why find-similar cannot answer now (the message it would reject with), or null when it can. */
  readonly similarUnavailable: string | null;
  readonly families: FacetCount[];
  readonly architectures: FacetCount[];
  readonly categories: FacetCount[];
  /** Tags in use, most used first. */
  readonly tags: FacetCount[];
}

export interface AssetTag {
  readonly tag: string;
  readonly source: 'user' | 'suggested';
  /** In [0, 1] for suggestions, null for the user's own tags. */
  readonly confidence: number | null;
}

export interface AssetFileLocation {
  readonly path: string;
  /** The reader that opened it (`native`, `instant-ngp`, ...). */
  readonly format: string;
  readonly size: number;
  readonly status: 'present' | 'missing';
}

/** Everything the asset view shows. */
export interface AssetDetail extends AssetCard {
  readonly contentSha256: string;
  /** Size of the NeRF's content in bytes (its first file). */
  readonly size: number;
  readonly captionGenerated: boolean;
  /** The user's tags. */
  readonly tags: AssetTag[];
  /** Tags a tagger suggested and the user has neither accepted nor removed. */
  readonly suggestedTags: AssetTag[];
  readonly files: AssetFileLocation[];
  /** Ids of the collections holding it. */
  readonly collections: number[];
  /** Where it came from (free-form facts from the file). */
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  /** Bounding box of the field, [min xyz, max xyz]. */
  readonly aabb: readonly [readonly [number, number, number], readonly [number, number, number]] | null;
  readonly embedded: boolean;
  readonly hasPreview: boolean;
  readonly updatedAt: number;
}

/** Bytes for the renderer. */
export interface BinaryPayload {
  readonly fileName: string;
  readonly mimeType: string;
  readonly base64: string;
  readonly bytes: number;
}

/** Why a text-search result matched: its name/caption/category, its tags, or its shape. */
export type MatchReason = 'text' | 'tag' | 'shape';

export interface SearchHit {
  readonly asset: AssetCard;
  readonly score: number;
  /** The evidence that found it, strongest first. */
  readonly reasons: MatchReason[];
}

export interface SearchResults {
  readonly results: SearchHit[];
  /** Whether shape (semantic) matches took part, and if not, why. */
  readonly semantic: 'used' | 'off' | 'no-hook' | 'model-mismatch' | 'no-index';
  /** Misspelt query words and the words searched for them ("chiar" -> ["chair"]). */
  readonly corrections: readonly { readonly from: string; readonly to: readonly string[] }[];
}

export interface SimilarHit {
  readonly asset: AssetCard;
  /** Cosine similarity in [-1, 1]. */
  readonly score: number;
}

export interface SimilarResults {
  readonly modelVersion: string;
  readonly results: SimilarHit[];
}

export interface CollectionInfo {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly size: number;
  readonly createdAt: number;
}

export type JobStateName = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobFileError {
  readonly path: string;
  readonly errorClass: string;
  readonly reason: string;
}

/** A background job (an import) as the jobs panel shows it. */
export interface JobInfo {
  readonly id: number;
  readonly kind: string;
  /** What it does, in words. */
  readonly label: string;
  readonly state: JobStateName;
  readonly done: number;
  readonly total: number | null;
  readonly imported: number;
  readonly failed: number;
  /** What a worker reported last (`read`, `thumbnail`, `preview`, `embed`). */
  readonly stage: string | null;
  readonly currentFile: string | null;
  /** Seconds left at the current pace, while running and once the pace is known. */
  readonly etaSeconds: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly error: string | null;
  /** Files that failed, with why. */
  readonly errors: JobFileError[];
}

/** One embedded asset on the latent map. */
export interface LatentMapEntry {
  readonly assetId: number;
  /** t-SNE coordinates (arbitrary units, centred on 0). */
  readonly x: number;
  readonly y: number;
  readonly name: string;
  readonly category: string | null;
  readonly architecture: string;
}

/** The library's embeddings of one encoder version laid out in 2D. */
export interface LatentMapLayout {
  readonly modelVersion: string;
  readonly method: 'tsne';
  readonly points: LatentMapEntry[];
  /** Assets embedded by the model; more than `points.length` when the map shows an evenly spread subset. */
  readonly embedded: number;
  /** The layout came from the library's cache rather than a new t-SNE run. */
  readonly cached: boolean;
}

/** Why there is no latent map yet: no encoder installed, or nothing embedded by it. */
export interface LatentMapUnavailable {
  /** The active encoder's version, or null when there is none. */
  readonly modelVersion: string | null;
  /** In words, for the user. */
  readonly unavailable: string;
}

/** What changed in the library: assets added or updated (imports, embedding), tags, collections. */
export const LIBRARY_CHANGES = ['assets', 'tags', 'collections'] as const;
export type LibraryChange = (typeof LIBRARY_CHANGES)[number];

/**
 * What main pushes to the renderer: a job's new state or progress, and a change to the library
 * that the views reload for. Checked on arrival by `validateEvent` (`src/shared/events.ts`).
 */
export type ApiEvent = { readonly type: 'job'; readonly job: JobInfo } | { readonly type: 'library'; readonly change: LibraryChange };

export type ApiEventListener = (event: ApiEvent) => void;

/** The push half of the contract (IPC events in the app, a WebSocket in serve mode). */
export interface ApiEvents {
  /** Calls `listener` with every event from now on; returns the function that stops it. */
  onEvent(listener: ApiEventListener): () => void;
}

/** IPC channel main sends events on. */
export const EVENT_CHANNEL = 'nerfdex:event';
/** Serve mode's WebSocket path, and the subprotocol it speaks. */
export const EVENTS_PATH = '/api/events';
export const EVENTS_PROTOCOL = 'nerfdex-events.v1';
/** A browser cannot set headers on a WebSocket, so the token travels as a second subprotocol, `bearer.<token>`. */
export const EVENTS_TOKEN_PREFIX = 'bearer.';

/** Every request the renderer can make. Each method returns a Promise, whatever the transport. */
export interface Api {
  /** Name and version of the app and of the runtimes under it. */
  appInfo(): Promise<AppInfo>;
  /** The execution provider that runs the models, and why it was chosen. */
  computeInfo(): Promise<ProviderChoice>;
  /** The file formats an import reads (the main process's format registry), for texts that name them. */
  importFormats(): Promise<ImportableFormat[]>;
  /** Counts, model version, library folder and filter choices. */
  librarySummary(): Promise<LibrarySummary>;
  /** One page of the gallery, filtered and sorted, with the total. */
  listAssets(request: ListAssetsRequest): Promise<AssetPage>;
  /** One asset in full; rejects for an unknown id. */
  getAsset(id: number): Promise<AssetDetail>;
  /** The asset's thumbnail as a `data:image/png;base64,` URL, or null while it has none. */
  thumbnail(id: number): Promise<string | null>;
  /**
   * Several thumbnails in one call (at most MAX_THUMBNAILS_PER_CALL), in the order asked: null
   * for an asset without one or no longer in the library. The gallery asks for a screenful at a
   * time this way, since a call per cell costs the renderer more than the pictures do.
   */
  thumbnails(ids: number[]): Promise<(string | null)[]>;
  /** The baked preview volume (`.ndxv`, see nerf/render/bake) for the 3D preview. */
  previewVolume(id: number): Promise<BinaryPayload>;
  /** Text search over names, captions, categories and tags (plus shape, with a text encoder). */
  searchText(query: string, filter: AssetFilter, limit: number): Promise<SearchResults>;
  /** Assets whose shape is nearest to the asset's; rejects when no encoder model is installed. */
  findSimilar(assetId: number, k: number, filter: AssetFilter): Promise<SimilarResults>;
  /**
   * Assets whose shape is nearest to the NeRF in a file that need not be in the library (a file
   * dropped on the app), by its absolute path; the file is only read. Rejects naming the file and
   * the reason when it cannot be read or embedded, and when no encoder model is installed.
   */
  findSimilarToFile(path: string, k: number, filter: AssetFilter): Promise<SimilarResults>;
  /** Adds and removes user tags on several assets at once. */
  setTags(ids: number[], add: string[], remove: string[]): Promise<{ readonly updated: number }>;
  listCollections(): Promise<CollectionInfo[]>;
  createCollection(name: string, description: string): Promise<CollectionInfo>;
  addToCollection(collectionId: number, ids: number[]): Promise<CollectionInfo>;
  /** Starts importing files and folders (recursively) as a background job. */
  importPaths(paths: string[]): Promise<JobInfo>;
  /** Running jobs first, then the most recent others. */
  listJobs(): Promise<JobInfo[]>;
  cancelJob(id: number): Promise<JobInfo>;
  /** The asset's surface as a GLB file. */
  exportMesh(id: number): Promise<BinaryPayload>;
  /**
   * Shows one of the asset's recorded file locations in the system's file manager; rejects for any
   * other path, a file no longer on disk, and in serve mode (see `AppInfo.canRevealFiles`).
   */
  revealFile(assetId: number, path: string): Promise<void>;
  /**
   * The active encoder's embeddings in 2D (t-SNE), cached per model version and set of assets;
   * or why there is no map yet (no encoder, or no embedding yet).
   */
  latentMap(): Promise<LatentMapLayout | LatentMapUnavailable>;
  /** Every execution provider, whether it can start here and why (not). */
  listDevices(): Promise<DeviceInfo[]>;
  /** Starts fine-tuning the selected encoder on the library; rejects while another run is going or without a training checkpoint. */
  startFineTune(request: FineTuneRequest): Promise<FineTuneStatus>;
  /** A fine-tuning run, with its losses after step `fromStep`. */
  fineTuneStatus(id: number, fromStep: number): Promise<FineTuneStatus>;
  /** This process's fine-tuning runs, newest first, without their losses. */
  listFineTunes(): Promise<FineTuneStatus[]>;
  /** Stops a run: it checkpoints and leaves no candidate. */
  cancelFineTune(id: number): Promise<FineTuneStatus>;
  /** Makes a finished run's candidate the app's encoder: the library re-embeds, then search switches to it. */
  keepFineTuned(id: number): Promise<FineTuneStatus>;
  /** Deletes a run's candidate (or checkpoint) folder. */
  discardFineTuned(id: number): Promise<FineTuneStatus>;
  /** The shipped encoder and the fine-tuned ones, with which is selected and active. */
  listModels(): Promise<ModelVersionInfo[]>;
  /** Selects an encoder version: active at once when it has embedded every asset, else after re-embedding. */
  useModel(version: string): Promise<ModelVersionInfo[]>;
  /** Deletes a fine-tuned version that is not selected: its folder, and its embeddings in the library. */
  deleteModel(version: string): Promise<ModelVersionInfo[]>;
  getSettings(): Promise<AppSettings>;
  setSettings(patch: AppSettingsPatch): Promise<AppSettings>;
}

export type ApiMethod = keyof Api;

/**
 * Checks the arguments of one call and returns them typed, or throws a `TypeError` that names
 * the channel and quotes what was wrong.
 */
export type ArgumentsValidator<M extends ApiMethod> = (channel: string, args: readonly unknown[]) => Parameters<Api[M]>;

/** One argument's check: what it should be, in words, and the test. */
export interface ArgumentCheck<T> {
  readonly expected: string;
  readonly test: (value: unknown) => value is T;
  /** Where a value that fails is wrong, more precisely than `expected` (nested fields). */
  readonly explain?: (value: unknown) => string;
}

/** Arguments checked one by one, in order; the count must match exactly. `argumentsOf()` takes none. */
export function argumentsOf<T extends unknown[]>(...checks: { [K in keyof T]: ArgumentCheck<T[K]> }): (channel: string, args: readonly unknown[]) => T {
  return (channel, args) => {
    if (args.length !== checks.length) {
      throw new TypeError(`${channel}: expected ${checks.length} argument${checks.length === 1 ? '' : 's'}, got ${args.length}`);
    }
    checks.forEach((check, index) => {
      const value = args[index];
      if (!check.test(value)) {
        throw new TypeError(`${channel}: argument ${index + 1} ${problemOf(check, value)}`);
      }
    });
    return args as T;
  };
}

function problemOf(check: ArgumentCheck<unknown>, value: unknown): string {
  return check.explain?.(value) ?? `must be ${check.expected}, got ${describe(value)}`;
}

/** A string with a length from `minLength` to `maxLength`. */
export function stringArgument(maxLength = 4096, minLength = 0): ArgumentCheck<string> {
  return {
    expected: minLength > 0 ? `a string of ${minLength} to ${maxLength} characters` : `a string of at most ${maxLength} characters`,
    test: (value): value is string => typeof value === 'string' && value.length >= minLength && value.length <= maxLength,
  };
}

/** An integer from `min` to `max`, both included. */
export function integerArgument(min: number, max: number): ArgumentCheck<number> {
  return {
    expected: `an integer from ${min} to ${max}`,
    test: (value): value is number => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
  };
}

/** An asset, collection or job id: a positive safe integer. */
export const idArgument: ArgumentCheck<number> = integerArgument(1, Number.MAX_SAFE_INTEGER);

/** One of a fixed set of strings. */
export function oneOfArgument<const T extends readonly string[]>(values: T): ArgumentCheck<T[number]> {
  return {
    expected: `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`,
    test: (value): value is T[number] => typeof value === 'string' && values.includes(value),
  };
}

/** An array of `minLength` to `maxLength` items, each passing `item`. */
export function arrayArgument<T>(item: ArgumentCheck<T>, maxLength: number, minLength = 0): ArgumentCheck<T[]> {
  const expected = `an array of ${minLength > 0 ? `${minLength} to ` : 'at most '}${maxLength} items, each ${item.expected}`;
  const fits = (value: unknown): value is unknown[] => Array.isArray(value) && value.length >= minLength && value.length <= maxLength;
  return {
    expected,
    test: (value): value is T[] => fits(value) && value.every((entry) => item.test(entry)),
    explain: (value) => {
      if (!fits(value)) return `must be ${expected}, got ${describe(value)}`;
      const index = value.findIndex((entry) => !item.test(entry));
      return `item ${index + 1} ${problemOf(item, value[index])}`;
    },
  };
}

/**
 * A plain object with these fields: `required` ones must be present, `optional` ones may be left
 * out (or `undefined`), and no other key is allowed.
 */
export function objectArgument<R extends object, O extends object = Record<never, never>>(
  required: { readonly [K in keyof R]: ArgumentCheck<R[K]> },
  optional?: { readonly [K in keyof O]: ArgumentCheck<O[K]> },
): ArgumentCheck<R & Partial<O>> {
  const fields = [
    ...Object.entries(required).map(([key, check]) => ({ key, check: check as ArgumentCheck<unknown>, optional: false })),
    ...Object.entries(optional ?? {}).map(([key, check]) => ({ key, check: check as ArgumentCheck<unknown>, optional: true })),
  ];
  const known = new Set(fields.map((field) => field.key));
  const expected = `an object with ${fields.length === 0 ? 'no fields' : fields.map((f) => `${f.key}${f.optional ? '?' : ''}`).join(', ')}`;
  const isPlain = (value: unknown): value is Record<string, unknown> => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const prototype = Object.getPrototypeOf(value) as unknown;
    return prototype === Object.prototype || prototype === null;
  };
  const firstProblem = (value: unknown): string | undefined => {
    if (!isPlain(value)) return `must be ${expected}, got ${describe(value)}`;
    const unknownKey = Object.keys(value).find((key) => !known.has(key));
    if (unknownKey !== undefined) return `has the unknown field ${describe(unknownKey)} (expected ${expected})`;
    for (const field of fields) {
      const present = Object.hasOwn(value, field.key) && value[field.key] !== undefined;
      if (!present) {
        if (field.optional) continue;
        return `lacks the field "${field.key}" (${field.check.expected})`;
      }
      if (!field.check.test(value[field.key])) return `field "${field.key}" ${problemOf(field.check, value[field.key])}`;
    }
    return undefined;
  };
  return {
    expected,
    test: (value): value is R & Partial<O> => firstProblem(value) === undefined,
    explain: (value) => firstProblem(value) ?? `must be ${expected}`,
  };
}

// Bounds of the arguments: generous for people, small enough that no call can make main work for long.
const MAX_TAG = 64;
const MAX_TAGS_PER_CALL = 32;
const MAX_IDS_PER_CALL = 10_000;
/** Thumbnails per `thumbnails` call (tens of kB each). */
export const MAX_THUMBNAILS_PER_CALL = 64;
const MAX_NAME = 200;
const MAX_PATH = 4096;
/** Paths per `importPaths` call. */
export const MAX_PATHS_PER_CALL = 256;
const MAX_QUERY = 512;
/** Largest page of the gallery. */
export const MAX_PAGE = 1000;
/** Most results of one text search, and of one find-similar. */
export const MAX_SEARCH_RESULTS = 500;
export const MAX_SIMILAR = 100;

const tagArgument = stringArgument(MAX_TAG, 1);
const filterArgument = objectArgument<Record<never, never>, AssetFilter>(
  {},
  {
    family: oneOfArgument(NERF_FAMILIES),
    architecture: stringArgument(MAX_NAME, 1),
    category: stringArgument(MAX_NAME, 1),
    tag: tagArgument,
    collection: idArgument,
  },
);
const listRequestArgument = objectArgument<Record<never, never>, ListAssetsRequest>(
  {},
  {
    filter: filterArgument,
    sort: oneOfArgument(ASSET_SORTS),
    order: oneOfArgument(SORT_ORDERS),
    offset: integerArgument(0, 100_000_000),
    limit: integerArgument(1, MAX_PAGE),
  },
);
const idsArgument = arrayArgument(idArgument, MAX_IDS_PER_CALL, 1);
const deviceArgument = oneOfArgument(['auto', ...PROVIDER_NAMES] as const);
const fineTuneArgument = objectArgument<FineTuneRequest>({ device: deviceArgument, steps: integerArgument(1, MAX_FINE_TUNE_STEPS) });
const settingsArgument = objectArgument<Record<never, never>, AppSettingsPatch>(
  {},
  { addWatchedFolder: stringArgument(MAX_PATH, 1), removeWatchedFolder: stringArgument(MAX_PATH, 1), device: deviceArgument, threads: integerArgument(0, MAX_THREADS) },
);

/** The argument validator of every method; the keys are the list of methods. */
export const API_ARGUMENTS: { readonly [M in ApiMethod]: ArgumentsValidator<M> } = {
  appInfo: argumentsOf(),
  computeInfo: argumentsOf(),
  importFormats: argumentsOf(),
  librarySummary: argumentsOf(),
  listAssets: argumentsOf(listRequestArgument),
  getAsset: argumentsOf(idArgument),
  thumbnail: argumentsOf(idArgument),
  thumbnails: argumentsOf(arrayArgument(idArgument, MAX_THUMBNAILS_PER_CALL, 1)),
  previewVolume: argumentsOf(idArgument),
  searchText: argumentsOf(stringArgument(MAX_QUERY), filterArgument, integerArgument(1, MAX_SEARCH_RESULTS)),
  findSimilar: argumentsOf(idArgument, integerArgument(1, MAX_SIMILAR), filterArgument),
  findSimilarToFile: argumentsOf(stringArgument(MAX_PATH, 1), integerArgument(1, MAX_SIMILAR), filterArgument),
  setTags: argumentsOf(idsArgument, arrayArgument(tagArgument, MAX_TAGS_PER_CALL), arrayArgument(tagArgument, MAX_TAGS_PER_CALL)),
  listCollections: argumentsOf(),
  createCollection: argumentsOf(stringArgument(MAX_NAME, 1), stringArgument(2000)),
  addToCollection: argumentsOf(idArgument, idsArgument),
  importPaths: argumentsOf(arrayArgument(stringArgument(MAX_PATH, 1), MAX_PATHS_PER_CALL, 1)),
  listJobs: argumentsOf(),
  cancelJob: argumentsOf(idArgument),
  exportMesh: argumentsOf(idArgument),
  revealFile: argumentsOf(idArgument, stringArgument(MAX_PATH, 1)),
  latentMap: argumentsOf(),
  listDevices: argumentsOf(),
  startFineTune: argumentsOf(fineTuneArgument),
  fineTuneStatus: argumentsOf(idArgument, integerArgument(0, MAX_FINE_TUNE_STEPS)),
  listFineTunes: argumentsOf(),
  cancelFineTune: argumentsOf(idArgument),
  keepFineTuned: argumentsOf(idArgument),
  discardFineTuned: argumentsOf(idArgument),
  listModels: argumentsOf(),
  useModel: argumentsOf(stringArgument(64, 1)),
  deleteModel: argumentsOf(stringArgument(64, 1)),
  getSettings: argumentsOf(),
  setSettings: argumentsOf(settingsArgument),
};

/** Methods in a stable order. */
export const API_METHODS = Object.freeze(Object.keys(API_ARGUMENTS).sort() as ApiMethod[]);

/** IPC channel of a method. */
export function channelOf(method: ApiMethod): string {
  return `nerfdex:${method}`;
}

/** Every IPC channel the main process answers, one per method. */
export const API_CHANNELS: readonly string[] = Object.freeze(API_METHODS.map(channelOf));

const METHOD_BY_CHANNEL: ReadonlyMap<string, ApiMethod> = new Map(API_METHODS.map((method) => [channelOf(method), method]));

/** A call checked at the boundary: a known method and its typed arguments. */
export type ValidatedRequest = { [M in ApiMethod]: { readonly method: M; readonly args: Parameters<Api[M]> } }[ApiMethod];

/**
 * Checks one incoming call. Throws a `TypeError` naming the channel when the channel is unknown
 * or the arguments do not fit the method.
 */
export function validateRequest(channel: unknown, args: readonly unknown[]): ValidatedRequest {
  const method = typeof channel === 'string' ? METHOD_BY_CHANNEL.get(channel) : undefined;
  if (method === undefined) {
    throw new TypeError(`unknown API channel ${describe(channel)}`);
  }
  const validate = API_ARGUMENTS[method] as (channel: string, args: readonly unknown[]) => unknown[];
  return { method, args: validate(channel as string, args) } as ValidatedRequest;
}

/** A short, safe rendering of a value for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  }
  if (typeof value === 'function') {
    return 'a function';
  }
  if (value === null || typeof value !== 'object') {
    return String(value);
  }
  return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
}
