/** Airplanes and cars: vehicles pointing toward +z. */

import { Draw, box, capsule, cone, cylinder, ellipsoid, feature, finish, withArticle, mirrorX, prism } from '../build';
import { VIVID, type ColourName } from '../../vocabulary/colours';
import { type Part, rotationZ } from '../sdf';
import type { GeneratedShape } from '../types';

/** The outline of a tapered, swept wing in (x, z), root at x = 0, leading edge toward +z. */
function wingOutline(span: number, rootChord: number, tipChord: number, sweep: number, rootZ: number): number[] {
  const lead = rootZ + rootChord / 2;
  return [0, lead, span, lead - sweep, span, lead - sweep - tipChord, 0, rootZ - rootChord / 2];
}

/** An airplane: airliner, fighter, propeller plane or glider, length 1 along z. */
export function airplane(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['airliner', 0.4], ['fighter', 0.25], ['propeller', 0.2], ['glider', 0.15]] as const);
  const radius = kind === 'glider' ? d.uniform(0.04, 0.05) : kind === 'fighter' ? d.uniform(0.055, 0.075) : d.uniform(0.055, 0.085);
  const span = { airliner: d.uniform(0.4, 0.55), fighter: d.uniform(0.24, 0.34), propeller: d.uniform(0.45, 0.6), glider: d.uniform(0.6, 0.8) }[kind];
  const rootChord = { airliner: d.uniform(0.16, 0.24), fighter: d.uniform(0.35, 0.5), propeller: d.uniform(0.12, 0.17), glider: d.uniform(0.08, 0.11) }[kind];
  const taper = { airliner: d.uniform(0.25, 0.4), fighter: d.uniform(0.05, 0.25), propeller: d.uniform(0.6, 1), glider: d.uniform(0.4, 0.6) }[kind];
  const sweepAngle = { airliner: d.uniform(0.45, 0.65), fighter: d.uniform(0.7, 1.0), propeller: d.uniform(0, 0.08), glider: d.uniform(0, 0.1) }[kind];
  const wingZ = { airliner: d.uniform(0.0, 0.08), fighter: d.uniform(-0.2, -0.12), propeller: d.uniform(0.08, 0.16), glider: d.uniform(0.05, 0.12) }[kind];
  const wingHeight = kind === 'propeller' || kind === 'glider' ? d.pick([-0.6, 0.8]) : kind === 'fighter' ? 0 : -0.5;
  const dihedral = kind === 'airliner' ? d.uniform(0.04, 0.1) : kind === 'fighter' ? d.uniform(-0.05, 0.02) : d.uniform(0, 0.06);
  const tTail = (kind === 'airliner' && d.chance(0.3)) || (kind === 'glider' && d.chance(0.6));
  const engines = kind === 'airliner' ? (tTail ? d.pick(['tail 2', 'wing 2']) : d.pick(['wing 2', 'wing 2', 'wing 4'])) : kind === 'propeller' ? d.pick(['nose', 'nose', 'wing 2']) : 'none';
  const twinFins = kind === 'fighter' && d.chance(0.6);
  const bodyColour = d.colour(['white', 'white', 'gray', 'silver', ...VIVID]);
  const wingColour = d.chance(0.6) ? bodyColour : d.colour(['gray', 'silver', 'white', ...VIVID], [bodyColour]);
  const tailColour = d.chance(0.5) ? bodyColour : d.colour(VIVID, [bodyColour]);
  const trimColour = d.colour(['gray', 'silver', 'black', 'white'], [bodyColour]);
  const r = radius;
  const parts: Part[] = [
    capsule('fuselage', bodyColour, [0, 0, -0.22], [0, 0, 0.3], r),
    capsule('nose', bodyColour, [0, 0, 0.3], [0, -0.2 * r, 0.5 - 0.3 * r], r, 0.3 * r),
    capsule('tail cone', bodyColour, [0, 0, -0.22], [0, 0.5 * r, -0.5 + 0.25 * r], r, 0.25 * r),
  ];
  if (kind === 'fighter') parts.push(ellipsoid('canopy', 'black', [0, 0.8 * r, 0.22], [0.55 * r, 0.6 * r, 0.1]));
  const semi = span;
  const thickness = kind === 'fighter' ? 0.014 : 0.017;
  const wing = prism('wing', wingColour, [0, wingHeight * r, 0], 'y', wingOutline(semi, rootChord, rootChord * taper, Math.tan(sweepAngle) * semi, wingZ), thickness, rotationZ(dihedral));
  const right: Part[] = [wing];
  const leadingEdgeAt = (x: number): number => wingZ + rootChord / 2 - (Math.tan(sweepAngle) * x);
  if (engines.startsWith('wing')) {
    const count = engines === 'wing 4' ? 2 : 1;
    const nacelle = kind === 'propeller' ? r * 0.7 : d.uniform(0.028, 0.04);
    for (let k = 0; k < count; k++) {
      const x = semi * (count === 1 ? 0.35 : 0.28 + 0.3 * k);
      const y = wingHeight * r + x * Math.sin(dihedral) - nacelle - (kind === 'propeller' && wingHeight > 0 ? -2 * nacelle : 0.005);
      const z = leadingEdgeAt(x) - 0.02;
      right.push(cylinder('engine', trimColour, [x, y, z], 'z', nacelle, 0.08));
      if (kind === 'propeller') right.push(box('propeller', 'black', [x, y, z + 0.085], [0.008, nacelle * 2.6, 0.004]));
    }
  } else if (engines === 'tail 2') {
    right.push(cylinder('engine', trimColour, [r + 0.035, 0.6 * r, -0.3], 'z', 0.035, 0.08));
  }
  parts.push(...right, ...mirrorX(right));
  if (engines === 'nose') {
    parts.push(cone('spinner', trimColour, [0, -0.2 * r, 0.5], 'z', 0.3 * r, 0.05 * r, 0.03));
    const blades = d.int(2, 3);
    for (let k = 0; k < blades; k++) parts.push(box('propeller', 'black', [0, -0.2 * r, 0.5], [0.008, r * 2.2, 0.004], rotationZ((Math.PI * k) / blades)));
  }
  // Tail surfaces: a vertical fin (or two) and horizontal stabilisers, at the fin's top for a T-tail.
  const finHeight = (kind === 'fighter' ? d.uniform(0.1, 0.14) : d.uniform(0.11, 0.17)) * (kind === 'glider' ? 1.2 : 1);
  const finChord = kind === 'fighter' ? d.uniform(0.13, 0.18) : d.uniform(0.1, 0.16);
  const finRootLead = -0.5 + 0.03 + finChord;
  const finSweep = finHeight * d.uniform(0.5, 1.0);
  const finBase = 0.3 * r;
  const finOutline = [finRootLead, finBase, finRootLead - finChord, finBase, finRootLead - finSweep - finChord * 0.55, finBase + finHeight, finRootLead - finSweep, finBase + finHeight];
  if (twinFins) {
    const fin = prism('fin', tailColour, [0.07, 0, 0], 'x', finOutline, 0.01, rotationZ(-0.3));
    parts.push(fin, ...mirrorX([fin]));
  } else parts.push(prism('fin', tailColour, [0, 0, 0], 'x', finOutline, 0.012));
  const tailSpan = kind === 'fighter' ? d.uniform(0.13, 0.18) : d.uniform(0.12, 0.2);
  const tailChord = finChord * d.uniform(0.7, 1.0);
  const tailY = tTail ? finBase + finHeight : 0.35 * r;
  const tailLead = tTail ? finRootLead - finSweep : -0.5 + 0.03 + tailChord;
  const stabiliser = prism('stabiliser', tailColour, [0, tailY, 0], 'y', wingOutline(tailSpan, tailChord, tailChord * 0.55, tailSpan * 0.5, tailLead - tailChord / 2), 0.011);
  parts.push(stabiliser, ...mirrorX([stabiliser]));
  const engineCount = engines === 'wing 4' ? 4 : engines === 'nose' ? 1 : engines === 'none' ? 0 : 2;
  const subtype = { airliner: 'airliner', fighter: 'fighter jet', propeller: 'propeller plane', glider: 'glider' }[kind];
  const wingWord = kind === 'fighter' && taper < 0.15 ? 'delta' : sweepAngle > 0.3 ? 'swept' : 'straight';
  return finish(
    'airplane',
    parts,
    { kind, radius, span, rootChord, taper, sweepAngle, wingZ, wingHeight, dihedral, tTail, engines, twinFins, finHeight },
    {
      subtype,
      colours: [bodyColour, wingColour, tailColour],
      size: [kind === 'glider' ? 'long-winged' : span < 0.3 ? 'compact' : undefined, radius > 0.065 ? 'wide-bodied' : radius < 0.04 ? 'slender' : undefined],
      features: [
        feature(`${wingWord} wings`, `${wingWord} wings`),
        engineCount === 0 ? undefined : engines === 'nose' ? feature('nose propeller', 'a propeller on the nose') : feature(`${engineCount} engines`, `${engineCount === 4 ? 'four' : 'two'} ${engines === 'tail 2' ? 'rear-mounted ' : ''}${kind === 'propeller' ? 'propeller engines' : 'engines'}`),
        tTail ? feature('t-tail', 'a T-tail') : undefined,
        twinFins ? feature('twin tail', 'twin tail fins') : undefined,
        wingHeight > 0 ? feature('high wings', 'high-mounted wings', 'high-winged') : undefined,
        tailColour !== bodyColour ? feature(`${tailColour} tail`, `${withArticle(tailColour)} tail`) : undefined,
      ],
    },
  );
}

const CAR_COLOURS: readonly ColourName[] = [...VIVID, 'white', 'black', 'silver', 'gray', 'beige'];

/** A car: sedan, hatchback, SUV, van, sports car or pickup; a body prism, glass, roof, wheels. */
export function car(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['sedan', 0.25], ['hatchback', 0.15], ['suv', 0.2], ['van', 0.1], ['sports', 0.15], ['pickup', 0.15]] as const);
  const length = kind === 'hatchback' ? d.uniform(3.6, 4.2) : kind === 'pickup' || kind === 'van' ? d.uniform(4.8, 5.4) : d.uniform(4.2, 5.0);
  const width = d.uniform(1.7, 2.0);
  const wheel = kind === 'suv' || kind === 'pickup' ? d.uniform(0.37, 0.45) : kind === 'sports' ? d.uniform(0.32, 0.36) : d.uniform(0.3, 0.36);
  const bottom = wheel * (kind === 'sports' ? 0.45 : kind === 'suv' || kind === 'pickup' ? 0.9 : 0.6);
  const belt = { sedan: d.uniform(0.85, 0.95), hatchback: d.uniform(0.85, 0.95), suv: d.uniform(1.05, 1.2), van: d.uniform(1.0, 1.1), sports: d.uniform(0.72, 0.82), pickup: d.uniform(1.05, 1.15) }[kind];
  const roof = { sedan: d.uniform(1.38, 1.5), hatchback: d.uniform(1.42, 1.55), suv: d.uniform(1.68, 1.85), van: d.uniform(1.9, 2.1), sports: d.uniform(1.1, 1.22), pickup: d.uniform(1.75, 1.9) }[kind];
  const hood = { sedan: d.uniform(1.0, 1.25), hatchback: d.uniform(0.75, 0.95), suv: d.uniform(0.9, 1.1), van: d.uniform(0.35, 0.55), sports: d.uniform(1.3, 1.6), pickup: d.uniform(1.1, 1.3) }[kind];
  const hl = length / 2;
  const hw = width / 2;
  const nose = belt - (kind === 'van' ? 0.05 : d.uniform(0.08, 0.2));
  const shieldBase = hl - hood;
  const shieldRun = (roof - belt) * (kind === 'van' ? 0.5 : kind === 'sports' ? 1.9 : d.uniform(0.9, 1.4));
  const roofFront = shieldBase - shieldRun;
  let roofRear: number;
  let backBase: number;
  if (kind === 'sedan') {
    roofRear = roofFront - d.uniform(0.9, 1.25);
    backBase = roofRear - d.uniform(0.45, 0.65);
  } else if (kind === 'sports') {
    roofRear = roofFront - d.uniform(0.35, 0.6);
    backBase = -hl + d.uniform(0.3, 0.6);
  } else if (kind === 'pickup') {
    roofRear = roofFront - d.uniform(0.8, 1.3);
    backBase = roofRear - 0.08;
  } else {
    backBase = -hl + (kind === 'hatchback' ? 0.2 : 0.08);
    roofRear = backBase + (kind === 'hatchback' ? d.uniform(0.25, 0.4) : 0.12);
  }
  const bodyColour = d.colour(CAR_COLOURS);
  const glassColour = d.colour(['gray', 'silver', 'white'].includes(bodyColour) ? ['black', 'navy'] : ['black', 'black', 'navy', 'gray', 'teal'], [bodyColour]);
  const hubColour = d.colour(['silver', 'gray', 'white', 'black']);
  const deck = kind === 'pickup' ? bottom + 0.45 : kind === 'sedan' ? belt - 0.03 : belt - 0.1;
  const body = [-hl, bottom + 0.08, -hl + 0.1, bottom, hl - 0.15, bottom, hl, bottom + 0.12, hl, nose - 0.05, hl - 0.1, nose, shieldBase, belt, backBase, belt, kind === 'pickup' ? backBase : -hl + 0.05, kind === 'pickup' ? deck : belt - 0.05, -hl, deck - 0.05];
  const cabinHalf = hw * (kind === 'van' || kind === 'suv' ? 0.95 : 0.88);
  const cabin = [backBase, belt - 0.05, shieldBase, belt - 0.05, roofFront, roof, roofRear, roof];
  const glassTop = roof - 0.07;
  const along = (z0: number, z1: number, y: number): number => z0 + ((z1 - z0) * (y - belt)) / (roof - belt);
  const glassBottom = belt + 0.04;
  const glass = [along(backBase, roofRear, glassBottom) - 0.02, glassBottom, along(shieldBase, roofFront, glassBottom) + 0.02, glassBottom, along(shieldBase, roofFront, glassTop) + 0.02, glassTop, along(backBase, roofRear, glassTop) - 0.02, glassTop];
  const parts: Part[] = [
    prism('body', bodyColour, [0, 0, 0], 'x', body, hw),
    prism('cabin', bodyColour, [0, 0, 0], 'x', cabin, cabinHalf),
    prism('windows', glassColour, [0, 0, 0], 'x', glass, cabinHalf + 0.015),
  ];
  const front = hl - d.uniform(0.75, 0.95);
  const rear = -hl + d.uniform(kind === 'sports' ? 0.8 : 0.65, 1.0);
  const tyreHalf = d.uniform(0.1, 0.14);
  const rightWheels: Part[] = [];
  for (const z of [front, rear]) {
    rightWheels.push(cylinder('tyre', 'black', [hw - tyreHalf + 0.03, wheel, z], 'x', wheel, tyreHalf));
    rightWheels.push(cylinder('hub', hubColour, [hw - tyreHalf + 0.04, wheel, z], 'x', wheel * 0.55, tyreHalf));
  }
  parts.push(...rightWheels, ...mirrorX(rightWheels));
  const lights: Part[] = [
    box('headlight', d.pick(['white', 'yellow'] as const), [hw * 0.68, nose - 0.1, hl - 0.02], [0.15, 0.05, 0.03]),
    box('tail light', 'red', [hw * 0.75, deck - 0.12, -hl + 0.01], [0.12, 0.05, 0.03]),
  ];
  parts.push(...lights, ...mirrorX(lights));
  if (kind === 'pickup') {
    const wall: Part = box('bed wall', bodyColour, [hw - 0.05, (deck + belt) / 2, (backBase - hl) / 2], [0.05, (belt - deck) / 2, (backBase + hl) / 2]);
    parts.push(wall, ...mirrorX([wall]), box('tailgate', bodyColour, [0, (deck + belt) / 2, -hl + 0.04], [hw, (belt - deck) / 2, 0.04]));
  }
  const spoiler = kind === 'sports' && d.chance(0.5);
  if (spoiler) {
    parts.push(box('spoiler', d.chance(0.5) ? 'black' : bodyColour, [0, belt + 0.18, -hl + 0.25], [hw * 0.9, 0.02, 0.14]));
    for (const x of [-hw * 0.6, hw * 0.6]) parts.push(box('spoiler post', 'black', [x, belt + 0.08, -hl + 0.25], [0.03, 0.1, 0.05]));
  }
  const rack = kind === 'suv' && d.chance(0.5);
  if (rack) for (const x of [-cabinHalf * 0.8, cabinHalf * 0.8]) parts.push(box('roof rail', 'black', [x, roof + 0.04, (roofFront + roofRear) / 2], [0.03, 0.04, (roofFront - roofRear) / 2 - 0.1]));
  const subtype = { sedan: 'sedan', hatchback: 'hatchback', suv: 'SUV', van: 'van', sports: 'sports car', pickup: 'pickup truck' }[kind];
  return finish(
    'car',
    parts,
    { kind, length, width, wheel, belt, roof, hood, spoiler, rack },
    {
      subtype,
      colours: [bodyColour, glassColour, 'black'],
      size: [kind === 'sports' ? 'low' : kind === 'van' || kind === 'suv' ? 'tall' : undefined, kind === 'hatchback' ? 'compact' : length > 4.9 ? 'long' : undefined],
      features: [
        kind === 'sports' ? feature('long hood', 'a long hood') : kind === 'van' ? feature('short hood', 'a short hood') : undefined,
        wheel > 0.38 ? feature('big wheels', 'big wheels') : undefined,
        feature(`${hubColour} hubcaps`, `${hubColour} hubcaps`),
        spoiler ? feature('spoiler', 'a rear spoiler') : undefined,
        rack ? feature('roof rails', 'roof rails') : undefined,
        kind === 'pickup' ? feature('open bed', 'an open cargo bed') : undefined,
        feature(`${glassColour} windows`, `${glassColour} tinted windows`),
      ],
    },
  );
}
