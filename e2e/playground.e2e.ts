/**
 * The playground as a user sees it, in real Chromium against the built app: every mode runs end to end,
 * the player and its keyboard shortcuts move the frame, switching the decoder head redraws the same
 * frame without rerunning, inpainting keeps the given pixels. Screenshots of each mode go to
 * docs/screenshots/ (they are in the README).
 *
 * One page serves the whole file (the engine starts once); the tests run in order.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, modelPixels, openPlayground, pickMode, setSteps, shot, waitCanvasFrame, waitReady, scrubTo } from './app.ts';
import type { BrowserSession, PageProblems } from './harness.ts';

const STEPS = 20;

interface Hook {
  getState(): {
    engine: { trained: boolean | null; report: { chosen: string } | null };
    trajectory: { runId: string | null; frameCount: number; status: string; run: { mode: string; classId: number; image: Float32Array | null; mask: Float32Array | null } | null };
    player: { frameIndex: number; playing: boolean };
    view: { head: string };
  };
  getFrame(i: number): { masked: Float32Array; x0Hat: Float32Array; t: number; index: number } | undefined;
}
declare global {
  interface Window {
    mtdPlayground: Hook;
  }
}

function differs(a: number[], b: number[]): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

async function frameIndex(page: Page): Promise<number> {
  return page.evaluate(() => window.mtdPlayground.getState().player.frameIndex);
}

async function pickHead(page: Page, head: string): Promise<void> {
  await page.getByTestId(`head-${head}`).check({ force: true });
}

/** The number of points in every class polyline of the label chart. */
async function chartPoints(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="label-chart"] polyline[data-class]')].map(
      (p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length,
    ),
  );
}

describe('the playground', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    // No wait for the engine here: the first test waits for it itself.
    ({ session, page, problems } = await openPlayground('/', { waitReady: false }));
  });

  afterAll(async () => {
    await session?.close();
  });

  it('loads, shows the backend in use and why, and flags untrained weights', async () => {
    await waitReady(page);
    const chosen = (await page.getByTestId('backend-chosen').textContent())?.trim();
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(chosen);
    const attempts = page.getByTestId('backend-attempts').locator('li');
    expect(await attempts.count()).toBeGreaterThanOrEqual(1);
    const reasons = await page.locator('[data-testid="backend-attempts"] .attempt-reason').allTextContents();
    expect(reasons.every((r) => r.trim().length > 0)).toBe(true);
    const chosenRow = page.locator('[data-testid="backend-attempts"] li.chosen');
    expect(await chosenRow.count()).toBe(1);
    const trained = await page.evaluate(() => window.mtdPlayground.getState().engine.trained);
    expect(await page.getByTestId('untrained-badge').isVisible()).toBe(trained === false);
    await shot(page, 'start');
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });

  it('joint mode runs end to end: frames change, the label chart fills', async () => {
    await setSteps(page, STEPS);
    await generateAndWait(page);
    await page.locator('h1').click();
    const state = await page.evaluate(() => window.mtdPlayground.getState().trajectory);
    expect(state.frameCount).toBe(STEPS + 1);
    expect(state.run?.mode).toBe('joint');

    await page.keyboard.press('Home');
    await waitCanvasFrame(page, { frame: 0, head: 'z' });
    const first = await modelPixels(page, 4);
    await page.keyboard.press('End');
    await waitCanvasFrame(page, { frame: STEPS, head: 'z' });
    const last = await modelPixels(page, 4);
    expect(differs(first, last)).toBeGreaterThan(100);

    const points = await chartPoints(page);
    expect(points).toHaveLength(10);
    expect(points.every((n) => n === STEPS + 1)).toBe(true);
    expect(await page.getByTestId('label-chart').getAttribute('data-points')).toBe(String(STEPS + 1));
    expect(await page.getByTestId('entropy-line').count()).toBe(1);
    await pickHead(page, 'x0');
    await waitCanvasFrame(page, { frame: STEPS, head: 'x0' });
    await shot(page, 'joint');
  });

  it('switching head redraws the same frame without rerunning', async () => {
    const runId = await page.evaluate(() => window.mtdPlayground.getState().trajectory.runId);
    await page.locator('h1').click(); // keys go to the page, not to the focused head radio
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const k = 4;
    expect(await frameIndex(page)).toBe(k);
    await pickHead(page, 'z');
    await waitCanvasFrame(page, { frame: k, head: 'z' });
    const z = await modelPixels(page, 4);
    const seen: Record<string, number[]> = {};
    for (const head of ['x0', 'label', 'masked', 'drift']) {
      await pickHead(page, head);
      await waitCanvasFrame(page, { frame: k, head });
      seen[head] = await modelPixels(page, 4);
      if (head === 'drift') await shot(page, 'drift');
      expect(differs(seen[head], z), `head ${head} draws something else than z_t`).toBeGreaterThan(50);
    }
    expect(differs(seen['label']!, seen['x0']!)).toBeGreaterThan(50);
    await pickHead(page, 'z');
    await waitCanvasFrame(page, { frame: k, head: 'z' });
    expect(await modelPixels(page, 4)).toEqual(z);
    const after = await page.evaluate(() => window.mtdPlayground.getState().trajectory);
    expect(after.runId).toBe(runId);
    expect(after.frameCount).toBe(STEPS + 1);
    expect(await page.getByTestId('frame-canvas').getAttribute('data-run-id')).toBe(runId);
    // Every head is selectable (sketch and representation included; e2e/modes.e2e.ts draws them).
    expect(await page.getByTestId('head-sketch').isDisabled()).toBe(false);
    expect(await page.getByTestId('head-repr').isDisabled()).toBe(false);
  });

  it('player controls and keyboard shortcuts move the frame', async () => {
    await page.locator('h1').click(); // focus outside any control
    await page.keyboard.press('End');
    expect(await frameIndex(page)).toBe(STEPS);
    await page.keyboard.press('ArrowLeft');
    expect(await frameIndex(page)).toBe(STEPS - 1);
    await page.keyboard.press('Home');
    expect(await frameIndex(page)).toBe(0);
    await page.getByRole('button', { name: 'Step forward' }).click();
    expect(await frameIndex(page)).toBe(1);
    await page.getByRole('button', { name: 'Jump to end' }).click();
    expect(await frameIndex(page)).toBe(STEPS);
    await page.getByRole('button', { name: 'Step back' }).click();
    expect(await frameIndex(page)).toBe(STEPS - 1);
    await page.getByRole('button', { name: 'Jump to start' }).click();
    expect(await frameIndex(page)).toBe(0);
    await scrubTo(page, 7);
    expect(await frameIndex(page)).toBe(7);
    await waitCanvasFrame(page, { frame: 7, head: 'z' });
    expect(await page.getByTestId('frame-counter').textContent()).toMatch(/step 7 \/ 20 · t = \d+/);
    expect(await page.getByTestId('chart-cursor').getAttribute('data-frame')).toBe('7');

    // Space plays (from frame 7 to the end at 20 frames/s), Space pauses.
    await page.locator('h1').click();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.mtdPlayground.getState().player.frameIndex > 8, undefined, { timeout: 5_000 });
    await page.keyboard.press('Space');
    const paused = await frameIndex(page);
    expect(await page.evaluate(() => window.mtdPlayground.getState().player.playing)).toBe(false);
    await page.waitForTimeout(300);
    expect(await frameIndex(page)).toBe(paused);
    // The play button plays to the end and stops.
    await page.getByTestId('play').click();
    await page.waitForFunction(
      (n) => {
        const s = window.mtdPlayground.getState();
        return s.player.frameIndex === n && !s.player.playing;
      },
      STEPS,
      { timeout: 10_000 },
    );
    // Pressing the scrubber while it plays pauses on the frame shown, even without moving the thumb.
    await page.getByRole('button', { name: 'Jump to start' }).click();
    await page.getByTestId('play').click();
    await page.waitForFunction(() => window.mtdPlayground.getState().player.frameIndex > 2, undefined, { timeout: 5_000 });
    await page.getByTestId('scrubber').dispatchEvent('pointerdown');
    expect(await page.evaluate(() => window.mtdPlayground.getState().player.playing)).toBe(false);
    const held = await frameIndex(page);
    await page.waitForTimeout(300);
    expect(await frameIndex(page)).toBe(held);
  });

  it('a grid of 16: clicking a cell selects the sample for the label chart', async () => {
    await page.getByTestId('batch-16').check({ force: true });
    await generateAndWait(page);
    await page.getByRole('button', { name: /^Sample #5 of 16/ }).click();
    expect(await page.locator('#label-title').textContent()).toContain('sample #5 of 16');
    await pickHead(page, 'x0');
    await page.getByRole('button', { name: 'Jump to end' }).click();
    await shot(page, 'joint-grid16');
    await pickHead(page, 'label');
    await shot(page, 'joint-grid16-label');
    await page.getByTestId('batch-1').check({ force: true });
  });

  it('class-conditional runs with the picked class', async () => {
    await pickMode(page, 'conditional');
    await page.getByTestId('class-picker').selectOption('7');
    await generateAndWait(page);
    const t = await page.evaluate(() => window.mtdPlayground.getState().trajectory);
    expect(t.run?.mode).toBe('conditional');
    expect(t.run?.classId).toBe(7);
    expect(t.frameCount).toBe(STEPS + 1);
    // The run config is in the URL hash (a shareable link).
    const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
    expect(Object.fromEntries(hash)).toMatchObject({ mode: 'conditional', class: '7', steps: String(STEPS), seed: '42' });
    await pickHead(page, 'x0');
    await waitCanvasFrame(page, { frame: STEPS, head: 'x0' });
    await shot(page, 'conditional');
  });

  it('inpainting: pixels outside the mask in the final image equal the given image', async () => {
    await pickMode(page, 'inpaint');
    await page.getByTestId('thumb-3').click();
    await page.getByTestId('preset-right').click();
    await generateAndWait(page);
    const t = await page.evaluate(() => window.mtdPlayground.getState().trajectory);
    expect(t.run?.mode).toBe('inpaint');

    // Frame data: the masked head's final image equals the given image wherever the mask is visible.
    const check = await page.evaluate((last) => {
      const s = window.mtdPlayground.getState().trajectory;
      const frame = window.mtdPlayground.getFrame(last)!;
      const image = s.run!.image!;
      const mask = s.run!.mask!;
      let visible = 0;
      let maxDiff = 0;
      for (let i = 0; i < 1024; i++) {
        if (mask[i]! < 0.5) continue;
        visible++;
        maxDiff = Math.max(maxDiff, Math.abs(frame.masked[i]! - image[i]!));
      }
      return { visible, maxDiff };
    }, STEPS);
    expect(check.visible).toBe(512);
    expect(check.maxDiff).toBeLessThan(1e-6);

    // What the user sees: on the canvas, the visible half shows test image 3's bytes, the hidden half is tinted.
    await pickHead(page, 'masked');
    await page.getByRole('button', { name: 'Jump to end' }).click();
    await waitCanvasFrame(page, { frame: STEPS, head: 'masked' });
    const px = await modelPixels(page, 4);
    const bytes = await page.evaluate(async () => {
      const buf = new Uint8Array(await (await fetch('samples/images.bin')).arrayBuffer());
      return [...buf.subarray(3 * 784, 4 * 784)];
    });
    let worst = 0;
    let tinted = 0;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const i = (y * 32 + x) * 4;
        if (x < 16) {
          const inData = y >= 2 && y < 30 && x >= 2;
          const expected = inData ? bytes[(y - 2) * 28 + (x - 2)]! : 0;
          worst = Math.max(worst, Math.abs(px[i]! - expected), Math.abs(px[i + 1]! - expected), Math.abs(px[i + 2]! - expected));
        } else if (px[i]! - px[i + 2]! > 60) {
          tinted++;
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(tinted).toBe(512);
    await shot(page, 'inpaint');
  });

  it('draw your own image, edit the mask, undo with Ctrl+Z, inpaint it', async () => {
    await pickMode(page, 'inpaint');
    await page.getByTestId('source-drawn').check({ force: true });
    const box = (await page.getByTestId('editor-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 8 });
    await page.mouse.up();
    const ink = await page.evaluate(() => {
      const d = (window.mtdPlayground.getState() as unknown as { editor: { drawn: Float32Array } }).editor.drawn;
      return d.filter((v) => v > 0).length;
    });
    expect(ink).toBeGreaterThan(20);
    const hiddenNow = () =>
      page.evaluate(() => (window.mtdPlayground.getState() as unknown as { editor: { mask: Float32Array } }).editor.mask.filter((v) => v < 0.5).length);
    const before = await hiddenNow();
    await page.getByTestId('preset-box').click();
    expect(await hiddenNow()).toBe(256);
    await page.locator('h1').click();
    await page.keyboard.press('Control+z');
    expect(await hiddenNow()).toBe(before);
    await page.getByTestId('preset-box').click();
    await generateAndWait(page);
    const same = await page.evaluate(() => {
      const s = window.mtdPlayground.getState() as unknown as { editor: { drawn: Float32Array }; trajectory: { run: { image: Float32Array } } };
      return s.trajectory.run.image.every((v, i) => v === s.editor.drawn[i]);
    });
    expect(same).toBe(true);
    await shot(page, 'inpaint-drawn');
    await page.getByTestId('source-test').check({ force: true });
  });

  it('classify runs and the label chart fills', async () => {
    await pickMode(page, 'classify');
    await page.getByTestId('thumb-0').click();
    await setSteps(page, 10);
    await generateAndWait(page);
    const t = await page.evaluate(() => window.mtdPlayground.getState().trajectory);
    expect(t.run?.mode).toBe('classify');
    expect(t.frameCount).toBe(11);
    expect(await page.getByTestId('label-chart').getAttribute('data-points')).toBe('11');
    expect((await chartPoints(page)).every((n) => n === 11)).toBe(true);
    const values = await page.locator('.bars .bar-value').allTextContents();
    expect(values).toHaveLength(10);
    expect(values.every((v) => /%$/.test(v))).toBe(true);
    await pickHead(page, 'label');
    await shot(page, 'classify');
  });

  it('unconditional runs; the phone layout is one column', async () => {
    await pickMode(page, 'unconditional');
    await setSteps(page, STEPS);
    await generateAndWait(page);
    await pickHead(page, 'z');
    await scrubTo(page, 12);
    await waitCanvasFrame(page, { frame: 12, head: 'z' });
    await shot(page, 'unconditional');
    await page.setViewportSize({ width: 390, height: 844 });
    const columns = await page.evaluate(() => getComputedStyle(document.querySelector('.layout')!).gridTemplateColumns.split(' ').length);
    expect(columns).toBe(1);
    await shot(page, 'phone');
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });
});
