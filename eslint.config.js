import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * The layers, lowest first: what each folder of src/ may import besides itself (docs/architecture.md).
 * files -> clips -> batches -> model -> metrics -> charts: util below everything; kernels and data and model
 * beside each other (model computes with kernels); train on top of those; the workers host train; the
 * page's store reaches the workers only through their public modules (`data/index.ts`, `worker/index.ts`),
 * and components only through the store.
 */
const LAYERS = {
  util: [],
  kernels: ['util'],
  data: ['util'],
  model: ['kernels', 'util'],
  train: ['data', 'model', 'kernels', 'util'],
  worker: ['train', 'data', 'model', 'kernels', 'util'],
  store: ['util'],
  ui: ['store', 'util'],
};
const FOLDERS = Object.keys(LAYERS);

/** Folders of src/ a layer reaches through one public module only: the store, through their index.ts. */
const GATEWAYS = { store: ['data', 'worker'] };
/** How deep under src/<folder>/ files sit, at most (src/data/decode/x.ts is depth 2). */
const MAX_DEPTH = 4;

/**
 * no-restricted-imports patterns for a file `depth` folders below src/ (src/<folder>/x.ts is 1): the
 * relative prefix that climbs out to src/ is known from the depth, so `../model/` inside src/ui/runs (the
 * ui's own model folder) is not mistaken for src/model.
 */
function layerPatterns(folder, depth) {
  const up = '\\.\\./'.repeat(depth);
  const gateways = GATEWAYS[folder] ?? [];
  const forbidden = FOLDERS.filter(
    (other) => other !== folder && !LAYERS[folder].includes(other) && !gateways.includes(other),
  );
  const patterns = forbidden.map((other) => ({
    regex: `^${up}${other}/`,
    message: `src/${folder} must not import src/${other} (allowed: ${[folder, ...LAYERS[folder]].join(', ')}; see docs/architecture.md).`,
  }));
  for (const gateway of gateways) {
    patterns.push({
      regex: `^${up}${gateway}/(?!index\\.ts$)`,
      message: `src/${folder} reaches src/${gateway} through ${gateway}/index.ts only (see docs/architecture.md).`,
    });
  }
  return patterns;
}

/** Extra patterns per folder, on top of the layers. */
const EXTRA = {
  // Components get the domain's types and helpers from the store, never a worker's client.
  ui: [
    {
      regex: 'store/domain\\.ts$',
      importNames: ['getEngine', 'getDataClient', 'EngineClient', 'DataClient'],
      message: 'Components call the workers through store actions, not their clients.',
    },
  ],
};

/** One config per folder and depth, so every file gets the patterns that fit its place. */
function layerConfigs() {
  const configs = [];
  for (const folder of FOLDERS) {
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      const glob = `src/${folder}/${'*/'.repeat(depth - 1)}*.{ts,tsx}`;
      configs.push({
        files: [glob],
        rules: {
          'no-restricted-imports': [
            'error',
            { patterns: [...layerPatterns(folder, depth), ...(EXTRA[folder] ?? [])] },
          ],
        },
      });
    }
  }
  return configs;
}

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'public', 'test-results', 'playwright-report'] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.browser, ...globals.worker, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Type-aware checks where a forgotten promise loses an error or races: everything TypeScript builds.
    files: ['src/**/*.{ts,tsx}', 'e2e/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['src/**/*.tsx', 'src/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  ...layerConfigs(),
  prettier,
);
