/**
 * The preview's ray-marcher, as three.js writes its VolumeShader: `{ uniforms, vertexShader,
 * fragmentShader }`, uniforms cloned per material.
 *
 * The material is drawn on a unit box ([-0.5, 0.5]^3, scaled and moved onto the volume's aabb) with
 * its back faces, so the camera may be inside the box. Each fragment marches its ray through the
 * box front to back in texture space, and takes a step of world length ds as the opacity
 * 1 - (1 - A)^(opacity * ds / s) (A: the voxel's alpha, s: the density scale), which is
 * 1 - exp(-opacity * density * ds). Voxels with A below the threshold are empty.
 */
import { BackSide, type Data3DTexture, ShaderMaterial, UniformsUtils, Vector3 } from 'three';

/** Most samples one ray may take; rays are cut short beyond it (only at absurd settings). */
export const MAX_RAY_SAMPLES = 1024;

export const VolumeRayMarchShader = {
  uniforms: {
    uVolume: { value: null as Data3DTexture | null },
    /** The camera in the box's local frame (the box is [-0.5, 0.5]^3). */
    uCameraLocal: { value: new Vector3() },
    /** World size of the box. */
    uBoxSize: { value: new Vector3(1, 1, 1) },
    /** Voxels along each axis. */
    uResolution: { value: 64 },
    /** World length the voxels' alpha is measured over. */
    uDensityScale: { value: 1 },
    /** Voxels with alpha below this (0..1) are empty. */
    uThreshold: { value: 0.25 },
    /** Multiplies the density. */
    uOpacity: { value: 1 },
    /** Samples per voxel along a ray. */
    uSamplesPerVoxel: { value: 1.5 },
  },

  vertexShader: /* glsl */ `
    varying vec3 vLocal;

    void main() {
      vLocal = position;
      gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
    }
  `,

  fragmentShader: /* glsl */ `
    precision highp float;
    precision highp sampler3D;

    uniform sampler3D uVolume;
    uniform vec3 uCameraLocal;
    uniform vec3 uBoxSize;
    uniform float uResolution;
    uniform float uDensityScale;
    uniform float uThreshold;
    uniform float uOpacity;
    uniform float uSamplesPerVoxel;

    varying vec3 vLocal;

    // Entry and exit distances of a ray through [-0.5, 0.5]^3.
    vec2 boxInterval(vec3 origin, vec3 direction) {
      vec3 inverse = 1.0 / direction;
      vec3 t0 = (vec3(-0.5) - origin) * inverse;
      vec3 t1 = (vec3(0.5) - origin) * inverse;
      vec3 tMin = min(t0, t1);
      vec3 tMax = max(t0, t1);
      return vec2(max(max(tMin.x, tMin.y), tMin.z), min(min(tMax.x, tMax.y), tMax.z));
    }

    void main() {
      vec3 direction = normalize(vLocal - uCameraLocal);
      vec2 interval = boxInterval(uCameraLocal, direction);
      float tNear = max(interval.x, 0.0);
      float tFar = interval.y;
      if (tFar <= tNear) discard;

      float stepLocal = 1.0 / (uResolution * uSamplesPerVoxel);
      // World length of one step: the box is scaled per axis.
      float stepWorld = stepLocal * length(direction * uBoxSize);
      float exponent = uOpacity * stepWorld / uDensityScale;
      // A per-pixel offset of the first sample trades banding for fine noise.
      float jitter = fract(sin(dot(gl_FragCoord.xy, vec2(12.9898, 78.233))) * 43758.5453);
      float t = tNear + jitter * stepLocal;

      vec4 accumulated = vec4(0.0);
      for (int i = 0; i < ${MAX_RAY_SAMPLES}; i++) {
        if (t >= tFar || accumulated.a >= 0.99) break;
        vec4 voxel = texture(uVolume, uCameraLocal + t * direction + 0.5);
        if (voxel.a >= uThreshold) {
          float alpha = 1.0 - pow(1.0 - min(voxel.a, 254.5 / 255.0), exponent);
          accumulated.rgb += (1.0 - accumulated.a) * alpha * voxel.rgb;
          accumulated.a += (1.0 - accumulated.a) * alpha;
        }
        t += stepLocal;
      }
      if (accumulated.a <= 0.0) discard;
      // Premultiplied: the material blends with ONE, ONE_MINUS_SRC_ALPHA.
      gl_FragColor = accumulated;
    }
  `,
};

/** A ray-marching material for one volume texture, with uniforms of its own. */
export function createVolumeMaterial(texture: Data3DTexture): ShaderMaterial {
  const uniforms = UniformsUtils.clone(VolumeRayMarchShader.uniforms);
  uniforms['uVolume']!.value = texture;
  return new ShaderMaterial({
    uniforms,
    vertexShader: VolumeRayMarchShader.vertexShader,
    fragmentShader: VolumeRayMarchShader.fragmentShader,
    side: BackSide,
    transparent: true,
    premultipliedAlpha: true,
    depthWrite: false,
  });
}
