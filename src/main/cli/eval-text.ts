/**
 * `npm run eval -- text --zoo data/zoo [--model resources/models/text.onnx] [--encoder encoder.onnx]
 * [--json]`: evaluates the text model on the zoo's test split (docs/text.md). Uses the cached GMN
 * embeddings of the encoder the text model was aligned to, computing them (on one CPU thread)
 * from --encoder when the cache is missing. Prints the report, or the metrics with --json.
 */
import { existsSync } from 'node:fs';
import { chooseProvider } from '../compute/providers';
import { SessionCache } from '../compute/session';
import { cachePaths, ensureZooEmbeddings, readZooEmbeddings } from '../text/embedding-cache';
import { evaluateTextModel } from '../text/eval';
import { TextEmbedder } from '../text/text-model-file';
import { parseCommand } from './options';

export const EVAL_TEXT_COMMAND = {
  command: 'npm run eval -- text',
  summary: 'Evaluates the text model on the zoo\'s test split (docs/text.md): category precision, instance recall, automatic tags.',
  options: {
    zoo: { type: 'string', required: true, value: 'DIR', help: 'the zoo' },
    model: { type: 'string', default: 'resources/models/text.onnx', value: 'text.onnx', help: 'the text model' },
    encoder: { type: 'string', value: 'encoder.onnx', help: 'the encoder the text model is aligned to, to embed the zoo when its cache is missing' },
    json: { type: 'boolean', help: 'print the metrics as JSON' },
  },
} as const;

export async function textEvalMain(argv: string[]): Promise<number> {
  const parsed = parseCommand(EVAL_TEXT_COMMAND, argv);
  if (parsed.exit !== undefined) return parsed.exit;
  const { values } = parsed;
  const model = values.model;
  const text = await TextEmbedder.load(model);
  const version = text.info.encoderVersion;
  let embeddings;
  if (existsSync(cachePaths(values.zoo, version).index)) {
    embeddings = await readZooEmbeddings(values.zoo, version);
  } else {
    if (!values.encoder) throw new Error(`${cachePaths(values.zoo, version).index}: no cached embeddings of ${version}; pass --encoder (the encoder.onnx of that version) to compute them`);
    const sessions = new SessionCache();
    embeddings = await ensureZooEmbeddings(values.zoo, values.encoder, { sessions, provider: await chooseProvider('cpu', { threads: 1 }) });
    await sessions.dispose();
    if (embeddings.index.encoderVersion !== version) throw new Error(`${values.encoder} is ${embeddings.index.encoderVersion}, the text model is aligned to ${version}`);
  }
  const result = await evaluateTextModel(text, embeddings, { zoo: values.zoo, model });
  process.stdout.write(values.json ? `${JSON.stringify(result.metrics, null, 2)}\n` : result.report);
  return 0;
}
