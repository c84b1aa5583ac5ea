/** What the asset view's `preview` slot is given (LibraryView passes it on from AssetPanel). */

import type { ThumbnailCache } from './thumbnail-cache';

export interface PreviewSlotProps {
  readonly assetId: number;
  /** Whether the asset has a baked preview volume; false until its details have loaded. */
  readonly hasPreview: boolean;
  readonly thumbnails: ThumbnailCache;
  /** Empty until its details have loaded. */
  readonly assetName: string;
}
