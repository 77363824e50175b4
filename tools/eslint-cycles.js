// @ts-check
/**
 * No import cycles in src/ (DESIGN.md: dependencies flow one way, inside a layer too). The ESLint rule
 * `mt-diffusion/no-cycle` follows every relative import of the file being linted (static, `import type`,
 * `export ... from` and dynamic `import()` alike) through the files on disk and reports the import that
 * leads back to the file, with the whole cycle in the message. tools/eslint-cycles.test.ts proves it fires
 * and that src/ has none. The usual fix: move the shared types into a leaf (src/store/state.ts is one).
 *
 * Written here rather than taken from a plugin: the graph walk is forty lines, and the typescript
 * package (already a dependency) reads the imports of each file.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** What a relative specifier may leave out ('./x' for './x.ts', './dir' for './dir/index.ts'). */
const SUFFIXES = ['', '.ts', '.tsx', '.js', '.jsx', '.mts', '/index.ts', '/index.tsx'];
const SOURCE = /\.(ts|tsx|js|jsx|mts)$/;

/** @param {string} file */
function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The file a relative specifier of `from` names, or null (a package, an asset, a file that is missing).
 * @param {string} from @param {string} specifier
 */
export function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), specifier);
  for (const suffix of SUFFIXES) {
    const candidate = base + suffix;
    if (SOURCE.test(candidate) && isFile(candidate)) return candidate;
  }
  return null;
}

/** @type {Map<string, { mtimeMs: number, imports: string[] }>} */
const cache = new Map();

/**
 * The source files `file` imports (relative imports of every kind), read from disk; cached by mtime.
 * @param {string} file
 */
export function importsOf(file) {
  const mtimeMs = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.imports;
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const imports = [...new Set(info.importedFiles.map((f) => resolveImport(file, f.fileName)).filter((f) => f !== null))];
  cache.set(file, { mtimeMs, imports });
  return imports;
}

/**
 * The shortest import path from `from` back to `to` (breadth first), as the files after `from`, ending
 * with `to`; null when there is none.
 * @param {string} from @param {string} to
 * @returns {string[] | null}
 */
export function pathBack(from, to) {
  if (from === to) return [to];
  /** @type {Map<string, string | null>} */
  const parent = new Map([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const file = /** @type {string} */ (queue.shift());
    for (const next of importsOf(file)) {
      if (parent.has(next)) continue;
      parent.set(next, file);
      if (next === to) {
        const out = [];
        for (let f = /** @type {string | null | undefined} */ (next); f !== null && f !== undefined && f !== from; f = parent.get(f)) out.unshift(f);
        return [from, ...out];
      }
      queue.push(next);
    }
  }
  return null;
}

/**
 * Every file of `files` that lies on a cycle, with one cycle through it (file, ..., file).
 * @param {readonly string[]} files
 */
export function cyclesIn(files) {
  /** @type {{ file: string, cycle: string[] }[]} */
  const out = [];
  for (const file of files) {
    for (const target of importsOf(file)) {
      const back = pathBack(target, file);
      if (back !== null) {
        out.push({ file, cycle: [file, ...back] });
        break;
      }
    }
  }
  return out;
}

/** @param {string} cwd @param {string[]} files */
const show = (cwd, files) => files.map((f) => path.relative(cwd, f)).join(' -> ');

/** @type {import('eslint').Rule.RuleModule} */
const noCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import cycles (type-only imports, re-exports and dynamic imports included).' },
    schema: [],
    messages: { cycle: 'import cycle: {{cycle}} (move what both sides need into a leaf module)' },
  },
  create(context) {
    const file = context.filename;
    /** @param {{ source?: unknown }} node */
    const check = (node) => {
      const source = /** @type {{ value?: unknown } | null | undefined} */ (node.source);
      if (typeof source?.value !== 'string') return;
      const target = resolveImport(file, source.value);
      if (target === null) return;
      const back = pathBack(target, file);
      if (back !== null) {
        context.report({ node: /** @type {import('estree').Node} */ (node), messageId: 'cycle', data: { cycle: show(context.cwd, [file, ...back]) } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export const cyclePlugin = { rules: { 'no-cycle': noCycle } };

/**
 * @param {string[]} [files]
 * @returns {import('eslint').Linter.Config}
 */
export function cycleConfig(files = ['src/**/*.{ts,tsx}']) {
  return { name: 'mt-diffusion/no-cycle', files, plugins: { 'mt-diffusion': cyclePlugin }, rules: { 'mt-diffusion/no-cycle': 'error' } };
}
