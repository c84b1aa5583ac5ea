/**
 * Structural validation of a ModelProto, as a step separate from building: every node input is
 * defined before use, names are unique, outputs exist. ONNX Runtime checks types when it loads.
 */
import type onnxProto from 'onnx-proto';

export class ModelValidationError extends Error {
  constructor(readonly reason: string) {
    super(`invalid ONNX model: ${reason}`);
    this.name = 'ModelValidationError';
  }
}

export function validateModel(model: onnxProto.onnx.IModelProto): void {
  const graph = model.graph;
  if (!graph) throw new ModelValidationError('no graph');
  if (!model.opsetImport?.length) throw new ModelValidationError('no opset import');
  const defined = new Set<string>();
  const define = (name: string | null | undefined, what: string): void => {
    if (!name) throw new ModelValidationError(`${what} without a name`);
    if (defined.has(name)) throw new ModelValidationError(`"${name}" is defined twice (${what})`);
    defined.add(name);
  };
  for (const t of graph.initializer ?? []) define(t.name, 'initializer');
  for (const i of graph.input ?? []) define(i.name, 'input');
  const nodeNames = new Set<string>();
  for (const node of graph.node ?? []) {
    if (node.name) {
      if (nodeNames.has(node.name)) throw new ModelValidationError(`node name "${node.name}" is used twice`);
      nodeNames.add(node.name);
    }
    for (const input of node.input ?? []) {
      if (input && !defined.has(input)) throw new ModelValidationError(`node "${node.name}" (${node.opType}) reads "${input}" before it is defined`);
    }
    for (const output of node.output ?? []) define(output, `output of node "${node.name}"`);
  }
  if (!graph.output?.length) throw new ModelValidationError('no graph outputs');
  for (const o of graph.output) {
    if (!o.name || !defined.has(o.name)) throw new ModelValidationError(`graph output "${o.name}" is never produced`);
  }
}
