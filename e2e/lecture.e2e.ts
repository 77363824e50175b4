/**
 * What a new user meets first, at lecture sizes: notices in the viewport (dismissible, kept in Status),
 * the player's keys wherever focus is, the stage (Generate, heads, canvas, player) in one viewport at
 * 1280x800 and 1440x900, foldable side panels, and the phone layout (the stage within two screens,
 * touch targets of 44 px, no keyboard hint).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, shot, waitReady, type AppWindow } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';

interface Box {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** Viewport coordinates of the first element matching `selector` (null: none, or not rendered). */
async function box(page: Page, selector: string): Promise<Box | null> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return r.width === 0 && r.height === 0 ? null : { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
  }, selector);
}

async function inViewport(page: Page, selector: string): Promise<boolean> {
  const b = await box(page, selector);
  const v = page.viewportSize()!;
  return b !== null && b.top >= 0 && b.left >= 0 && b.bottom <= v.height && b.right <= v.width;
}

const player = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().player);

/** The player's frame and playing flag after `key`, with playback paused first at a middle frame. */
async function pausedAt(page: Page, frame: number): Promise<void> {
  await page.evaluate((f) => {
    const a = (window as unknown as AppWindow).mtdPlayground.getState().actions as unknown as { seek(i: number): void; setFps(n: number): void };
    a.setFps(2);
    a.seek(f);
  }, frame);
}

describe('lecture-ready at 1280x800', () => {
  let session: BrowserSession;
  let page: Page;
  beforeAll(async () => {
    session = await launchBrowser({ viewport: { width: 1280, height: 800 } });
    ({ page } = await session.newPage());
    // A bad value in the link: its notice must be seen where the user looks.
    await page.goto(session.url('/#mode=joint&steps=20&seed=3&dg=lots'));
    await waitReady(page);
  }, 150_000);
  afterAll(async () => {
    await session?.close();
  });

  it('a notice appears inside the viewport, is dismissed there, and stays in the status panel history', async () => {
    const notice = page.getByTestId('notice').filter({ hasText: 'Ignored dg = "lots"' });
    await notice.waitFor();
    expect(await inViewport(page, '[data-testid="notice"]')).toBe(true);
    await notice.getByRole('button', { name: 'Dismiss this notice' }).click();
    await notice.waitFor({ state: 'detached' });
    const log = page.getByTestId('notice-log');
    await log.locator('summary').click();
    expect(await log.getByTestId('notice-log-item').allTextContents()).toEqual([expect.stringContaining('Ignored dg = "lots" from the link')]);
    // A notice raised later (here by the store, as a typed value out of range would) shows in the viewport too.
    await page.evaluate(() =>
      ((window as unknown as AppWindow).mtdPlayground.getState().actions as unknown as { notify(t: string, tone: string): void }).notify('steps = 1001 is out of range; using 1000.', 'warning'),
    );
    expect(await inViewport(page, '[data-testid="notice"][data-tone="warning"]')).toBe(true);
    await page.getByRole('button', { name: 'Dismiss this notice' }).click();
  });

  it('after a run, Generate, the head switcher, the canvas, the scrubber and the play button are all in the viewport', async () => {
    await generateAndWait(page);
    for (const size of [
      { width: 1280, height: 800 },
      { width: 1440, height: 900 },
    ]) {
      await page.setViewportSize(size);
      await page.evaluate(() => window.scrollTo(0, 0));
      for (const sel of ['[data-testid="generate"]', '.head-switcher', '[data-testid="frame-canvas"]', '[data-testid="scrubber"]', '[data-testid="play"]']) {
        expect(await inViewport(page, sel), `${sel} at ${size.width}x${size.height}`).toBe(true);
      }
      const canvas = (await box(page, '[data-testid="frame-canvas"]'))!;
      expect(canvas.bottom - canvas.top, 'canvas height').toBeGreaterThanOrEqual(300);
      if (size.width === 1440) await shot(page, 'workbench-1440');
    }
    // Scrolled to the bottom of the side columns, the stage is still in view (sticky).
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    for (const sel of ['[data-testid="generate"]', '.head-switcher', '[data-testid="frame-canvas"]', '[data-testid="scrubber"]']) {
      expect(await inViewport(page, sel), `${sel} scrolled down`).toBe(true);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
  });

  it('every right-column panel has the column width, and secondary panels fold to their heading', async () => {
    const widths = await page.evaluate(() => [...document.querySelectorAll('.col-side > *')].map((e) => Math.round(e.getBoundingClientRect().width)));
    expect(new Set(widths).size, `widths ${widths.join(', ')}`).toBe(1);
    const chart = page.locator('.label-panel .chart');
    expect(await chart.isVisible()).toBe(true);
    await page.getByTestId('fold-label-button').click();
    expect(await chart.isVisible()).toBe(false);
    expect(await page.locator('#label-title').isVisible()).toBe(true);
    await page.getByTestId('fold-label-button').click();
    expect(await chart.isVisible()).toBe(true);
  });

  it('Space plays and pauses after clicking the scrubber, a head, a player button or a checkbox; text fields keep their keys', async () => {
    expect(await page.getByTestId('key-hint').textContent()).toMatch(/anywhere except in text fields/);
    const clicks: [string, () => Promise<void>][] = [
      ['scrubber', () => page.getByTestId('scrubber').click()],
      ['head button', () => page.locator('label:has([data-testid="head-x0"])').click()],
      ['step forward', () => page.getByRole('button', { name: 'Step forward' }).click()],
      ['fold button', () => page.getByTestId('fold-schedule-button').click()],
      ['checkbox', () => page.getByTestId('explain-toggle').click()],
    ];
    for (const [what, click] of clicks) {
      await pausedAt(page, 5);
      await click();
      const before = await player(page);
      expect(before.playing, what).toBe(false);
      await page.keyboard.press('Space');
      expect((await player(page)).playing, `Space plays after clicking the ${what}`).toBe(true);
      await page.keyboard.press('Space');
      const after = await player(page);
      expect(after.playing, `Space pauses after clicking the ${what}`).toBe(false);
      await page.keyboard.press('Home');
      expect((await player(page)).frameIndex, `Home after clicking the ${what}`).toBe(0);
      await page.keyboard.press('ArrowRight');
      expect((await player(page)).frameIndex, `→ after clicking the ${what}`).toBe(1);
    }
    // The checkbox and the fold were clicked once: put them back.
    await page.getByTestId('explain-toggle').click();
    await page.getByTestId('fold-schedule-button').click();
    // Digits pick heads.
    await page.keyboard.press('3');
    expect(await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().view.head)).toBe('label');
    await page.keyboard.press('1');
    // In a text field, Space and the arrows are the field's.
    await pausedAt(page, 5);
    const seed = page.getByRole('spinbutton', { name: /seed/i });
    await seed.click();
    await page.keyboard.press('Space');
    await page.keyboard.press('Home');
    expect(await player(page)).toMatchObject({ playing: false, frameIndex: 5 });
    await seed.blur();
  });
});

/** Presses Tab until the focused element matches `selector` (at most `max` presses); returns whether it did. */
async function tabTo(page: Page, selector: string, max = 120): Promise<boolean> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return true;
  }
  return false;
}

const state = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as AppWindow).mtdPlayground.getState() as unknown as {
      view: { sample: number };
      editor: { reprPoint: number };
      trajectory: { runId: string | null; run: { mode: string; reprPoint: number | null } | null };
      samples: { labels: number[]; classNames: string[] };
    };
    return { sample: s.view.sample, reprPoint: s.editor.reprPoint, runId: s.trajectory.runId, run: s.trajectory.run, labels: s.samples.labels, names: s.samples.classNames };
  });

describe('numbering, wording and the keyboard on the picture (1280x800)', () => {
  let session: BrowserSession;
  let page: Page;
  beforeAll(async () => {
    session = await launchBrowser({ viewport: { width: 1280, height: 800 } });
    ({ page } = await session.newPage());
    await page.goto(session.url('/#mode=inpaint&steps=6&seed=3&img=12'));
    await waitReady(page);
  }, 150_000);
  afterAll(async () => {
    await session?.close();
  });

  it('test images are numbered from 0 as in the link; the upload is a styled button that names the loaded file', async () => {
    await page.getByTestId('picked-caption').waitFor();
    expect(await page.getByTestId('picked-caption').innerText()).toMatch(/^Test image #12: /);
    expect(page.url()).toContain('img=12');
    expect(await page.getByTestId('upload-name').innerText()).toBe('No file loaded');
    const b64 = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 28;
      c.height = 28;
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 28, 28);
      return c.toDataURL('image/png').split(',')[1]!;
    });
    await page.getByTestId('upload-input').setInputFiles({ name: 'my-shirt.png', mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') });
    await page.getByTestId('upload-ok').waitFor();
    expect(await page.getByTestId('upload-name').innerText()).toBe('In use: my-shirt.png');
    expect(await page.locator('label.file-button').innerText()).toBe('Choose another file…');
  });

  it('the x̂₀-from menu shows its whole choice; the map point names its test image from 0 and says "an Ankle boot"', async () => {
    const fits = await page.evaluate(() => {
      const select = document.querySelector<HTMLSelectElement>('[data-testid="x0-from"]')!;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = getComputedStyle(select).font;
      return [...select.options].map((o) => ({ text: o.text, fits: ctx.measureText(o.text).width + 28 <= select.clientWidth }));
    });
    expect(fits.filter((f) => !f.fits)).toEqual([]);
    await page.getByTestId('mode-representation').check({ force: true });
    const { labels, names } = await state(page);
    const boot = labels.indexOf(names.indexOf('Ankle boot'));
    expect(boot).toBeGreaterThanOrEqual(0);
    await page.evaluate((i) => ((window as unknown as AppWindow).mtdPlayground.getState().actions as unknown as { pickReprPoint(i: number): void }).pickReprPoint(i), boot);
    expect(await page.getByTestId('picked-point').innerText()).toBe(`Target: point #${boot} (bundled test image #${boot}), an Ankle boot.`);
  });

  it('the representation map is a tab stop: arrows move the target, Enter runs from it, with a focus ring', async () => {
    expect(await tabTo(page, '[data-testid="repr-map"]')).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    const before = (await state(page)).reprPoint;
    await page.keyboard.press('ArrowRight');
    const moved = (await state(page)).reprPoint;
    expect(moved).not.toBe(before);
    expect(await page.getByTestId('picked-point').innerText()).toContain(`point #${moved} `);
    const runBefore = (await state(page)).runId;
    await page.keyboard.press('Enter');
    await page.waitForFunction((prev) => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.runId !== prev, runBefore);
    const { run } = await state(page);
    expect(run).toMatchObject({ mode: 'representation', reprPoint: moved });
  });

  it('grid cells: one tab stop, arrows move the selection, a visible focus ring, names with what the label head reads', async () => {
    await page.getByTestId('mode-joint').check({ force: true });
    await page.getByTestId('batch-16').check({ force: true });
    await generateAndWait(page);
    await page.getByTestId('generate').focus();
    expect(await tabTo(page, '.grid-cell', 30)).toBe(true);
    expect(await page.evaluate(() => document.activeElement!.getAttribute('aria-label'))).toMatch(/^Sample #0 of 16: the label head reads [A-Za-z -/]+ \(\d+%\)$/);
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    expect((await state(page)).sample).toBe(5);
    expect(await page.evaluate(() => document.activeElement!.getAttribute('data-testid'))).toBe('grid-cell-5');
    expect(await page.locator('#label-title').innerText()).toContain('sample #5 of 16');
    // Only the selected cell is a tab stop: Tab leaves the grid.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement!.classList.contains('grid-cell'))).toBe(false);
    await page.getByTestId('batch-1').check({ force: true });
  });
});

describe('phone 390x844 (touch)', () => {
  let session: BrowserSession;
  let page: Page;
  beforeAll(async () => {
    session = await launchBrowser({ viewport: { width: 390, height: 844 }, hasTouch: true });
    ({ page } = await session.newPage());
    await page.goto(session.url('/#mode=joint&steps=10&seed=3'));
    await waitReady(page);
  }, 150_000);
  afterAll(async () => {
    await session?.close();
  });

  it('Generate, the heads, the canvas and the player lie within the first two screens; no keyboard hint', async () => {
    await generateAndWait(page);
    const twoScreens = 2 * 844;
    for (const sel of ['[data-testid="generate"]', '.head-switcher', '[data-testid="frame-canvas"]', '[data-testid="scrubber"]', '[data-testid="play"]']) {
      const b = await page.evaluate((s) => {
        const r = document.querySelector(s)!.getBoundingClientRect();
        return r.bottom + window.scrollY;
      }, sel);
      expect(b, sel).toBeLessThanOrEqual(twoScreens);
    }
    expect(await page.getByTestId('key-hint').isVisible()).toBe(false);
    await shot(page, 'phone-touch');
  });

  it('every visible control is a touch target of at least 44 px', async () => {
    const small = await page.evaluate(() => {
      const out: string[] = [];
      const controls = document.querySelectorAll<HTMLElement>('button, select, a[href], summary, input');
      for (const el of controls) {
        // A visually hidden radio or checkbox is pressed through its label.
        const target = el instanceof HTMLInputElement && (el.type === 'radio' || el.type === 'checkbox') ? (el.closest('label') ?? el) : el;
        const r = target.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(target).visibility === 'hidden') continue;
        if (el.classList.contains('grid-cell')) continue; // a cell of the picture (a quarter of the canvas and more)
        if (r.height < 44 || r.width < 44) out.push(`${target.tagName.toLowerCase()} "${(target.textContent ?? el.getAttribute('aria-label') ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
      return out;
    });
    expect(small).toEqual([]);
  });
});
