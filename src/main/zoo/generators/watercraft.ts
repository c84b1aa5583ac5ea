/** Watercraft: hulls pointing their bow toward +z with the deck at y = freeboard. */

import { Draw, box, capsule, cylinder, ellipsoid, feature, finish, withArticle, mirrorX, prism, roundBox } from '../build';
import { VIVID, type ColourName } from '../../vocabulary/colours';
import { type Part, rotationX, rotationZ } from '../sdf';
import type { GeneratedShape } from '../types';

/**
 * A hull of length 1: two lower half-ellipsoids (a long bow half and a short stern half) below
 * y = 0, and topsides above: the waterline outline extruded up to the deck; open boats get a
 * raised gunwale along the deck's edge.
 */
function hull(
  beam: number,
  depth: number,
  freeboard: number,
  bowShare: number,
  colours: { hull: ColourName; bottom: ColourName; deck: ColourName },
  gunwale: boolean,
): Part[] {
  const { hull: colour, bottom: bottomColour, deck: deckColour } = colours;
  const bow = bowShare;
  const stern = 1 - bowShare;
  const z0 = -0.5 + stern;
  const half = beam / 2;
  const outline: number[] = [];
  const inset: number[] = [];
  const samples = 10;
  // Waterline: bow half-ellipse on the +z side, stern half-ellipse on the -z side, traced counter-clockwise in (x, z).
  for (let k = 0; k < 2 * samples; k++) {
    const a = (k / samples) * Math.PI;
    const x = half * Math.cos(a);
    const z = z0 + (k <= samples ? bow : stern) * Math.sin(a);
    outline.push(x, z);
    inset.push(x * 0.9, z0 + (z - z0) * 0.92);
  }
  const rim: Part[] = [];
  if (gunwale) {
    const count = outline.length / 2;
    for (let k = 0; k < count; k++) {
      const j = (k + 1) % count;
      rim.push(capsule('gunwale', colour, [outline[2 * k]! * 0.97, freeboard + 0.012, outline[2 * k + 1]! * 0.97], [outline[2 * j]! * 0.97, freeboard + 0.012, outline[2 * j + 1]! * 0.97], 0.01));
    }
  }
  return [
    ...rim,
    ellipsoid('bow', bottomColour, [0, 0, z0], [half, depth, bow], undefined, { max: [Infinity, 0, Infinity], min: [-Infinity, -Infinity, 0] }),
    ellipsoid('stern', bottomColour, [0, 0, z0], [half, depth, stern], undefined, { max: [Infinity, 0, 0] }),
    prism('topsides', colour, [0, freeboard / 2 - 0.005, 0], 'y', outline, freeboard / 2 + 0.005),
    prism('deck', deckColour, [0, freeboard + 0.003, 0], 'y', inset, 0.004),
  ];
}

/** A watercraft: sailboat, motorboat, cargo ship, cruise ship or rowboat. */
export function watercraft(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['sailboat', 0.25], ['motorboat', 0.2], ['cargo', 0.2], ['cruise', 0.15], ['rowboat', 0.2]] as const);
  const ship = kind === 'cargo' || kind === 'cruise';
  const beam = ship ? d.uniform(0.12, 0.17) : kind === 'rowboat' ? d.uniform(0.2, 0.3) : d.uniform(0.22, 0.32);
  const depth = ship ? d.uniform(0.06, 0.09) : d.uniform(0.07, 0.11);
  const freeboard = ship ? d.uniform(0.06, 0.1) : d.uniform(0.045, 0.075);
  const bowShare = ship ? d.uniform(0.55, 0.7) : d.uniform(0.6, 0.75);
  const hullColour = d.colour(ship ? ['black', 'navy', 'blue', 'red', 'white', 'green', 'gray'] : [...VIVID, 'white', 'white', 'brown']);
  const bottomColour = ship && d.chance(0.6) ? d.colour(['red', 'maroon', 'black'], [hullColour]) : hullColour;
  const deckColour = d.colour(kind === 'rowboat' ? ['brown', 'beige'] : ['beige', 'brown', 'gray', 'white', 'green'], [hullColour]);
  const gunwale = kind === 'rowboat' || kind === 'motorboat';
  const parts: Part[] = hull(beam, depth, freeboard, bowShare, { hull: hullColour, bottom: bottomColour, deck: deckColour }, gunwale);
  const deck = freeboard + 0.006;
  const colours: ColourName[] = [hullColour, bottomColour];
  const features = [];
  let params: Record<string, number | string | boolean> = {};
  if (kind === 'sailboat') {
    const mastZ = d.uniform(0.0, 0.15);
    const mastHeight = d.uniform(0.6, 1.0);
    const boom = d.uniform(0.3, 0.45);
    const sailColour = d.colour(['white', 'white', 'beige', 'red', 'blue', 'yellow'], [hullColour]);
    const jib = d.chance(0.7);
    const twoMasts = d.chance(0.2);
    parts.push(cylinder('mast', 'silver', [0, deck + mastHeight / 2, mastZ], 'y', 0.006, mastHeight / 2));
    parts.push(prism('mainsail', sailColour, [0, 0, 0], 'x', [mastZ - 0.008, deck + 0.05, mastZ - 0.008, deck + mastHeight * 0.96, mastZ - boom, deck + 0.05], 0.003));
    if (jib) parts.push(prism('jib', sailColour, [0, 0, 0], 'x', [mastZ + 0.01, deck + 0.04, mastZ + 0.01, deck + mastHeight * 0.85, 0.45, deck + 0.02], 0.003));
    if (twoMasts) {
      const z = mastZ - boom - 0.03;
      parts.push(cylinder('mizzen mast', 'silver', [0, deck + mastHeight * 0.35, z], 'y', 0.005, mastHeight * 0.35));
      parts.push(prism('mizzen sail', sailColour, [0, 0, 0], 'x', [z - 0.008, deck + 0.04, z - 0.008, deck + mastHeight * 0.68, z - boom * 0.5, deck + 0.04], 0.003));
    }
    parts.push(prism('keel', hullColour, [0, 0, 0], 'x', [0.05, -depth + 0.01, -0.1, -depth + 0.01, -0.05, -depth - 0.12, 0.0, -depth - 0.12], 0.008));
    if (d.chance(0.6)) parts.push(roundBox('cabin', 'white', [0, deck + 0.025, mastZ - 0.12], [beam * 0.3, 0.03, 0.1], 0.015));
    colours.push(sailColour);
    features.push(feature(twoMasts ? 'two masts' : 'single mast', twoMasts ? 'two masts' : 'a single mast'), feature(`${sailColour} sails`, `${sailColour} sails`), jib ? feature('jib', 'a jib sail') : undefined);
    params = { mastZ, mastHeight, boom, jib, twoMasts };
  } else if (kind === 'motorboat') {
    const cabinLength = d.chance(0.5) ? d.uniform(0.2, 0.35) : 0;
    const cabinColour = d.colour(['white', 'gray', 'beige', ...VIVID], [hullColour]);
    const cabinZ = d.uniform(-0.05, 0.1);
    if (cabinLength > 0) {
      parts.push(roundBox('cabin', cabinColour, [0, deck + 0.04, cabinZ], [beam * 0.33, 0.045, cabinLength / 2], 0.02));
      parts.push(box('cabin windows', 'black', [0, deck + 0.055, cabinZ], [beam * 0.335, 0.015, cabinLength / 2 - 0.03]));
    } else {
      parts.push(box('windscreen', 'black', [0, deck + 0.035, cabinZ + 0.05], [beam * 0.35, 0.035, 0.005], rotationX(-0.5)));
      parts.push(box('console', cabinColour, [0, deck + 0.02, cabinZ], [beam * 0.15, 0.02, 0.04]));
    }
    const outboard = d.chance(0.6);
    if (outboard) {
      parts.push(box('outboard motor', 'black', [0, deck + 0.02, -0.5 + (1 - bowShare) * 0.02 - 0.02], [0.025, 0.03, 0.025]));
      parts.push(box('motor leg', 'black', [0, deck - 0.06, -0.5 - 0.02], [0.01, 0.05, 0.012]));
    }
    colours.push(cabinColour);
    features.push(cabinLength > 0 ? feature('cabin', `${withArticle(cabinColour)} cabin`) : feature('windscreen', 'a windscreen'), outboard ? feature('outboard motor', 'an outboard motor') : undefined);
    params = { cabinLength, cabinZ, outboard };
  } else if (ship) {
    const levels = d.int(kind === 'cruise' ? 3 : 2, kind === 'cruise' ? 5 : 3);
    const superLength = kind === 'cruise' ? d.uniform(0.55, 0.75) : d.uniform(0.12, 0.2);
    const superZ = kind === 'cruise' ? d.uniform(-0.1, 0.0) : d.uniform(-0.38, -0.3);
    const superColour = d.colour(['white', 'white', 'beige', 'gray'], [hullColour]);
    const tier = d.uniform(0.03, 0.045);
    for (let k = 0; k < levels; k++) {
      const length = superLength * (1 - 0.12 * k);
      parts.push(box('superstructure', superColour, [0, deck + tier * (k + 0.5), superZ - 0.01 * k], [beam * (0.42 - 0.03 * k), tier / 2, length / 2]));
      if (kind === 'cruise') parts.push(box('window band', 'black', [0, deck + tier * (k + 0.5), superZ - 0.01 * k], [beam * (0.42 - 0.03 * k) + 0.003, tier * 0.12, length / 2 - 0.02]));
    }
    const funnels = d.int(1, kind === 'cruise' ? 3 : 1);
    const funnelColour = d.colour(['red', 'yellow', 'black', 'blue', 'orange'], [superColour]);
    for (let k = 0; k < funnels; k++) {
      const z = superZ - superLength * 0.15 - k * 0.09 + (kind === 'cargo' ? -0.02 : 0);
      parts.push(cylinder('funnel', funnelColour, [0, deck + tier * levels + 0.04, z], 'y', 0.022, 0.05, rotationX(-0.2)));
    }
    colours.push(superColour, funnelColour);
    if (kind === 'cargo') {
      const rows = d.int(3, 6);
      const stacks = d.int(1, 3);
      const containerColours: ColourName[] = ['red', 'blue', 'green', 'orange', 'yellow', 'gray'];
      for (let r = 0; r < rows; r++) {
        for (let s = 0; s < stacks; s++) {
          for (const x of [-beam * 0.2, beam * 0.2]) parts.push(box('container', d.pick(containerColours), [x, deck + 0.018 + s * 0.036, superZ + 0.12 + r * 0.07], [beam * 0.18, 0.017, 0.032]));
        }
      }
      features.push(feature('containers', 'stacked containers'), feature('bridge at the stern', 'a bridge at the stern'));
      params = { levels, superLength, superZ, funnels, rows, stacks };
    } else {
      features.push(feature(`${levels} decks`, `${['', '', 'two', 'three', 'four', 'five'][levels]} decks`));
      params = { levels, superLength, superZ, funnels };
    }
    features.push(feature(`${funnels} funnels`, funnels === 1 ? `${withArticle(funnelColour)} funnel` : `${funnels === 2 ? 'two' : 'three'} ${funnelColour} funnels`));
  } else {
    const seats = d.int(2, 3);
    for (let k = 0; k < seats; k++) parts.push(box('thwart', deckColour, [0, deck + 0.012, -0.2 + (0.4 * k) / Math.max(seats - 1, 1)], [beam * 0.4, 0.006, 0.025]));
    const oars = d.chance(0.6);
    if (oars) {
      const oar = capsule('oar', 'brown', [beam * 0.3, deck + 0.02, 0.02], [beam * 0.5 + 0.25, -0.01, -0.08], 0.006);
      const blade = box('oar blade', 'brown', [beam * 0.5 + 0.24, -0.008, -0.078], [0.05, 0.004, 0.02], rotationZ(-0.1));
      parts.push(oar, blade, ...mirrorX([oar, blade]));
    }
    colours.push(deckColour);
    features.push(feature(`${seats} seats`, `${seats === 2 ? 'two' : 'three'} wooden seats`), oars ? feature('oars', 'oars') : undefined);
    params = { seats, oars };
  }
  const subtype = { sailboat: 'sailboat', motorboat: 'motorboat', cargo: 'cargo ship', cruise: 'cruise ship', rowboat: 'rowboat' }[kind];
  return finish(
    'watercraft',
    parts,
    { kind, beam, depth, freeboard, bowShare, ...params },
    {
      subtype,
      colours,
      size: [ship ? 'long' : kind === 'rowboat' ? 'small' : undefined, beam / 1 < 0.14 ? 'narrow' : beam > 0.28 ? 'wide' : undefined],
      features: [...features, bottomColour !== hullColour ? feature(`${bottomColour} bottom`, `${withArticle(bottomColour)} bottom`) : undefined],
    },
  );
}
