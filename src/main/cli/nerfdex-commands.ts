/** The `nerfdex` subcommands: each takes the parsed command line and an open library. */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chooseProvider, parseProviderRequest } from '../compute/providers';
import { SessionCache } from '../compute/session';
import { JobPool } from '../app/job-pool';
import { Embedder } from '../gmn/embedder';
import { openNerfFile } from '../nerf/formats/registry';
import { type ImportOptions, type ImportProgress, importPaths, resumeImports } from '../library/import/importer';
import { reembedLibrary } from '../library/import/reembed';
import type { Library } from '../library/library';
import type { AssetSummary } from '../library/types';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, runtime: 1, usage: 2, importFailures: 3 } as const;

/** A mistake in the command line: exit code 2, with the message and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandContext {
  readonly args: readonly string[];
  readonly json: boolean;
  readonly model: string;
  readonly device: string;
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly io: CliIo;
  readonly library: Library;
}

/** The message when the encoder file is missing: none is shipped yet, here is how to make one. */
export function missingEncoderMessage(model: string): string {
  return (
    `no encoder at ${model}: nerfdex does not ship a trained encoder yet.\n` +
    `Train one with \`npm run train -- --zoo DIR --loss rec+con --out runs/mine\` (see docs/gmn.md), ` +
    `then pass --model runs/mine/encoder.onnx or copy it (with encoder.json) to resources/models/.`
  );
}

function requireEncoder(model: string): void {
  if (!existsSync(model)) throw new Error(missingEncoderMessage(model));
}

function positiveInt(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

function assetId(text: string | undefined, library: Library): number {
  if (text === undefined) throw new UsageError('an asset ID is required');
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`asset ID must be a positive integer, got ${JSON.stringify(text)}`);
  if (!library.getAsset(id)) throw new Error(`no asset ${id} in ${library.dir}`);
  return id;
}

function table(rows: readonly (readonly (string | number | null)[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  return rows.map((r) => r.map((v, c) => String(v ?? '').padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

function assetRows(items: readonly { asset: AssetSummary; score?: number }[], scored: boolean): string {
  const head = ['id', ...(scored ? ['score'] : []), 'name', 'family', 'architecture', 'category'];
  return table([head, ...items.map(({ asset: a, score }) => [a.id, ...(scored ? [score!.toFixed(4)] : []), a.name, a.family, a.architecture, a.category])]);
}

function print(ctx: CommandContext, value: unknown, text: () => string): void {
  ctx.io.out(ctx.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/** What `import` and `embed` share: a worker pool, SIGINT as cancel, progress on stderr. */
async function withImportOptions<T>(ctx: CommandContext, body: (options: ImportOptions & { encoderPath: string }) => Promise<T>): Promise<T> {
  requireEncoder(ctx.model);
  const provider = await chooseProvider(parseProviderRequest(ctx.device));
  const pool = new JobPool();
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let last = 0;
  const onProgress = (p: ImportProgress): void => {
    if (ctx.json || Date.now() - last < 250) return;
    last = Date.now();
    ctx.io.err(`\r${p.done}/${p.total} files, ${p.imported} imported, ${p.failed} failed${p.stage ? ` (${p.stage})` : ''}   `);
  };
  const log = { info: (m: string) => ctx.io.err(`${m}\n`), warn: (m: string) => ctx.io.err(`${m}\n`) };
  try {
    return await body({ pool, encoderPath: path.resolve(ctx.model), provider, onProgress, signal: controller.signal, log, batchSize: positiveInt(ctx.flags['batch'], 'batch', 8) || 8 });
  } finally {
    process.off('SIGINT', onSigint);
    await pool.close();
  }
}

export async function importCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length === 0) throw new UsageError('import needs at least one PATH (a file or a folder)');
  return withImportOptions(ctx, async (options) => {
    const resumed = await resumeImports(ctx.library, options);
    const summary = await importPaths(ctx.library, ctx.args, options);
    if (!ctx.json) ctx.io.err('\n');
    const all = [...resumed, summary];
    const failed = all.flatMap((s) => s.failed);
    print(ctx, { ...summary, resumed }, () => {
      const lines = [`${summary.total} files: ${summary.created} new assets, ${summary.duplicates} already known content, ${summary.unchanged} unchanged, ${summary.failed.length} failed${summary.cancelled ? ' (cancelled; run again to resume)' : ''}`];
      if (resumed.length) lines.push(`resumed ${resumed.length} interrupted import(s)`);
      for (const f of failed) lines.push(`  failed: ${f.path}: ${f.reason}`);
      return lines.join('\n');
    });
    if (summary.cancelled) return EXIT.runtime;
    return failed.length > 0 ? EXIT.importFailures : EXIT.ok;
  });
}

/**
 * Embeds the library with `--model` (a new encoder version) as a resumable job, search staying on
 * the active version, and switches to the new one once it covers every asset (unless
 * `--no-activate`). Exit 3 when some assets could not be embedded (the old version stays active).
 */
export async function embedCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 0) throw new UsageError(`embed takes no arguments, got ${JSON.stringify(ctx.args.join(' '))}`);
  return withImportOptions(ctx, async (options) => {
    const summary = await reembedLibrary(ctx.library, { ...options, activate: ctx.flags['no-activate'] !== true });
    if (!ctx.json) ctx.io.err('\n');
    print(ctx, summary, () => {
      const { after } = summary;
      const lines = [`${summary.modelVersion}: ${after.embedded}/${after.assets} assets embedded (${after.embedded - summary.before.embedded} in this run)${summary.cancelled ? '; cancelled, run again to resume' : ''}`];
      if (summary.resumed.length) lines.push(`resumed ${summary.resumed.length} interrupted job(s)`);
      for (const u of summary.unembedded) lines.push(`  not embedded: asset ${u.assetId}: ${u.reason}`);
      lines.push(summary.activated ? `search now uses ${summary.modelVersion}` : `search uses ${summary.activeVersion ?? '(no model)'}`);
      return lines.join('\n');
    });
    if (summary.cancelled) return EXIT.runtime;
    return summary.unembedded.length > 0 ? EXIT.importFailures : EXIT.ok;
  });
}

export function lsCommand(ctx: CommandContext): number {
  const limit = positiveInt(ctx.flags['limit'], 'limit', 50);
  const offset = positiveInt(ctx.flags['offset'], 'offset', 0);
  const page = ctx.library.listAssets({ limit, offset });
  print(ctx, page, () => (page.items.length === 0 ? 'no assets' : `${assetRows(page.items.map((asset) => ({ asset })), false)}\n${page.items.length} of ${page.total}`));
  return EXIT.ok;
}

export function infoCommand(ctx: CommandContext): number {
  const id = assetId(ctx.args[0], ctx.library);
  const asset = ctx.library.getAsset(id)!;
  const value = {
    asset,
    files: ctx.library.assetFiles(id),
    renditions: ctx.library.renditions(id).map((r) => ({ ...r, absolute: path.join(ctx.library.cacheDir, r.path) })),
    tags: ctx.library.tags(id),
    embedded: ctx.library.embedding(id) !== undefined,
  };
  print(ctx, value, () =>
    [
      `#${asset.id} ${asset.name}`,
      `  family ${asset.family}, architecture ${asset.architecture}, category ${asset.category ?? '-'}`,
      `  content sha256 ${asset.contentSha256}`,
      ...(asset.caption ? [`  caption: ${asset.caption}`] : []),
      ...value.files.map((f) => `  file (${f.status}): ${f.path} [${f.format}, ${f.size} bytes]`),
      ...value.renditions.map((r) => `  ${r.kind}: ${r.absolute}`),
      `  tags: ${value.tags.map((t) => t.tag).join(', ') || '-'}`,
      `  embedded: ${value.embedded ? 'yes' : 'no'}`,
    ].join('\n'),
  );
  return EXIT.ok;
}

export async function similarCommand(ctx: CommandContext): Promise<number> {
  const target = ctx.args[0];
  if (target === undefined) throw new UsageError('similar needs an asset ID or a NeRF FILE');
  const k = positiveInt(ctx.flags['k'], 'k', 10);
  let results;
  if (/^\d+$/.test(target)) {
    results = ctx.library.findSimilar({ assetId: assetId(target, ctx.library), k });
  } else {
    requireEncoder(ctx.model);
    const embedder = await Embedder.load(ctx.model);
    const active = ctx.library.activeModel();
    if (active && active.version !== embedder.info.version) throw new Error(`--model ${ctx.model} is ${embedder.info.version}, the library searches with ${active.version}`);
    const { nerf } = await openNerfFile(path.resolve(target));
    const sessions = new SessionCache();
    try {
      const [vector] = await embedder.embed([nerf], sessions, await chooseProvider(parseProviderRequest(ctx.device)));
      results = ctx.library.findSimilar({ vector: vector!, k });
    } finally {
      await sessions.dispose();
    }
  }
  print(ctx, results, () => (results.results.length ? assetRows(results.results, true) : 'no similar assets'));
  return EXIT.ok;
}

export async function searchCommand(ctx: CommandContext): Promise<number> {
  const text = ctx.args.join(' ');
  if (!text.trim()) throw new UsageError('search needs some text');
  const results = await ctx.library.searchText(text, { limit: positiveInt(ctx.flags['limit'], 'limit', 20) });
  const corrected = results.corrections.map((c) => `${c.to.join(' / ')} for ${c.from}`).join(', ');
  print(ctx, results, () => `${corrected ? `also searched: ${corrected}\n` : ''}${results.results.length ? assetRows(results.results, true) : 'no matches'}`);
  return EXIT.ok;
}

export function tagCommand(ctx: CommandContext): number {
  const id = assetId(ctx.args[0], ctx.library);
  const tags = ctx.args.slice(1);
  if (tags.length === 0) throw new UsageError('tag needs an asset ID and at least one TAG');
  if (ctx.flags['remove']) ctx.library.removeTags(id, tags);
  else ctx.library.addTags(id, tags);
  const now = ctx.library.tags(id);
  print(ctx, { id, tags: now }, () => `#${id}: ${now.map((t) => `${t.tag}${t.source === 'suggested' ? '?' : ''}`).join(', ') || '-'}`);
  return EXIT.ok;
}

/** Deletes a model's index files (with the library closed); the next open rebuilds them from the database. */
export async function dropIndexFiles(libraryDir: string, version: string): Promise<void> {
  await Promise.all(['hnsw', 'json'].map((ext) => rm(path.join(libraryDir, `index-${version}.${ext}`), { force: true })));
}

export async function exportCommand(ctx: CommandContext): Promise<number> {
  const formats = (['csv', 'json', 'npy'] as const).filter((f) => ctx.flags[f]);
  const file = ctx.args[0];
  if (formats.length !== 1 || file === undefined) throw new UsageError('export needs one of --csv, --json or --npy, and a FILE');
  const format = formats[0]!;
  const target = path.resolve(file);
  const assets = [];
  for (let offset = 0; ; offset += 500) {
    const page = ctx.library.listAssets({ sort: 'created', order: 'asc', limit: 500, offset });
    assets.push(...page.items);
    if (page.items.length < 500) break;
  }
  if (format === 'npy') {
    const model = ctx.library.activeModel();
    if (!model) throw new Error('the library has no embeddings to export (no model registered)');
    const rows = assets.map((a) => ({ id: a.id, vector: ctx.library.embedding(a.id, model.version) })).filter((r) => r.vector);
    await writeFile(target, npyFloat32(rows.map((r) => r.vector!), model.dims));
    await writeFile(`${target}.ids.json`, `${JSON.stringify({ model: model.version, ids: rows.map((r) => r.id) })}\n`);
    ctx.io.err(ctx.json ? '' : `${rows.length} x ${model.dims} embeddings of ${model.version} -> ${target} (asset ids in ${target}.ids.json)\n`);
  } else {
    const full = assets.map((a) => {
      const asset = ctx.library.getAsset(a.id)!;
      return { ...asset, files: ctx.library.assetFiles(a.id).map((f) => f.path), tags: ctx.library.tags(a.id).map((t) => t.tag) };
    });
    if (format === 'json') await writeFile(target, `${JSON.stringify(full, null, 2)}\n`);
    else {
      const columns = ['id', 'name', 'family', 'architecture', 'category', 'caption', 'contentSha256', 'files', 'tags'] as const;
      const cell = (v: unknown): string => {
        const s = Array.isArray(v) ? v.join(';') : v === null || v === undefined ? '' : String(v);
        return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      };
      await writeFile(target, `${[columns.join(','), ...full.map((a) => columns.map((c) => cell(a[c])).join(','))].join('\n')}\n`);
    }
    if (!ctx.json) ctx.io.err(`${full.length} assets -> ${target}\n`);
  }
  if (ctx.json) print(ctx, { file: target, format, assets: assets.length }, () => '');
  return EXIT.ok;
}

/** A float32 little-endian .npy (format 1.0) of `rows` vectors of `dims`. */
export function npyFloat32(rows: readonly Float32Array[], dims: number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${dims}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + rows.length * dims * 4);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const data = new Float32Array(out.buffer, 10 + header.length, rows.length * dims);
  rows.forEach((r, i) => data.set(r.subarray(0, dims), i * dims));
  return out;
}

export async function doctorCommand(ctx: CommandContext): Promise<number> {
  const checks: { check: string; ok: boolean; detail: string }[] = [];
  const integrity = ctx.library.integrityCheck();
  checks.push({ check: 'database', ok: integrity.ok, detail: integrity.ok ? `${ctx.library.file}: integrity, foreign keys and FTS index ok` : integrity.problems.join('; ') });
  const model = ctx.library.activeModel();
  if (model) {
    await ctx.library.indexReady();
    const coverage = ctx.library.modelCoverage(model.version);
    const status = ctx.library.indexStatus();
    const ok = !!status && status.count === coverage.embedded;
    checks.push({ check: 'index', ok, detail: `model ${model.version}: ${coverage.embedded}/${coverage.assets} assets embedded, index holds ${status?.count ?? 0} (${status?.graph ?? 'not loaded'})` });
  } else {
    checks.push({ check: 'index', ok: true, detail: 'no model registered yet (nothing imported)' });
  }
  const provider = await chooseProvider(parseProviderRequest(ctx.device));
  // Why each of this platform's GPU providers was passed over: no native error says it on stderr.
  const passedOver = provider.attempts.filter((a) => !a.ok && !a.reason.startsWith('not available on')).map((a) => `${a.name}: ${a.reason}`);
  checks.push({ check: 'provider', ok: true, detail: `${provider.name}: ${provider.reason}${passedOver.length ? ` (passed over: ${passedOver.join('; ')})` : ''}` });
  checks.push({ check: 'encoder', ok: existsSync(ctx.model), detail: existsSync(ctx.model) ? ctx.model : missingEncoderMessage(ctx.model) });
  const errors = ctx.library.importErrors(1000);
  checks.push({ check: 'import errors', ok: true, detail: `${errors.length} file(s) could not be imported${errors.length ? ' (see `nerfdex doctor --json`)' : ''}` });
  const healthy = checks.filter((c) => c.check !== 'encoder').every((c) => c.ok);
  print(ctx, { ok: healthy, checks, provider, importErrors: errors }, () => checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`).join('\n'));
  return healthy ? EXIT.ok : EXIT.runtime;
}
