/**
 * The native NeRF file: safetensors with the parameters as tensors and a JSON description in
 * `__metadata__` under `nerfdex.nerf` (family, config with aabb and activations, object id,
 * category, caption, provenance). Reading validates everything and never trusts the header.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, findNonFinite } from '../../compute/safetensors';
import { type HostTensor, castFloat } from '../../compute/tensor';
import { parameterLayout } from '../layout';
import type { Nerf, NerfMeta } from '../types';
import { parseNerfConfig } from './config-parse';
import { NativeNerfError } from './errors';
import type { NerfFormat } from './registry';

/** Format version written by this build; files of a newer version are refused. */
export const NATIVE_FORMAT_VERSION = 1;
export const NATIVE_EXTENSION = '.nerf.safetensors';
const MAGIC_KEY = 'nerfdex.format';
const MAGIC = 'nerfdex-nerf';

export interface WriteNerfOptions {
  /** Store float parameters as float16 (half the size; loads back as float32). @default 'float32' */
  readonly dtype?: 'float32' | 'float16';
}

/** Encodes a NeRF as native file bytes. */
export function encodeNerf(nerf: Nerf, options: WriteNerfOptions = {}): Uint8Array {
  const layout = parameterLayout(nerf.config);
  const tensors: Record<string, HostTensor> = {};
  for (const spec of layout) {
    const t = nerf.params[spec.name];
    if (!t) throw new RangeError(`encodeNerf: missing parameter "${spec.name}"`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new RangeError(`encodeNerf: parameter "${spec.name}" has shape [${t.shape.join(', ')}], the config needs [${spec.shape.join(', ')}]`);
    }
    tensors[spec.name] = options.dtype === 'float16' ? castFloat(t, 'float16') : castFloat(t, 'float32');
  }
  const description = { formatVersion: NATIVE_FORMAT_VERSION, config: nerf.config, meta: nerf.meta };
  return encodeSafetensors(tensors, { [MAGIC_KEY]: MAGIC, 'nerfdex.format_version': String(NATIVE_FORMAT_VERSION), 'nerfdex.nerf': JSON.stringify(description) });
}

function parseMeta(raw: unknown): NerfMeta {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError(`meta must be an object, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const v = r[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length > 10_000) throw new TypeError(`meta.${key} must be a string, got ${JSON.stringify(v)?.slice(0, 80)}`);
    return v;
  };
  const provenance = r['provenance'];
  if (provenance !== undefined) {
    if (typeof provenance !== 'object' || provenance === null || Array.isArray(provenance)) throw new TypeError('meta.provenance must be an object');
    for (const [k, v] of Object.entries(provenance)) {
      if (!['string', 'number', 'boolean'].includes(typeof v)) throw new TypeError(`meta.provenance.${k} must be a string, number or boolean`);
    }
  }
  return {
    ...(text('objectId') !== undefined ? { objectId: text('objectId') } : {}),
    ...(text('category') !== undefined ? { category: text('category') } : {}),
    ...(text('caption') !== undefined ? { caption: text('caption') } : {}),
    ...(provenance !== undefined ? { provenance: provenance as NerfMeta['provenance'] } : {}),
  };
}

/** Decodes native file bytes into a NeRF, or throws NativeNerfError naming `source` and the reason. */
export function decodeNerf(bytes: Uint8Array, source: string): Nerf {
  let contents;
  try {
    contents = decodeSafetensors(bytes, { source });
  } catch (e) {
    if (e instanceof SafetensorsError) throw new NativeNerfError(source, e.reason);
    throw e;
  }
  const { tensors, metadata } = contents;
  if (metadata[MAGIC_KEY] !== MAGIC) throw new NativeNerfError(source, `not a nerfdex NeRF (metadata "${MAGIC_KEY}" is ${JSON.stringify(metadata[MAGIC_KEY])})`);
  const version = Number(metadata['nerfdex.format_version']);
  if (!Number.isInteger(version) || version < 1) throw new NativeNerfError(source, `invalid format version ${JSON.stringify(metadata['nerfdex.format_version'])}`);
  if (version > NATIVE_FORMAT_VERSION) {
    throw new NativeNerfError(source, `format version ${version} is newer than this nerfdex reads (${NATIVE_FORMAT_VERSION}); update nerfdex`);
  }
  let description: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(metadata['nerfdex.nerf'] ?? '');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
    description = parsed as Record<string, unknown>;
  } catch (e) {
    throw new NativeNerfError(source, `metadata "nerfdex.nerf" is not a JSON object (${(e as Error).message})`);
  }
  let config;
  let meta;
  try {
    config = parseNerfConfig(description['config']);
    meta = parseMeta(description['meta']);
  } catch (e) {
    throw new NativeNerfError(source, (e as Error).message);
  }
  const layout = parameterLayout(config);
  const params: Record<string, HostTensor> = {};
  for (const spec of layout) {
    const t = tensors[spec.name];
    if (!t) throw new NativeNerfError(source, `parameter "${spec.name}" is missing (the ${config.family} config needs it)`);
    if (t.dtype !== 'float32' && t.dtype !== 'float16') throw new NativeNerfError(source, `parameter "${spec.name}" has dtype ${t.dtype}, expected float32 or float16`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new NativeNerfError(source, `parameter "${spec.name}" has shape [${t.shape.join(', ')}], the config needs [${spec.shape.join(', ')}]`);
    }
    const bad = findNonFinite(t);
    if (bad >= 0) throw new NativeNerfError(source, `parameter "${spec.name}" holds a non-finite value at index ${bad}`);
    params[spec.name] = t.dtype === 'float32' ? t : castFloat(t, 'float32');
  }
  const extra = Object.keys(tensors).filter((n) => !layout.some((s) => s.name === n));
  if (extra.length) throw new NativeNerfError(source, `unexpected tensor(s) ${extra.map((n) => `"${n}"`).join(', ')} for a ${config.family} NeRF`);
  return { config, params, meta };
}

/** Writes a native NeRF file atomically (temporary file, then rename). */
export async function writeNerfFile(path: string, nerf: Nerf, options: WriteNerfOptions = {}): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, encodeNerf(nerf, options));
  await rename(tmp, path);
}

export async function readNerfFile(path: string): Promise<Nerf> {
  return decodeNerf(await readFile(path), path);
}

/** Cheap sniff, never throws: a safetensors header whose metadata names the nerfdex format. */
export function matchNative(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength < 2n || headerLength > 100_000_000n) return false;
  if (head[8] !== 0x7b) return false;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(8, Math.min(head.length, 8 + Number(headerLength))));
  return text.includes(`"${MAGIC_KEY}"`);
}

/** The native format for the registry: a native file holds the NeRF and nothing beside it. */
export const nativeFormat: NerfFormat = {
  name: 'native',
  label: 'nerfdex NeRFs',
  extensions: [NATIVE_EXTENSION, '.safetensors'],
  match: matchNative,
  open: (bytes, path) => ({ nerf: decodeNerf(bytes, path), extras: {} }),
};
