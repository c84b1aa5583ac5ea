import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** Messages of the import-layer rule for `source` placed at `file`. */
async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: `${root}/${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import layers', () => {
  it.each([
    ['src/shared/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/shared/x.ts', "import { readFileSync } from 'fs';"],
    ['src/shared/x.ts', "import path from 'path';"],
    ['src/shared/x.ts', "import { ipcMain } from 'electron';"],
    ['src/shared/x.ts', "import { createApi } from '../main/api-impl';"],
    ['src/shared/x.ts', "export * from '../renderer/App.vue';"],
    ['src/shared/sub/x.ts', "import type { Tensor } from '../../main/compute/tensor';"],
    ['src/renderer/x.ts', "import { readFileSync } from 'node:fs';"],
    ['src/renderer/x.ts', "import { ipcRenderer } from 'electron';"],
    ['src/renderer/x.ts', "import { createApi } from '../main/api-impl';"],
    ['src/renderer/views/x.ts', "import { InferenceSession } from 'onnxruntime-node';"],
    ['src/main/x.ts', "import App from '../renderer/App.vue';"],
    ['src/main/compute/x.ts', "import { x } from '../../renderer/x';"],
    ['src/preload/x.ts', "import { createApi } from '../main/api-impl';"],
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
    ['tests/app/x.test.ts', "import { dispatch } from '../../src/main/ipc';"],
  ])('allows in %s: %s', async (file, source) => {
    expect(await layerErrors(file, source)).toEqual([]);
  });
});
