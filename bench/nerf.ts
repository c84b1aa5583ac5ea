/**
 * `npm run bench -- nerf [--batch 8] [--steps 300] [--points 2048] [--runs 5]`
 *
 * Prints, on one CPU thread: fits per minute per training architecture (batched, zoo settings,
 * PSNR check excluded), ms per 128x128 thumbnail and ms per 64^3 bake of a fitted NeRF.
 * The zoo runs one such thread per core.
 */
import { seededRandom } from '../src/main/compute/init';
import { chooseProvider } from '../src/main/compute/providers';
import { SessionCache } from '../src/main/compute/session';
import { TRAINING_ARCHITECTURES, configFor } from '../src/main/nerf/architectures';
import { nerfField } from '../src/main/nerf/field-runtime';
import { fitNerfs } from '../src/main/nerf/fit';
import { bakeVolume } from '../src/main/nerf/render/bake';
import { renderThumbnail } from '../src/main/nerf/render/thumbnail';
import { ZOO_AABB } from '../src/main/zoo/fit-job';
import { sampleTrainingPoints } from '../src/main/zoo/field';
import { generateObject } from '../src/main/zoo/objects';
import { CATEGORIES } from '../src/main/vocabulary/categories';
import { numberOption, timeMs } from './timing';

export async function run(args: string[]): Promise<void> {
  const batch = numberOption(args, 'batch', 8);
  const steps = numberOption(args, 'steps', 300);
  const points = numberOption(args, 'points', 2048);
  const runs = numberOption(args, 'runs', 5);
  const provider = await chooseProvider('cpu', { threads: 1 });
  const sessions = new SessionCache();
  const objects = Array.from({ length: batch }, (_, i) => generateObject(CATEGORIES[i % CATEGORIES.length]!, 900 + i));
  const samples = objects.map((o) => sampleTrainingPoints(o.shape, 100_000, seededRandom(o.seed)));
  console.log(`one CPU thread; batch ${batch}, ${steps} steps x ${points} points per NeRF (the zoo's settings)`);
  console.log('| architecture | s per batch | fits per minute (one thread) |');
  console.log('|---|---|---|');
  let fitted: Parameters<typeof nerfField>[0] | undefined;
  for (const id of TRAINING_ARCHITECTURES) {
    const config = configFor(id, ZOO_AABB);
    await fitNerfs(config, samples, sessions, provider, { steps: 2, pointsPerStep: points });
    const t0 = performance.now();
    const result = await fitNerfs(config, samples, sessions, provider, { steps, pointsPerStep: points });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`| ${id} | ${seconds.toFixed(1)} | ${((60 * batch) / seconds).toFixed(1)} |`);
    fitted ??= { config, params: result.params[0]!, meta: {} };
  }
  const field = nerfField(fitted!, sessions, provider);
  const thumb = await timeMs(runs, () => renderThumbnail(field, ZOO_AABB, { size: 128 }));
  const bake = await timeMs(runs, () => bakeVolume(field, ZOO_AABB, { resolution: 64 }));
  console.log(`\n| ${fitted!.config.architecture} | median ms | min ms |\n|---|---|---|`);
  console.log(`| thumbnail 128x128, 64 samples | ${thumb.median.toFixed(0)} | ${thumb.min.toFixed(0)} |`);
  console.log(`| bake 64^3 | ${bake.median.toFixed(0)} | ${bake.min.toFixed(0)} |`);
  await sessions.dispose();
}
