/** The 3D preview: the components (a volume's viewer, and a library asset's preview), and the reader of `.ndxv` preview volumes it uses. */
export { default as VolumePreview } from './VolumePreview.vue';
export { default as AssetPreview } from './AssetPreview.vue';
export {
  type PreviewAabb,
  type PreviewVolume,
  PreviewVolumeError,
  decodePreviewVolume,
  densityToOpacity,
  opacityToDensity,
} from './volume-format';
export type { PreviewMode } from './volume-viewer';
