/** Named colours of the shape zoo: captions use the names, the ground-truth field the RGB. */

export type Rgb = readonly [number, number, number];

/** Every colour a zoo part can take, linear RGB in [0, 1]. */
export const PALETTE = {
  red: [0.8, 0.1, 0.1],
  orange: [0.95, 0.5, 0.1],
  yellow: [0.95, 0.85, 0.15],
  green: [0.2, 0.6, 0.2],
  blue: [0.15, 0.3, 0.85],
  purple: [0.5, 0.2, 0.65],
  pink: [0.95, 0.5, 0.7],
  brown: [0.45, 0.28, 0.12],
  black: [0.07, 0.07, 0.07],
  white: [0.95, 0.95, 0.95],
  gray: [0.5, 0.5, 0.5],
  beige: [0.87, 0.8, 0.62],
  teal: [0.1, 0.55, 0.55],
  navy: [0.08, 0.12, 0.4],
  silver: [0.75, 0.77, 0.8],
  maroon: [0.45, 0.05, 0.1],
} as const satisfies Record<string, Rgb>;

export type ColourName = keyof typeof PALETTE;

/** All colour names, in palette order. */
export const COLOUR_NAMES = Object.keys(PALETTE) as ColourName[];

/** Bright and saturated colours: good for the main body of an object. */
export const VIVID: readonly ColourName[] = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'teal', 'navy', 'maroon'];

/** Colours of wood, metal and plastic: good for legs, frames and trim. */
export const NEUTRAL: readonly ColourName[] = ['black', 'white', 'gray', 'brown', 'beige', 'silver'];

/** Warm wood tones and upholstery. */
export const WOODS: readonly ColourName[] = ['brown', 'beige', 'maroon', 'black', 'white'];

/** RGB of a named colour. */
export function rgbOf(name: ColourName): Rgb {
  return PALETTE[name];
}
