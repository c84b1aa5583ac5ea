/** Chairs, sofas and benches: seats facing +z with their backs toward -z. */

import { Draw, box, capsule, cylinder, feature, finish, level, mirrorX, roundBox, sphere } from '../build';
import { NEUTRAL, VIVID, WOODS, type ColourName } from '../../vocabulary/colours';
import { type Part, rotationX } from '../sdf';
import type { GeneratedShape } from '../types';

const SEAT_COLOURS: readonly ColourName[] = [...VIVID, 'brown', 'beige', 'black', 'white', 'gray'];

/** Four legs under a seat's corners, from the floor to `top`, splayed outward by `splay`. */
function fourLegs(
  colour: ColourName,
  halfWidth: number,
  halfDepth: number,
  top: number,
  radius: number,
  splay: number,
  square: boolean,
): Part[] {
  const legs: Part[] = [];
  for (const sx of [-1, 1]) {
    for (const sz of [-1, 1]) {
      const x = sx * halfWidth;
      const z = sz * halfDepth;
      legs.push(
        square && splay === 0
          ? box('leg', colour, [x, top / 2, z], [radius, top / 2, radius])
          : capsule('leg', colour, [x + sx * splay, radius, z + sz * splay], [x, top - radius, z], radius),
      );
    }
  }
  return legs;
}

/** A chair: four legs, swivel base, sled or pedestal; solid, slatted or ladder back; arms or not. */
export function chair(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const base = d.weighted([
    ['four legs', 0.5],
    ['swivel', 0.25],
    ['sled', 0.12],
    ['pedestal', 0.13],
  ] as const);
  const width = d.uniform(0.4, 0.6);
  const depth = d.uniform(0.38, 0.55);
  const seatHeight = d.uniform(0.38, 0.52);
  const seatThickness = d.uniform(0.03, 0.1);
  const backHeight = d.uniform(0.22, 0.8);
  const backTilt = d.uniform(0, 0.3);
  const backStyle = base === 'swivel' ? 'solid' : d.weighted([['solid', 0.5], ['slats', 0.25], ['ladder', 0.25]] as const);
  const legRadius = d.uniform(0.012, 0.04);
  const arms = d.chance(base === 'swivel' ? 0.6 : 0.35);
  const seatColour = d.colour(SEAT_COLOURS);
  const frameColour = d.colour(base === 'swivel' ? ['black', 'gray', 'silver'] : NEUTRAL, [seatColour]);
  const backColour = d.chance(0.8) ? seatColour : d.colour(SEAT_COLOURS, [seatColour, frameColour]);
  const hw = width / 2;
  const hd = depth / 2;
  const seatTop = seatHeight;
  const seatBottom = seatHeight - seatThickness;
  const soft = base === 'swivel' || d.chance(0.3);
  const parts: Part[] = [roundBox('seat', seatColour, [0, seatBottom + seatThickness / 2, 0], [hw, seatThickness / 2, hd], soft ? 0.02 : 0.005)];

  const square = d.chance(0.5);
  const splay = base === 'four legs' && d.chance(0.4) ? d.uniform(0.02, 0.06) : 0;
  if (base === 'four legs') {
    parts.push(...fourLegs(frameColour, hw - legRadius, hd - legRadius, seatBottom, legRadius, splay, square));
    if (d.chance(0.4)) {
      for (const sx of [-1, 1]) {
        parts.push(box('stretcher', frameColour, [sx * (hw - legRadius), seatBottom * 0.35, 0], [legRadius * 0.6, legRadius * 0.6, hd]));
      }
    }
  } else if (base === 'swivel') {
    const spokes = d.chance(0.8) ? 5 : 4;
    const reach = Math.max(hw, hd) * d.uniform(0.9, 1.2);
    const hub = 0.07;
    parts.push(cylinder('column', frameColour, [0, (hub + seatBottom) / 2, 0], 'y', legRadius + 0.015, (seatBottom - hub) / 2));
    for (let k = 0; k < spokes; k++) {
      const angle = (2 * Math.PI * k) / spokes + Math.PI / spokes;
      const end: [number, number, number] = [reach * Math.sin(angle), hub, reach * Math.cos(angle)];
      parts.push(capsule('spoke', frameColour, [0, hub, 0], end, 0.02));
      parts.push(sphere('caster', 'black', [end[0], 0.025, end[2]], 0.028));
    }
  } else if (base === 'sled') {
    for (const sx of [-1, 1]) {
      const x = sx * (hw - 0.02);
      parts.push(capsule('runner', frameColour, [x, legRadius, -hd], [x, legRadius, hd], legRadius));
      parts.push(capsule('runner', frameColour, [x, legRadius, hd], [x, seatBottom, hd - 0.05], legRadius));
      parts.push(capsule('runner', frameColour, [x, legRadius, -hd], [x, seatBottom, -hd + 0.05], legRadius));
    }
  } else {
    const footRadius = Math.max(hw, hd) * d.uniform(0.6, 0.9);
    parts.push(cylinder('pedestal', frameColour, [0, seatBottom / 2, 0], 'y', legRadius + 0.02, seatBottom / 2));
    parts.push(cylinder('foot', frameColour, [0, 0.015, 0], 'y', footRadius, 0.015));
  }

  // The back pivots about the seat's rear edge and leans toward -z.
  const backThickness = d.uniform(0.025, 0.07);
  const backRotation = rotationX(-backTilt);
  const up = (h: number): [number, number, number] => [0, seatTop + Math.cos(backTilt) * h, -hd + backThickness / 2 - Math.sin(backTilt) * h];
  if (backStyle === 'solid') {
    parts.push(roundBox('back', backColour, up(backHeight / 2), [hw * d.uniform(0.85, 1), backHeight / 2, backThickness / 2], soft ? 0.02 : 0.005, backRotation));
  } else {
    const post = Math.max(legRadius * 0.8, 0.015);
    const [, postY, postZ] = up(backHeight / 2);
    for (const sx of [-1, 1]) parts.push(box('back post', frameColour, [sx * (hw - post), postY, postZ], [post, backHeight / 2, post], backRotation));
    const rail = d.uniform(0.03, 0.07);
    parts.push(box('top rail', backColour, up(backHeight - rail / 2), [hw, rail / 2, backThickness / 2], backRotation));
    if (backStyle === 'slats') {
      const count = d.int(2, 5);
      const [, slatY, slatZ] = up((backHeight - rail) / 2);
      for (let k = 0; k < count; k++) {
        const x = -hw + ((k + 1) * width) / (count + 1);
        parts.push(box('slat', backColour, [x, slatY, slatZ], [0.018, (backHeight - rail) / 2, backThickness / 3], backRotation));
      }
    } else {
      const count = d.int(1, 3);
      for (let k = 1; k <= count; k++) parts.push(box('rail', backColour, up(((backHeight - rail) * k) / (count + 1)), [hw, 0.02, backThickness / 3], backRotation));
    }
  }
  if (arms) {
    const armHeight = d.uniform(0.16, 0.26);
    const pad = base === 'swivel' ? 0.035 : Math.max(legRadius, 0.02);
    const armColour = base === 'swivel' ? frameColour : d.chance(0.5) ? frameColour : seatColour;
    const right: Part[] = [
      box('armrest', armColour, [hw + pad, seatTop + armHeight, -0.02], [pad, 0.02, hd * 0.85]),
      capsule('arm support', armColour, [hw + pad, seatTop - 0.02, base === 'swivel' ? 0 : hd * 0.7], [hw + pad, seatTop + armHeight, base === 'swivel' ? 0 : hd * 0.7], pad * 0.6),
    ];
    parts.push(...right, ...mirrorX(right));
  }
  const subtype = base === 'swivel' ? 'office chair' : arms ? 'armchair' : base === 'four legs' && backStyle !== 'solid' ? 'dining chair' : 'chair';
  const backLevel = level(backHeight, 0.22, 0.8);
  const legLevel = level(legRadius, 0.012, 0.04);
  return finish(
    'chair',
    parts,
    { base, width, depth, seatHeight, seatThickness, backHeight, backTilt, backStyle, legRadius, arms, splay },
    {
      subtype,
      colours: [seatColour, backColour, frameColour],
      size: [level(width, 0.4, 0.6) === 'high' ? 'wide' : level(width, 0.4, 0.6) === 'low' ? 'narrow' : undefined],
      features: [
        backLevel === 'high' ? feature('tall back', 'a tall back', 'tall-backed') : backLevel === 'low' ? feature('low back', 'a low back', 'low-backed') : undefined,
        base === 'four legs'
          ? legLevel === 'low'
            ? feature('thin legs', 'four thin legs', 'thin-legged')
            : legLevel === 'high'
              ? feature('thick legs', 'four thick legs', 'thick-legged')
              : feature('four legs', 'four legs', 'four-legged')
          : base === 'swivel'
            ? feature('swivel base', 'a swivel base on wheels')
            : base === 'sled'
              ? feature('sled base', 'a sled base')
              : feature('pedestal base', 'a single pedestal base'),
        arms ? feature('arms', 'armrests') : feature('no arms', 'no arms', 'armless'),
        backStyle === 'slats' ? feature('slatted back', 'a slatted back', 'slat-backed') : backStyle === 'ladder' ? feature('ladder back', 'a ladder back', 'ladder-backed') : undefined,
        backTilt > 0.2 ? feature('reclined back', 'a reclined back') : undefined,
      ],
    },
  );
}

/** A sofa: a padded base, back and arms, one to three seat cushions, sometimes a chaise. */
export function sofa(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const seats = d.int(1, 3);
  const width = seats === 1 ? d.uniform(0.9, 1.2) : d.uniform(0.65, 0.85) * seats + 0.3;
  const depth = d.uniform(0.75, 1.0);
  const legHeight = d.chance(0.6) ? d.uniform(0.04, 0.15) : 0;
  const baseTop = d.uniform(0.28, 0.36);
  const cushion = d.uniform(0.08, 0.14);
  const backHeight = d.uniform(0.25, 0.55);
  const backDepth = d.uniform(0.15, 0.28);
  const armStyle = d.weighted([['square', 0.4], ['rolled', 0.35], ['none', 0.25]] as const);
  const armWidth = d.uniform(0.1, 0.25);
  const armHeight = d.uniform(0.12, 0.3);
  const chaise = seats >= 2 && d.chance(0.3);
  const radius = d.uniform(0.02, 0.07);
  const colour = d.colour([...VIVID, 'gray', 'beige', 'brown', 'black', 'white']);
  const cushionColour = d.chance(0.75) ? colour : d.colour(['white', 'beige', 'gray', ...VIVID], [colour]);
  const legColour = d.colour(['black', 'brown', 'silver', 'beige'], [colour]);
  const hw = width / 2;
  const hd = depth / 2;
  const innerHalf = armStyle === 'none' ? hw : hw - armWidth;
  const parts: Part[] = [roundBox('base', colour, [0, (legHeight + baseTop) / 2, 0], [hw, (baseTop - legHeight) / 2, hd], radius)];
  const seatDepth = depth - backDepth;
  const seatZ = hd - seatDepth / 2;
  for (let k = 0; k < seats; k++) {
    const cw = (2 * innerHalf) / seats;
    const x = -innerHalf + cw * (k + 0.5);
    parts.push(roundBox('seat cushion', cushionColour, [x, baseTop + cushion / 2, seatZ], [cw / 2 - 0.005, cushion / 2, seatDepth / 2], 0.04));
  }
  const backTop = baseTop + cushion + backHeight;
  parts.push(roundBox('back', colour, [0, (baseTop + backTop) / 2, -hd + backDepth / 2], [hw, (backTop - baseTop) / 2, backDepth / 2], Math.max(radius, 0.04)));
  if (armStyle !== 'none') {
    const top = baseTop + armHeight;
    const right: Part[] =
      armStyle === 'square'
        ? [roundBox('arm', colour, [hw - armWidth / 2, (legHeight + top) / 2, 0], [armWidth / 2, (top - legHeight) / 2, hd], radius)]
        : [
            roundBox('arm', colour, [hw - armWidth / 2, (legHeight + top - armWidth / 2) / 2, 0], [armWidth / 2, (top - armWidth / 2 - legHeight) / 2, hd], radius),
            cylinder('arm roll', colour, [hw - armWidth / 2, top - armWidth / 2, 0], 'z', armWidth / 2 + 0.02, hd),
          ];
    parts.push(...right, ...mirrorX(right));
  }
  if (chaise) {
    const chaiseLength = d.uniform(0.5, 0.8);
    const cx = (d.chance(0.5) ? 1 : -1) * (innerHalf - 0.3);
    parts.push(roundBox('chaise', colour, [cx, (legHeight + baseTop) / 2, hd + chaiseLength / 2 - 0.05], [0.3, (baseTop - legHeight) / 2, chaiseLength / 2 + 0.05], radius));
    parts.push(roundBox('chaise cushion', cushionColour, [cx, baseTop + cushion / 2, hd + chaiseLength / 2 - 0.05], [0.3, cushion / 2, chaiseLength / 2 + 0.05], 0.04));
    if (legHeight > 0) {
      const frontZ = hd + chaiseLength;
      for (const sx of [-1, 1]) parts.push(box('leg', legColour, [cx + sx * 0.24, legHeight / 2 + 0.005, frontZ - 0.06], [0.025, legHeight / 2 + 0.005, 0.025]));
    }
  }
  if (legHeight > 0) parts.push(...fourLegs(legColour, hw - 0.06, hd - 0.06, legHeight + 0.01, d.uniform(0.015, 0.035), 0, d.chance(0.5)));
  const pillowColour = d.chance(0.4) ? d.colour(['white', 'beige', ...VIVID], [colour]) : undefined;
  if (pillowColour) {
    const cw = (2 * innerHalf) / seats;
    for (let k = 0; k < seats; k++) {
      parts.push(roundBox('pillow', pillowColour, [-innerHalf + cw * (k + 0.5), baseTop + cushion + 0.16, -hd + backDepth + 0.05], [Math.min(0.2, cw / 2 - 0.05), 0.15, 0.05], 0.05, rotationX(-0.2)));
    }
  }
  const backLevel = level(backHeight, 0.25, 0.55);
  return finish(
    'sofa',
    parts,
    { seats, width, depth, legHeight, baseTop, cushion, backHeight, backDepth, armStyle, armWidth, armHeight, chaise, pillows: pillowColour !== undefined },
    {
      subtype: chaise ? 'sectional sofa' : seats === 1 ? 'single-seat sofa' : seats === 2 ? 'loveseat' : 'sofa',
      colours: [colour, cushionColour, ...(pillowColour ? [pillowColour] : []), ...(legHeight > 0 ? [legColour] : [])],
      size: [seats === 3 ? 'long' : seats === 1 ? 'small' : undefined, level(depth, 0.75, 1.0) === 'high' ? 'deep' : undefined],
      features: [
        feature(`${seats} seats`, seats === 1 ? 'a single seat cushion' : `${seats === 2 ? 'two' : 'three'} seat cushions`),
        armStyle === 'none' ? feature('no arms', 'no arms', 'armless') : armStyle === 'rolled' ? feature('rolled arms', 'rolled arms') : feature('square arms', 'square arms'),
        backLevel === 'high' ? feature('high back', 'a high back', 'high-backed') : backLevel === 'low' ? feature('low back', 'a low back', 'low-backed') : undefined,
        chaise ? feature('chaise', 'a chaise longue') : undefined,
        legHeight > 0 ? feature('legs', 'short legs') : feature('no legs', 'a base that sits on the floor'),
        pillowColour ? feature('pillows', `${pillowColour} throw pillows`) : undefined,
      ],
    },
  );
}

/** A bench: a long seat (plank or slats) on legs, panels or trestles, with or without a back. */
export function bench(next: () => number): GeneratedShape {
  const d = new Draw(next);
  // A backless bench stays long, narrow and low, so that it does not read as a table.
  const back = d.chance(0.55);
  const length = back ? d.uniform(1.0, 2.0) : d.uniform(1.3, 2.0);
  const depth = back ? d.uniform(0.3, 0.5) : d.uniform(0.28, 0.4);
  const seatHeight = back ? d.uniform(0.38, 0.5) : d.uniform(0.36, 0.45);
  const thickness = d.uniform(0.04, 0.08);
  const support = d.weighted([['legs', 0.4], ['panels', 0.3], ['trestles', 0.3]] as const);
  const slats = d.chance(0.45) ? d.int(3, 5) : 0;
  const arms = back && d.chance(0.5);
  const legRadius = d.uniform(0.02, 0.045);
  const seatColour = d.colour([...WOODS, ...VIVID]);
  const frameColour = d.colour(['black', 'gray', 'silver', 'brown', 'white', 'green'], [seatColour]);
  const hl = length / 2;
  const hd = depth / 2;
  const bottom = seatHeight - thickness;
  const parts: Part[] = [];
  if (slats > 0) {
    const gap = 0.015;
    const slatDepth = (depth - gap * (slats - 1)) / slats;
    for (let k = 0; k < slats; k++) parts.push(box('seat slat', seatColour, [0, bottom + thickness / 2, -hd + slatDepth / 2 + k * (slatDepth + gap)], [hl, thickness / 2, slatDepth / 2]));
    parts.push(box('seat rail', frameColour, [0, bottom - 0.02, 0], [hl * 0.9, 0.02, 0.02]));
  } else {
    parts.push(box('seat', seatColour, [0, bottom + thickness / 2, 0], [hl, thickness / 2, hd]));
  }
  const inset = d.uniform(0.05, 0.2);
  const ends = [-hl + inset, hl - inset];
  if (support === 'legs') {
    const six = length > 1.6 && d.chance(0.6);
    parts.push(...fourLegs(frameColour, hl - inset, hd - legRadius - 0.01, bottom, legRadius, 0, d.chance(0.5)));
    if (six) parts.push(...fourLegs(frameColour, 0.001, hd - legRadius - 0.01, bottom, legRadius, 0, true).slice(0, 2));
  } else if (support === 'panels') {
    const panel = d.uniform(0.025, 0.06);
    const panelColour = d.chance(0.5) ? frameColour : seatColour;
    for (const x of ends) parts.push(box('end panel', panelColour, [x, bottom / 2, 0], [panel, bottom / 2, hd * 0.95]));
  } else {
    for (const x of ends) {
      for (const sz of [-1, 1]) parts.push(capsule('trestle leg', frameColour, [x, legRadius, sz * hd * 0.9], [x, bottom, sz * hd * 0.3], legRadius));
      parts.push(box('trestle foot', frameColour, [x, bottom - 0.02, 0], [legRadius, 0.02, hd * 0.8]));
    }
    parts.push(box('stretcher', frameColour, [0, bottom * 0.45, 0], [hl - inset, legRadius * 0.7, legRadius * 0.7]));
  }
  const backHeight = d.uniform(0.25, 0.45);
  const backTilt = d.uniform(0.05, 0.3);
  if (back) {
    const rot = rotationX(-backTilt);
    const at = (h: number): [number, number, number] => [0, seatHeight + Math.cos(backTilt) * h, -hd + 0.03 - Math.sin(backTilt) * h];
    const backSlats = d.int(2, 4);
    for (let k = 0; k < backSlats; k++) {
      const h = ((k + 0.5) * backHeight) / backSlats + 0.03;
      parts.push(box('back slat', seatColour, at(h), [hl, Math.min(0.045, backHeight / backSlats / 2 - 0.01), 0.015], rot));
    }
    const [, postY, postZ] = at(backHeight / 2);
    for (const x of ends) parts.push(box('back post', frameColour, [x, postY, postZ], [0.025, backHeight / 2 + 0.04, 0.025], rot));
  }
  if (arms) {
    for (const x of [-hl + 0.03, hl - 0.03]) {
      parts.push(box('armrest', frameColour, [x, seatHeight + 0.2, 0], [0.03, 0.02, hd]));
      parts.push(capsule('arm support', frameColour, [x, seatHeight, hd * 0.8], [x, seatHeight + 0.2, hd * 0.8], 0.02));
    }
  }
  if (!parts.some((p) => p.colour === frameColour)) parts.push(box('seat rail', frameColour, [0, bottom - 0.02, 0], [hl * 0.9, 0.02, 0.02]));
  const lengthLevel = level(length, 1.0, 2.0);
  return finish(
    'bench',
    parts,
    { length, depth, seatHeight, thickness, support, slats, back, arms, legRadius, backHeight, backTilt },
    {
      subtype: back ? (slats > 0 ? 'park bench' : 'garden bench') : 'bench',
      colours: [seatColour, frameColour],
      size: [lengthLevel === 'high' ? 'long' : lengthLevel === 'low' ? 'short' : undefined, level(depth, 0.3, 0.5) === 'low' ? 'narrow' : undefined],
      features: [
        back ? feature('backrest', 'a backrest') : feature('no back', 'no back', 'backless'),
        slats > 0 ? feature('slatted seat', 'a slatted seat', 'slatted') : undefined,
        support === 'legs' ? feature('legs', 'straight legs') : support === 'panels' ? feature('panel ends', 'solid panel ends') : feature('trestle legs', 'trestle legs'),
        arms ? feature('arms', 'armrests') : undefined,
      ],
    },
  );
}
