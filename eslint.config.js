import { builtinModules } from 'node:module';
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig } from 'eslint/config';
import boundaries from 'eslint-plugin-boundaries';
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

/**
 * The layers inside src/main, bottom first (README, "Layers"): a folder may import its own layer
 * and those below it, never one above. compute and image import no other folder of src/main;
 * vocabulary (categories, colours, caption templates) only compute; app is the composition root
 * of the API, the job registry and auto-tagging; server and cli above it, and the Electron entry
 * files (src/main/*.ts) on top. Checked on resolved paths by eslint-plugin-boundaries, type-only imports included.
 */
const MAIN_LAYERS = [['compute', 'image'], ['vocabulary'], ['nerf'], ['zoo'], ['gmn'], ['text'], ['library'], ['app'], ['server'], ['cli']];

function layerPolicies() {
  return MAIN_LAYERS.flatMap((layer, rank) => {
    const above = MAIN_LAYERS.slice(rank + 1).flat();
    return [
      ...(above.length > 0 ? [{ from: { element: { types: { anyOf: layer } } }, disallow: { to: { element: { types: { anyOf: above } } } } }] : []),
      // Folders of one layer (compute and image) stay independent of each other too.
      ...(layer.length > 1 ? layer.map((folder) => ({ from: { element: { type: folder } }, disallow: { to: { element: { types: { anyOf: layer.filter((f) => f !== folder) } } } } })) : []),
      { from: { element: { types: { anyOf: layer } } }, disallow: { to: { file: { categories: 'entry' } } } },
    ];
  });
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
    // The formatter: the layout the code already has, checked (and fixed by `npx eslint --fix`) with
    // the rest of the lint, so `npm test` fails on a drift.
    files: ['**/*.ts', '**/*.vue', '**/*.js', '**/*.mjs'],
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, offsetTernaryExpressions: true, ignoredNodes: ['TemplateLiteral *'] }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0, maxBOF: 0 }],
      '@stylistic/object-curly-spacing': ['error', 'always'],
      '@stylistic/arrow-parens': ['error', 'always'],
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/space-infix-ops': 'error',
      '@stylistic/comma-spacing': 'error',
      '@stylistic/space-before-blocks': 'error',
      '@stylistic/member-delimiter-style': 'error',
      '@stylistic/type-annotation-spacing': 'error',
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
    files: ['src/main/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': [
        ...MAIN_LAYERS.flat().map((type) => ({ type, pattern: `src/main/${type}` })),
      ],
      // The Electron entry's files (index.ts, api-impl.ts, menu.ts) sit at the top: no folder imports them.
      'boundaries/files': [{ category: 'entry', pattern: 'src/main/*.ts' }],
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'allow', policies: layerPolicies() }],
    },
  },
  {
    files: ['src/main/**'],
    rules: restrictImports({
      patterns: [intoFolders(['renderer', 'preload'], 'src/main must not import from src/renderer or src/preload.')],
    }),
  },
);
