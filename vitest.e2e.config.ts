import { defineConfig } from 'vitest/config';

/**
 * Browser tests against the built app (`dist/`) in real Chromium, driven by playwright-core.
 * Run through `npm run test:e2e` (e2e/run.mjs), which builds first when `dist/` is stale.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    pool: 'forks',
    // One browser at a time: the machines have two cores and software-rendered WebGPU.
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
