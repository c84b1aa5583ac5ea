/**
 * `npm run zoo -- --out DIR --per-category N [--archs a,b] [--seed S] [--workers W] [--batch B]
 * [--steps K] [--points P] [--val V] [--test T] [--refit-archs a,b] [--refit-below DB]`: generates
 * (or resumes) a procedural NeRF zoo and prints a summary table; the refit options fit recorded
 * fits again (zoo/fit-settings.ts). Ctrl-C stops after the running batches; finished fits are kept.
 */
import { parseArgs } from 'node:util';
import { chooseProvider } from '../compute/providers';
import { JobPool } from '../app/job-pool';
import { generateZoo, planZoo } from '../zoo/generate';
import { CATEGORIES, type Category } from '../vocabulary/categories';
import { numberOption, runCli } from './run';


export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      'per-category': { type: 'string' },
      val: { type: 'string' },
      test: { type: 'string' },
      archs: { type: 'string' },
      categories: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      points: { type: 'string' },
      'refit-archs': { type: 'string' },
      'refit-below': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.out) {
    console.log('usage: npm run zoo -- --out DIR [--per-category 30] [--val 2] [--test 6] [--archs a,b] [--categories c,d] [--seed 0] [--workers 2] [--batch 8] [--steps 300] [--points 2048] [--refit-archs a,b] [--refit-below DB]');
    return values.help ? 0 : 2;
  }
  const archs = values.archs?.split(',').filter(Boolean);
  const categories = values.categories?.split(',').filter(Boolean);
  const refitArchitectures = values['refit-archs']?.split(',').filter(Boolean);
  for (const c of categories ?? []) if (!(CATEGORIES as readonly string[]).includes(c)) throw new RangeError(`unknown category "${c}" (known: ${CATEGORIES.join(', ')})`);
  const plan = {
    perCategory: numberOption(values['per-category'], 'per-category', 30, { integer: true, min: 0 }),
    valPerCategory: numberOption(values.val, 'val', 2, { integer: true, min: 0 }),
    testPerCategory: numberOption(values.test, 'test', 6, { integer: true, min: 0 }),
    seed: numberOption(values.seed, 'seed', 0, { integer: true, min: 0 }),
    ...(categories ? { categories: categories as Category[] } : {}),
    ...(archs ? { trainArchitectures: archs, testArchitectures: archs } : {}),
  };
  const objects = planZoo(plan);
  const workers = numberOption(values.workers, 'workers', 2, { integer: true, min: 0 });
  const provider = await chooseProvider('cpu', { threads: 1 });
  const pool = new JobPool({ size: Math.max(1, workers) });
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.log('\nstopping after the running batches (finished fits are kept; run again to resume)');
    controller.abort();
  });
  const started = performance.now();
  console.log(`zoo: ${objects.length} objects, ${objects.reduce((n, o) => n + o.architectures.length, 0)} fits -> ${values.out} (${workers} workers)`);
  try {
    const manifest = await generateZoo({
      ...plan,
      out: values.out,
      pool,
      provider,
      batch: numberOption(values.batch, 'batch', 8, { integer: true, min: 0 }),
      ...(values.steps !== undefined ? { steps: numberOption(values.steps, 'steps', 300, { integer: true, min: 0 }) } : {}),
      ...(values.points !== undefined ? { pointsPerStep: numberOption(values.points, 'points', 2048, { integer: true, min: 0 }) } : {}),
      ...(refitArchitectures ? { refitArchitectures } : {}),
      ...(values['refit-below'] !== undefined ? { refitBelow: numberOption(values['refit-below'], 'refit-below', 20) } : {}),
      signal: controller.signal,
      onProgress: (p) => {
        const elapsed = (performance.now() - started) / 1000;
        const fresh = p.done - p.skipped;
        const eta = fresh > 0 ? ((p.total - p.done) * elapsed) / fresh : NaN;
        const refitted = p.last?.refitted ? `, ${p.last.refitted} collapsed refitted` : '';
        const last = p.last ? ` | ${p.last.architecture} x${p.last.count}: PSNR ${p.last.meanPsnr.toFixed(1)} dB in ${p.last.seconds.toFixed(0)} s${refitted}` : p.skipped ? ` | ${p.skipped} already done${p.refits ? `, ${p.refits} to fit again` : ''}` : '';
        console.log(`[${p.done}/${p.total}] ${elapsed.toFixed(0)} s elapsed, ETA ${Number.isFinite(eta) ? `${Math.round(eta)} s` : '-'}${last}`);
      },
    });
    const minutes = (performance.now() - started) / 60_000;
    console.log(`\n| architecture | fits | median PSNR (dB) | min PSNR (dB) |\n|---|---|---|---|`);
    for (const row of manifest.summary) console.log(`| ${row.architecture} | ${row.fits} | ${row.medianPsnr.toFixed(2)} | ${row.minPsnr.toFixed(2)} |`);
    const splits = ['train', 'val', 'test'].map((s) => `${s} ${manifest.objects.filter((o) => o.split === s).length}`).join(', ');
    console.log(`objects: ${manifest.objects.length} (${splits}); fits: ${manifest.fits.length}; time this run: ${minutes.toFixed(1)} min; manifest: ${values.out}/manifest.json`);
    return controller.signal.aborted ? 130 : 0;
  } finally {
    await pool.close();
  }
}

runCli(main);
