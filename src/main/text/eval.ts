/**
 * Evaluation of the text model on a zoo's test split (objects it never saw): text -> NeRF instance
 * retrieval with the test objects' own captions, category retrieval precision@10 with bare
 * category names and with each synonym, and the accuracy of the automatic tags. Scores are cosine
 * similarities between the query vector and the raw GMN embeddings, as the library ranks them.
 */
import { cosine } from '../gmn/eval/metrics';
import { CATEGORIES, type Category } from '../vocabulary/categories';
import { captionedObject } from './corpus';
import { type ZooEmbeddings, row } from './embedding-cache';
import { CATEGORY_QUERIES } from './synonyms';
import type { TextEmbedder } from './text-model-file';
import { AutoTagger, buildTagReference } from './tags';
import { COLOUR_NAMES } from '../vocabulary/colours';

export interface TextEvalResult {
  readonly metrics: Record<string, number>;
  readonly report: string;
}

/** Indices of `gallery` ranked by cosine to `query`, best first (ties by index). */
function ranked(query: ArrayLike<number>, gallery: readonly Float32Array[]): number[] {
  const scores = gallery.map((g, i) => ({ i, s: cosine(query, g) }));
  return scores.sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.i);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** Evaluates `text` against the cached GMN embeddings of the zoo (same encoder version). */
export async function evaluateTextModel(text: TextEmbedder, embeddings: ZooEmbeddings, context: { zoo: string; model: string }): Promise<TextEvalResult> {
  if (text.info.encoderVersion !== embeddings.index.encoderVersion) throw new Error(`the text model is aligned to ${text.info.encoderVersion}, the embeddings are of ${embeddings.index.encoderVersion}`);
  const started = performance.now();
  const fits = embeddings.index.fits;
  const trainingArchitectures = [...new Set(fits.filter((f) => f.split === 'train').map((f) => f.architecture))];
  const test = fits.map((f, i) => ({ ...f, i })).filter((f) => f.split === 'test');
  const testTraining = test.filter((f) => trainingArchitectures.includes(f.architecture));
  const metrics: Record<string, number> = {};
  const lines: string[] = [];

  // Instance retrieval: each test object's zoo captions against the test objects in one architecture.
  const objects = [...new Map(test.map((f) => [f.objectId, f])).values()];
  const captions = objects.map((o) => captionedObject(o.category, o.seed, 0).captions);
  const queries = captions.flatMap((cs, o) => cs.map((c) => ({ o, c })));
  const encoded = await text.encodeMany(queries.map((q) => q.c));
  lines.push('## Text -> NeRF instance retrieval (test split)', '', `Queries: the ${queries.length} zoo captions of the ${objects.length} test objects (never trained on); gallery: the same objects in one architecture; right at k when the caption's own object is among the k most similar.`, '', '| gallery architecture | R@1 | R@5 | R@10 | chance R@10 |', '|---|---|---|---|---|');
  const sums = { r1: 0, r5: 0, r10: 0 };
  for (const architecture of trainingArchitectures) {
    const gallery = objects.map((o) => test.find((f) => f.objectId === o.objectId && f.architecture === architecture));
    const present = gallery.map((g, o) => ({ g, o })).filter((x) => x.g !== undefined);
    const vectors = present.map((x) => row(embeddings, x.g!.i));
    const hits = { r1: 0, r5: 0, r10: 0 };
    let n = 0;
    queries.forEach((q, qi) => {
      const at = present.findIndex((x) => x.o === q.o);
      if (at < 0) return;
      n++;
      const rank = ranked(encoded[qi]!.embedding, vectors).indexOf(at);
      if (rank < 1) hits.r1++;
      if (rank < 5) hits.r5++;
      if (rank < 10) hits.r10++;
    });
    const r = { r1: hits.r1 / n, r5: hits.r5 / n, r10: hits.r10 / n };
    sums.r1 += r.r1;
    sums.r5 += r.r5;
    sums.r10 += r.r10;
    lines.push(`| \`${architecture}\` | ${pct(r.r1)} | ${pct(r.r5)} | ${pct(r.r10)} | ${pct(Math.min(1, 10 / present.length))} |`);
  }
  const a = trainingArchitectures.length;
  metrics['instance_r1'] = sums.r1 / a;
  metrics['instance_r5'] = sums.r5 / a;
  metrics['instance_r10'] = sums.r10 / a;
  lines.push(`| **average** | ${pct(metrics['instance_r1'])} | ${pct(metrics['instance_r5'])} | ${pct(metrics['instance_r10'])} | |`, '');
  // The text side alone: the category head on the same held-out captions.
  const headRight = queries.filter((q, qi) => {
    const p = encoded[qi]!.categories;
    return text.info.categories[p.indexOf(Math.max(...p))] === objects[q.o]!.category;
  }).length;
  metrics['text_category_head_accuracy'] = headRight / queries.length;
  lines.push(`The text model's category head names the right category for ${pct(metrics['text_category_head_accuracy'])} of these captions (the text side alone, whatever the GMN space).`, '');

  // Category retrieval: precision@10 of a category word over the test fits.
  const galleries = { training: testTraining, all: test };
  const precision = async (words: readonly string[], category: Category, gallery: typeof test): Promise<number[]> => {
    const vectors = gallery.map((f) => row(embeddings, f.i));
    const encodedWords = await text.encodeMany(words);
    return encodedWords.map((e) => ranked(e.embedding, vectors).slice(0, 10).filter((i) => gallery[i]!.category === category).length / 10);
  };
  lines.push('## Category retrieval (test split)', '', `Precision@10 of a category word against the ${testTraining.length} test NeRFs in the training architectures (and against all ${test.length} test NeRFs, unseen architectures included). Synonyms: every other word of \`CATEGORY_QUERIES\` (src/main/text/synonyms.ts).`, '', '| category | bare name | P@10 | P@10 all archs | synonyms | mean P@10 synonyms | worst synonym |', '|---|---|---|---|---|---|---|');
  const bare: number[] = [];
  const bareAll: number[] = [];
  const synonyms: number[] = [];
  for (const category of CATEGORIES) {
    const words = [category, ...CATEGORY_QUERIES[category].filter((w) => w !== category)];
    const [name] = await precision([category], category, galleries.training);
    const [nameAll] = await precision([category], category, galleries.all);
    const syn = await precision(words.slice(1), category, galleries.training);
    bare.push(name!);
    bareAll.push(nameAll!);
    synonyms.push(...syn);
    const worst = syn.reduce((w, p, i) => (p < syn[w]! ? i : w), 0);
    const mean = syn.reduce((s, x) => s + x, 0) / Math.max(1, syn.length);
    lines.push(`| ${category} | "${category}" | ${pct(name!)} | ${pct(nameAll!)} | ${words.slice(1).join(', ')} | ${pct(mean)} | "${words[worst + 1]}" ${pct(syn[worst] ?? 0)} |`);
  }
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  metrics['category_p10_bare'] = mean(bare);
  metrics['category_p10_bare_all_architectures'] = mean(bareAll);
  metrics['category_p10_synonyms'] = mean(synonyms);
  lines.push(`| **mean** | | ${pct(metrics['category_p10_bare'])} | ${pct(metrics['category_p10_bare_all_architectures'])} | ${synonyms.length} queries | ${pct(metrics['category_p10_synonyms'])} | |`, '');

  // Automatic tags: nearest-neighbour votes among the train split's embeddings.
  const tagger = new AutoTagger(buildTagReference(embeddings));
  const tagRows = (subset: typeof test): { category: number; colour: number; n: number } => {
    let category = 0;
    let colour = 0;
    for (const f of subset) {
      const s = tagger.suggest(row(embeddings, f.i));
      if (s.category.name === f.category) category++;
      const truth = captionedObject(f.category, f.seed, 0).attributes.colours[0] ?? 'gray';
      if (s.colour.name === truth) colour++;
    }
    return { category: category / Math.max(1, subset.length), colour: colour / Math.max(1, subset.length), n: subset.length };
  };
  const seen = tagRows(testTraining);
  const unseen = tagRows(test.filter((f) => !trainingArchitectures.includes(f.architecture)));
  metrics['tag_category_accuracy'] = seen.category;
  metrics['tag_colour_accuracy'] = seen.colour;
  metrics['tag_category_accuracy_unseen_architectures'] = unseen.category;
  lines.push('## Automatic tags (test split)', '', `A 15-nearest-neighbour vote (cosine after per-dimension standardisation, softmax weights at temperature 0.1) among the train split's embeddings. Chance: category ${pct(1 / CATEGORIES.length)}, main colour ${pct(1 / COLOUR_NAMES.length)}.`, '', '| test NeRFs | count | category accuracy | main colour accuracy |', '|---|---|---|---|', `| training architectures | ${seen.n} | ${pct(seen.category)} | ${pct(seen.colour)} |`, `| unseen architectures | ${unseen.n} | ${pct(unseen.category)} | ${pct(unseen.colour)} |`, '');

  const floors = [
    ['category P@10, bare names', metrics['category_p10_bare'], 0.9],
    ['category P@10, synonyms', metrics['category_p10_synonyms'], 0.8],
    ['instance R@10', metrics['instance_r10'], 0.5],
  ] as const;
  const head = [
    '# Text model evaluation',
    '',
    '| | |',
    '|---|---|',
    `| text model | \`${text.info.version}\` (${text.info.vocabulary.length} tokens), \`${context.model}\` |`,
    `| aligned to | \`${text.info.encoderVersion}\` |`,
    `| zoo | \`${context.zoo}\` (test: ${objects.length} objects, ${test.length} NeRFs) |`,
    `| time | ${((performance.now() - started) / 1000).toFixed(1)} s |`,
    '',
    '| floor (issue 6) | value | floor | met |',
    '|---|---|---|---|',
    ...floors.map(([name, value, floor]) => `| ${name} | ${pct(value!)} | ${pct(floor)} | ${value! >= floor ? 'yes' : 'no'} |`),
    '',
  ];
  return { metrics, report: `${[...head, ...lines].join('\n')}\n` };
}
