/**
 * Colours of the latent map: one colour per category or per architecture, assigned in sorted key
 * order so the same set of keys always gets the same colours, and the legend that explains them.
 */

/** The property points are coloured by. */
export type ColourBy = 'category' | 'architecture';

/** The fields of a point the colouring reads. */
export interface ColouredPoint {
  readonly category: string;
  readonly architecture: string;
}

/** One legend row. */
export interface LegendEntry {
  readonly key: string;
  readonly colour: string;
  readonly count: number;
}

/**
 * Distinct colours that read on light and dark backgrounds (Tableau 10, then its lighter
 * companions); keys beyond it get golden-angle hues.
 */
export const MAP_PALETTE: readonly string[] = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#a0cbe8', '#ffbe7d', '#8cd17d', '#b6992d', '#f1ce63', '#86bcb6', '#d37295', '#fabfd2', '#d4a6c8', '#79706e',
];

/** Colour of the i-th key in sorted order. */
export function paletteColour(index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`paletteColour: index must be an integer >= 0, got ${index}`);
  if (index < MAP_PALETTE.length) return MAP_PALETTE[index]!;
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue}, 55%, 55%)`;
}

/** The key of a point for `by`. */
export function colourKey(point: ColouredPoint, by: ColourBy): string {
  return by === 'category' ? point.category : point.architecture;
}

/** What colouring the points by `by` looks like. */
export interface Colouring {
  /** Index into `legend` for each point. */
  readonly groupOf: Uint16Array;
  /** Keys in sorted order with their colours and point counts. */
  readonly legend: readonly LegendEntry[];
}

/** Colours `points` by `by`: keys sorted, the i-th key gets {@link paletteColour}(i). */
export function colourPoints(points: readonly ColouredPoint[], by: ColourBy): Colouring {
  const keys = [...new Set(points.map((p) => colourKey(p, by)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length > 65_535) throw new RangeError(`colourPoints: ${keys.length} distinct ${by} values; the map shows at most 65,535`);
  const indexOf = new Map(keys.map((key, i) => [key, i]));
  const groupOf = new Uint16Array(points.length);
  const counts = new Array<number>(keys.length).fill(0);
  points.forEach((p, i) => {
    const group = indexOf.get(colourKey(p, by))!;
    groupOf[i] = group;
    counts[group]!++;
  });
  return { groupOf, legend: keys.map((key, i) => ({ key, colour: paletteColour(i), count: counts[i]! })) };
}
