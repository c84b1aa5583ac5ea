/**
 * Parses a NeRF config from untrusted JSON (a file header): every field checked by type, then by
 * range through `checkConfig`. Throws `TypeError`/`RangeError` quoting the bad value.
 */
import { checkConfig } from '../layout';
import type { Aabb, DensityActivation, HashGridIndexing, NerfConfig } from '../types';

const ACTIVATIONS: readonly DensityActivation[] = ['relu', 'softplus', 'truncExp'];

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what} must be an object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function integer(r: Record<string, unknown>, key: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`config.${key} must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

function finite(r: Record<string, unknown>, key: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`config.${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function integers(r: Record<string, unknown>, key: string, maxLength: number): number[] {
  const v = r[key];
  if (!Array.isArray(v) || v.length > maxLength || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x))) {
    throw new TypeError(`config.${key} must be an array of at most ${maxLength} integers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

function gridIndexing(value: unknown): HashGridIndexing {
  if (value !== 'tcnn' && value !== 'nerfstudio-torch') throw new RangeError(`config.gridIndexing must be "tcnn" or "nerfstudio-torch", got ${JSON.stringify(value)}`);
  return value;
}

function aabb(value: unknown, key = 'aabb'): Aabb {
  const ok =
    Array.isArray(value) && value.length === 2 && value.every((c) => Array.isArray(c) && c.length === 3 && c.every((x) => typeof x === 'number' && Number.isFinite(x)));
  if (!ok) throw new TypeError(`config.${key} must be [[minX, minY, minZ], [maxX, maxY, maxZ]], got ${JSON.stringify(value)}`);
  const [lo, hi] = value as [number[], number[]];
  return [[lo[0]!, lo[1]!, lo[2]!], [hi[0]!, hi[1]!, hi[2]!]];
}

/** Known families: a NeRF of another family cannot be read by this version. */
export const NERF_FAMILIES = ['mlp', 'triplane', 'hashgrid'] as const;

export function parseNerfConfig(raw: unknown): NerfConfig {
  const r = record(raw, 'config');
  const family = r['family'];
  if (typeof family !== 'string' || !(NERF_FAMILIES as readonly string[]).includes(family)) {
    throw new RangeError(`unknown NeRF family ${JSON.stringify(family)} (known: ${NERF_FAMILIES.join(', ')})`);
  }
  const architecture = r['architecture'];
  if (typeof architecture !== 'string' || architecture.length === 0 || architecture.length > 200) {
    throw new TypeError(`config.architecture must be a non-empty string, got ${JSON.stringify(architecture)}`);
  }
  const densityActivation = r['densityActivation'];
  if (typeof densityActivation !== 'string' || !(ACTIVATIONS as readonly string[]).includes(densityActivation)) {
    throw new RangeError(`config.densityActivation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(densityActivation)}`);
  }
  const common = { architecture, aabb: aabb(r['aabb']), densityActivation: densityActivation as DensityActivation, hidden: integers(r, 'hidden', 64) };
  let config: NerfConfig;
  switch (family) {
    case 'mlp':
      config = { family, ...common, frequencies: integer(r, 'frequencies') };
      break;
    case 'triplane':
      config = { family, ...common, resolution: integer(r, 'resolution'), channels: integer(r, 'channels'), frequencies: integer(r, 'frequencies') };
      break;
    default:
      config = {
        family: 'hashgrid',
        ...common,
        levels: integer(r, 'levels'),
        log2TableSize: integer(r, 'log2TableSize'),
        featuresPerLevel: integer(r, 'featuresPerLevel'),
        baseResolution: integer(r, 'baseResolution'),
        perLevelScale: finite(r, 'perLevelScale'),
        ...(r['gridIndexing'] !== undefined ? { gridIndexing: gridIndexing(r['gridIndexing']) } : {}),
        ...(r['gridAabb'] !== undefined ? { gridAabb: aabb(r['gridAabb'], 'gridAabb') } : {}),
      };
  }
  if (config.family === 'hashgrid' && config.levels > 64) throw new RangeError(`config.levels must be at most 64, got ${config.levels}`);
  if (config.family === 'triplane' && config.resolution > 4096) throw new RangeError(`config.resolution must be at most 4096, got ${config.resolution}`);
  checkConfig(config);
  return config;
}
