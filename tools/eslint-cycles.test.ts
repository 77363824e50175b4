import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { cycleConfig, cyclesIn } from './eslint-cycles.js';

const root = mkdtempSync(path.join(tmpdir(), 'cycles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a small tree of files under a fresh folder and returns its path. */
function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), `${text}\nexport const here = 1;\n`);
  }
  return dir;
}

/** The no-cycle messages of linting `file` of `dir` with only that rule. */
async function cycleMessages(dir: string, file: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, cycleConfig(['**/*.ts'])],
  });
  const [result] = await eslint.lintFiles([path.join(dir, file)]);
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('no-cycle rule', () => {
  it('reports a cycle of type-only imports and re-exports, naming every file on it', async () => {
    const dir = tree('types', {
      'a.ts': "import type { B } from './b.ts';\nexport type A = B;",
      'b.ts': "export * from './c.ts';\nexport type B = number;",
      'c.ts': "import type { A } from './a.ts';\nexport type C = A;",
    });
    expect(await cycleMessages(dir, 'a.ts')).toEqual(['mt-diffusion/no-cycle: import cycle: a.ts -> b.ts -> c.ts -> a.ts (move what both sides need into a leaf module)']);
    expect((await cycleMessages(dir, 'c.ts'))[0]).toContain('c.ts -> a.ts -> b.ts -> c.ts');
  });

  it('follows extensionless specifiers, folders with an index and dynamic imports', async () => {
    const dir = tree('kinds', {
      'a.ts': "import { here as x } from './lib';\nexport const a = x;",
      'lib/index.ts': "export const lazy = () => import('../a.ts');",
    });
    expect(await cycleMessages(dir, 'a.ts')).toEqual(['mt-diffusion/no-cycle: import cycle: a.ts -> lib/index.ts -> a.ts (move what both sides need into a leaf module)']);
  });

  it('accepts a diamond, packages and assets', async () => {
    const dir = tree('diamond', {
      'top.ts': "import './left.ts';\nimport './right.ts';\nimport 'zustand';\nimport './styles.css';",
      'left.ts': "import { here } from './leaf.ts';\nexport const l = here;",
      'right.ts': "import type { here } from './leaf.ts';\nexport type R = typeof here;",
      'leaf.ts': '',
    });
    for (const f of ['top.ts', 'left.ts', 'right.ts', 'leaf.ts']) expect(await cycleMessages(dir, f)).toEqual([]);
  });
});

describe('src/', () => {
  it('has no import cycle', () => {
    const files = (readdirSync('src', { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f)).map((f) => path.resolve('src', f));
    expect(files.length).toBeGreaterThan(50);
    expect(cyclesIn(files).map((c) => c.cycle.map((f) => path.relative('.', f)).join(' -> '))).toEqual([]);
  });
});
