/** A temporary app library: a few demo NeRFs in a folder, imported as the first-run demo. */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppLibrary } from '../../src/main/app/app-library';
import type { LibraryLog } from '../../src/main/library/types';

export const DEMO = join(import.meta.dirname, '../../resources/demo');

/** Demo NeRFs of three categories and all three families. */
export const FIXTURE_NERFS = [
  'airplane-070000.mlp-train',
  'airplane-070001.triplane-train',
  'bench-070000.mlp-train',
  'bench-070001.hash-train',
  'chair-070000.triplane-train',
  'chair-070001.mlp-train',
].map((name) => `${name}.nerf.safetensors`);

export interface LibraryFixture {
  readonly root: string;
  /** The folder imported as the demo. */
  readonly demoDir: string;
  readonly libraryDir: string;
  /** Where the encoder would be (absent until a test puts one there). */
  readonly encoderPath: string;
  /** Where fine-tuned encoders go (instead of the user's data folder). */
  readonly modelsDir: string;
  open(): Promise<AppLibrary>;
  remove(): Promise<void>;
}

export function libraryFixture(files: readonly string[] = FIXTURE_NERFS, options: { poolSize?: number; batchSize?: number; log?: LibraryLog } = {}): LibraryFixture {
  const root = mkdtempSync(join(tmpdir(), 'nerfdex-app-'));
  const demoDir = join(root, 'demo');
  mkdirSync(demoDir);
  for (const name of files) copyFileSync(join(DEMO, name), join(demoDir, name));
  mkdirSync(join(root, 'models'));
  const libraryDir = join(root, 'library');
  const encoderPath = join(root, 'models', 'encoder.onnx');
  const modelsDir = join(root, 'user-models');
  return {
    root,
    demoDir,
    libraryDir,
    encoderPath,
    modelsDir,
    open: () =>
      AppLibrary.open({
        dir: libraryDir,
        demoDir,
        encoderPath,
        modelsDir,
        textModelPath: join(root, 'models', 'text.onnx'),
        poolSize: options.poolSize ?? 1,
        thumbnailSize: 48,
        previewResolution: 24,
        batchSize: options.batchSize ?? 3,
        log: options.log ?? { info: () => undefined, warn: () => undefined },
      }),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
