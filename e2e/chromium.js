// @ts-check
/** Where the system Chromium lives, and the one message to print when it is missing. Used by run.mjs and the harness. */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export const CHROMIUM_INSTALL_HINT =
  'Chromium is required for the browser tests and was not found (set CHROMIUM_PATH or put chromium on PATH). Install it with: apt-get install -y chromium';

/**
 * CHROMIUM_PATH when set, else `command -v chromium`, else /usr/bin/chromium.
 * @returns {string | null} an executable path, or null
 */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  /** @type {string[]} */
  const candidates = [];
  if (fromEnv) {
    candidates.push(fromEnv);
  } else {
    try {
      candidates.push(execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim());
    } catch {
      // not on PATH
    }
    candidates.push('/usr/bin/chromium');
  }
  for (const path of candidates) {
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  return null;
}
