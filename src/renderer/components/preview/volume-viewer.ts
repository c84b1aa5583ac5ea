/**
 * The three.js side of the preview: one WebGL renderer on a canvas, a camera with orbit controls,
 * the ray-marched volume and its isosurface mesh. It renders on demand (a camera move, a new
 * setting), never in a loop, and frees every GPU resource in `dispose`.
 */
import {
  AmbientLight,
  BoxGeometry,
  ClampToEdgeWrapping,
  Data3DTexture,
  DirectionalLight,
  LinearFilter,
  Mesh,
  MeshLambertMaterial,
  PerspectiveCamera,
  RGBAFormat,
  Scene,
  type ShaderMaterial,
  UnsignedByteType,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { MarchingCubes } from 'three/examples/jsm/objects/MarchingCubes.js';
import { createIsosurfaceMesh, updateIsosurface } from './isosurface-mesh';
import type { PreviewVolume } from './volume-format';
import { createVolumeMaterial } from './volume-shader';

/** How the volume is drawn. */
export type PreviewMode = 'volume' | 'mesh';

/** The canonical view of the gallery's thumbnails (src/main/nerf/render/thumbnail.ts). */
const VIEW_AZIMUTH_DEG = 35;
const VIEW_ELEVATION_DEG = 25;
const FOV_Y_DEG = 40;

/** WebGL 2 could not be started on this machine; the message says why, for the user. */
export class WebGLUnavailableError extends Error {
  override readonly name = 'WebGLUnavailableError';
}

/** Settings of a {@link VolumeViewer}. */
export interface ViewerSettings {
  /** Voxels with alpha (opacity over one cell) below this are empty, 0..1. */
  threshold: number;
  /** Multiplies the density in the volume view. */
  opacity: number;
  /** Samples per voxel along each ray in the volume view. */
  samplesPerVoxel: number;
  mode: PreviewMode;
}

interface LoadedVolume {
  readonly volume: PreviewVolume;
  readonly texture: Data3DTexture;
  readonly box: Mesh<BoxGeometry, ShaderMaterial>;
  /** Built the first time the mesh view is shown. */
  isosurface?: MarchingCubes;
  /** Threshold the isosurface was last built for. */
  isosurfaceThreshold?: number;
}

export class VolumeViewer {
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera = new PerspectiveCamera(FOV_Y_DEG, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private readonly meshMaterial = new MeshLambertMaterial({ vertexColors: true });
  private loaded: LoadedVolume | undefined;
  private pendingFrame = 0;
  private disposed = false;
  /** Frames drawn so far; tests wait on it. */
  renderCount = 0;
  /** Triangles of the current isosurface (0 in the volume view). */
  triangleCount = 0;

  /**
   * @param onRender called after each frame is drawn.
   * @throws WebGLUnavailableError when the canvas cannot give a WebGL 2 context.
   */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    private settings: ViewerSettings,
    private readonly onRender: () => void = () => {},
  ) {
    this.renderer = createRenderer(canvas);
    this.renderer.setPixelRatio(Math.min(globalThis.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(0x000000, 0);
    this.scene.add(this.camera);
    this.scene.add(new AmbientLight(0xffffff, 0.9));
    const light = new DirectionalLight(0xffffff, 2.2);
    light.position.set(0.5, 1, 1);
    this.camera.add(light);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.addEventListener('change', this.requestRender);
  }

  /** Shows `volume` (or nothing), framing the camera on it when it is new. */
  setVolume(volume: PreviewVolume | undefined): void {
    this.unload();
    if (volume !== undefined) {
      const r = volume.resolution;
      const texture = new Data3DTexture(volume.voxels, r, r, r);
      texture.format = RGBAFormat;
      texture.type = UnsignedByteType;
      texture.minFilter = LinearFilter;
      texture.magFilter = LinearFilter;
      texture.wrapS = texture.wrapT = texture.wrapR = ClampToEdgeWrapping;
      texture.unpackAlignment = 1;
      texture.needsUpdate = true;
      const box = new Mesh(new BoxGeometry(1, 1, 1), createVolumeMaterial(texture));
      const [lo, hi] = volume.aabb;
      box.scale.set(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
      box.position.set((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2);
      this.scene.add(box);
      this.loaded = { volume, texture, box };
      this.frameVolume(volume);
    }
    this.applySettings();
  }

  /** Changes some settings and redraws. */
  update(settings: Partial<ViewerSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.applySettings();
  }

  /** Matches the drawing buffer to the canvas's CSS size. */
  resize(width: number, height: number): void {
    if (width <= 0 || height <= 0) return;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  /** Puts the camera back on the canonical view. */
  resetView(): void {
    if (this.loaded !== undefined) this.frameVolume(this.loaded.volume);
    this.requestRender();
  }

  /** Draws on the next animation frame (once, however often it is asked). */
  readonly requestRender = (): void => {
    if (this.disposed || this.pendingFrame !== 0) return;
    this.pendingFrame = requestAnimationFrame(() => {
      this.pendingFrame = 0;
      this.renderNow();
    });
  };

  /** Draws now. */
  renderNow(): void {
    if (this.disposed) return;
    const loaded = this.loaded;
    if (loaded !== undefined) {
      const uniforms = loaded.box.material.uniforms;
      loaded.box.updateMatrixWorld();
      uniforms['uCameraLocal']!.value.copy(loaded.box.worldToLocal(this.camera.position.clone()));
    }
    this.renderer.render(this.scene, this.camera);
    this.renderCount++;
    this.onRender();
  }

  /** Frees the textures, geometries, materials, controls and the WebGL context. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.pendingFrame !== 0) cancelAnimationFrame(this.pendingFrame);
    this.unload();
    this.controls.removeEventListener('change', this.requestRender);
    this.controls.dispose();
    this.meshMaterial.dispose();
    this.renderer.dispose();
    // Browsers keep only a few WebGL contexts alive; a gallery of previews must not hold on to them.
    this.renderer.forceContextLoss();
  }

  private frameVolume(volume: PreviewVolume): void {
    const [lo, hi] = volume.aabb;
    const centre = new Vector3((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2);
    const radius = new Vector3(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]).length() / 2;
    const halfY = (FOV_Y_DEG * Math.PI) / 360;
    const halfX = Math.atan(Math.tan(halfY) * this.camera.aspect);
    const distance = radius / Math.sin(Math.min(halfX, halfY));
    const az = (VIEW_AZIMUTH_DEG * Math.PI) / 180;
    const el = (VIEW_ELEVATION_DEG * Math.PI) / 180;
    this.camera.position.set(
      centre.x + distance * Math.cos(el) * Math.sin(az),
      centre.y + distance * Math.sin(el),
      centre.z + distance * Math.cos(el) * Math.cos(az),
    );
    this.camera.near = distance / 100;
    this.camera.far = distance * 10;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(centre);
    this.controls.minDistance = radius * 0.2;
    this.controls.maxDistance = distance * 4;
    this.controls.update();
  }

  private applySettings(): void {
    const loaded = this.loaded;
    this.triangleCount = 0;
    if (loaded !== undefined) {
      const { threshold, opacity, samplesPerVoxel, mode } = this.settings;
      const uniforms = loaded.box.material.uniforms;
      const [lo, hi] = loaded.volume.aabb;
      uniforms['uBoxSize']!.value.set(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
      uniforms['uResolution']!.value = loaded.volume.resolution;
      uniforms['uDensityScale']!.value = loaded.volume.densityScale;
      uniforms['uThreshold']!.value = threshold;
      uniforms['uOpacity']!.value = opacity;
      uniforms['uSamplesPerVoxel']!.value = samplesPerVoxel;
      loaded.box.visible = mode === 'volume';
      if (mode === 'mesh') {
        if (loaded.isosurface === undefined) {
          loaded.isosurface = createIsosurfaceMesh(loaded.volume, this.meshMaterial);
          this.scene.add(loaded.isosurface);
        }
        if (loaded.isosurfaceThreshold !== threshold) {
          updateIsosurface(loaded.isosurface, loaded.volume, threshold);
          loaded.isosurfaceThreshold = threshold;
        }
        this.triangleCount = loaded.isosurface.count / 3;
      }
      if (loaded.isosurface !== undefined) loaded.isosurface.visible = mode === 'mesh';
    }
    this.requestRender();
  }

  private unload(): void {
    const loaded = this.loaded;
    if (loaded === undefined) return;
    this.loaded = undefined;
    this.scene.remove(loaded.box);
    loaded.box.geometry.dispose();
    loaded.box.material.dispose();
    loaded.texture.dispose();
    if (loaded.isosurface !== undefined) {
      this.scene.remove(loaded.isosurface);
      loaded.isosurface.geometry.dispose();
    }
  }
}

function createRenderer(canvas: HTMLCanvasElement): WebGLRenderer {
  // A probe on a scratch canvas, so the real one is not claimed by a failed attempt.
  const probe = document.createElement('canvas').getContext('webgl2');
  if (probe === null) {
    throw new WebGLUnavailableError('WebGL 2 is not available here (disabled, or no GPU or software renderer), so the 3D preview cannot be shown.');
  }
  probe.getExtension('WEBGL_lose_context')?.loseContext();
  try {
    return new WebGLRenderer({ canvas, antialias: false, alpha: true, premultipliedAlpha: true, powerPreference: 'low-power' });
  } catch (error) {
    throw new WebGLUnavailableError(`WebGL 2 could not be started, so the 3D preview cannot be shown (${error instanceof Error ? error.message : String(error)}).`);
  }
}
