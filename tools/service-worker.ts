/**
 * Builds the offline service worker (src/sw/service-worker.ts, typed and linted like the app) into
 * dist/sw.js: once the app's build has written dist/, a second Vite build of that one entry, with the
 * cache names and file lists the worker precaches defined as `__SW_MANIFEST__` (so a new build is a new
 * sw.js, which the browser installs). What the worker does: its own header.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import type { ServiceWorkerManifest } from '../src/sw/manifest.ts';

export const CACHE_PREFIX = 'mtd-';

/** The worker's source. */
const SW_ENTRY = fileURLToPath(new URL('../src/sw/service-worker.ts', import.meta.url));

/** First 16 hex digits of sha256(model.json): the weights' version. */
export function weightsVersion(modelJson: string | Buffer): string {
  return createHash('sha256').update(modelJson).digest('hex').slice(0, 16);
}

function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, root) : [relative(root, path).split(sep).join('/')];
  });
}

/** Files of dist/ the app needs offline (not the test page, not the model card's grids and fixtures). */
export function shellFiles(files: readonly string[]): string[] {
  return files
    .filter((f) => !f.startsWith('weights/') && !f.startsWith('fixtures/') && f !== 'sw.js' && !/engine-test/.test(f) && !f.endsWith('.map'))
    .sort();
}

/** Vite plugin: after the build, writes dist/sw.js with the file lists and versioned cache names. */
export function serviceWorkerPlugin(): Plugin {
  let outDir = 'dist';
  return {
    name: 'mt-diffusion:service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir.startsWith('/') ? config.build.outDir : join(config.root, config.build.outDir);
    },
    async closeBundle() {
      const modelJson = readFileSync(join(outDir, 'weights', 'model.json'));
      const model = JSON.parse(modelJson.toString('utf8')) as { weightsManifest?: { paths?: string[] }[] };
      const shards = (model.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
      const weights = ['weights/model.json', ...shards.map((p) => `weights/${p}`)];
      const wv = weightsVersion(modelJson);
      const shell = ['', ...shellFiles(listFiles(outDir))];
      const shellVersion = createHash('sha256').update(JSON.stringify(shell)).update(wv).digest('hex').slice(0, 16);
      const manifest: ServiceWorkerManifest = {
        prefix: CACHE_PREFIX,
        shellCache: `${CACHE_PREFIX}shell-${shellVersion}`,
        weightsCache: `${CACHE_PREFIX}weights-${wv}`,
        shell,
        weights,
      };
      await build({
        configFile: false,
        logLevel: 'warn',
        define: { __SW_MANIFEST__: JSON.stringify(manifest) },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          target: 'es2022',
          minify: false,
          rolldownOptions: {
            input: SW_ENTRY,
            output: { format: 'es', entryFileNames: 'sw.js' },
          },
        },
      });
    },
  };
}
