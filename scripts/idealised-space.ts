/**
 * An idealised stand-in for the GMN space, to check the text side alone: each zoo fit's vector is
 * a shared offset plus directions for its category (weight 2), main colour (1), size words and
 * features (0.5 each), its object (0.7) and noise (0.3), written as the embedding cache of
 * version `gmn-idealised`. A text model trained and evaluated against it shows what the text
 * pipeline reaches when the space encodes what captions say.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normal, seededRandom } from '../src/main/compute/init';
import { fitsToEmbed } from '../src/main/gmn/eval/zoo-embeddings';
import type { ZooManifest } from '../src/main/zoo/generate';
import { captionedObject } from '../src/main/text/corpus';
import { type CachedFit, type EmbeddingCacheIndex, cachePaths } from '../src/main/text/embedding-cache';

export const IDEALISED_VERSION = 'gmn-idealised';

/** Writes `<zoo>/embeddings/gmn-idealised.{f32,json}` for the zoo's fits; returns the row count. */
export async function writeIdealisedEmbeddings(zoo: string, dims = 128, seed = 7): Promise<number> {
  const bytes = await readFile(join(zoo, 'manifest.json'));
  const manifest = JSON.parse(bytes.toString('utf8')) as ZooManifest;
  const next = seededRandom(seed);
  const directions = new Map<string, number[]>();
  const direction = (key: string): number[] => {
    let v = directions.get(key);
    if (!v) directions.set(key, (v = Array.from({ length: dims }, () => normal(next))));
    return v;
  };
  const offset = direction('offset').map((x) => 4 * x);
  const seeds = new Map(manifest.objects.map((o) => [o.id, o.seed]));
  const fits: CachedFit[] = [];
  const rows = new Float32Array(fitsToEmbed(manifest).length * dims);
  for (const fit of fitsToEmbed(manifest)) {
    const seedOf = seeds.get(fit.objectId) ?? 0;
    const a = captionedObject(fit.category, seedOf, 0).attributes;
    const parts: [number, number[]][] = [[2, direction(`category:${fit.category}`)], [1, direction(`colour:${a.colours[0]}`)], ...a.size.map((s): [number, number[]] => [0.5, direction(`size:${s}`)]), ...a.features.map((f): [number, number[]] => [0.5, direction(`feature:${f.tag}`)]), [0.7, direction(`object:${fit.objectId}`)]];
    const r = fits.length;
    for (let j = 0; j < dims; j++) rows[r * dims + j] = offset[j]! + parts.reduce((s, [w, p]) => s + w * p[j]!, 0) + 0.3 * normal(next);
    fits.push({ objectId: fit.objectId, category: fit.category, seed: seedOf, split: fit.split, architecture: fit.architecture });
  }
  const index: EmbeddingCacheIndex = { format: 'nerfdex-zoo-embeddings', version: 1, encoderVersion: IDEALISED_VERSION, dims, zooManifest: createHash('sha256').update(bytes).digest('hex'), fits };
  const paths = cachePaths(zoo, IDEALISED_VERSION);
  await mkdir(join(zoo, 'embeddings'), { recursive: true });
  await writeFile(paths.vectors, new Uint8Array(rows.buffer));
  await writeFile(paths.index, `${JSON.stringify(index)}\n`);
  return fits.length;
}
