import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { LAYERS, layerConfigs } from './eslint-layers.js';

/** Lints one import line as if it were a file in src/<layer>, with only the layer rules. */
async function restrictedImports(layer: string, importLine: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerConfigs],
  });
  const [result] = await eslint.lintText(`${importLine}\nexport {};\n`, { filePath: `src/${layer}/fixture.ts` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rule (core <- model <- engine <- store <- ui)', () => {
  const pairs = LAYERS.flatMap((from, i) => LAYERS.map((to, j) => ({ from, to, allowed: j <= i })));

  it.each(pairs)('src/$from importing src/$to: allowed=$allowed', async ({ from, to, allowed }) => {
    const messages = await restrictedImports(from, `import { x } from '../${to}/thing';`);
    if (allowed) expect(messages).toEqual([]);
    else expect(messages.join('\n')).toMatch(`src/${from} may not import from`);
  });

  it('catches type-only and deep relative imports', async () => {
    expect(await restrictedImports('core', `import type { X } from '../../src/ui/App';`)).toHaveLength(1);
    expect(await restrictedImports('model', `import type { X } from '../engine';`)).toHaveLength(1);
  });

  it('keeps tfjs and React out of core', async () => {
    expect(await restrictedImports('core', `import * as tf from '@tensorflow/tfjs';`)).toHaveLength(1);
    expect(await restrictedImports('core', `import { useState } from 'react';`)).toHaveLength(1);
    expect(await restrictedImports('core', `import { create } from 'zustand';`)).toHaveLength(1);
    expect(await restrictedImports('core', `import { mersenne } from 'pure-rand/generator/mersenne';`)).toEqual([]);
    expect(await restrictedImports('model', `import * as tf from '@tensorflow/tfjs';`)).toEqual([]);
  });

  it('does not flag sibling files whose names merely contain a layer name', async () => {
    expect(await restrictedImports('core', `import { x } from './ui-colors';`)).toEqual([]);
  });
});
