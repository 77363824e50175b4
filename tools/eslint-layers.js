// @ts-check
/**
 * One-way dependencies between the layers of src/ (DESIGN.md):
 *
 *   core  <-  model  <-  engine  <-  store  <-  ui
 *
 * A layer may import from the layers to its left, never from those to its right. core is pure
 * TypeScript: no tfjs, no React, no state or worker libraries. Enforced with ESLint's
 * `no-restricted-imports` (it covers `import type` too); tools/eslint-layers.test.ts proves
 * every rule fires.
 */

/** The layers, left to right. */
export const LAYERS = /** @type {const} */ (['core', 'model', 'engine', 'store', 'ui']);

/** Packages a layer may not use, beyond the layers to its right. */
const FORBIDDEN_PACKAGES = {
  core: ['@tensorflow', 'react', 'react-dom', 'zustand', 'comlink'],
  model: ['react', 'react-dom', 'zustand'],
  engine: ['react', 'react-dom', 'zustand'],
  store: ['react-dom'],
  ui: [],
};

/** @param {string} s */
const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * @param {typeof LAYERS[number]} layer
 * @returns {import('eslint').Linter.Config}
 */
function layerConfig(layer) {
  const later = LAYERS.slice(LAYERS.indexOf(layer) + 1);
  /** @type {{ regex: string, message: string }[]} */
  const patterns = [];
  if (later.length > 0) {
    patterns.push({
      // '../ui/App', '../../engine', 'src/store/x', '/src/model/y': any path segment naming a later layer.
      regex: `(^|/)(${later.join('|')})(/|$)`,
      message: `src/${layer} may not import from ${later.map((l) => `src/${l}`).join(', ')} (dependencies flow core <- model <- engine <- store <- ui).`,
    });
  }
  for (const pkg of FORBIDDEN_PACKAGES[layer]) {
    patterns.push({
      regex: `^${escapeRegex(pkg)}(/|$)`,
      message: `src/${layer} may not depend on '${pkg}' (see DESIGN.md, layers).`,
    });
  }
  return {
    name: `mt-diffusion/layers/${layer}`,
    files: [`src/${layer}/**/*.{ts,tsx,js,jsx,mts}`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

/** @type {import('eslint').Linter.Config[]} */
export const layerConfigs = LAYERS.map(layerConfig);
