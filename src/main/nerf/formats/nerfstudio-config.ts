/**
 * nerfstudio's config.yml: a PyYAML `yaml.dump` of the run's TrainerConfig dataclasses, full of
 * Python tags (`!!python/object:nerfstudio.models.nerfacto.NerfactoModelConfig`,
 * `!!python/object/apply:pathlib.PosixPath`, `!!python/tuple`, `!!python/name:...`). It is read
 * as plain data: the `yaml` parser resolves no Python tag, so every tagged node stays the
 * mapping, sequence or scalar it is written as, and nothing is constructed or run. Aliases are
 * expanded up to a fixed count (no "billion laughs").
 */
import { isMap, parseDocument } from 'yaml';

/** The nerfacto model settings a config.yml holds (only those it states; the reader fills the rest). */
export interface NerfstudioModelSettings {
  /** The model config's Python class, from its tag: `nerfstudio.models.nerfacto.NerfactoModelConfig`. */
  readonly modelClass?: string;
  readonly methodName?: string;
  readonly implementation?: string;
  readonly numLevels?: number;
  readonly baseRes?: number;
  readonly maxRes?: number;
  readonly log2HashmapSize?: number;
  readonly featuresPerLevel?: number;
  readonly hiddenDim?: number;
  readonly hiddenDimColor?: number;
  readonly appearanceEmbedDim?: number;
  readonly useAppearanceEmbedding?: boolean;
  readonly useAverageAppearanceEmbedding?: boolean;
  readonly averageInitDensity?: number;
  readonly disableSceneContraction?: boolean;
  /** pipeline.datamanager.dataparser.scene_scale, when stated. */
  readonly sceneScale?: number;
}

/** Largest config.yml read. @default 4 MiB */
export const MAX_CONFIG_BYTES = 4 * 1024 ** 2;
const MAX_ALIASES = 1000;

type Data = Record<string, unknown>;

const isData = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads config.yml text; throws TypeError / RangeError quoting what was wrong. */
export function parseNerfstudioConfig(text: string): NerfstudioModelSettings {
  if (text.length > MAX_CONFIG_BYTES) throw new RangeError(`config.yml is ${text.length} characters, more than the ${MAX_CONFIG_BYTES} read`);
  // PyYAML writes YAML 1.1; unknown (Python) tags are kept as the plain node, with a warning we drop.
  const doc = parseDocument(text, { version: '1.1', prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) throw new TypeError(`config.yml is not YAML (${doc.errors[0]!.message.split('\n')[0]})`);
  const root: unknown = doc.toJS({ maxAliasCount: MAX_ALIASES });
  if (!isData(root)) throw new TypeError('config.yml is not a mapping (a nerfstudio TrainerConfig)');
  const pipeline = root['pipeline'];
  const model = isData(pipeline) ? pipeline['model'] : undefined;
  if (!isData(model)) throw new TypeError('config.yml has no pipeline.model (not a nerfstudio TrainerConfig)');
  const modelNode = doc.getIn(['pipeline', 'model'], true);
  const tag = isMap(modelNode) ? modelNode.tag : undefined;
  const modelClass = tag?.startsWith('tag:yaml.org,2002:python/object:') ? tag.slice('tag:yaml.org,2002:python/object:'.length) : undefined;
  const int = (key: string): number | undefined => {
    const v = model[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`config.yml: pipeline.model.${key} must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const num = (parent: Data, key: string, where: string): number | undefined => {
    const v = parent[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`config.yml: ${where}${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (key: string): boolean | undefined => {
    const v = model[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new TypeError(`config.yml: pipeline.model.${key} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const str = (parent: Data, key: string): string | undefined => (typeof parent[key] === 'string' ? (parent[key] as string) : undefined);
  const datamanager = isData(pipeline) && isData(pipeline['datamanager']) ? pipeline['datamanager'] : {};
  const dataparser = isData(datamanager['dataparser']) ? datamanager['dataparser'] : {};
  const settings: Record<string, unknown> = {
    modelClass,
    methodName: str(root, 'method_name'),
    implementation: str(model, 'implementation'),
    numLevels: int('num_levels'),
    baseRes: int('base_res'),
    maxRes: int('max_res'),
    log2HashmapSize: int('log2_hashmap_size'),
    featuresPerLevel: int('features_per_level'),
    hiddenDim: int('hidden_dim'),
    hiddenDimColor: int('hidden_dim_color'),
    appearanceEmbedDim: int('appearance_embed_dim'),
    useAppearanceEmbedding: bool('use_appearance_embedding'),
    useAverageAppearanceEmbedding: bool('use_average_appearance_embedding'),
    averageInitDensity: num(model, 'average_init_density', 'pipeline.model.'),
    disableSceneContraction: bool('disable_scene_contraction'),
    sceneScale: num(dataparser, 'scene_scale', 'pipeline.datamanager.dataparser.'),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as NerfstudioModelSettings;
}
