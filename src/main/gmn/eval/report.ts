/**
 * The evaluation's markdown report, a pure function of its metrics. Where the functional baseline
 * was computed it stands beside the encoder in every table (a row of the summary, columns of the
 * classification and retrieval tables), so no report shows the encoder's figures without it.
 */
import type { AccuracyRow, EvalMetrics, RecallAtK, RetrievalPair } from './types';

function percent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '-';
}

function seconds(x: number): string {
  return x < 100 ? `${x.toFixed(1)} s` : `${(x / 60).toFixed(1)} min`;
}

function recallCells(r: RecallAtK, ks: readonly number[]): string {
  return ks.map((k) => percent(r[String(k)] ?? NaN)).join(' | ');
}

/** The report: header, summary, classification, retrieval, neighbour and map sections. */
export function formatReport(m: EvalMetrics): string {
  const lines: string[] = [];
  const { model, zoo } = m;
  const base = m.baseline;
  const trained = model.trainedOnThisZoo === null ? 'unknown (encoder.json names no zoo)' : model.trainedOnThisZoo ? 'yes' : 'no (encoder.json names another manifest)';
  const splitCounts = (c: Readonly<Record<'train' | 'val' | 'test', number>>): string => `train ${c.train}, val ${c.val}, test ${c.test}`;
  const baselineTime = base ? `, baseline ${seconds(m.seconds.baseline)}` : '';
  lines.push(
    '# GMN encoder evaluation',
    '',
    '| | |',
    '|---|---|',
    `| model | \`${model.version}\` (hidden ${model.encoder.hidden}, embedding ${model.encoder.embedding}, ${model.encoder.blocks} blocks), \`${model.path}\` |`,
    `| zoo | \`${zoo.path}\`, manifest sha256 \`${zoo.manifestSha256}\` |`,
    `| trained on this zoo | ${trained} |`,
    `| objects | ${splitCounts(zoo.objects)} (${zoo.categories} categories) |`,
    `| embedded fits | ${splitCounts(zoo.embeddings)} |`,
    `| architectures | training: ${zoo.trainingArchitectures.join(', ') || '-'}; unseen: ${zoo.unseenArchitectures.join(', ') || '-'} |`,
    `| device | ${m.device} |`,
    `| time | ${seconds(m.seconds.total)} (embedding ${seconds(m.seconds.embedding)}, classifier ${seconds(m.seconds.classification)}, retrieval ${seconds(m.seconds.retrieval)}${baselineTime}, map ${seconds(m.seconds.map)}) |`,
    `| date | ${m.created} |`,
    '',
  );

  const c = m.detail.classification;
  const ret = m.detail.retrieval;
  const chanceRecall: Record<string, number> = {};
  for (const k of ret.ks) chanceRecall[String(k)] = ret.pairs.length ? ret.pairs.reduce((s, p) => s + (p.chance[String(k)] ?? 0), 0) / ret.pairs.length : NaN;
  const summaryRow = (name: string, h: Pick<EvalMetrics, 'classification' | 'retrieval'>): string =>
    `| ${name} | ${percent(h.classification.training)} | ${percent(h.classification.unseen)} | ${percent(h.retrieval.r1)} | ${percent(h.retrieval.r5)} | ${percent(h.retrieval.r10)} |`;
  lines.push(
    '## Summary',
    '',
    'Probe accuracy on the test split (training architectures together, unseen variants together) and mean cross-architecture Recall@k over the ordered pairs of training architectures. ' +
      (base
        ? `The functional baseline puts a descriptor of each NeRF's function alone (log1p of its density at the centres of a ${base.descriptor.resolution}^3 grid over its aabb, ${base.descriptor.length} numbers, no colour) through the same probe, k-NN and retrieval.`
        : 'The functional baseline was not computed (`--no-baseline`).'),
    '',
    '| | classification, training | classification, unseen | R@1 | R@5 | R@10 |',
    '|---|---|---|---|---|---|',
    summaryRow('GMN encoder', m),
    ...(base ? [summaryRow('functional baseline (density)', base)] : []),
    `| chance | ${percent(c.chance)} | ${percent(c.chance)} | ${recallCells(chanceRecall, ret.ks)} |`,
    '',
  );

  const probe = c.classifier;
  const stopping = probe.validationAccuracy !== undefined ? `kept step ${probe.keptStep} of ${probe.steps} by validation accuracy (${percent(probe.validationAccuracy)} on ${probe.validationSamples} val embeddings)` : `no val split, so the last of ${probe.steps} steps is kept`;
  const baseProbe = base?.detail.classification.classifier;
  const baseStopping = baseProbe ? (baseProbe.validationAccuracy !== undefined ? `kept step ${baseProbe.keptStep} (validation accuracy ${percent(baseProbe.validationAccuracy)})` : 'last step kept') : '';
  const baseRow = (r: AccuracyRow): AccuracyRow | undefined => base?.detail.classification.rows.find((b) => b.architecture === r.architecture && b.kind === r.kind);
  lines.push(
    '## Classification from frozen embeddings',
    '',
    `An MLP ${model.encoder.embedding} -> ${probe.hidden} -> ${c.classes} (ReLU, softmax cross-entropy, AdamW lr ${probe.lr} with cosine decay, full batch, seed ${probe.seed}) ` +
      `trained on ${probe.trainSamples} train-split embeddings of the training architectures together (L2-normalised, then standardised per dimension); ${stopping}. ` +
      `Training accuracy ${percent(probe.trainAccuracy)}. The ${c.knnK}-NN column votes among the train-split embeddings by cosine similarity. Chance is ${percent(c.chance)}.` +
      (baseProbe ? ` The baseline columns train the same MLP (${base!.descriptor.length} -> ${baseProbe.hidden} -> ${c.classes}) on the density descriptors of the same fits: ${baseStopping}, training accuracy ${percent(baseProbe.trainAccuracy)}.` : ''),
    '',
    `| test architecture | kind | NeRFs | MLP accuracy | ${c.knnK}-NN accuracy |${base ? ` baseline MLP | baseline ${c.knnK}-NN |` : ''}`,
    `|---|---|---|---|---|${base ? '---|---|' : ''}`,
  );
  for (const r of c.rows) {
    const name = r.kind.startsWith('all') ? `**${r.architecture}**` : `\`${r.architecture}\``;
    const b = baseRow(r);
    const baseCells = base ? ` ${percent(b?.accuracy ?? NaN)} | ${percent(b?.knnAccuracy ?? NaN)} |` : '';
    lines.push(`| ${name} | ${r.kind.replace('all ', '')} | ${r.count} | ${percent(r.accuracy)} | ${percent(r.knnAccuracy)} |${baseCells}`);
  }
  lines.push('');

  const header = ret.ks.map((k) => `R@${k}`).join(' | ');
  const baseHeader = base ? ` ${ret.ks.map((k) => `baseline R@${k}`).join(' | ')} |` : '';
  const chanceHeader = ret.ks.map((k) => `chance R@${k}`).join(' | ');
  const columns = (n: number): string => Array.from({ length: n }, () => '---|').join('');
  const basePair = (p: RetrievalPair): RetrievalPair | undefined => base?.detail.retrieval.pairs.find((b) => b.query === p.query && b.gallery === p.gallery);
  lines.push(
    '## Cross-architecture instance retrieval (test split)',
    '',
    'Queries are the test objects embedded in the query architecture, the gallery the same objects in the gallery architecture; ' +
      'a query is right at k when its own object is among the k most cosine-similar gallery items (ties count against it).' +
      (base ? ' The baseline columns rank the density descriptors the same way.' : ''),
    '',
    `| query | gallery | objects | ${header} |${baseHeader} ${chanceHeader} |`,
    `|---|---|---|${columns(ret.ks.length * (base ? 3 : 2))}`,
  );
  const baseCells = (r: RecallAtK | undefined): string => (base ? ` ${recallCells(r ?? {}, ret.ks)} |` : '');
  for (const p of ret.pairs) lines.push(`| \`${p.query}\` | \`${p.gallery}\` | ${p.objects} | ${recallCells(p.recall, ret.ks)} |${baseCells(basePair(p)?.recall)} ${recallCells(p.chance, ret.ks)} |`);
  lines.push(`| **average** | | | ${recallCells(ret.average, ret.ks)} |${baseCells(base?.detail.retrieval.average)} ${recallCells(chanceRecall, ret.ks)} |`);
  if (!ret.pairs.length) lines.push('', 'No pair of training architectures has test fits, so there is nothing to retrieve.');
  lines.push('');

  if (m.neighbours) {
    const nb = m.neighbours;
    lines.push(
      '## What nearest neighbours share (test split, training architectures)',
      '',
      `For each test embedding of a training architecture, the fraction of its ${nb.k} cosine-nearest other test embeddings (of the training architectures) with the same architecture, category, object and main colour, ` +
        'against neighbours drawn at random. A space that clusters by architecture has a high architecture share and an object share near chance; one that holds colour more than shape has a main-colour share well above its category share.',
      '',
      '| shared | neighbours | random |',
      '|---|---|---|',
    );
    for (const name of Object.keys(nb.shares)) lines.push(`| ${name} | ${percent(nb.shares[name]!)} | ${percent(nb.chance[name] ?? NaN)} |`);
    lines.push('');
  }

  const map = m.map;
  lines.push(
    '## Map of the test embeddings',
    '',
    `${map.method} of the ${map.points} test embeddings (all architectures, L2-normalised), perplexity ${map.perplexity.toFixed(1)}, ${map.iterations} iterations, final KL ${map.klDivergence.toFixed(3)}. ` +
      'Filled discs are training architectures, rings unseen variants.',
    '',
    `![test embeddings by category](${map.files.byCategory})`,
    '',
    `![test embeddings by architecture](${map.files.byArchitecture})`,
    '',
  );
  return lines.join('\n');
}
