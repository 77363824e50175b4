// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { cycleConfig } from './tools/eslint-cycles.js';
import { layerConfigs } from './tools/eslint-layers.js';

export default tseslint.config(
  {
    name: 'mt-diffusion/ignores',
    ignores: ['dist/', 'dist-*/', 'coverage/', 'node_modules/', 'public/', 'training/', 'test-results/', 'e2e/.tmp/', 'bench/.gpu/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    name: 'mt-diffusion/typed-linting',
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    name: 'mt-diffusion/browser',
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    name: 'mt-diffusion/node',
    files: ['*.{js,ts,mjs}', 'e2e/**/*.{ts,js,mjs}', 'bench/**/*.{ts,mjs}', 'tools/**/*.{js,ts}', '.ci/**/*.{js,mjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The bench scripts handle JSON from the page, from bench/native.py and report.json: untyped by nature.
    name: 'mt-diffusion/bench',
    files: ['bench/**/*.mjs'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    ...reactHooks.configs.flat['recommended-latest'],
    name: 'mt-diffusion/react-hooks',
    files: ['src/**/*.tsx', 'src/store/**/*.ts', 'src/ui/**/*.ts'],
  },
  {
    name: 'mt-diffusion/rules',
    rules: {
      // Randomness is an argument (a seeded stream from src/core/rng.ts), never Math.random.
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use a seeded stream from src/core/rng.ts.' },
      ],
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerConfigs,
  // No import cycles anywhere in src/, type-only imports included (tools/eslint-cycles.js).
  cycleConfig(),
);
