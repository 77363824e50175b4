import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { serviceWorkerPlugin } from './tools/service-worker.ts';

/**
 * Cross-origin isolation: lets the page use SharedArrayBuffer, which the multi-threaded
 * tfjs wasm backend needs. Sent on every response of `vite` (dev) and `vite preview`.
 * A static host serving `dist/` must send the same two headers.
 */
export const crossOriginIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/**
 * index.html carries the strict production Content-Security-Policy. The dev server needs
 * three relaxations the production build does not: React Fast Refresh injects an inline
 * module script, Vite injects CSS as inline <style> elements, and HMR talks over a websocket.
 * This plugin applies them while serving only (`vite` / `npm run dev`), never to the build.
 */
function devContentSecurityPolicy(): Plugin {
  return {
    name: 'mt-diffusion:dev-csp',
    apply: 'serve',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        return html.replace(/(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)"/, (_m, head: string, policy: string) => {
          const relaxed = policy
            .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
            .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
            .replace("connect-src 'self'", "connect-src 'self' ws: wss:");
          return `${head}${relaxed}"`;
        });
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), devContentSecurityPolicy(), serviceWorkerPlugin()],
  server: { headers: crossOriginIsolationHeaders },
  preview: { headers: crossOriginIsolationHeaders },
  worker: {
    format: 'es',
    // The inference worker starts the threaded wasm backend's pthreads itself: same minify rule as below.
    rolldownOptions: { output: { minify: { compress: false, mangle: true } } },
  },
  build: {
    target: 'es2022',
    // tfjs is large; one chunk of it is expected, do not warn about it.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // engine-test.html: a test-only page for the browser tests of src/engine (not linked from the app).
      input: { main: 'index.html', 'engine-test': 'engine-test.html' },
      output: {
        // The threaded tfjs wasm backend starts its pthread workers from the *source text* of its
        // emscripten factory (`factory.toString()` into a Blob). The minifier's compress pass moves
        // variables the factory uses (`_scriptDir`) out of it, and every worker then dies with
        // "ReferenceError: _scriptDir is not defined" (or a mangled name). Mangling alone is safe;
        // measured in headless Chromium with this CSP: wasm (threaded SIMD), webgl and webgpu all run.
        minify: { compress: false, mangle: true },
      },
    },
  },
  test: {
    // Unit tests: pure TypeScript and tfjs-in-Node code. A UI test that needs a DOM can opt in
    // per file with a `// @vitest-environment jsdom` comment once jsdom is a dev dependency.
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'tools/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Two cores on the dev/CI machines: do not oversubscribe.
    maxWorkers: 2,
    // The model tests run real forward passes on tfjs's cpu backend (~0.5 s each); on a shared
    // 2-core machine they take several times longer. Timings are benchmarks' business, not tests'.
    testTimeout: 60_000,
  },
});
