/** Displays, phones and speakers: devices whose front faces +z. */

import { Draw, box, cone, cylinder, ellipsoid, feature, finish, prism, roundBox, roundedRectangle, sphere, torus, withArticle } from '../build';
import { VIVID, type ColourName } from '../../vocabulary/colours';
import { type Part, rotationX } from '../sdf';
import type { GeneratedShape } from '../types';

/** A display: flat monitor, television, all-in-one or CRT, on its stand. */
export function display(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['monitor', 0.35], ['tv', 0.25], ['all-in-one', 0.15], ['crt', 0.25]] as const);
  const width = { monitor: d.uniform(0.5, 0.8), tv: d.uniform(0.9, 1.4), 'all-in-one': d.uniform(0.5, 0.65), crt: d.uniform(0.32, 0.42) }[kind];
  const aspect = kind === 'crt' ? 4 / 3 : kind === 'monitor' ? d.pick([16 / 9, 16 / 10, 21 / 9]) : 16 / 9;
  const height = width / aspect;
  const bezel = kind === 'crt' ? d.uniform(0.03, 0.05) : d.uniform(0.008, 0.035);
  const chin = kind === 'all-in-one' ? d.uniform(0.07, 0.12) : 0;
  const thickness = kind === 'tv' ? d.uniform(0.03, 0.06) : d.uniform(0.02, 0.045);
  const frameColour = d.colour(['black', 'black', 'silver', 'white', 'gray', ...VIVID]);
  const screenColour = d.colour(['black', 'black', 'navy', 'blue', 'teal', 'gray'], [frameColour]);
  const standColour = d.chance(0.7) ? frameColour : d.colour(['silver', 'black', 'gray', 'white'], [frameColour]);
  const stand = kind === 'tv' ? d.pick(['feet', 'pedestal'] as const) : kind === 'crt' ? 'plinth' : d.weighted([['neck', 0.7], ['arch', 0.3]] as const);
  const lift = kind === 'tv' ? d.uniform(0.05, 0.12) : kind === 'crt' ? 0.03 : d.uniform(0.08, 0.2);
  const hw = width / 2 + bezel;
  const hh = height / 2 + bezel + chin / 2;
  const centreY = lift + hh;
  const parts: Part[] = [
    roundBox('frame', frameColour, [0, centreY, 0], [hw, hh, thickness / 2], 0.008),
    box('screen', screenColour, [0, centreY + chin / 2, thickness / 2 + 0.002], [width / 2, height / 2, 0.003]),
  ];
  const chinColour = d.colour(['silver', 'white', 'gray', 'black'], [frameColour]);
  if (chin > 0) parts.push(roundBox('chin', chinColour, [0, centreY - hh + chin / 2 + 0.004, 0.003], [hw, chin / 2 + 0.004, thickness / 2], 0.008));
  let depth = thickness;
  if (kind === 'crt') {
    depth = d.uniform(0.28, 0.42);
    const taper = d.uniform(0.55, 0.8);
    parts.push(box('tube housing', frameColour, [0, centreY, -depth / 2], [hw * (1 + taper) / 2, hh * (1 + taper) / 2, depth / 2]));
    parts.push(box('plinth', standColour, [0, lift / 2, -depth * 0.4], [hw * 0.6, lift / 2, depth * 0.5]));
  } else if (stand === 'neck' || stand === 'arch') {
    const baseDepth = d.uniform(0.15, 0.25);
    const baseShape = d.pick(['rectangle', 'oval'] as const);
    if (baseShape === 'rectangle') parts.push(roundBox('base', standColour, [0, 0.01, -thickness / 2 - 0.02], [d.uniform(0.1, 0.2), 0.01, baseDepth / 2], 0.01));
    else parts.push(ellipsoid('base', standColour, [0, 0.01, -thickness / 2 - 0.02], [d.uniform(0.1, 0.18), 0.015, baseDepth / 2]));
    if (stand === 'neck') {
      const top = centreY - hh * 0.2;
      parts.push(box('neck', standColour, [0, top / 2, -thickness / 2 - 0.02], [d.uniform(0.02, 0.045), top / 2, 0.015]));
    } else {
      const top = centreY;
      parts.push(box('arch', standColour, [0, top / 2, -thickness / 2 - 0.06], [d.uniform(0.06, 0.12), top / 2 + 0.02, 0.008], rotationX(-0.25)));
    }
  } else if (stand === 'feet') {
    for (const sx of [-1, 1]) {
      const x = sx * hw * d.uniform(0.7, 0.85);
      parts.push(box('foot', standColour, [x, lift / 2, 0], [0.015, lift / 2 + 0.01, 0.015]));
      parts.push(box('foot', standColour, [x, 0.008, 0], [0.02, 0.008, 0.12]));
    }
  } else {
    parts.push(box('pedestal neck', standColour, [0, lift / 2 + 0.02, -thickness / 2], [0.06, lift / 2 + 0.02, 0.015]));
    parts.push(roundBox('pedestal', standColour, [0, 0.012, -thickness / 2], [hw * 0.35, 0.012, 0.13], 0.01));
  }
  const subtype = { monitor: 'computer monitor', tv: 'television', 'all-in-one': 'all-in-one computer', crt: 'CRT monitor' }[kind];
  return finish(
    'display',
    parts,
    { kind, width, aspect, bezel, chin, thickness, depth, stand, lift },
    {
      subtype,
      colours: [frameColour, screenColour, ...(chin > 0 ? [chinColour] : []), standColour],
      size: [aspect > 2 ? 'ultra-wide' : kind === 'tv' ? 'large' : kind === 'crt' ? 'boxy' : undefined, kind !== 'crt' && thickness < 0.03 ? 'thin' : undefined],
      features: [
        bezel > 0.025 ? feature('thick bezel', 'a thick bezel') : feature('thin bezel', 'a thin bezel'),
        kind === 'crt' ? feature('deep back', 'a deep tube housing') : undefined,
        stand === 'neck' ? feature('stand', 'a stand') : stand === 'arch' ? feature('arched stand', 'an arched stand') : stand === 'feet' ? feature('two feet', 'two feet') : stand === 'pedestal' ? feature('pedestal', 'a pedestal stand') : undefined,
        screenColour !== 'black' ? feature(`${screenColour} screen`, `${withArticle(screenColour)} screen`) : undefined,
      ],
    },
  );
}

/** A phone standing upright: smartphone, keypad phone or open flip phone. */
export function phone(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['smartphone', 0.6], ['keypad', 0.22], ['flip', 0.18]] as const);
  const height = kind === 'smartphone' ? d.uniform(0.13, 0.17) : kind === 'keypad' ? d.uniform(0.1, 0.13) : d.uniform(0.08, 0.1);
  const width = kind === 'smartphone' ? d.uniform(0.062, 0.082) : d.uniform(0.045, 0.056);
  const thickness = kind === 'smartphone' ? d.uniform(0.007, 0.012) : d.uniform(0.012, 0.02);
  const corner = d.uniform(0.15, 0.5) * width * 0.4;
  const bodyColour = d.colour(['black', 'white', 'silver', 'gray', ...VIVID]);
  const screenColour = d.colour(['black', 'black', 'navy', 'teal'], [bodyColour]);
  const keyColour = d.colour(['gray', 'silver', 'black', 'white'], [bodyColour]);
  const hw = width / 2;
  const hh = height / 2;
  const parts: Part[] = [];
  let screenTop = hh;
  let screenBottom = -hh;
  const margin = kind === 'smartphone' ? d.uniform(0.002, 0.006) : 0.006;
  const slab = (name: string, y: number, half: number): Part => prism(name, bodyColour, [0, y, 0], 'z', roundedRectangle(hw, half, corner), thickness / 2);
  if (kind === 'flip') {
    parts.push(slab('lower half', 0, hh));
    // The upper half hinges at the lower half's top edge and leans back by 20-30 degrees.
    const lean = d.uniform(0.3, 0.5);
    const hinge = rotationX(-lean);
    // A point given in the upper half's frame (origin at the hinge) to world coordinates.
    const hinged = (y: number, z: number): [number, number, number] => [0, hh + Math.cos(lean) * y + Math.sin(lean) * z, -Math.sin(lean) * y + Math.cos(lean) * z];
    const upper = slab('upper half', 0, hh);
    parts.push({ ...upper, transform: { position: hinged(hh, 0), rotation: hinge } });
    const screen = prism('screen', screenColour, [0, 0, 0], 'z', roundedRectangle(hw - margin, hh * 0.6, corner / 2), 0.001);
    parts.push({ ...screen, transform: { position: hinged(hh * 1.05, thickness / 2 + 0.001), rotation: hinge } });
    parts.push(cylinder('hinge', keyColour, [0, hh, -0.003], 'x', thickness * 0.6, hw * 0.9));
    screenTop = screenBottom = 0;
  } else {
    parts.push(slab('body', 0, hh));
    if (kind === 'keypad') {
      screenTop = hh - 0.012;
      screenBottom = hh * 0.05;
    } else {
      screenTop = hh - margin * d.uniform(1, 2.5);
      screenBottom = -hh + margin * d.uniform(1, 2.5);
    }
    const screenHalf = (screenTop - screenBottom) / 2;
    parts.push(prism('screen', screenColour, [0, (screenTop + screenBottom) / 2, thickness / 2 + 0.0008], 'z', roundedRectangle(hw - margin, screenHalf, Math.max(corner - margin, 0.001)), 0.001));
  }
  if (kind !== 'smartphone') {
    // A 3 x 4 keypad and a navigation disc on the lower half.
    const keyTop = kind === 'keypad' ? screenBottom - 0.012 : hh * 0.6;
    const keyBottom = -hh + 0.008;
    const rowStep = (keyTop - keyBottom) / 5;
    const colStep = (width - 0.014) / 3;
    parts.push(cylinder('navigation key', keyColour, [0, keyTop - rowStep * 0.3, thickness / 2], 'z', Math.min(rowStep * 0.45, 0.008), 0.0015));
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 3; c++) parts.push(box('key', keyColour, [-hw + 0.007 + colStep * (c + 0.5), keyBottom + rowStep * (r + 0.5), thickness / 2], [colStep * 0.38, rowStep * 0.32, 0.0015]));
    }
  }
  const antenna = kind === 'keypad' && d.chance(0.3);
  if (antenna) parts.push(cylinder('antenna', bodyColour, [hw * 0.5, hh + 0.008, -thickness * 0.1], 'y', 0.003, 0.01));
  const cameras = kind === 'smartphone' ? d.int(1, 3) : 1;
  const bump = kind === 'smartphone' && cameras > 1;
  const cameraY = kind === 'flip' ? -hh * 0.5 : hh - 0.02;
  if (bump) parts.push(roundBox('camera bump', bodyColour, [-hw + 0.02, cameraY - 0.005, -thickness / 2 - 0.001], [0.013, 0.006 * cameras + 0.004, 0.0015], 0.004));
  for (let k = 0; k < cameras; k++) parts.push(cylinder('camera', 'black', [-hw + 0.02, cameraY - 0.012 * k + 0.005 * (cameras - 1), -thickness / 2 - 0.002], 'z', 0.004, 0.0012));
  if (kind === 'smartphone') parts.push(box('side button', bodyColour, [hw + 0.0008, hh * 0.4, 0], [0.0012, 0.012, thickness * 0.2]));
  const subtype = kind === 'smartphone' ? 'smartphone' : kind === 'keypad' ? 'keypad phone' : 'flip phone';
  return finish(
    'phone',
    parts,
    { kind, height, width, thickness, corner, cameras, antenna },
    {
      subtype,
      colours: [bodyColour, screenColour, ...(kind === 'smartphone' ? [] : [keyColour])],
      size: [kind === 'smartphone' && height > 0.155 ? 'large' : height < 0.11 ? 'small' : undefined, thickness < 0.009 ? 'thin' : thickness > 0.016 ? 'thick' : undefined],
      features: [
        kind === 'smartphone' ? feature('full screen', 'a full-front touch screen') : feature('keypad', 'a numeric keypad'),
        kind === 'flip' ? feature('open lid', 'its lid flipped open') : undefined,
        cameras > 1 ? feature(`${cameras} cameras`, `${cameras === 2 ? 'two' : 'three'} rear cameras`) : undefined,
        antenna ? feature('antenna', 'a stubby antenna') : undefined,
        corner > 0.008 ? feature('rounded corners', 'rounded corners') : undefined,
      ],
    },
  );
}

/** One loudspeaker driver on a front face at z = `front`: cone, surround and dust cap. */
function driver(at: readonly [number, number], front: number, radius: number, colour: ColourName, rim: ColourName): Part[] {
  const [x, y] = at;
  return [
    cylinder('driver cone', colour, [x, y, front], 'z', radius * 0.9, 0.004),
    torus('surround', rim, [x, y, front + 0.004], 'z', radius * 0.9, radius * 0.1),
    sphere('dust cap', rim, [x, y, front - radius * 0.12], radius * 0.3),
  ];
}

/** A speaker: floor-standing tower, bookshelf box, subwoofer cube or cylindrical smart speaker. */
export function speaker(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['tower', 0.35], ['bookshelf', 0.3], ['subwoofer', 0.15], ['cylinder', 0.2]] as const);
  const cabinetColour = d.colour(['black', 'black', 'brown', 'white', 'gray', 'beige', ...VIVID]);
  const driverColour = d.colour(['black', 'gray', 'silver', 'orange', 'yellow', 'white'], [cabinetColour]);
  const rimColour = d.colour(['black', 'silver', 'gray'], [driverColour]);
  const parts: Part[] = [];
  const features = [];
  let dims: [number, number, number];
  if (kind === 'cylinder') {
    const radius = d.uniform(0.06, 0.1);
    const height = d.uniform(0.15, 0.32);
    dims = [radius * 2, height, radius * 2];
    const taper = d.uniform(0.75, 1);
    const dome = d.chance(0.4);
    const cap = d.colour(['black', 'white', 'gray', 'silver'], [cabinetColour]);
    parts.push(cone('fabric body', cabinetColour, [0, height / 2, 0], 'y', radius, radius * taper, height / 2));
    if (dome) parts.push(ellipsoid('top cap', cap, [0, height, 0], [radius * taper, radius * 0.6, radius * taper], undefined, { min: [-Infinity, 0, -Infinity] }));
    else parts.push(cylinder('top cap', cap, [0, height + 0.008, 0], 'y', radius * taper * 0.98, 0.008));
    if (!dome) parts.push(torus('light ring', 'blue', [0, height + 0.016, 0], 'y', radius * taper * 0.6, 0.006));
    parts.push(cylinder('base ring', cap, [0, 0.006, 0], 'y', radius * 1.01, 0.006));
    features.push(feature('round body', 'a round fabric body'), feature(`${cap} top`, dome ? `${withArticle(cap)} domed top` : `${withArticle(cap)} top with a light ring`));
  } else {
    dims =
      kind === 'tower'
        ? [d.uniform(0.18, 0.28), d.uniform(0.8, 1.1), d.uniform(0.25, 0.38)]
        : kind === 'bookshelf'
          ? [d.uniform(0.16, 0.24), d.uniform(0.26, 0.38), d.uniform(0.2, 0.3)]
          : [d.uniform(0.3, 0.45), d.uniform(0.3, 0.45), d.uniform(0.3, 0.45)];
    const [w, h, dp] = dims;
    const foot = kind === 'tower' ? d.uniform(0.02, 0.05) : 0;
    parts.push(roundBox('cabinet', cabinetColour, [0, foot + h / 2, 0], [w / 2, h / 2, dp / 2], d.uniform(0.003, 0.03)));
    if (kind === 'tower') {
      const spikes = d.chance(0.5);
      if (spikes) for (const sx of [-1, 1]) for (const sz of [-1, 1]) parts.push(cone('spike', 'silver', [sx * w * 0.4, foot / 2, sz * dp * 0.4], 'y', 0.003, 0.015, foot / 2));
      else parts.push(box('plinth', 'black', [0, foot / 2, 0], [w / 2 + 0.03, foot / 2, dp / 2 + 0.03]));
      features.push(spikes ? feature('spikes', 'spiked feet') : feature('plinth', 'a plinth'));
    }
    const front = dp / 2;
    const grille = d.chance(0.15);
    if (grille) {
      const fabric = d.colour(['black', 'gray', 'beige'], [cabinetColour]);
      parts.push(roundBox('grille', fabric, [0, foot + h / 2, front + 0.006], [w / 2 - 0.008, h / 2 - 0.008, 0.006], 0.004));
      features.push(feature('grille', `${withArticle(fabric)} grille`));
    } else {
      const woofer = kind === 'subwoofer' ? Math.min(w, h) * 0.4 : w * d.uniform(0.34, 0.42);
      const tweeter = w * 0.12;
      const woofers = kind === 'tower' ? d.int(2, 4) : 1;
      let y = foot + h - 0.03 - (kind === 'subwoofer' ? h / 2 - 0.03 : tweeter);
      if (kind !== 'subwoofer') {
        parts.push(...driver([0, y], front, tweeter, driverColour, rimColour));
        y -= tweeter + woofer + 0.02;
      }
      for (let k = 0; k < woofers; k++) {
        parts.push(...driver([0, y], front, woofer, driverColour, rimColour));
        y -= 2 * woofer + 0.02;
      }
      if (d.chance(0.5) && y - 0.03 > foot) parts.push(torus('bass port', 'black', [0, Math.max(foot + 0.05, y + woofer - 0.02), front], 'z', 0.02, 0.006));
      features.push(feature(`${woofers + (kind === 'subwoofer' ? 0 : 1)} drivers`, kind === 'subwoofer' ? 'one large woofer' : `${['', '', 'two', 'three', 'four', 'five'][woofers + 1]} drivers`));
      if (driverColour !== 'black' && driverColour !== 'gray') features.push(feature(`${driverColour} drivers`, `${driverColour} cones`));
    }
  }
  const subtype = { tower: 'floor-standing speaker', bookshelf: 'bookshelf speaker', subwoofer: 'subwoofer', cylinder: 'smart speaker' }[kind];
  const colours = [cabinetColour, ...parts.filter((p) => p.name === 'grille' || p.name === 'top cap' || p.name === 'driver cone').map((p) => p.colour)];
  return finish(
    'speaker',
    parts,
    { kind, width: dims[0], height: dims[1], depth: dims[2] },
    {
      subtype,
      colours,
      size: [kind === 'tower' ? 'tall' : kind === 'bookshelf' || kind === 'cylinder' ? 'small' : 'boxy'],
      features,
    },
  );
}
