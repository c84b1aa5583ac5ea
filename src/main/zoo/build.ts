/** Helpers the category generators share: random draws, part constructors and the final step. */

import { RandomDraw } from '../compute/random-draw';
import type { Attributes, Feature } from '../vocabulary/captions';
import type { Category } from '../vocabulary/categories';
import { type ColourName } from '../vocabulary/colours';
import { type Axis, type Clip, type Mat3, type Part, type Vec3, IDENTITY, makePart, normalizeShape } from './sdf';
import type { GeneratedShape } from './types';

/** `RandomDraw` with the zoo's colour choice. */
export class Draw extends RandomDraw {
  /** A colour from `from`, avoiding `avoid` when `from` has another. */
  colour(from: readonly ColourName[], avoid: readonly ColourName[] = []): ColourName {
    const allowed = from.filter((c) => !avoid.includes(c));
    return this.pick(allowed.length > 0 ? allowed : from);
  }
}

/** Where a value sits in its range: 'low' (lowest third), 'high' (highest third) or 'mid'. */
export function level(value: number, lo: number, hi: number): 'low' | 'mid' | 'high' {
  const t = (value - lo) / (hi - lo);
  return t < 1 / 3 ? 'low' : t > 2 / 3 ? 'high' : 'mid';
}

/** The phrase with "a" or "an" in front. */
export function withArticle(phrase: string): string {
  return /^[aeiou]/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

/** A feature; the tag doubles as the phrase unless one is given. */
export function feature(tag: string, phrase?: string, adjective?: string): Feature {
  return adjective ? { tag, phrase: phrase ?? tag, adjective } : { tag, phrase: phrase ?? tag };
}

/** A box centred at `at` with half sizes `half`. */
export function box(name: string, colour: ColourName, at: Vec3, half: Vec3, rotation: Mat3 = IDENTITY): Part {
  return makePart(name, { kind: 'box', halfSize: half }, colour, at, rotation);
}

/** A box with rounded edges; the radius is capped at the smallest half size. */
export function roundBox(
  name: string,
  colour: ColourName,
  at: Vec3,
  half: Vec3,
  radius: number,
  rotation: Mat3 = IDENTITY,
): Part {
  const r = Math.min(radius, half[0], half[1], half[2]);
  return makePart(name, { kind: 'roundBox', halfSize: half, radius: r }, colour, at, rotation);
}

/** A sphere centred at `at`. */
export function sphere(name: string, colour: ColourName, at: Vec3, radius: number): Part {
  return makePart(name, { kind: 'sphere', radius }, colour, at);
}

/** An ellipsoid centred at `at` with semi-axes `radii`, optionally clipped to a local box. */
export function ellipsoid(
  name: string,
  colour: ColourName,
  at: Vec3,
  radii: Vec3,
  rotation: Mat3 = IDENTITY,
  clip?: Clip,
): Part {
  return makePart(name, { kind: 'ellipsoid', radii }, colour, at, rotation, clip);
}

/** A capped cylinder centred at `at`, `halfLength` along `axis`. */
export function cylinder(
  name: string,
  colour: ColourName,
  at: Vec3,
  axis: Axis,
  radius: number,
  halfLength: number,
  rotation: Mat3 = IDENTITY,
): Part {
  return makePart(name, { kind: 'cylinder', axis, radius, halfLength }, colour, at, rotation);
}

/** A frustum with `radiusA` at the negative end of `axis` and `radiusB` at the positive end. */
export function cone(
  name: string,
  colour: ColourName,
  at: Vec3,
  axis: Axis,
  radiusA: number,
  radiusB: number,
  halfLength: number,
  rotation: Mat3 = IDENTITY,
  clip?: Clip,
): Part {
  return makePart(name, { kind: 'cone', axis, radiusA, radiusB, halfLength }, colour, at, rotation, clip);
}

/** A rod between two world points, optionally tapering from `radius` to `radiusB`. */
export function capsule(name: string, colour: ColourName, a: Vec3, b: Vec3, radius: number, radiusB = radius): Part {
  return makePart(name, { kind: 'capsule', a, b, radiusA: radius, radiusB }, colour);
}

/** A ring of radius `majorRadius` around `axis`, tube radius `minorRadius`. */
export function torus(
  name: string,
  colour: ColourName,
  at: Vec3,
  axis: Axis,
  majorRadius: number,
  minorRadius: number,
  rotation: Mat3 = IDENTITY,
): Part {
  return makePart(name, { kind: 'torus', axis, majorRadius, minorRadius }, colour, at, rotation);
}

/**
 * A polygon extruded along `axis`; `outline` lists (u, v) pairs: axis x -> (z, y), axis y ->
 * (x, z), axis z -> (x, y).
 */
export function prism(
  name: string,
  colour: ColourName,
  at: Vec3,
  axis: Axis,
  outline: readonly number[],
  halfLength: number,
  rotation: Mat3 = IDENTITY,
): Part {
  return makePart(name, { kind: 'prism', axis, outline, halfLength }, colour, at, rotation);
}

/**
 * Outline of a rectangle with corners rounded by `radius`, centred on (0, 0), as (u, v) pairs.
 * @param segments straight pieces per quarter circle. @default 4
 */
export function roundedRectangle(halfU: number, halfV: number, radius: number, segments = 4): number[] {
  const r = Math.min(radius, halfU, halfV);
  const out: number[] = [];
  const corners: [number, number][] = [
    [halfU - r, halfV - r],
    [-halfU + r, halfV - r],
    [-halfU + r, -halfV + r],
    [halfU - r, -halfV + r],
  ];
  corners.forEach(([cu, cv], k) => {
    for (let s = 0; s <= segments; s++) {
      const angle = ((k + s / segments) * Math.PI) / 2;
      out.push(cu + r * Math.cos(angle), cv + r * Math.sin(angle));
    }
  });
  return out;
}

/**
 * The parts mirrored across x = 0: positions, rotations, capsule ends, prism outlines and clips.
 * Every other primitive is symmetric about its local x = 0 plane, so the mirror image is exact.
 * @param suffix appended to each mirrored part's name. @default ' (left)'
 */
export function mirrorX(parts: readonly Part[], suffix = ' (left)'): Part[] {
  return parts.map((part) => {
    const [x, y, z] = part.transform.position;
    const r = part.transform.rotation;
    // Reflect the rotation: M R M with M = diag(-1, 1, 1).
    const rotation: Mat3 = [r[0], -r[1], -r[2], -r[3], r[4], r[5], -r[6], r[7], r[8]];
    let primitive = part.primitive;
    if (primitive.kind === 'capsule') {
      primitive = { ...primitive, a: [-primitive.a[0], primitive.a[1], primitive.a[2]], b: [-primitive.b[0], primitive.b[1], primitive.b[2]] };
    } else if (primitive.kind === 'prism' && primitive.axis !== 'x') {
      const outline = primitive.outline.map((value, i) => (i % 2 === 0 ? -value : value));
      primitive = { ...primitive, outline: reverseOutline(outline) };
    }
    const mirrored: Part = { ...part, name: part.name + suffix, primitive, transform: { position: [-x, y, z], rotation } };
    if (!part.clip) return mirrored;
    const [x0, y0, z0] = part.clip.min ?? [-Infinity, -Infinity, -Infinity];
    const [x1, y1, z1] = part.clip.max ?? [Infinity, Infinity, Infinity];
    return { ...mirrored, clip: { min: [-x1, y0, z0], max: [-x0, y1, z1] } };
  });
}

function reverseOutline(outline: number[]): number[] {
  const out: number[] = [];
  for (let i = outline.length - 2; i >= 0; i -= 2) out.push(outline[i]!, outline[i + 1]!);
  return out;
}

/** Colours in priority order with repeats removed; throws if one is not used by any part. */
function checkedColours(parts: readonly Part[], colours: readonly ColourName[]): ColourName[] {
  const unique = [...new Set(colours)];
  for (const colour of unique) {
    if (!parts.some((p) => p.colour === colour)) throw new Error(`colour ${colour} is named but no part uses it`);
  }
  return unique;
}

/**
 * Normalises the parts (centred, largest half extent 0.85) and assembles the generator's result;
 * drops undefined size words and features, and checks that every named colour is used.
 */
export function finish(
  category: Category,
  parts: readonly Part[],
  params: Record<string, number | string | boolean>,
  description: { subtype: string; colours: readonly ColourName[]; size: readonly (string | undefined)[]; features: readonly (Feature | undefined)[] },
): GeneratedShape {
  const attributes: Attributes = {
    category,
    subtype: description.subtype,
    colours: checkedColours(parts, description.colours),
    size: description.size.filter((s): s is string => s !== undefined),
    features: description.features.filter((f): f is Feature => f !== undefined),
  };
  return { shape: normalizeShape({ parts }), params, attributes };
}
