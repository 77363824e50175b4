/**
 * Presentation mode at a lecture hall's 1920x1080 and a projector's 1280x720: the canvas, the player, the
 * heads and each of the six side panels (with compare's B too for the lab views) fit the screen with nothing
 * cut off and no scrolling, the per-step metrics and the trajectory map large; every control is reachable with
 * Tab; the keys switch heads and panels and leave. Screenshots: present-{label,metrics,trajectory}-{1920,1280},
 * present-compare-on-1280, present-trajectory-b-1280.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle, shot, waitRunDone, type AppWindow } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';

const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
] as const;

const view = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().view);

/** Elements of the presentation drawn outside the viewport, or cut by a panel that would need scrolling. */
async function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    if (document.documentElement.scrollHeight > vh + 1 || document.documentElement.scrollWidth > vw + 1) out.push('the page scrolls');
    for (const el of document.querySelectorAll<HTMLElement>('.present *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (el.closest('.visually-hidden') || el.matches('input[type="radio"], input[type="checkbox"], .file-input')) continue;
      if (r.right > vw + 1 || r.bottom > vh + 1 || r.left < -1 || r.top < -1) out.push(`${el.tagName.toLowerCase()}.${el.className} outside (${Math.round(r.right)}, ${Math.round(r.bottom)})`);
    }
    for (const el of document.querySelectorAll<HTMLElement>('.present-side, .present-main, .present')) {
      if (el.scrollHeight > el.clientHeight + 1) out.push(`${el.className} needs scrolling (${el.scrollHeight} > ${el.clientHeight})`);
    }
    return out.slice(0, 10);
  });
}

/**
 * The lab views large enough for a room: each metric chart at least 85 px tall with 14 px readouts, the
 * trajectory map at least half the screen's height. What falls short, named.
 */
async function labViewSizes(page: Page, panel: string): Promise<string[]> {
  if (panel !== 'metrics' && panel !== 'trajectory') return [];
  return page.evaluate((which) => {
    const out: string[] = [];
    if (which === 'metrics') {
      const charts = [...document.querySelectorAll<SVGElement>('.present-side .metric svg')];
      if (charts.length < 5) out.push(`${charts.length} metric charts`);
      for (const c of charts) if (c.getBoundingClientRect().height < 85) out.push(`a metric chart ${Math.round(c.getBoundingClientRect().height)} px tall`);
      for (const h of document.querySelectorAll<HTMLElement>('.present-side .metric-head')) {
        if (parseFloat(getComputedStyle(h).fontSize) < 14) out.push(`readout at ${getComputedStyle(h).fontSize}`);
      }
    } else {
      const map = document.querySelector<SVGElement>('.present-side [data-testid="trajectory-map"]');
      const h = map?.getBoundingClientRect().height ?? 0;
      if (h < window.innerHeight * 0.5) out.push(`the map ${Math.round(h)} px tall`);
      if (!document.querySelector('.present-side [data-testid="trajectory-marker"]')) out.push('no marker');
    }
    return out;
  }, panel);
}

describe('presentation mode', () => {
  let session: BrowserSession;
  let page: Page;
  beforeAll(async () => {
    session = await launchBrowser({ viewport: SIZES[0] });
    ({ page } = await session.newPage());
    await page.goto(session.url('/#mode=joint&steps=20&seed=3&present=label'));
    await page.getByTestId('presentation').waitFor();
    await page.locator('[data-testid="present-engine"][data-status="ready"]').waitFor({ timeout: 110_000 });
    await page.getByTestId('generate').click();
    await waitRunDone(page, null);
  }, 150_000);
  afterAll(async () => {
    await session?.close();
  });

  for (const size of SIZES) {
    it(`at ${size.width}x${size.height} each side panel fits with the canvas and the player, nothing cut off`, async () => {
      await page.setViewportSize(size);
      for (const [key, panel] of [
        ['l', 'label'],
        ['s', 'schedule'],
        ['c', 'compare'],
        ['f', 'forward'],
        ['m', 'metrics'],
        ['t', 'trajectory'],
      ] as const) {
        await page.keyboard.press(key);
        await page.locator(`[data-testid="present-side"][data-panel="${panel}"]`).waitFor();
        await settle(page);
        expect(await cutOff(page), `${panel} at ${size.width}x${size.height}`).toEqual([]);
        const canvas = (await page.getByTestId('frame-canvas').boundingBox())!;
        expect(canvas.height, 'a large canvas').toBeGreaterThanOrEqual(size.height * 0.55);
        expect(await page.getByTestId('present-caption').innerText()).toMatch(/\S/);
        if (panel === 'label' || panel === 'metrics' || panel === 'trajectory') await shot(page, `present-${panel}-${size.width}`);
        expect(await labViewSizes(page, panel), `${panel} legible at ${size.width}x${size.height}`).toEqual([]);
      }
      // Compare with B on: its knobs and both canvases fit too.
      await page.keyboard.press('c');
      await page.getByTestId('compare-toggle').check();
      await page.getByTestId('compare-run').click();
      await page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().compare.status === 'done', undefined, { timeout: 100_000 });
      await settle(page);
      expect(await cutOff(page), `compare on at ${size.width}x${size.height}`).toEqual([]);
      if (size.width === 1280) await shot(page, 'present-compare-on-1280');
      // The lab views with B: its dashed lines and its paths fit too.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      for (const [key, panel] of [
        ['m', 'metrics'],
        ['t', 'trajectory'],
      ] as const) {
        await page.keyboard.press(key);
        await page.locator(`[data-testid="present-side"][data-panel="${panel}"]`).waitFor();
        await settle(page);
        expect(await cutOff(page), `${panel} with B at ${size.width}x${size.height}`).toEqual([]);
        expect(await labViewSizes(page, panel), `${panel} with B legible at ${size.width}x${size.height}`).toEqual([]);
      }
      expect(await page.getByTestId('metric-line-b').count()).toBe(0); // the map is shown: the metrics panel is gone
      expect(Number(await page.getByTestId('trajectory-map').getAttribute('data-paths-b'))).toBe(1);
      if (size.width === 1280) await shot(page, 'present-trajectory-b-1280');
      await page.keyboard.press('c');
      await page.getByTestId('compare-toggle').uncheck();
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press('l');
    });
  }

  it('an inpainting run\'s six metric charts fit at 1280x720 too', async () => {
    await page.setViewportSize(SIZES[1]);
    await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ mode: 'inpaint' }));
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: { getState(): { samples: { status: string } } } }).mtdPlayground.getState().samples.status === 'ready');
    const before = await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.runId);
    await page.getByTestId('generate').click();
    await waitRunDone(page, before);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('m');
    await page.getByTestId('metric-visibleError').waitFor();
    await settle(page);
    expect(await page.locator('.present-side .metric').count()).toBe(6);
    expect(await cutOff(page)).toEqual([]);
    expect(await labViewSizes(page, 'metrics')).toEqual([]);
    await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ mode: 'joint' }));
    await page.keyboard.press('l');
  });

  it('every control is reachable with Tab', async () => {
    await page.setViewportSize(SIZES[1]);
    const total = await page.evaluate(() => {
      const controls = [...document.querySelectorAll<HTMLElement>('.present button, .present input, .present select, .present [tabindex="0"]')].filter(
        (el) => !(el as HTMLButtonElement).disabled && (el.offsetParent !== null || el.matches('input[type="radio"], input[type="checkbox"]')),
      );
      // A radio group is one tab stop (the arrows move within it): name it by its group.
      controls.forEach((el, i) => (el.dataset['tabKey'] = el instanceof HTMLInputElement && el.type === 'radio' ? `radio:${el.name}` : `c${i}`));
      return [...new Set(controls.map((el) => el.dataset['tabKey']!))];
    });
    const reached = new Set<string>();
    for (let i = 0; i < total.length + 10; i++) {
      await page.keyboard.press('Tab');
      const key = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['tabKey'] ?? null);
      if (key) reached.add(key);
    }
    expect(total.filter((k) => !reached.has(k))).toEqual([]);
    expect(total.length, total.join(" ")).toBeGreaterThanOrEqual(14);
  });

  it('keys: digits pick heads, a panel\'s first letter the panel (in the link), Esc leaves and P comes back', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('2');
    expect((await view(page)).head).toBe('x0');
    await page.keyboard.press('s');
    expect((await view(page)).present).toBe('schedule');
    await page.waitForFunction(() => location.hash.includes('present=schedule'));
    await page.keyboard.press('Space');
    expect(await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().player.playing)).toBe(true);
    await page.keyboard.press('Space');
    await page.keyboard.press('Escape');
    expect((await view(page)).present).toBe(null);
    await page.locator('.layout').waitFor();
    expect(await page.evaluate(() => location.hash.includes('present='))).toBe(false);
    await page.keyboard.press('p');
    await page.getByTestId('presentation').waitFor();
    await page.getByTestId('present-leave').click();
    await page.locator('.layout').waitFor();
  });
});
