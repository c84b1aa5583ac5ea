/** Edits the JSON header of safetensors bytes in tests, keeping the data section as it is. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test edits arbitrary header JSON
type Json = any;

export function editHeader(bytes: Uint8Array, edit: (header: Record<string, Json>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  let text = JSON.stringify(header);
  while ((8 + text.length) % 8) text += ' ';
  const head = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + n), 8 + head.length);
  return out;
}

export function editDescription(bytes: Uint8Array, edit: (d: Record<string, Json>) => void): Uint8Array {
  return editHeader(bytes, (h) => {
    const d = JSON.parse(h['__metadata__']['nerfdex.nerf']);
    edit(d);
    h['__metadata__']['nerfdex.nerf'] = JSON.stringify(d);
  });
}
