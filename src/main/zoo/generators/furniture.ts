/** Tables, cabinets and lamps. */

import { Draw, box, capsule, cone, cylinder, ellipsoid, feature, finish, withArticle, level, sphere } from '../build';
import { NEUTRAL, VIVID, WOODS, type ColourName } from '../../vocabulary/colours';
import { type Part, type Vec3 } from '../sdf';
import type { GeneratedShape } from '../types';

/** A table: rectangular, square or round top on four legs, a pedestal or trestles. */
export function table(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const top = d.weighted([['rectangular', 0.5], ['round', 0.3], ['square', 0.2]] as const);
  const kind = d.weighted([['dining', 0.5], ['coffee', 0.3], ['bar', 0.2]] as const);
  const height = kind === 'dining' ? d.uniform(0.7, 0.78) : kind === 'coffee' ? d.uniform(0.32, 0.48) : d.uniform(0.95, 1.1);
  const width = top === 'rectangular' ? d.uniform(1.0, 2.0) : d.uniform(0.6, 1.1);
  const depth = top === 'rectangular' ? d.uniform(0.55, 0.95) : width;
  const thickness = d.uniform(0.025, 0.07);
  const support = top === 'round' ? d.weighted([['pedestal', kind === 'bar' ? 0.85 : 0.6], ['legs', kind === 'bar' ? 0.15 : 0.4]] as const) : d.weighted([['legs', 0.6], ['trestles', 0.2], ['pedestal', 0.2]] as const);
  const legRadius = d.uniform(0.015, 0.05) * (top === 'round' ? 0.6 : 1);
  const topColour = d.colour([...WOODS, ...VIVID, 'gray']);
  const legColour = d.chance(0.35) ? topColour : d.colour(NEUTRAL, [topColour]);
  const hw = width / 2;
  const hd = depth / 2;
  const under = height - thickness;
  const parts: Part[] = [
    top === 'round'
      ? cylinder('top', topColour, [0, under + thickness / 2, 0], 'y', hw, thickness / 2)
      : box('top', topColour, [0, under + thickness / 2, 0], [hw, thickness / 2, hd]),
  ];
  const apron = support === 'legs' && top !== 'round' && d.chance(0.5);
  const shelf = kind === 'coffee' && support === 'legs' && top !== 'round' && d.chance(0.5);
  if (support === 'legs') {
    const inset = top === 'round' ? hw * 0.62 : 0;
    const lx = top === 'round' ? inset : hw - legRadius - d.uniform(0, 0.08);
    const lz = top === 'round' ? inset : hd - legRadius - d.uniform(0, 0.05);
    const splay = d.chance(0.3) ? d.uniform(0.03, 0.08) : 0;
    for (const sx of [-1, 1]) {
      for (const sz of [-1, 1]) {
        parts.push(
          splay === 0 && d.chance(0.5)
            ? box('leg', legColour, [sx * lx, under / 2, sz * lz], [legRadius, under / 2, legRadius])
            : capsule('leg', legColour, [sx * (lx + splay), legRadius, sz * (lz + splay)], [sx * lx, under - legRadius, sz * lz], legRadius),
        );
      }
    }
    if (apron) {
      parts.push(box('apron', legColour, [0, under - 0.05, lz], [lx, 0.05, 0.012]), box('apron', legColour, [0, under - 0.05, -lz], [lx, 0.05, 0.012]));
      parts.push(box('apron', legColour, [lx, under - 0.05, 0], [0.012, 0.05, lz]), box('apron', legColour, [-lx, under - 0.05, 0], [0.012, 0.05, lz]));
    }
    if (shelf) parts.push(box('shelf', topColour, [0, under * 0.3, 0], [lx, 0.015, lz]));
  } else if (support === 'pedestal') {
    const column = d.uniform(0.04, 0.1);
    parts.push(cylinder('column', legColour, [0, under / 2, 0], 'y', column, under / 2));
    if (d.chance(0.5)) parts.push(cylinder('foot', legColour, [0, 0.02, 0], 'y', Math.min(hw, hd) * d.uniform(0.5, 0.8), 0.02));
    else {
      const reach = Math.min(hw, hd) * d.uniform(0.6, 0.9);
      for (const [x, z] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) parts.push(capsule('foot', legColour, [0, 0.05, 0], [x * reach, 0.02, z * reach], 0.025));
    }
  } else {
    const panel = d.uniform(0.03, 0.06);
    for (const sx of [-1, 1]) {
      parts.push(box('trestle', legColour, [sx * (hw - 0.15), under / 2, 0], [panel, under / 2, hd * 0.3]));
      parts.push(box('trestle foot', legColour, [sx * (hw - 0.15), 0.025, 0], [panel * 1.5, 0.025, hd * 0.85]));
    }
    parts.push(box('stretcher', legColour, [0, under * 0.4, 0], [hw - 0.15, 0.03, 0.02]));
  }
  const subtype = kind === 'coffee' ? 'coffee table' : kind === 'bar' ? 'bar table' : top === 'rectangular' && !apron && support === 'legs' && width > 1.3 ? 'desk' : 'dining table';
  return finish(
    'table',
    parts,
    { top, kind, height, width, depth, thickness, support, legRadius, apron, shelf },
    {
      subtype,
      colours: [topColour, legColour],
      size: [kind === 'coffee' ? 'low' : kind === 'bar' ? 'tall' : undefined, top === 'rectangular' && width / depth > 2 ? 'long' : level(width, 0.6, 1.1) === 'low' && top !== 'rectangular' ? 'small' : undefined],
      features: [
        feature(`${top} top`, `${withArticle(top)} top`),
        support === 'legs'
          ? level(legRadius, 0.015, 0.05) === 'low'
            ? feature('thin legs', 'four thin legs', 'thin-legged')
            : level(legRadius, 0.015, 0.05) === 'high'
              ? feature('thick legs', 'four thick legs', 'thick-legged')
              : feature('four legs', 'four legs', 'four-legged')
          : support === 'pedestal'
            ? feature('pedestal', 'a central pedestal')
            : feature('trestle legs', 'trestle legs'),
        shelf ? feature('lower shelf', 'a lower shelf') : undefined,
        level(thickness, 0.025, 0.07) === 'high' ? feature('thick top', 'a thick top') : undefined,
      ],
    },
  );
}

/** A cabinet: a box with doors, drawers or both, on a plinth, legs or nothing. */
export function cabinet(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['wardrobe', 0.2], ['drawers', 0.25], ['sideboard', 0.25], ['cupboard', 0.15], ['filing', 0.15]] as const);
  const [width, height, depth] =
    kind === 'wardrobe'
      ? [d.uniform(0.8, 1.4), d.uniform(1.6, 2.1), d.uniform(0.5, 0.65)]
      : kind === 'drawers'
        ? [d.uniform(0.6, 1.2), d.uniform(0.7, 1.3), d.uniform(0.4, 0.55)]
        : kind === 'sideboard'
          ? [d.uniform(1.3, 2.0), d.uniform(0.6, 0.9), d.uniform(0.4, 0.55)]
          : kind === 'cupboard'
            ? [d.uniform(0.5, 0.9), d.uniform(0.7, 1.2), d.uniform(0.35, 0.5)]
            : [d.uniform(0.4, 0.5), d.uniform(0.7, 1.35), d.uniform(0.55, 0.7)];
  const base = d.weighted([['plinth', 0.4], ['legs', 0.35], ['none', 0.25]] as const);
  const baseHeight = base === 'none' ? 0 : d.uniform(0.05, base === 'legs' ? 0.2 : 0.1);
  const overhang = d.chance(0.5) ? d.uniform(0.01, 0.04) : 0;
  const bodyColour = kind === 'filing' ? d.colour(['gray', 'silver', 'black', 'beige', 'white', 'green', 'blue']) : d.colour([...WOODS, 'white', 'gray', ...VIVID]);
  const frontColour = d.chance(0.7) ? bodyColour : d.colour([...WOODS, 'white', ...VIVID], [bodyColour]);
  const handleColour = d.colour(['silver', 'black', 'yellow', 'gray', 'white'], [frontColour]);
  const hw = width / 2;
  const hd = depth / 2;
  const parts: Part[] = [box('body', bodyColour, [0, baseHeight + height / 2, 0], [hw, height / 2, hd])];
  if (overhang > 0) parts.push(box('top', bodyColour, [0, baseHeight + height + 0.015, overhang / 2], [hw + overhang, 0.015, hd + overhang / 2]));
  if (base === 'plinth') parts.push(box('plinth', bodyColour, [0, baseHeight / 2, -0.02], [hw - 0.03, baseHeight / 2, hd - 0.03]));
  if (base === 'legs') {
    const legColour = d.colour(['black', 'brown', 'silver', bodyColour]);
    for (const sx of [-1, 1]) for (const sz of [-1, 1]) parts.push(cone('leg', legColour, [sx * (hw - 0.05), baseHeight / 2, sz * (hd - 0.05)], 'y', 0.012, 0.025, baseHeight / 2));
  }
  const front = hd + 0.01;
  const margin = 0.03;
  const doorColumns = kind === 'wardrobe' ? d.int(2, 3) : kind === 'sideboard' ? d.int(2, 4) : kind === 'cupboard' ? d.int(1, 2) : 0;
  const drawerRows = kind === 'drawers' ? d.int(3, 6) : kind === 'filing' ? d.int(2, 4) : kind === 'sideboard' && d.chance(0.5) ? 1 : kind === 'wardrobe' && d.chance(0.3) ? 2 : 0;
  const drawerHeight = kind === 'sideboard' || kind === 'wardrobe' ? 0.16 : (height - margin) / Math.max(drawerRows, 1) - margin;
  let y = baseHeight + height - margin;
  const barHandles = d.chance(0.6);
  for (let r = 0; r < drawerRows; r++) {
    const centre = y - drawerHeight / 2;
    const columns = kind === 'sideboard' || (width > 1 && kind === 'drawers' && r === 0) ? 2 : 1;
    const columnWidth = (width - margin * (columns + 1)) / columns;
    for (let c = 0; c < columns; c++) {
      const x = -hw + margin + columnWidth * (c + 0.5) + margin * c;
      parts.push(box('drawer front', frontColour, [x, centre, front], [columnWidth / 2, drawerHeight / 2, 0.012]));
      parts.push(barHandles ? box('handle', handleColour, [x, centre + drawerHeight * 0.15, front + 0.02], [Math.min(0.08, columnWidth / 4), 0.008, 0.008]) : sphere('knob', handleColour, [x, centre, front + 0.02], 0.018));
    }
    y -= drawerHeight + margin;
  }
  if (doorColumns > 0) {
    const doorTop = y;
    const doorBottom = baseHeight + margin;
    const doorHeight = doorTop - doorBottom;
    const doorWidth = (width - margin * (doorColumns + 1)) / doorColumns;
    for (let c = 0; c < doorColumns; c++) {
      const x = -hw + margin + doorWidth * (c + 0.5) + margin * c;
      parts.push(box('door', frontColour, [x, doorBottom + doorHeight / 2, front], [doorWidth / 2, doorHeight / 2, 0.012]));
      const side = c % 2 === 0 ? 1 : -1;
      const handleX = x + side * (doorWidth / 2 - 0.05);
      parts.push(barHandles ? box('handle', handleColour, [handleX, doorBottom + doorHeight * 0.55, front + 0.02], [0.008, Math.min(0.1, doorHeight / 6), 0.008]) : sphere('knob', handleColour, [handleX, doorBottom + doorHeight * 0.55, front + 0.02], 0.018));
    }
  }
  const noun = { wardrobe: 'wardrobe', drawers: 'chest of drawers', sideboard: 'sideboard', cupboard: 'cupboard', filing: 'filing cabinet' }[kind];
  return finish(
    'cabinet',
    parts,
    { kind, width, height, depth, base, baseHeight, overhang, doorColumns, drawerRows, barHandles },
    {
      subtype: noun,
      colours: [bodyColour, frontColour, handleColour],
      size: [height / width > 1.4 ? 'tall' : width / height > 1.6 ? 'wide' : undefined, kind === 'filing' ? 'narrow' : undefined],
      features: [
        doorColumns > 0 ? feature(`${doorColumns} doors`, `${['', 'one door', 'two doors', 'three doors', 'four doors'][doorColumns]}`) : undefined,
        drawerRows > 0 ? feature(`${drawerRows} drawer rows`, drawerRows === 1 ? 'a row of drawers' : `${['', '', 'two', 'three', 'four', 'five', 'six'][drawerRows]} rows of drawers`) : undefined,
        base === 'legs' ? feature('legs', 'short legs') : base === 'plinth' ? feature('plinth', 'a plinth base') : undefined,
        feature(barHandles ? 'bar handles' : 'knobs', barHandles ? `${handleColour} bar handles` : `${handleColour} knobs`),
      ],
    },
  );
}

const SHADE_COLOURS: readonly ColourName[] = ['white', 'beige', 'yellow', 'red', 'green', 'blue', 'orange', 'black', 'teal', 'pink'];

/** A lamp: table or floor lamp with a straight, articulated or arched stem and a shade. */
export function lamp(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const stem = d.weighted([['straight', 0.5], ['desk', 0.3], ['arc', 0.2]] as const);
  const floor = stem === 'arc' || (stem === 'straight' && d.chance(0.4));
  const height = stem === 'desk' ? d.uniform(0.35, 0.55) : floor ? d.uniform(1.3, 1.8) : d.uniform(0.35, 0.7);
  const shade = stem === 'desk' ? 'cone' : d.weighted([['drum', 0.3], ['cone', 0.35], ['dome', 0.2], ['globe', 0.15]] as const);
  const baseStyle = stem === 'straight' && !floor && d.chance(0.5) ? 'vase' : d.weighted([['disk', 0.6], ['square', 0.2], ['tripod', stem === 'straight' ? 0.2 : 0]] as const);
  const shadeColour = d.colour(SHADE_COLOURS);
  const metal = d.colour(['black', 'silver', 'gray', 'yellow', 'white', 'brown'], [shadeColour]);
  const baseColour = baseStyle === 'vase' ? d.colour([...VIVID, 'white', 'black'], [shadeColour]) : metal;
  const rod = d.uniform(0.012, 0.024) * (floor ? 1.5 : 1);
  const shadeSize = d.uniform(0.12, 0.22) * (floor ? 1.6 : 1);
  const parts: Part[] = [];
  const baseRadius = d.uniform(0.08, 0.15) * (floor ? 1.6 : 1);
  let stemBottom = 0.03;
  if (baseStyle === 'disk') parts.push(cylinder('base', baseColour, [0, 0.015, 0], 'y', baseRadius, 0.015));
  else if (baseStyle === 'square') parts.push(box('base', baseColour, [0, 0.02, 0], [baseRadius * 0.9, 0.02, baseRadius * 0.9]));
  else if (baseStyle === 'vase') {
    const vase = height * d.uniform(0.35, 0.55);
    parts.push(ellipsoid('base', baseColour, [0, vase / 2, 0], [baseRadius, vase / 2, baseRadius]));
    stemBottom = vase * 0.9;
  } else {
    for (let k = 0; k < 3; k++) {
      const angle = (2 * Math.PI * k) / 3 + Math.PI / 3;
      parts.push(capsule('tripod leg', metal, [Math.sin(angle) * baseRadius * 1.3, rod, Math.cos(angle) * baseRadius * 1.3], [0, height * 0.3, 0], rod));
    }
    stemBottom = height * 0.3;
  }
  let bulb: Vec3;
  if (stem === 'straight') {
    const stemTop = height - (shade === 'globe' ? shadeSize : shadeSize * 0.9);
    parts.push(cylinder('stem', metal, [0, (stemBottom + stemTop) / 2, 0], 'y', rod, (stemTop - stemBottom) / 2));
    bulb = [0, stemTop + shadeSize * 0.5, 0];
  } else if (stem === 'desk') {
    const lower = height * d.uniform(0.5, 0.7);
    const lean = d.uniform(-0.5, 0.3);
    const elbow: Vec3 = [0, 0.03 + lower * Math.cos(lean), -lower * Math.sin(lean) - 0.05];
    const reach = height * d.uniform(0.5, 0.8);
    const head: Vec3 = [0, elbow[1] + d.uniform(-0.05, 0.12), elbow[2] + reach];
    parts.push(capsule('lower arm', metal, [0, 0.03, -0.05], elbow, rod), capsule('upper arm', metal, elbow, head, rod));
    parts.push(sphere('joint', metal, elbow, rod * 1.8));
    bulb = [head[0], head[1] - shadeSize * 0.6, head[2]];
  } else {
    // A quarter ellipse rising from the base and bending forward over +z; the shade hangs at its end.
    const rise = height * 0.9 - stemBottom;
    const span = height * d.uniform(0.35, 0.55);
    const segments = 8;
    const along = (a: number): Vec3 => [0, stemBottom + rise * Math.sin(a), -span / 2 + span * (1 - Math.cos(a))];
    for (let k = 0; k < segments; k++) parts.push(capsule('arc', metal, along((k / segments) * 0.65 * Math.PI), along(((k + 1) / segments) * 0.65 * Math.PI), rod));
    const end = along(0.65 * Math.PI);
    bulb = [end[0], end[1] - shadeSize * 0.7, end[2]];
  }
  const [bx, by, bz] = bulb;
  if (shade === 'drum') parts.push(cylinder('shade', shadeColour, [bx, by, bz], 'y', shadeSize, shadeSize * d.uniform(0.5, 0.9)));
  else if (shade === 'cone') {
    const length = shadeSize * d.uniform(0.6, 1.1);
    parts.push(cone('shade', shadeColour, [bx, by, bz], 'y', shadeSize, shadeSize * d.uniform(0.3, 0.6), length * 0.6));
  } else if (shade === 'dome') parts.push(ellipsoid('shade', shadeColour, [bx, by - shadeSize * 0.3, bz], [shadeSize, shadeSize * 0.8, shadeSize], undefined, { min: [-Infinity, 0, -Infinity] }));
  else parts.push(sphere('shade', shadeColour, [bx, by, bz], shadeSize * 0.8));
  const subtype = stem === 'desk' ? 'desk lamp' : stem === 'arc' ? 'arc lamp' : floor ? 'floor lamp' : 'table lamp';
  return finish(
    'lamp',
    parts,
    { stem, floor, height, shade, baseStyle, rod, shadeSize, baseRadius },
    {
      subtype,
      colours: [shadeColour, baseColour, metal],
      size: [floor ? 'tall' : 'small', level(rod, 0.012, 0.024) === 'low' ? 'slender' : undefined],
      features: [
        feature(`${shade} shade`, { drum: 'a drum shade', cone: 'a conical shade', dome: 'a dome shade', globe: 'a globe shade' }[shade]),
        stem === 'desk' ? feature('adjustable arm', 'an adjustable arm') : stem === 'arc' ? feature('arched stem', 'an arched stem') : feature('straight stem', 'a straight stem'),
        baseStyle === 'tripod' ? feature('tripod base', 'a tripod base') : baseStyle === 'vase' ? feature('vase base', `${withArticle(baseColour)} vase base`) : feature(`${baseStyle} base`, `${withArticle(baseStyle === 'disk' ? 'round' : 'square')} base`),
      ],
    },
  );
}
