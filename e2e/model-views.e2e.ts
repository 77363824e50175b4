/**
 * What belongs to the loaded model: the header names it (the tagline says Fashion-MNIST for the bundled model
 * only, and is not clipped at 1280x800 or 390x844), and the quality chart is the model's own report.json curve,
 * or, for a model without one, the command that measures it. Another model here is the bundled weights served
 * at a same-origin `?model=copy-model/` with another name (page.route; the service worker is blocked), with a
 * report.json of 8 lines x 4-5 points (test data, not a measurement) or none. Screenshots: e2e/.tmp/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuality, QUALITY_COMMAND, qualityScale } from '../src/store/quality.ts';
import { setSteps, settle, waitReady, type AppWindow } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '..');
const TMP = join(ROOT, 'e2e', '.tmp');
const COPY_NAME = 'Fashion copy (e2e)';

/** A quality curve of the shape the evaluation writes: 8 lines at NFE 5, 10, 20, 50, DDPM also 100; Heun on Karras far off at NFE 5. */
function fixtureReport(): unknown {
  const start: Record<string, [string, number, string, number]> = {
    ddpm: ['ddpm', 0, 'trailing', 112],
    ddim: ['ddim', 0, 'trailing', 86.4],
    'euler-karras': ['euler', 0, 'karras', 116],
    'euler_a-karras': ['euler_a', 1, 'karras', 150.9],
    heun: ['heun', 0, 'trailing', 73.8],
    'heun-karras': ['heun', 0, 'karras', 590.1],
    dpmpp_2m: ['dpmpp_2m', 0, 'trailing', 52],
    'dpmpp_2m-karras': ['dpmpp_2m', 0, 'karras', 44.6],
  };
  const lines = Object.entries(start).map(([id, [sampler, eta, spacing, fd]]) => ({
    id,
    sampler,
    eta,
    spacing,
    points: (id === 'ddpm' ? [5, 10, 20, 50, 100] : [5, 10, 20, 50]).map((nfe, k) => {
      const steps = sampler === 'heun' ? Math.floor((nfe + 1) / 2) : nfe;
      const evaluations = sampler === 'heun' ? 2 * steps - 1 : nfe;
      return { nfe, steps, evaluations, frechetDistance: Math.max(8, fd / (id === 'heun-karras' ? 3 : 1.8) ** k), accuracy: 0.9 };
    }),
  }));
  return { qualityVsNfe: { n: 1000, floor: 6.03, driftGuidance: 0, lines } };
}

/** Serves public/weights at copy-model/ with another name, and `report` as its report.json (null: 404). */
async function serveCopy(page: Page, report: unknown): Promise<void> {
  await page.route('**/copy-model/*', async (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    if (file === 'report.json') {
      return report === null ? route.fulfill({ status: 404, body: 'not found' }) : route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(report) });
    }
    if (file === 'model.json') {
      const json = JSON.parse(readFileSync(join(ROOT, 'public/weights/model.json'), 'utf8')) as { config: Record<string, unknown> };
      json.config['name'] = COPY_NAME;
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(json) });
    }
    if (!/^[\w.-]+\.bin$/.test(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: 'application/octet-stream', body: readFileSync(join(ROOT, 'public/weights', file)) });
  });
}

/** Why `testId` is not wholly visible: it overflows itself, or an ancestor that clips cuts it, or the viewport does; null when whole. */
async function clipped(page: Page, testId: string): Promise<string | null> {
  return page.evaluate((id) => {
    const el = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
    if (!el) return 'missing';
    if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) return `overflows itself (${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight})`;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.right > window.innerWidth + 1) return `outside the viewport (${Math.round(r.left)}..${Math.round(r.right)})`;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      const q = p.getBoundingClientRect();
      if (r.top < q.top - 1 || r.bottom > q.bottom + 1 || r.left < q.left - 1 || r.right > q.right + 1) {
        return `cut by ${p.tagName.toLowerCase()}.${p.className} (${Math.round(r.top)}..${Math.round(r.bottom)} in ${Math.round(q.top)}..${Math.round(q.bottom)})`;
      }
    }
    return null;
  }, testId);
}

/** The header at 1280x800 and 390x844: the tagline and the model's name whole. */
async function headerWhole(page: Page): Promise<void> {
  for (const size of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(size);
    await settle(page);
    expect(await clipped(page, 'tagline'), `tagline at ${size.width}x${size.height}`).toBeNull();
    const name = await page.evaluate(() => {
      const p = document.querySelector<HTMLElement>('.model-name')!;
      return { overflows: p.scrollWidth > p.clientWidth + 1, text: p.innerText };
    });
    expect(name.overflows, `model name at ${size.width}x${size.height}: ${name.text}`).toBe(false);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const setConfig = (page: Page, patch: Record<string, unknown>) =>
  page.evaluate((p) => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig(p as never), patch);

describe('the header and the quality chart belong to the loaded model', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    mkdirSync(TMP, { recursive: true });
    session = await launchBrowser({ serviceWorkers: 'block' });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('the bundled model: Fashion-MNIST in the tagline; its report.json curve with the current NFE marked and far-off points clipped', async () => {
    const { page } = await session.newPage();
    await page.goto(session.url('/'));
    await waitReady(page);
    expect(await page.getByTestId('tagline').innerText()).toContain('Fashion-MNIST image');
    expect(await page.getByTestId('model-name').innerText()).toBe('Fashion-MNIST (bundled)');
    await headerWhole(page);
    await page.screenshot({ path: `${TMP}/header-1280.png`, clip: { x: 0, y: 0, width: 1280, height: 120 } });

    const curve = parseQuality(JSON.parse(readFileSync(join(ROOT, 'public/weights/report.json'), 'utf8')));
    expect(curve, 'the shipped report has a quality curve').not.toBeNull();
    const chart = page.getByTestId('quality-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('data-model')).toBe('Fashion-MNIST (bundled)');
    expect(await chart.getByTestId('quality-line').count()).toBe(curve!.lines.length);
    expect(await chart.locator('[data-legend]').count()).toBe(curve!.lines.length);
    const scale = qualityScale(curve!);
    const far = curve!.lines.flatMap((l) => l.points.filter(scale.clipped).map((p) => `${l.id}:${p.frechetDistance}`));
    const drawn = await chart.getByTestId('quality-clipped').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-line')}:${e.getAttribute('data-value')}`));
    expect(drawn.sort()).toEqual(far.sort());
    await setSteps(page, 10);
    await expect.poll(() => chart.getByTestId('quality-nfe-marker').getAttribute('data-nfe')).toBe('10');
    await setSteps(page, 20);
    await expect.poll(() => chart.getByTestId('quality-nfe-marker').getAttribute('data-nfe')).toBe('20');
    await chart.screenshot({ path: `${TMP}/quality-bundled.png` });
    await page.close();
  });

  it('another model with its own report.json: its 8 lines, the chosen sampler bold and ringed, Heun-Karras at NFE 5 clipped', async () => {
    const { page } = await session.newPage();
    await serveCopy(page, fixtureReport());
    await page.goto(session.url('/?model=copy-model/'));
    await waitReady(page);
    expect(await page.getByTestId('model-name').innerText()).toBe(COPY_NAME);
    expect(await page.getByTestId('tagline').innerText()).not.toContain('Fashion-MNIST');
    const chart = page.getByTestId('quality-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('data-model')).toBe(COPY_NAME);
    expect(await chart.getByTestId('quality-line').count()).toBe(8);
    const clip = chart.getByTestId('quality-clipped');
    expect(await clip.count()).toBe(1);
    expect(await clip.getAttribute('data-line')).toBe('heun-karras');
    expect(Number(await clip.getAttribute('data-value'))).toBeCloseTo(590.1, 6);
    // The axis stops well below 590: the other lines keep their room.
    expect(Number(await chart.locator('svg').first().getAttribute('data-hi'))).toBeLessThan(300);
    await setConfig(page, { sampler: 'dpmpp_2m', spacing: 'karras', steps: 10 });
    await expect.poll(() => chart.locator('[data-testid="quality-line"][data-current="true"]').getAttribute('data-line')).toBe('dpmpp_2m-karras');
    await chart.getByTestId('quality-marker').waitFor();
    expect(await chart.getByTestId('quality-nfe-marker').getAttribute('data-nfe')).toBe('10');
    expect(await chart.locator('figcaption').innerText()).toMatch(/DPM\+\+ 2M · Karras at NFE 10: Fréchet distance ≈ \d/);
    await settle(page);
    await chart.screenshot({ path: `${TMP}/quality-own-curve.png` });
    await page.close();
  });

  it('another model without a curve: its name in the header, the tagline whole, and the command that measures the curve', async () => {
    const { page } = await session.newPage();
    await serveCopy(page, null);
    await page.goto(session.url('/?model=copy-model/'));
    await waitReady(page);
    expect(await page.getByTestId('model-name').innerText()).toBe(COPY_NAME);
    expect(await page.getByTestId('tagline').innerText()).not.toContain('Fashion-MNIST');
    await headerWhole(page);
    await page.screenshot({ path: `${TMP}/header-other-1280.png`, clip: { x: 0, y: 0, width: 1280, height: 120 } });
    const none = page.getByTestId('quality-none');
    await none.waitFor();
    expect(await page.getByTestId('quality-chart').count()).toBe(0);
    expect(await none.innerText()).toContain(`No quality curve was measured for “${COPY_NAME}”`);
    expect(await page.getByTestId('quality-command').innerText()).toBe(QUALITY_COMMAND);
    await none.screenshot({ path: `${TMP}/quality-none.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await settle(page);
    await page.screenshot({ path: `${TMP}/header-other-390.png`, clip: { x: 0, y: 0, width: 390, height: 300 } });
    await page.close();
  });
});
