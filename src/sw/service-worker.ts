/**
 * The offline service worker (built by tools/service-worker.ts into dist/sw.js, a Vite entry of its own).
 *
 * Two caches, each named by a version so that a new build replaces the old one:
 *   mtd-weights-<first 16 hex of sha256(model.json)>: model.json and its shards. model.json lists the
 *     sha256 of every shard, so its hash versions the whole model; new weights -> a new cache name.
 *   mtd-shell-<first 16 hex of sha256(file list + weights version)>: index.html, the hashed JS / CSS /
 *     wasm assets, the favicon and the bundled test images.
 * install precaches both; activate deletes every other `mtd-` cache and claims the open pages.
 * fetch (same-origin GET only): navigations go to the network first (a new deploy is seen at once) and
 * fall back to the cached index.html offline; weights and shell files are served from their cache
 * first; anything else same-origin is fetched and, when it succeeds, kept in the shell cache.
 */
import type { ServiceWorkerManifest } from './manifest.ts';

/** Defined by the build (tools/service-worker.ts). */
declare const __SW_MANIFEST__: ServiceWorkerManifest;
declare const self: ServiceWorkerGlobalScope;

const { prefix, shellCache, weightsCache, shell, weights } = __SW_MANIFEST__;
const scope = new URL(self.registration.scope);
const url = (path: string): string => new URL(path, scope).href;
const isWeights = (u: URL): boolean => u.pathname.startsWith(`${scope.pathname}weights/`);

async function precache(name: string, paths: readonly string[]): Promise<void> {
  const cache = await caches.open(name);
  await cache.addAll(paths.map(url));
}

self.addEventListener('install', (event) => {
  event.waitUntil(Promise.all([precache(shellCache, shell), precache(weightsCache, weights)]).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  const old = async (): Promise<void> => {
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k.startsWith(prefix) && k !== shellCache && k !== weightsCache).map((k) => caches.delete(k)));
    await self.clients.claim();
  };
  event.waitUntil(old());
});

async function fromCacheFirst(request: Request, cacheName: string): Promise<Response> {
  const cache = await caches.open(cacheName);
  // ignoreVary: vite preview sends "Vary: Origin"; module scripts ask with an Origin header, addAll did not.
  const hit = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
  return response;
}

async function navigate(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (e) {
    const cache = await caches.open(shellCache);
    const hit = (await cache.match(url('index.html'), { ignoreVary: true })) ?? (await cache.match(url(''), { ignoreVary: true }));
    if (hit) return hit;
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const u = new URL(request.url);
  if (u.origin !== scope.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
    return;
  }
  event.respondWith(fromCacheFirst(request, isWeights(u) ? weightsCache : shellCache));
});
