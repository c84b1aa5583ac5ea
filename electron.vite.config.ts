import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  main: {
    build: {
      // Native addons must be loaded from node_modules at run time, never bundled.
      externalizeDeps: { include: ['onnxruntime-node', 'better-sqlite3'] },
      rolldownOptions: {
        input: {
          index: fromRoot('src/main/index.ts'),
          // Worker threads start from their own file; WorkerPool looks for it beside its caller.
          'worker-entry': fromRoot('src/main/app/worker-entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require nothing but `electron`, so everything else is bundled in.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: fromRoot('src/preload/index.ts') },
        // Sandboxed preloads cannot be ES modules; `.cjs` because package.json says "type": "module".
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: fromRoot('src/renderer'),
    plugins: [vue()],
    build: {
      rolldownOptions: {
        input: { index: fromRoot('src/renderer/index.html') },
      },
    },
  },
});
