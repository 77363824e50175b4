/**
 * Serves the built app (`dist/`) with `vite preview` (so with vite.config.ts's COOP/COEP headers) on a
 * free loopback port for the whole e2e run, and hands its origin to the tests as `inject('baseURL')`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { preview } from 'vite';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_INSTALL_HINT, findChromium } from './chromium.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!findChromium()) throw new Error(CHROMIUM_INSTALL_HINT);
  const root = resolve(import.meta.dirname, '..');
  if (!existsSync(resolve(root, 'dist/index.html'))) {
    throw new Error('dist/ is missing: run `npm run build` first (or use `npm run test:e2e`, which builds when needed)');
  }
  const server = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('vite preview did not listen on a TCP port');
  project.provide('baseURL', `http://127.0.0.1:${address.port}`);
  return async () => {
    await server.close();
  };
}
