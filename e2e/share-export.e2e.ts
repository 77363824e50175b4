/**
 * Sharing and the schedule plot in real Chromium: the schedule plot's cursor follows the scrubber; a
 * copied link opened in a fresh page restores the same frame pixel for pixel; the exported GIF and JSON
 * parse and have one entry per frame (and the PNGs are PNGs).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasBytes, generateAndWait, hook, openPlayground, setSteps, shot, waitCanvasFrame, scrubTo } from './app.ts';
import { parseGif } from './gif.ts';
import type { BrowserSession, PageProblems } from './harness.ts';

const STEPS = 20;

async function downloadOf(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId(testId).click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

describe('share, export and the schedule plot', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    ({ session, page, problems } = await openPlayground());
    await setSteps(page, STEPS);
    await page.getByTestId('seed').fill('314');
    await page.getByTestId('seed').press('Enter');
    await generateAndWait(page);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('the schedule cursor follows the scrubber', async () => {
    const cursor = page.getByTestId('schedule-cursor');
    expect(await page.getByTestId('chosen-steps').getAttribute('data-count')).toBe(String(STEPS + 1));
    let lastX = -Infinity;
    for (const k of [0, 5, 12, STEPS]) {
      await scrubTo(page, k);
      await waitCanvasFrame(page, { frame: k });
      const t = await page.evaluate((i) => (window as unknown as { mtdPlayground: { getFrame(i: number): { t: number } } }).mtdPlayground.getFrame(i).t, k);
      await page.waitForFunction((tt) => document.querySelector('[data-testid="schedule-cursor"]')?.getAttribute('data-t') === String(tt), t);
      const x = Number(await cursor.getAttribute('data-x'));
      expect(x).toBeGreaterThan(lastX); // t falls left to right as the chain denoises
      lastX = x;
      expect(await page.getByTestId('schedule-readout').textContent()).toContain(`t = ${t}`);
    }
    await scrubTo(page, 8);
    await waitCanvasFrame(page, { frame: 8 });
    await shot(page, 'schedule-share-export');
  });

  it('a copied link opened in a fresh page restores the same frame pixel for pixel', async () => {
    await page.getByTestId('head-x0').check({ force: true });
    await scrubTo(page, 9);
    await waitCanvasFrame(page, { frame: 9 });
    await page.getByTestId('copy-link').click();
    const link = await page.getByTestId('share-url').inputValue();
    expect(link).toMatch(/#.*frame=9/);
    expect(link).toContain('seed=314');
    expect(link).toContain('head=x0');
    const before = await canvasBytes(page);

    // A fresh browser profile: nothing shared but the link.
    const { session: fresh, page: other, problems: otherProblems } = await openPlayground(link);
    try {
      await waitCanvasFrame(other, { frame: 9 });
      await other.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid="frame-canvas"]')?.dataset['head'] === 'x0');
      const s = await hook(other);
      expect(s.run?.seed).toBe(314);
      expect(s.run?.steps).toBe(STEPS);
      const after = await canvasBytes(other);
      expect(after.length).toBe(before.length);
      let diff = 0;
      for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) diff++;
      expect(diff).toBe(0);
      // And the frame really is not the first or last one (an honest check that the frame was restored).
      expect(await other.evaluate(() => (window as unknown as { mtdPlayground: { getState(): { player: { frameIndex: number } } } }).mtdPlayground.getState().player.frameIndex)).toBe(9);
      expect(otherProblems.pageErrors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('exports a GIF and JSON with one entry per frame, and PNGs', async () => {
    const frames = (await hook(page)).frameCount;
    expect(frames).toBe(STEPS + 1);

    const gif = await downloadOf(page, 'export-gif');
    expect(gif.name).toMatch(/\.gif$/);
    const info = parseGif(new Uint8Array(gif.bytes));
    expect(info.frames).toBe(frames);
    expect(info.width).toBe(128);

    const json = await downloadOf(page, 'export-json');
    const data = JSON.parse(json.bytes.toString('utf8')) as { format: string; config: { seed: number; steps: number }; frames: { index: number; t: number; labelProbs: number[][]; x0Hat: number[][]; z: number[][] }[] };
    expect(data.format).toBe('mt-diffusion-trajectory/1');
    expect(data.config.seed).toBe(314);
    expect(data.frames).toHaveLength(frames);
    expect(data.frames.map((f) => f.index)).toEqual([...Array(frames).keys()]);
    const last = await page.evaluate(() => {
      const f = (window as unknown as { mtdPlayground: { getFrame(i: number): { t: number; labelProbs: Float32Array; z: Float32Array } } }).mtdPlayground.getFrame(20);
      return { t: f.t, p: Array.from(f.labelProbs), z0: f.z[100]! };
    });
    expect(data.frames[20]!.t).toBe(last.t);
    data.frames[20]!.labelProbs[0]!.forEach((p, c) => expect(p).toBeCloseTo(last.p[c]!, 4));
    expect(data.frames[20]!.z[0]![100]).toBeCloseTo(last.z0, 4);
    expect(data.frames[5]!.x0Hat[0]).toHaveLength(1024);

    const PNG = [0x89, 0x50, 0x4e, 0x47];
    const strip = await downloadOf(page, 'export-strip');
    expect([...strip.bytes.subarray(0, 4)]).toEqual(PNG);
    const single = await downloadOf(page, 'export-frame');
    expect([...single.bytes.subarray(0, 4)]).toEqual(PNG);
    expect(single.name).toMatch(/frame9\.png$/);
    expect(problems.pageErrors).toEqual([]);
  });
});
