/**
 * A zoo as training data for the GMN: its manifest, the NeRF file of each (object, architecture)
 * and the cached rendering targets of each file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProviderChoice } from '../../shared/compute';
import type { SessionCache } from '../compute/session';
import { nerfField } from '../nerf/field-runtime';
import { readNerfFile } from '../nerf/formats/native';
import type { Nerf } from '../nerf/types';
import type { ZooManifest } from '../zoo/generate';
import { type RayTargets, type TargetOptions, computeRayTargets, packRayTargets, unpackRayTargets } from './targets';

export interface ZooData {
  readonly dir: string;
  readonly manifest: ZooManifest;
  /** sha256 of manifest.json, recorded with models trained on it. */
  readonly manifestHash: string;
  /** file name by `${objectId}|${architecture}`. */
  readonly files: ReadonlyMap<string, string>;
}

export class ZooDataError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ZooDataError';
  }
}

export function loadZoo(dir: string): ZooData {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new ZooDataError(path, 'no zoo manifest (make one with npm run zoo)');
  const text = readFileSync(path);
  let manifest: ZooManifest;
  try {
    manifest = JSON.parse(text.toString('utf8')) as ZooManifest;
  } catch (e) {
    throw new ZooDataError(path, `not JSON (${(e as Error).message})`);
  }
  if (manifest.format !== 'nerfdex-zoo' || !Array.isArray(manifest.objects) || !Array.isArray(manifest.fits)) throw new ZooDataError(path, 'not a nerfdex zoo manifest');
  const files = new Map<string, string>();
  for (const fit of manifest.fits) files.set(`${fit.id}|${fit.architecture}`, fit.file);
  return { dir, manifest, manifestHash: createHash('sha256').update(text).digest('hex'), files };
}

/** Loads NeRF files once and keeps them (a zoo's training split fits in memory). */
export class NerfCache {
  private readonly nerfs = new Map<string, Promise<Nerf>>();
  constructor(private readonly zoo: ZooData) {}

  file(objectId: string, architecture: string): string {
    const file = this.zoo.files.get(`${objectId}|${architecture}`);
    if (!file) throw new ZooDataError(this.zoo.dir, `no fit of ${objectId} in ${architecture}`);
    return file;
  }

  get(objectId: string, architecture: string): Promise<Nerf> {
    const file = this.file(objectId, architecture);
    let nerf = this.nerfs.get(file);
    if (!nerf) {
      nerf = readNerfFile(join(this.zoo.dir, file));
      this.nerfs.set(file, nerf);
    }
    return nerf;
  }
}

/** Where the rendering targets of a zoo file are cached. */
export function targetsPath(zooDir: string, file: string): string {
  return join(zooDir, 'targets', `${file}.targets.f32`);
}

/** The cached targets of `file`, computing and caching them when missing. */
export async function ensureTargets(zooDir: string, file: string, nerf: Nerf, sessions: SessionCache, provider: ProviderChoice, options: TargetOptions = {}): Promise<RayTargets> {
  const path = targetsPath(zooDir, file);
  if (existsSync(path)) {
    const bytes = await readFile(path);
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const t = unpackRayTargets(data, path);
    if (t.foreground === (options.foreground ?? 512) && t.background === (options.background ?? 128)) return t;
  }
  const t = await computeRayTargets(nerfField(nerf, sessions, provider), nerf.config.aabb, options);
  mkdirSync(join(zooDir, 'targets'), { recursive: true });
  const packed = packRayTargets(t);
  await writeFile(`${path}.tmp-${process.pid}`, new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength));
  await rename(`${path}.tmp-${process.pid}`, path);
  return t;
}
