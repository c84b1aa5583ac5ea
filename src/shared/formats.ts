/**
 * The NeRF file formats an import reads, as the texts that name them need them (the CLI's help,
 * the drop zone). The main process's format registry is the one list; the renderer asks for it
 * through `Api.importFormats`.
 */

/** A file format nerfdex imports. */
export interface ImportableFormat {
  readonly name: string;
  /** What its files are called, plural: "instant-ngp snapshots". */
  readonly label: string;
  /** Lower case, with the dot: `.ingp`. */
  readonly extensions: readonly string[];
}

/** "nerfdex NeRFs (.nerf.safetensors, .safetensors), instant-ngp snapshots (.msgpack, .ingp) and nerfstudio checkpoints (.ckpt)". */
export function describeFormats(formats: readonly ImportableFormat[]): string {
  const parts = formats.map((f) => `${f.label} (${f.extensions.join(', ')})`);
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
}
