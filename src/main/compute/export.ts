/**
 * Export of a model's inference part: a standalone `.onnx` with the weights as initializers,
 * loadable by any stock ONNX Runtime with no nerfdex code.
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { Graph, Value } from './graph';
import onnxProto from 'onnx-proto';
import { toModelProto } from './model';
import type { HostTensor } from './tensor';

export interface ExportOptions {
  /** Outputs of the exported model: name -> value. */
  readonly outputs: Readonly<Record<string, Value>>;
  /** A value for every parameter the outputs depend on. */
  readonly params: Readonly<Record<string, HostTensor>>;
  /** Stored in the model's metadata_props (e.g. version, training command). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** @default 'nerfdex' */
  readonly name?: string;
}

/** Model bytes of the inference part of `graph`, weights embedded. */
export function exportModel(graph: Graph, options: ExportOptions): Uint8Array {
  const proto = toModelProto(graph, { outputs: options.outputs, initializers: options.params, metadata: options.metadata, name: options.name });
  // Parameters without a value stay graph inputs; an export must not depend on any.
  const unresolved = (proto.graph?.input ?? []).map((i) => i.name ?? '').filter((n) => n.startsWith('params/'));
  if (unresolved.length) throw new RangeError(`export: no value for parameter(s) ${unresolved.map((n) => `"${n}"`).join(', ')}`);
  return onnxProto.onnx.ModelProto.encode(proto).finish();
}

/** Writes an exported model to `path` atomically (temporary file, then rename). */
export function exportOnnxFile(path: string, graph: Graph, options: ExportOptions): Uint8Array {
  const bytes = exportModel(graph, options);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return bytes;
}
