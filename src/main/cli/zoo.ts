/**
 * `npm run zoo -- --out DIR [options]` (`--help` lists them): generates (or resumes) a procedural
 * NeRF zoo and prints a summary table; the refit options fit recorded fits again
 * (zoo/fit-settings.ts). Ctrl-C stops after the running batches; finished fits are kept.
 */
import { JobPool } from '../app/job-pool';
import { chooseProvider } from '../compute/providers';
import { generateZoo, planZoo } from '../zoo/generate';
import { CATEGORIES, type Category } from '../vocabulary/categories';
import { parseCommand } from './options';
import { runCli } from './run';

export const ZOO_COMMAND = {
  command: 'npm run zoo --',
  summary: 'Generates (or resumes) a procedural NeRF zoo and prints a summary table; Ctrl-C stops after the running batches, keeping finished fits.',
  options: {
    out: { type: 'string', required: true, value: 'DIR', help: 'the zoo folder' },
    'per-category': { type: 'number', default: 30, integer: true, min: 0, help: 'train objects per category' },
    val: { type: 'number', default: 2, integer: true, min: 0, help: 'validation objects per category' },
    test: { type: 'number', default: 6, integer: true, min: 0, help: 'test objects per category' },
    archs: { type: 'string', value: 'a,b', help: 'architectures to fit (default: the training and unseen ones)' },
    categories: { type: 'string', value: 'c,d', help: 'categories to make (default: all 13)' },
    seed: { type: 'number', default: 0, integer: true, min: 0, help: 'seed of the objects and fits' },
    workers: { type: 'number', default: 2, integer: true, min: 0, help: 'worker threads' },
    batch: { type: 'number', default: 8, integer: true, min: 0, help: 'NeRFs fitted together per job' },
    steps: { type: 'number', integer: true, min: 0, help: 'fit steps (default: 300; some architectures take more, zoo/fit-settings.ts)' },
    points: { type: 'number', integer: true, min: 0, help: 'points per fit step (default: 2048)' },
    'refit-archs': { type: 'string', value: 'a,b', help: 'fit the recorded fits of these architectures again' },
    'refit-below': { type: 'number', help: 'fit again recorded unseen-variant fits below this PSNR (dB)' },
    'refit-training-below': { type: 'number', help: 'fit again recorded fits of the training architectures below this PSNR (dB), at twice the steps, the better kept' },
  },
} as const;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(ZOO_COMMAND, argv);
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const archs = values.archs?.split(',').filter(Boolean);
  const categories = values.categories?.split(',').filter(Boolean);
  const refitArchitectures = values['refit-archs']?.split(',').filter(Boolean);
  for (const c of categories ?? []) if (!(CATEGORIES as readonly string[]).includes(c)) throw new RangeError(`unknown category "${c}" (known: ${CATEGORIES.join(', ')})`);
  const plan = {
    perCategory: values['per-category'],
    valPerCategory: values.val,
    testPerCategory: values.test,
    seed: values.seed,
    ...(categories ? { categories: categories as Category[] } : {}),
    ...(archs ? { trainArchitectures: archs, testArchitectures: archs } : {}),
  };
  const objects = planZoo(plan);
  const workers = values.workers;
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
      batch: values.batch,
      ...(values.steps !== undefined ? { steps: values.steps } : {}),
      ...(values.points !== undefined ? { pointsPerStep: values.points } : {}),
      ...(refitArchitectures ? { refitArchitectures } : {}),
      ...(values['refit-below'] !== undefined ? { refitBelow: values['refit-below'] } : {}),
      ...(values['refit-training-below'] !== undefined ? { refitTrainingBelow: values['refit-training-below'] } : {}),
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

runCli(main, import.meta.url);
