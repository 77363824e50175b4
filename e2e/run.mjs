#!/usr/bin/env node
// @ts-check
/**
 * `npm run test:e2e`: checks for Chromium, builds `dist/` when it is missing or older than its sources,
 * then runs the browser tests (vitest.e2e.config.ts; global-setup.ts serves dist/ with `vite preview`).
 * Extra arguments go to vitest, e.g. `npm run test:e2e -- smoke`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHROMIUM_INSTALL_HINT, findChromium } from './chromium.js';

const root = resolve(import.meta.dirname, '..');
const BUILD_INPUTS = ['src', 'public', 'index.html', 'engine-test.html', 'vite.config.ts', 'tools/service-worker.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.app.json'];

/** @param {string} path @returns {number} newest mtime (ms) of a file or of any file below a folder */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error(CHROMIUM_INSTALL_HINT);
  process.exit(1);
}

const built = join(root, 'dist', 'index.html');
const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
const sourcesAt = Math.max(...BUILD_INPUTS.map((p) => newestMtime(join(root, p))));
if (builtAt < sourcesAt) {
  console.log(builtAt === 0 ? 'e2e: dist/ is missing; building.' : 'e2e: dist/ is older than its sources; rebuilding.');
  const status = run('npm', ['run', 'build']);
  if (status !== 0) process.exit(status);
} else {
  console.log('e2e: dist/ is up to date.');
}

const vitest = join(root, 'node_modules', '.bin', 'vitest');
process.exit(run(vitest, ['run', '--config', 'vitest.e2e.config.ts', ...process.argv.slice(2)]));
