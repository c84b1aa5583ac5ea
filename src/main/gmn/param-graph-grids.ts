/**
 * The grid encodings as part of a parameter graph. Grid nodes come first (node i is texel i or
 * table row i) and grid edges first (edge i is parameter element i, in the layout's row-major
 * order), so values copy straight from the parameter tensor. Each edge ends at a decoder input
 * neuron: tri-plane channel c at input neuron c, hash feature f of level l at input l F + f.
 */
import { TRIPLANE_AXES, hashGridLevels } from '../nerf/layout';
import type { HashGridConfig, TriplaneConfig } from '../nerf/types';
import { writeNormalized } from './normalize';
import { EDGE_TYPE_INDEX, NODE_TYPE_INDEX, POSITION_SLOTS, type ParamGraph } from './types';

/** Layer of grid nodes and edges: just before the decoder's input layer 0. */
export const GRID_LAYER = -1;

/** Texel nodes and plane edges of a tri-plane. */
export function triplaneGraphSize(config: TriplaneConfig): { nodes: number; edges: number } {
  const texels = 3 * config.resolution * config.resolution;
  return { nodes: texels, edges: texels * config.channels };
}

/** Table-entry nodes and hash edges of a hash grid. */
export function hashGridGraphSize(config: HashGridConfig): { nodes: number; edges: number } {
  const entries = hashGridLevels(config).reduce((n, level) => n + level.size, 0);
  return { nodes: entries, edges: entries * config.featuresPerLevel };
}

/**
 * Writes texel nodes 0 .. 3 R^2 - 1 and plane edges 0 .. 3 R^2 C - 1. Texel (p, i, j) is node
 * (p R + i) R + j with order p; its edge to channel c carries planes[p][i][j][c] and the texel's
 * true position: i / (R - 1) on plane p's first axis, j / (R - 1) on its second, 0 on the third.
 */
export function writeTriplane(graph: ParamGraph, config: TriplaneConfig, planes: Float32Array | Float64Array, inputBase: number, scale: number | null): void {
  const R = config.resolution;
  const C = config.channels;
  const texelsPerPlane = R * R;
  const step = 1 / (R - 1);
  const { nodeLayer, nodeOrder, nodeType, edgeValue, edgeLayer, edgeType, edgePosition, src, dst } = graph;
  nodeLayer.fill(GRID_LAYER, 0, 3 * texelsPerPlane);
  nodeType.fill(NODE_TYPE_INDEX.texel, 0, 3 * texelsPerPlane);
  writeNormalized(planes, scale, edgeValue, 0);
  edgeLayer.fill(GRID_LAYER, 0, 3 * texelsPerPlane * C);
  edgeType.fill(EDGE_TYPE_INDEX.plane, 0, 3 * texelsPerPlane * C);
  for (let p = 0; p < 3; p++) {
    const [rowAxis, columnAxis] = TRIPLANE_AXES[p]!;
    const offAxis = 3 - rowAxis - columnAxis;
    nodeOrder.fill(p, p * texelsPerPlane, (p + 1) * texelsPerPlane);
    for (let i = 0; i < R; i++) {
      const rowPosition = i * step;
      for (let j = 0; j < R; j++) {
        const texel = (p * R + i) * R + j;
        const columnPosition = j * step;
        for (let c = 0; c < C; c++) {
          const e = texel * C + c;
          src[e] = texel;
          dst[e] = inputBase + c;
          const at = e * POSITION_SLOTS;
          edgePosition[at + rowAxis] = rowPosition;
          edgePosition[at + columnAxis] = columnPosition;
          edgePosition[at + offAxis] = 0;
        }
      }
    }
  }
}

/**
 * Writes entry nodes 0 .. entries - 1 (node r is table row r, order its level) and hash edges
 * 0 .. entries F - 1: edge r F + f carries table[r][f]. Levels are tiny-cuda-nn's actual sizes
 * (`hashGridLevels`).
 *
 * Positions give the encoder the 3-D locality a hash grid has where it has any:
 * - a dense level (resolution^3 <= its size; the coarse levels) stores one grid vertex per entry,
 *   indexed x + y R + z R^2, so its edges carry that vertex's true (x, y, z) in the unit box,
 *   (c - 0.5) / scale per axis (the inverse of tcnn's x scale + 0.5), the same frame as tri-plane
 *   texel positions; its spare entries (the size is rounded up to a multiple of 8) hold -1;
 * - a hashed level stores in each entry the sum over about resolution^3 / size vertices scattered
 *   over the whole box (the primes decorrelate neighbours), so no position describes it: all
 *   three slots hold -1, "unused", as MLP edges do; the entry's level is its node order.
 */
export function writeHashGrid(graph: ParamGraph, config: HashGridConfig, table: Float32Array | Float64Array, inputBase: number, scale: number | null): void {
  const F = config.featuresPerLevel;
  const levels = hashGridLevels(config);
  const { nodeLayer, nodeOrder, nodeType, edgeValue, edgeLayer, edgeType, edgePosition, src, dst } = graph;
  const entries = levels.reduce((n, level) => n + level.size, 0);
  nodeLayer.fill(GRID_LAYER, 0, entries);
  nodeType.fill(NODE_TYPE_INDEX['hash-entry'], 0, entries);
  writeNormalized(table, scale, edgeValue, 0);
  edgeLayer.fill(GRID_LAYER, 0, entries * F);
  edgeType.fill(EDGE_TYPE_INDEX.hash, 0, entries * F);
  levels.forEach((level, l) => {
    const featureBase = inputBase + l * F;
    const R = level.resolution;
    const vertices = level.dense ? R * R * R : 0;
    nodeOrder.fill(l, level.offset, level.offset + level.size);
    for (let index = 0; index < level.size; index++) {
      const row = level.offset + index;
      const placed = index < vertices;
      const x = (index % R) - 0.5;
      const y = (Math.floor(index / R) % R) - 0.5;
      const z = Math.floor(index / (R * R)) - 0.5;
      for (let f = 0; f < F; f++) {
        const e = row * F + f;
        src[e] = row;
        dst[e] = featureBase + f;
        if (!placed) continue; // The builder filled every slot with -1.
        const at = e * POSITION_SLOTS;
        edgePosition[at] = x / level.scale;
        edgePosition[at + 1] = y / level.scale;
        edgePosition[at + 2] = z / level.scale;
      }
    }
  });
}
