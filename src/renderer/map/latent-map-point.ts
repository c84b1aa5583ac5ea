/** One asset on the latent map: its 2D projection and what the map shows of it. */
export interface LatentMapPoint {
  /** Projected coordinates (any units; the map fits them to its canvas, y up). */
  readonly x: number;
  readonly y: number;
  readonly category: string;
  readonly architecture: string;
  readonly assetId: LatentMapAssetId;
  /** Shown in the tooltip; the asset id when absent. */
  readonly label?: string;
}

/** The library's asset ids are numbers; strings are accepted for other sources. */
export type LatentMapAssetId = number | string;
