import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

// Import layers (ARCHITECTURE.md): shared <- main, preload, renderer. `no-restricted-imports`
// takes one setting per file, so each folder's block lists everything that folder may not import.

const nodeBuiltins = {
  paths: builtinModules.map((name) => ({ name, message: 'Node built-ins are for src/main only.' })),
  patterns: [{ group: ['node:*'], message: 'Node built-ins are for src/main only.' }],
};
const electronModules = {
  paths: [{ name: 'electron', message: 'Electron is for src/main and src/preload only.' }],
  patterns: [{ group: ['electron/*'], message: 'Electron is for src/main and src/preload only.' }],
};
/** Packages with native code, which only the main process can load. */
const nativePackages = ['onnxruntime-node', 'better-sqlite3'].map((name) => ({
  name,
  message: 'Native packages are for src/main only.',
}));

/** A relative import that climbs out of the current folder into one of `folders` under src/. */
function intoFolders(folders, message) {
  return { regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message };
}

function restrictImports({ paths = [], patterns = [] }) {
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

export default defineConfig(
  { ignores: ['out/**', 'dist/**', 'coverage/**', 'test-results/**', '.tmp/**', 'resources/**', 'scratch/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: {
      // Layout rules kept loose enough for short tags to stay on one line.
      'vue/max-attributes-per-line': ['warn', { singleline: { max: 4 }, multiline: { max: 1 } }],
      'vue/singleline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.vue'],
    rules: {
      // The compiler already reports undefined names, and knows the DOM and Node globals.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['src/shared/**'],
    rules: restrictImports({
      paths: [...nodeBuiltins.paths, ...electronModules.paths, ...nativePackages],
      patterns: [
        ...nodeBuiltins.patterns,
        ...electronModules.patterns,
        intoFolders(['main', 'preload', 'renderer'], 'src/shared imports nothing from the other src folders.'),
      ],
    }),
  },
  {
    files: ['src/renderer/**'],
    rules: restrictImports({
      paths: [...nodeBuiltins.paths, ...electronModules.paths, ...nativePackages],
      patterns: [
        ...nodeBuiltins.patterns,
        ...electronModules.patterns,
        intoFolders(['main', 'preload'], 'The renderer talks to main through window.nerfdex (src/shared/api.ts) only.'),
      ],
    }),
  },
  {
    files: ['src/preload/**'],
    rules: restrictImports({
      paths: [...nodeBuiltins.paths, ...nativePackages],
      patterns: [
        ...nodeBuiltins.patterns,
        intoFolders(['main', 'renderer'], 'The preload bridges to src/shared/api.ts only.'),
      ],
    }),
  },
  {
    files: ['src/main/**'],
    rules: restrictImports({
      patterns: [intoFolders(['renderer', 'preload'], 'src/main must not import from src/renderer or src/preload.')],
    }),
  },
);
