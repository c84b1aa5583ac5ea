/** The 3D preview: the component, and the reader of `.ndxv` preview volumes it uses. */
export { default as VolumePreview } from './VolumePreview.vue';
export {
  type PreviewAabb,
  type PreviewVolume,
  PreviewVolumeError,
  decodePreviewVolume,
  densityToOpacity,
  opacityToDensity,
} from './volume-format';
export type { PreviewMode } from './volume-viewer';
