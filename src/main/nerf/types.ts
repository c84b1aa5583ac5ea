/**
 * The in-memory NeRF: a family config, its parameters, and where it came from. Every format
 * (native safetensors, instant-ngp snapshots, ...) reads into this one object.
 */
import type { HostTensor } from '../compute/tensor';

/** Axis-aligned bounding box [[minX, minY, minZ], [maxX, maxY, maxZ]]; fields live inside it. */
export type Aabb = readonly [readonly [number, number, number], readonly [number, number, number]];

/** Maps the raw density output to a non-negative density. `truncExp` is exp(min(x, 15)). */
export type DensityActivation = 'relu' | 'softplus' | 'truncExp';

export interface FieldCommon {
  /** Architecture id, e.g. `mlp-train` or `hash-T11` (see architectures.ts). */
  readonly architecture: string;
  readonly aabb: Aabb;
  readonly densityActivation: DensityActivation;
  /** Colour is always sigmoid(raw rgb); view dependence is out of scope. */
}

/** Frequency-encoded xyz -> ReLU MLP -> (density, rgb). */
export interface MlpConfig extends FieldCommon {
  readonly family: 'mlp';
  /** Frequencies of the positional encoding: [x, sin(2^k pi x), cos(2^k pi x)] for k < frequencies. */
  readonly frequencies: number;
  /** Widths of the hidden layers, e.g. [64, 64, 64]. */
  readonly hidden: readonly number[];
}

/** Three axis-aligned feature planes, bilinear sampling, summed, + frequency encoding -> sine MLP. */
export interface TriplaneConfig extends FieldCommon {
  readonly family: 'triplane';
  /** Texels per side R (>= 2); texel i of R sits at i / (R - 1) of the aabb (align_corners). */
  readonly resolution: number;
  /** Feature channels C per texel, summed over the three planes. */
  readonly channels: number;
  /** Frequencies of the encoding concatenated after the plane features (as for the MLP family). */
  readonly frequencies: number;
  /** Widths of the sine-activated hidden layers. */
  readonly hidden: readonly number[];
}

/** Multi-resolution hash grid in tiny-cuda-nn's layout -> ReLU MLP. */
export interface HashGridConfig extends FieldCommon {
  readonly family: 'hashgrid';
  readonly levels: number;
  /** log2 of the hash table size T per level. */
  readonly log2TableSize: number;
  readonly featuresPerLevel: number;
  /** Vertices per axis of level 0 (tcnn's base_resolution). */
  readonly baseResolution: number;
  /** Growth per level (tcnn's per_level_scale); used as float32, as tcnn does. */
  readonly perLevelScale: number;
  /** Widths of the ReLU hidden layers. */
  readonly hidden: readonly number[];
  /**
   * How the grid's vertices are placed and indexed. `tcnn` (tiny-cuda-nn, instant-ngp): scale
   * base * perLevelScale^l - 1, a point at scale * x + 0.5, dense coarse levels. `nerfstudio-torch`
   * (nerfstudio's torch HashEncoding): scale floor(base * perLevelScale^l), a point at scale * x,
   * every level hashed into its own 2^log2TableSize rows. @default 'tcnn'
   */
  readonly gridIndexing?: HashGridIndexing;
  /**
   * The box whose unit cube the grid covers, when it is larger than `aabb`: a contracted nerfacto
   * scene's grid spans [-2, 2]^3 around the inner box [-1, 1]^3 that the NeRF shows. @default aabb
   */
  readonly gridAabb?: Aabb;
}

export type HashGridIndexing = 'tcnn' | 'nerfstudio-torch';

export type NerfConfig = MlpConfig | TriplaneConfig | HashGridConfig;
export type NerfFamily = NerfConfig['family'];

/** Provenance and catalogue facts stored with a NeRF. */
export interface NerfMeta {
  readonly objectId?: string;
  readonly category?: string;
  readonly caption?: string;
  /** Free-form origin: generator, seed, fit PSNR, source file... */
  readonly provenance?: Readonly<Record<string, string | number | boolean>>;
}

export interface Nerf {
  readonly config: NerfConfig;
  /** Parameters by name, shapes as `parameterLayout(config)` says. */
  readonly params: Readonly<Record<string, HostTensor>>;
  readonly meta: NerfMeta;
}

/** A radiance field as the renderer sees it: points [N*3] in world space -> density [N], rgb [N*3]. */
export type FieldFunction = (points: Float32Array) => Promise<{ density: Float32Array; rgb: Float32Array }>;
