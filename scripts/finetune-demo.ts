/**
 * Does one-click fine-tuning keep the shipped encoder's held-out metrics? Opens a fresh app
 * library on the demo (resources/demo, imported as on first run) with the shipped encoder, adds
 * the user's own NeRFs (the first --objects test objects of a zoo, in the three training
 * architectures, under their own object ids), runs the app's fine-tuning with --steps (the app's
 * default, 200) on the CPU, and prints the held-out metrics before and after (gmn/finetune-eval.ts:
 * demo objects never trained on).
 *
 *   npx tsx scripts/finetune-demo.ts [--zoo data/zoo] [--objects 13] [--steps 200]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApi } from '../src/main/app/api-service';
import { AppLibrary } from '../src/main/app/app-library';
import { readNerfFile, writeNerfFile } from '../src/main/nerf/formats/native';
import { TRAINING_ARCHITECTURES } from '../src/main/nerf/architectures';

const { values } = parseArgs({ options: { zoo: { type: 'string' }, objects: { type: 'string' }, steps: { type: 'string' } } });
const zoo = values.zoo ?? 'data/zoo';
const objects = Number(values.objects ?? 13);
const steps = Number(values.steps ?? 200);
const root = mkdtempSync(join(tmpdir(), 'nerfdex-finetune-demo-'));
const models = join(root, 'models');
const user = join(root, 'user');
mkdirSync(models);
mkdirSync(user);
for (const f of ['encoder.onnx', 'encoder.json', 'encoder.train.safetensors']) copyFileSync(join('resources/models', f), join(models, f));
type Manifest = { objects: { id: string; category: string; split: string }[]; fits: { id: string; architecture: string; file: string }[] };
const manifest = JSON.parse(readFileSync(join(zoo, 'manifest.json'), 'utf8')) as Manifest;
// The first test object of each category, then the next ones.
const testObjects = manifest.objects.filter((o) => o.split === 'test');
const firsts = [...new Map(testObjects.map((o) => [o.category, o.id])).values()];
const tests = [...new Set([...firsts, ...testObjects.map((o) => o.id)])].slice(0, objects);
if (tests.length < objects) throw new RangeError(`${zoo}/manifest.json has ${tests.length} test objects, fewer than --objects ${objects}`);
for (const objectId of tests) {
  for (const architecture of TRAINING_ARCHITECTURES) {
    const fit = manifest.fits.find((f) => f.id === objectId && f.architecture === architecture)!;
    const nerf = await readNerfFile(join(zoo, fit.file));
    await writeNerfFile(join(user, `user-${objectId}.${architecture}.nerf.safetensors`), { ...nerf, meta: { ...nerf.meta, objectId: `user-${objectId}` } });
  }
}
const app = await AppLibrary.open({ dir: join(root, 'library'), demoDir: 'resources/demo', encoderPath: join(models, 'encoder.onnx'), modelsDir: join(root, 'user-models'), textModelPath: join(models, 'text.onnx'), poolSize: 1, log: { info: () => undefined, warn: () => undefined } });
try {
  await app.jobs.idle();
  const api = createApi({ name: 'nerfdex', version: 'finetune-demo' }, { openLibrary: () => Promise.resolve(app) });
  const imported = await api.importPaths([user]);
  for (;;) {
    const job = (await api.listJobs()).find((j) => j.id === imported.id);
    if (job && job.state !== 'running' && job.state !== 'queued') break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await app.embeddingIdle();
  const started = await api.startFineTune({ device: 'cpu', steps });
  console.log(`fine-tuning ${started.baseVersion}: ${steps} steps, ${started.libraryObjects} library objects, ${started.anchorObjects} anchor objects`);
  const t0 = performance.now();
  let status = await api.fineTuneStatus(started.id, 0);
  let printed = 0;
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    status = await api.fineTuneStatus(started.id, 0);
    if (performance.now() - printed > 30_000) {
      printed = performance.now();
      console.log(`  ${status.stage} step ${status.step}/${status.steps}`);
    }
  }
  console.log(`${status.state} after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log('| held-out (demo objects never trained on) | before | after |');
  console.log('|---|---|---|');
  for (const key of ['recallAt1', 'recallAt5', 'categoryAccuracy'] as const) {
    console.log(`| ${key} | ${status.before?.[key]?.toFixed(3) ?? '-'} | ${status.after?.[key]?.toFixed(3) ?? '-'} |`);
  }
  console.log(`(${status.after?.objects ?? status.before?.objects} held-out objects, ${status.after?.queries ?? status.before?.queries} queries; chance R@1 ${status.before?.chanceAt1?.toFixed(3)}${status.error ? `; error: ${status.error}` : ''})`);
} finally {
  await app.close();
  rmSync(root, { recursive: true, force: true });
}
