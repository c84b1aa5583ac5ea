/**
 * A 3 x 5 pixel bitmap font for labels drawn into RGB images (contact sheets, embedding maps):
 * lower-case letters (upper case draws the same glyphs), digits and a little punctuation.
 * Characters without a glyph advance like a space.
 */

/** Glyph size in font pixels; each character advances by GLYPH_WIDTH + 1. */
export const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/** One string of 15 bits per character, row by row from the top. */
const GLYPHS: Readonly<Record<string, string>> = {
  a: '010101111101101', b: '110101110101110', c: '011100100100011', d: '110101101101110', e: '111100110100111',
  f: '111100110100100', g: '011100101101011', h: '101101111101101', i: '111010010010111', j: '001001001101010',
  k: '101101110101101', l: '100100100100111', m: '101111111101101', n: '110101101101101', o: '010101101101010',
  p: '110101110100100', q: '010101101110011', r: '110101110101101', s: '011100010001110', t: '111010010010010',
  u: '101101101101111', v: '101101101101010', w: '101101111111101', x: '101101010101101', y: '101101010010010',
  z: '111001010100111',
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001011001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001010010010', '8': '111101111101111', '9': '111101111001111',
  '-': '000000111000000', '.': '000000000000010', ',': '000000000010100', ':': '000010000010000', '(': '001010010010001',
  ')': '100010010010100', '/': '001001010100100', '%': '101001010100101', '+': '000010111010000', '_': '000000000000111',
  '=': '000111000111000', '^': '010101000000000', "'": '010010000000000',
};

/** An 8-bit RGB image, row-major, 3 bytes per pixel (fast-png's layout with `channels: 3`). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Options of `drawText`. */
export interface TextOptions {
  /** Image pixels per font pixel. @default 2 */
  readonly scale?: number;
  /** @default [60, 60, 60] (dark grey) */
  readonly colour?: readonly [number, number, number];
}

/** Width in image pixels of `text` at `scale` (no trailing gap). */
export function textWidth(text: string, scale = 2): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** Writes `text` with its top-left corner at (x0, y0); pixels outside the image are skipped. */
export function drawText(image: RgbImage, text: string, x0: number, y0: number, options: TextOptions = {}): void {
  const scale = options.scale ?? 2;
  const [r, g, b] = options.colour ?? [60, 60, 60];
  const { width, height, data } = image;
  [...text.toLowerCase()].forEach((character, k) => {
    const glyph = GLYPHS[character] ?? '';
    for (let bit = 0; bit < glyph.length; bit++) {
      if (glyph[bit] !== '1') continue;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const x = x0 + (k * (GLYPH_WIDTH + 1) + (bit % GLYPH_WIDTH)) * scale + dx;
          const y = y0 + Math.floor(bit / GLYPH_WIDTH) * scale + dy;
          if (x < 0 || y < 0 || x >= width || y >= height) continue;
          const at = 3 * (y * width + x);
          data[at] = r;
          data[at + 1] = g;
          data[at + 2] = b;
        }
      }
    }
  });
}
