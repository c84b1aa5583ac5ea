/** Rifles: long guns lying along z with the muzzle toward +z and the sights on top (+y). */

import { Draw, box, capsule, cone, cylinder, feature, finish, mirrorX, prism, torus } from '../build';
import { VIVID, type ColourName } from '../../vocabulary/colours';
import { type Part, rotationX } from '../sdf';
import type { GeneratedShape } from '../types';

/** A rifle: assault rifle, sniper rifle, hunting rifle or shotgun. */
export function rifle(next: () => number): GeneratedShape {
  const d = new Draw(next);
  const kind = d.weighted([['assault', 0.35], ['sniper', 0.25], ['hunting', 0.25], ['shotgun', 0.15]] as const);
  const receiverLength = d.uniform(0.22, 0.36);
  const receiverHeight = d.uniform(0.085, 0.115);
  const halfWidth = d.uniform(0.026, 0.034);
  const barrelLength = { assault: d.uniform(0.28, 0.42), sniper: d.uniform(0.5, 0.66), hunting: d.uniform(0.42, 0.56), shotgun: d.uniform(0.42, 0.56) }[kind];
  const barrelRadius = kind === 'shotgun' ? d.uniform(0.013, 0.017) : d.uniform(0.011, 0.016);
  const stockLength = d.uniform(0.24, 0.36);
  const stockDrop = d.uniform(0.0, 0.05);
  const buttHeight = d.uniform(0.11, 0.16);
  const wood = kind === 'hunting' || kind === 'shotgun' ? d.chance(0.8) : d.chance(0.15);
  const metal = d.colour(['black', 'black', 'gray', 'silver']);
  const furniture: ColourName = wood ? d.colour(['brown', 'brown', 'beige', 'maroon']) : d.chance(0.25) ? d.colour([...VIVID, 'beige', 'white'], [metal]) : d.colour(['black', 'gray', 'green', 'beige']);
  const rh = receiverHeight / 2;
  const front = receiverLength / 2;
  const back = -receiverLength / 2;
  const parts: Part[] = [box('receiver', metal, [0, 0, 0], [halfWidth, rh, receiverLength / 2])];
  const doubleBarrel = kind === 'shotgun' && d.chance(0.5);
  const barrelCentre = front + barrelLength / 2;
  const barrelY = rh * 0.4;
  if (doubleBarrel) {
    for (const x of [-barrelRadius, barrelRadius]) parts.push(cylinder('barrel', metal, [x, barrelY, barrelCentre], 'z', barrelRadius, barrelLength / 2));
  } else parts.push(cylinder('barrel', metal, [0, barrelY, barrelCentre], 'z', barrelRadius, barrelLength / 2));
  const muzzle = (kind === 'assault' || kind === 'sniper') && d.chance(0.7);
  if (muzzle) parts.push(cylinder('muzzle brake', metal, [0, barrelY, front + barrelLength], 'z', barrelRadius * 1.7, 0.03));
  // Stock: a side profile from the receiver's back to the butt, dropping by stockDrop.
  const stockTop = rh;
  const stock = [back + 0.01, stockTop, back + 0.01, -rh, back - stockLength * 0.35, -rh - buttHeight * 0.3, back - stockLength, -stockDrop - buttHeight * 0.75, back - stockLength, stockTop - stockDrop, back - stockLength * 0.5, stockTop - stockDrop * 0.5];
  const skeleton = kind === 'assault' && d.chance(0.4);
  if (skeleton) {
    parts.push(capsule('stock tube', metal, [0, rh * 0.3, back], [0, rh * 0.3, back - stockLength], 0.012));
    parts.push(box('butt plate', furniture, [0, -buttHeight * 0.25, back - stockLength], [halfWidth, buttHeight * 0.5, 0.015]));
  } else parts.push(prism('stock', furniture, [0, 0, 0], 'x', stock, halfWidth * 0.95));
  const pistolGrip = kind === 'assault' || kind === 'sniper' || d.chance(0.2);
  if (pistolGrip) {
    const gz = back + 0.05;
    parts.push(prism('grip', furniture, [0, 0, 0], 'x', [gz + 0.02, -rh + 0.005, gz - 0.03, -rh + 0.005, gz - 0.07, -rh - 0.1, gz - 0.025, -rh - 0.1], halfWidth * 0.85));
  }
  parts.push(torus('trigger guard', metal, [0, -rh - 0.018, back + 0.09 + (pistolGrip ? 0.02 : 0)], 'x', 0.022, 0.004));
  const magazine = kind === 'assault' ? 'curved' : kind === 'sniper' ? 'box' : 'none';
  if (magazine !== 'none') {
    const length = magazine === 'curved' ? d.uniform(0.13, 0.22) : d.uniform(0.05, 0.08);
    const z = back + 0.18 + (pistolGrip ? 0.02 : 0);
    parts.push(box('magazine', metal, [0, -rh - length / 2 + 0.01, z + (magazine === 'curved' ? length * 0.15 : 0)], [halfWidth * 0.7, length / 2, 0.03], rotationX(magazine === 'curved' ? -0.3 : 0)));
  }
  const handguard = kind === 'assault' || kind === 'hunting' || kind === 'shotgun';
  if (handguard) {
    const guard = barrelLength * d.uniform(0.4, 0.65);
    if (kind === 'assault') parts.push(cylinder('handguard', furniture, [0, barrelY, front + guard / 2], 'z', d.uniform(0.02, 0.03), guard / 2));
    else if (kind === 'shotgun' && !doubleBarrel) parts.push(cylinder('pump', furniture, [0, barrelY - barrelRadius * 2.2, front + guard * 0.6], 'z', barrelRadius * 1.4, guard * 0.3));
    else parts.push(box('forend', furniture, [0, barrelY - barrelRadius - 0.012, front + guard / 2 - 0.01], [halfWidth * 0.9, 0.018, guard / 2]));
  }
  const scope = kind === 'sniper' || (kind === 'hunting' && d.chance(0.6)) || (kind === 'assault' && d.chance(0.3));
  const scopeLength = d.uniform(0.18, 0.32);
  if (scope) {
    const sr = d.uniform(0.014, 0.022);
    const sy = rh + sr + 0.02;
    parts.push(cylinder('scope', metal, [0, sy, 0.02], 'z', sr, scopeLength / 2 - 0.03));
    parts.push(cone('objective bell', metal, [0, sy, 0.02 + scopeLength / 2 - 0.015], 'z', sr, sr * 1.5, 0.02));
    parts.push(cone('eyepiece', metal, [0, sy, 0.02 - scopeLength / 2 + 0.015], 'z', sr * 1.3, sr, 0.02));
    for (const z of [-0.05, 0.08]) parts.push(box('scope mount', metal, [0, rh + 0.012, z], [0.008, 0.012, 0.01]));
  } else if (kind !== 'shotgun') parts.push(box('front sight', metal, [0, barrelY + barrelRadius + 0.015, front + barrelLength - 0.04], [0.003, 0.015, 0.008]));
  const bipod = kind === 'sniper' && d.chance(0.6);
  if (bipod) {
    const z = front + barrelLength * 0.5;
    const leg = capsule('bipod leg', metal, [0.01, barrelY - barrelRadius, z], [0.06, barrelY - 0.2, z + 0.05], 0.005);
    parts.push(leg, ...mirrorX([leg]));
  }
  const subtype = { assault: 'assault rifle', sniper: 'sniper rifle', hunting: 'hunting rifle', shotgun: 'shotgun' }[kind];
  const main = wood || furniture !== 'black' ? furniture : metal;
  return finish(
    'rifle',
    parts,
    { kind, receiverLength, receiverHeight, halfWidth, barrelLength, barrelRadius, stockLength, stockDrop, buttHeight, wood, skeleton, pistolGrip, magazine, scope, bipod, doubleBarrel, muzzle },
    {
      subtype,
      colours: [main, metal, furniture],
      size: [barrelLength > 0.55 ? 'long' : barrelLength < 0.36 ? 'short' : undefined],
      features: [
        scope ? feature('scope', 'a scope', 'scoped') : undefined,
        bipod ? feature('bipod', 'a bipod') : undefined,
        wood ? feature('wooden stock', 'a wooden stock') : skeleton ? feature('folding stock', 'a skeleton stock') : undefined,
        magazine === 'curved' ? feature('curved magazine', 'a curved magazine') : magazine === 'box' ? feature('box magazine', 'a box magazine') : undefined,
        doubleBarrel ? feature('double barrel', 'a double barrel', 'double-barrelled') : barrelLength > 0.55 ? feature('long barrel', 'a long barrel', 'long-barrelled') : undefined,
        pistolGrip ? feature('pistol grip', 'a pistol grip') : undefined,
      ],
    },
  );
}
