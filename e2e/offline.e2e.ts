/**
 * Offline after the first load, and a strict Content-Security-Policy.
 * The service worker caches the app shell and the weights under versioned names (the weights cache is
 * named by sha256(model.json)); activating it deletes any other `mtd-` cache (an old version); with the
 * network off, a reload still loads the model and runs.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weightsVersion } from '../tools/service-worker.ts';
import { generateAndWait, waitReady } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';

let session: BrowserSession;
beforeAll(async () => {
  session = await launchBrowser();
});
afterAll(async () => {
  await session?.close();
});

describe('offline', () => {
  it('caches under a versioned name, drops the old version, and works offline after the first load', { timeout: 300_000 }, async () => {
    const { page, problems } = await session.newPage();
    // An old version's cache, there before the service worker installs: activation must delete it.
    await page.addInitScript(() => {
      if (sessionStorage.getItem('seeded') !== null) return;
      sessionStorage.setItem('seeded', '1');
      void caches.open('mtd-weights-0000000000000000').then((c) => c.put('/weights/model.json', new Response('{"old":true}')));
    });
    await page.goto(session.url('/#steps=3'));
    await waitReady(page, 60_000).catch(async (e: unknown) => {
      const s = await page.evaluate(() => JSON.stringify((window as unknown as { mtdPlayground: { getState(): { engine: unknown } } }).mtdPlayground.getState().engine));
      throw new Error(`not ready: ${s}`, { cause: e });
    });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 120_000 });
    const keys = await page.evaluate(() => caches.keys());
    const version = weightsVersion(readFileSync('public/weights/model.json'));
    expect(keys).toContain(`mtd-weights-${version}`);
    expect(keys.some((k) => /^mtd-shell-[0-9a-f]{16}$/.test(k))).toBe(true);
    expect(keys).not.toContain('mtd-weights-0000000000000000');
    expect(keys.filter((k) => k.startsWith('mtd-'))).toHaveLength(2);

    await session.context.setOffline(true);
    try {
      // Really offline: the server itself cannot be reached from the page (a cache-busting URL the SW does not hold).
      const direct = await page.evaluate(() => fetch(`/weights/model.json?probe=${Date.now()}`, { cache: 'no-store' }).then((r) => `online ${r.status}`, () => 'offline'));
      expect(direct).toBe('online 200'); // served by the service worker's cache (ignoreSearch)
      await page.reload();
      await waitReady(page, 60_000).catch(async (e: unknown) => {
        const s = (await page.content()).slice(0, 1500);
        throw new Error(`not ready offline: ${s} ${JSON.stringify(problems)}`, { cause: e });
      });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      await generateAndWait(page);
    } finally {
      await session.context.setOffline(false);
    }
    await page.close();
  });
});

describe('Content-Security-Policy', () => {
  it('declares no remote origin and no eval; eval is refused and every request stays on the origin', async () => {
    const html = await (await fetch(session.url('/'))).text();
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((p) => p[0]).map((p) => [p[0]!, p.slice(1)] as const));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    const allowed = new Set(["'self'", "'none'", "'wasm-unsafe-eval'", 'blob:', 'data:']);
    for (const [name, sources] of directives) {
      for (const src of sources) expect(allowed.has(src), `${name} ${src}`).toBe(true);
    }
    expect(csp).not.toMatch(/'unsafe-eval'|'unsafe-inline'|https?:|\*/);

    const { page } = await session.newPage();
    const origins = new Set<string>();
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol.startsWith('http')) origins.add(u.origin);
    });
    await page.goto(session.url('/#steps=2'));
    await waitReady(page);
    await generateAndWait(page);
    // page.evaluate itself bypasses the CSP (DevTools), so the probe runs as a page script: a blob: script
    // (script-src allows blob:, which the threaded wasm backend needs) that tries eval and Function.
    const verdicts = await page.evaluate(async () => {
      const code = `window.__csp = [];
        try { eval('1 + 1'); window.__csp.push('eval ran'); } catch (e) { window.__csp.push(e.name); }
        try { new Function('return 1')(); window.__csp.push('Function ran'); } catch (e) { window.__csp.push(e.name); }`;
      const script = document.createElement('script');
      script.src = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      const loaded = new Promise((resolve) => (script.onload = resolve));
      document.head.append(script);
      await loaded;
      return (window as unknown as { __csp: string[] }).__csp;
    });
    expect(verdicts).toEqual(['EvalError', 'EvalError']);
    expect([...origins]).toEqual([new URL(session.baseURL).origin]);
    await page.close();
  });
});
