/** A small sphere tracer for zoo shapes: Lambert shading in part colours, for previews. */

import { type Shape, evaluateShape } from '../src/main/zoo/sdf';

/** How `renderShape` looks at a shape. */
export interface RenderOptions {
  /** Image width and height in pixels. @default 96 */
  size?: number;
  /** Camera angle about +y, from +z toward +x, in degrees. @default 35 */
  azimuth?: number;
  /** Camera angle above the horizon, in degrees. @default 25 */
  elevation?: number;
  /** Samples per pixel side (supersampling). @default 2 */
  supersample?: number;
  /** Background grey level in [0, 1]. @default 0.94 */
  background?: number;
}

const MAX_STEPS = 96;
const HIT = 1e-3;
/** Half the side of the orthographic view, in unit-box units: the box's diagonal fits. */
const VIEW_HALF = 1.3;

/**
 * Renders a shape with an orthographic camera looking at the origin; returns size*size RGB bytes.
 */
export function renderShape(shape: Shape, options: RenderOptions = {}): Uint8Array {
  const size = options.size ?? 96;
  const ss = options.supersample ?? 2;
  const background = options.background ?? 0.94;
  const az = ((options.azimuth ?? 35) * Math.PI) / 180;
  const el = ((options.elevation ?? 25) * Math.PI) / 180;
  // Camera frame: forward looks from the eye toward the origin.
  const back = [Math.sin(az) * Math.cos(el), Math.sin(el), Math.cos(az) * Math.cos(el)];
  const right = [Math.cos(az), 0, -Math.sin(az)];
  const up = [back[1]! * right[2]! - back[2]! * right[1]!, back[2]! * right[0]! - back[0]! * right[2]!, back[0]! * right[1]! - back[1]! * right[0]!];
  const light = normalize([0.4 + back[0]!, 0.9, 0.3 + back[2]!]);
  const side = size * ss;
  const count = side * side;
  const origin = new Float32Array(3 * count);
  const t = new Float32Array(count);
  const eye = 3;
  for (let py = 0; py < side; py++) {
    for (let px = 0; px < side; px++) {
      const i = py * side + px;
      const u = ((px + 0.5) / side) * 2 - 1;
      const v = 1 - ((py + 0.5) / side) * 2;
      for (let k = 0; k < 3; k++) origin[3 * i + k] = back[k]! * eye + (u * right[k]! + v * up[k]!) * VIEW_HALF;
    }
  }
  // March all rays together; `active` lists the rays still marching.
  let active = Int32Array.from({ length: count }, (_, i) => i);
  const hit = new Uint8Array(count);
  const points = new Float32Array(3 * count);
  const sdf = new Float32Array(count);
  for (let step = 0; step < MAX_STEPS && active.length > 0; step++) {
    const n = active.length;
    for (let j = 0; j < n; j++) {
      const i = active[j]!;
      for (let k = 0; k < 3; k++) points[3 * j + k] = origin[3 * i + k]! - back[k]! * t[i]!;
    }
    evaluateShape(shape, points.subarray(0, 3 * n), { sdf });
    let kept = 0;
    for (let j = 0; j < n; j++) {
      const i = active[j]!;
      const d = sdf[j]!;
      if (d < HIT) hit[i] = 1;
      else {
        t[i] = t[i]! + d * 0.9;
        if (t[i]! < 2 * eye) active[kept++] = i;
      }
    }
    active = active.subarray(0, kept);
  }
  const hits = [];
  for (let i = 0; i < count; i++) if (hit[i]) hits.push(i);
  const m = hits.length;
  const at = new Float32Array(3 * m);
  hits.forEach((i, j) => {
    for (let k = 0; k < 3; k++) at[3 * j + k] = origin[3 * i + k]! - back[k]! * t[i]!;
  });
  const colour = new Float32Array(3 * m);
  evaluateShape(shape, at, { sdf: new Float32Array(m), rgb: colour });
  const normal = gradient(shape, at);
  const shaded = new Float32Array(3 * count).fill(background);
  hits.forEach((i, j) => {
    let lambert = 0;
    let facing = 0;
    for (let k = 0; k < 3; k++) {
      lambert += normal[3 * j + k]! * light[k]!;
      facing += normal[3 * j + k]! * back[k]!;
    }
    const intensity = 0.3 + 0.6 * Math.max(lambert, 0) + 0.15 * Math.max(facing, 0);
    for (let k = 0; k < 3; k++) shaded[3 * i + k] = Math.min(1, colour[3 * j + k]! * intensity + 0.03);
  });
  const image = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let sy = 0; sy < ss; sy++) for (let sx = 0; sx < ss; sx++) sum += shaded[3 * ((y * ss + sy) * side + x * ss + sx) + k]!;
        image[3 * (y * size + x) + k] = Math.round(255 * Math.sqrt(sum / (ss * ss)));
      }
    }
  }
  return image;
}

function normalize(v: number[]): number[] {
  const l = Math.hypot(v[0]!, v[1]!, v[2]!);
  return v.map((x) => x / l);
}

/** Unit normals by central differences of the SDF. */
function gradient(shape: Shape, at: Float32Array): Float32Array {
  const m = at.length / 3;
  const h = 1e-3;
  const probe = new Float32Array(3 * m);
  const plus = new Float32Array(m);
  const minus = new Float32Array(m);
  const out = new Float32Array(3 * m);
  for (let k = 0; k < 3; k++) {
    probe.set(at);
    for (let j = 0; j < m; j++) probe[3 * j + k] = at[3 * j + k]! + h;
    evaluateShape(shape, probe, { sdf: plus });
    for (let j = 0; j < m; j++) probe[3 * j + k] = at[3 * j + k]! - h;
    evaluateShape(shape, probe, { sdf: minus });
    for (let j = 0; j < m; j++) out[3 * j + k] = plus[j]! - minus[j]!;
  }
  for (let j = 0; j < m; j++) {
    const l = Math.hypot(out[3 * j]!, out[3 * j + 1]!, out[3 * j + 2]!) || 1;
    for (let k = 0; k < 3; k++) out[3 * j + k] = out[3 * j + k]! / l;
  }
  return out;
}
