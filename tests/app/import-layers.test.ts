import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** Messages of lint rule `rule` for `source` placed at `file`. */
async function ruleErrors(rule: string, file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: `${root}/${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message);
}

/** Messages of the import-layer rule (src/shared, renderer, preload, main). */
const layerErrors = (file: string, source: string) => ruleErrors('no-restricted-imports', file, source);
/** Messages of the src/main layer rule (eslint-plugin-boundaries). */
const mainLayerErrors = (file: string, source: string) => ruleErrors('boundaries/dependencies', file, source);

describe('import layers', () => {
  it.each([
    ['src/shared/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/shared/x.ts', "import { readFileSync } from 'fs';"],
    ['src/shared/x.ts', "import path from 'path';"],
    ['src/shared/x.ts', "import { ipcMain } from 'electron';"],
    ['src/shared/x.ts', "import { createApi } from '../main/app/api-service';"],
    ['src/shared/x.ts', "export * from '../renderer/App.vue';"],
    ['src/shared/sub/x.ts', "import type { Tensor } from '../../main/compute/tensor';"],
    ['src/renderer/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/renderer/x.ts', "import { ipcRenderer } from 'electron';"],
    ['src/renderer/x.ts', "import { createApi } from '../main/app/api-service';"],
    ['src/renderer/views/x.ts', "import { InferenceSession } from 'onnxruntime-node';"],
    ['src/main/x.ts', "import App from '../renderer/App.vue';"],
    ['src/main/compute/x.ts', "import { x } from '../../renderer/x';"],
    ['src/preload/x.ts', "import { createApi } from '../main/app/api-service';"],
  ])('forbids in %s: %s', async (file, source) => {
    expect(await layerErrors(file, source)).toHaveLength(1);
  });

  it.each([
    ['src/shared/x.ts', "import type { ProviderChoice } from './compute';"],
    ['src/renderer/x.ts', "import type { Api } from '../shared/api';"],
    ['src/renderer/x.ts', "import { ref } from 'vue';"],
    ['src/renderer/x.ts', "import Gallery from './views/Gallery.vue';"],
    ['src/preload/x.ts', "import { contextBridge } from 'electron';"],
    ['src/main/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/main/x.ts', "import { app } from 'electron';"],
    ['src/main/x.ts', "import { validateRequest } from '../shared/api';"],
    ['src/main/compute/x.ts', "import { tensor } from './tensor';"],
    ['tests/app/x.test.ts', "import { dispatch } from '../../src/main/app/ipc';"],
  ])('allows in %s: %s', async (file, source) => {
    expect(await layerErrors(file, source)).toEqual([]);
  });

  it.each([
    ['src/main/compute/x.ts', "import { Library } from '../library/library';"],
    ['src/main/compute/x.ts', "import type { ZooFitInput } from '../zoo/fit-job';"],
    ['src/main/compute/x.ts', "import { JOBS } from '../app/job-registry';"],
    ['src/main/compute/x.ts', "import { bitmapText } from '../image/bitmap-font';"],
    ['src/main/vocabulary/x.ts', "import { generateObject } from '../zoo/objects';"],
    ['src/main/nerf/x.ts', "import { CATEGORIES } from '../vocabulary/categories'; import { x } from '../gmn/encoder';"],
    ['src/main/gmn/eval/x.ts', "import type { Library } from '../../library/library';"],
    ['src/main/text/x.ts', "import type { Library } from '../library/library';"],
    ['src/main/library/import/x.ts', "import { JobPool } from '../../app/job-pool';"],
    ['src/main/app/x.ts', "import { startServer } from '../server/serve';"],
    ['src/main/server/x.ts', "import { main } from '../cli/nerfdex';"],
    ['src/main/cli/x.ts', "import { createApiService } from '../index';"],
  ])('forbids the upward import in %s: %s', async (file, source) => {
    expect(await mainLayerErrors(file, source)).toHaveLength(1);
  });

  it.each([
    ['src/main/compute/x.ts', "import { tensor } from './tensor';"],
    ['src/main/vocabulary/x.ts', "import { seededRandom } from '../compute/init';"],
    ['src/main/zoo/x.ts', "import { CATEGORIES } from '../vocabulary/categories';"],
    ['src/main/text/x.ts', "import { siglipLoss } from '../gmn/losses';"],
    ['src/main/library/x.ts', "import type { SemanticTextSearch } from '../text/semantic-search';"],
    ['src/main/app/x.ts', "import { Library } from '../library/library';"],
    ['src/main/cli/x.ts', "import { JobPool } from '../app/job-pool';"],
    ['src/main/x.ts', "import { createApiService } from './app/api-service';"],
  ])('allows the import in %s: %s', async (file, source) => {
    expect(await mainLayerErrors(file, source)).toEqual([]);
  });
});
