/**
 * Drift guidance (classifier-free guidance in the common space) in real Chromium: the slider and its cost,
 * that w > 0 really changes the trajectory from the same seed (and not before the drift appears), that a
 * link carries it (and an old link's `guidance` is read as label-head guidance), and that compare's run B
 * takes its own drift guidance (A/B at two scales from the same noise). Screenshot: docs/screenshots/drift-guidance-compare.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, openPlayground, pickMode, setSteps, shot, waitReady, type AppWindow } from './app.ts';
import type { BrowserSession, PageProblems } from './harness.ts';
import { maxAbsDiff } from '../src/model/testing.ts';
import { DEFAULT_SAMPLING, SAMPLING_DEFAULTS } from '../src/store/defaults.ts';

const STEPS = 10;

interface GuidanceState {
  getState(): {
    config: { mode: string; labelGuidance: number; driftGuidance: number; steps: number };
    compare: { status: string; knobs: { labelGuidance: number; driftGuidance: number; sampler: string; steps: number }; run: { driftGuidance: number } | null };
    trajectory: { run: { driftGuidance: number; labelGuidance: number } | null };
    actions: {
      getFrame(i: number): { z: Float32Array; x0Hat: Float32Array; t: number } | undefined;
      getCompareFrame(i: number): { z: Float32Array; x0Hat: Float32Array; t: number } | undefined;
    };
  };
}

const state = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as { mtdPlayground: GuidanceState }).mtdPlayground.getState();
    return { config: s.config, compare: { status: s.compare.status, knobs: s.compare.knobs, run: s.compare.run }, run: s.trajectory.run };
  });

/** z and x0-hat of frame i of run A (or B), as plain arrays. */
async function frame(page: Page, i: number, which: 'A' | 'B' = 'A'): Promise<{ z: number[]; x0: number[]; t: number }> {
  return page.evaluate(
    ([k, w]) => {
      const s = (window as unknown as { mtdPlayground: GuidanceState }).mtdPlayground.getState();
      const f = w === 'A' ? s.actions.getFrame(k)! : s.actions.getCompareFrame(k)!;
      return { z: Array.from(f.z), x0: Array.from(f.x0Hat), t: f.t };
    },
    [i, which] as const,
  );
}

describe('drift guidance (CFG in the common space)', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;
  /** The final image of the conditional run at w = 0 and at w = 2, seed 42. */
  let plainFinal: number[];
  let guidedFinal: number[];
  let guidedLink: string;

  beforeAll(async () => {
    ({ session, page, problems } = await openPlayground());
    await pickMode(page, 'conditional');
    await page.getByTestId('class-picker').selectOption('7');
    await setSteps(page, STEPS);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('the slider shows its cost, and w > 0 changes the result from the same seed', async () => {
    const slider = page.getByTestId('drift-guidance');
    const cost = page.getByTestId('drift-guidance-cost');
    expect(await slider.isEnabled()).toBe(true);
    await slider.fill('0'); // whatever the mode's measured default (src/store/defaults.ts)
    expect(await cost.textContent()).toContain('off');
    await generateAndWait(page);
    const plain0 = await frame(page, 0);
    const plain1 = await frame(page, 1);
    plainFinal = (await frame(page, STEPS)).x0;

    await slider.fill('2');
    expect((await state(page)).config.driftGuidance).toBe(2);
    expect(await cost.textContent()).toContain('2 network evaluations per step');
    expect(await page.locator('.run-summary').textContent()).toContain('drift guidance (CFG) w=2.0');
    await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('dg') === '2');
    await generateAndWait(page);
    expect((await state(page)).run).toMatchObject({ driftGuidance: 2, labelGuidance: 0 });
    const guided0 = await frame(page, 0);
    const guided1 = await frame(page, 1);
    guidedFinal = (await frame(page, STEPS)).x0;
    expect(maxAbsDiff(guided0.z, plain0.z)).toBe(0); // the same z_T
    // kappa_T = 0: no drift at t = T, so y_T = z_T and the first step is the unguided one.
    expect(maxAbsDiff(guided1.z, plain1.z)).toBeLessThan(1e-4);
    // Later the guided estimate pulls away from the unconditioned prediction: another image.
    const change = maxAbsDiff(guidedFinal, plainFinal);
    expect(change).toBeGreaterThan(0.05);
    guidedLink = page.url();
  });

  it('does not apply where there is no drift (unconditional, classify)', async () => {
    await pickMode(page, 'unconditional');
    expect(await page.getByTestId('drift-guidance').isDisabled()).toBe(true);
    expect(await page.getByTestId('drift-guidance-cost').textContent()).toContain('modes with a condition only');
    expect(await page.locator('.run-summary').textContent()).not.toContain('drift guidance');
    await pickMode(page, 'conditional');
    expect(await page.getByTestId('drift-guidance').isEnabled()).toBe(true);
  });

  it("compare: B at its own drift guidance from the same noise reproduces the plain run, A the guided one", async () => {
    await page.getByTestId('compare-toggle').check();
    // B: A's sampler (the page's default) at A's step count, drift guidance off.
    const sampler = DEFAULT_SAMPLING.sampler;
    await page.getByTestId('compare-sampler').selectOption(sampler);
    await page.getByTestId('compare-steps').selectOption(String(STEPS));
    await page.getByTestId('compare-drift-guidance').fill('0');
    expect((await state(page)).compare.knobs).toMatchObject({ sampler, steps: STEPS, driftGuidance: 0 });
    await page.waitForFunction((cmp) => new URLSearchParams(location.hash.slice(1)).get('cmp') === cmp, `${sampler}~0~0~10~0`);
    await generateAndWait(page);
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: GuidanceState }).mtdPlayground.getState().compare.status === 'done', null, { timeout: 100_000 });
    const s = await state(page);
    expect(s.run?.driftGuidance).toBe(2);
    expect(s.compare.run?.driftGuidance).toBe(0);
    expect(maxAbsDiff((await frame(page, 0, 'A')).z, (await frame(page, 0, 'B')).z)).toBe(0);
    const a = (await frame(page, STEPS, 'A')).x0;
    const b = (await frame(page, STEPS, 'B')).x0;
    // Same backend, seed and sampler: each side is exactly the run made with its scale above.
    expect(maxAbsDiff(a, guidedFinal)).toBeLessThan(1e-5);
    expect(maxAbsDiff(b, plainFinal)).toBeLessThan(1e-5);
    const [captionA, captionB] = await page.locator('.compare-sides figcaption').allTextContents();
    expect(captionA).toContain('drift guidance w=2');
    expect(captionB).toContain('drift guidance w=0');
    await page.locator('.compare-panel').scrollIntoViewIfNeeded();
    await shot(page, 'drift-guidance-compare');
    // B at another scale: a third image.
    await page.getByTestId('compare-drift-guidance').fill('4');
    await page.getByTestId('compare-run').click();
    await page.waitForFunction(
      () => {
        const c = (window as unknown as { mtdPlayground: GuidanceState }).mtdPlayground.getState().compare;
        return c.status === 'done' && c.run?.driftGuidance === 4;
      },
      null,
      { timeout: 100_000 },
    );
    expect(maxAbsDiff((await frame(page, STEPS, 'B')).x0, guidedFinal)).toBeGreaterThan(0.05);
    expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('cmp')).toBe(`${sampler}~0~0~10~4`);
    await page.getByTestId('compare-toggle').uncheck();
    expect(problems.pageErrors).toEqual([]);
  });

  it('a link carries drift guidance: opened again it runs the same guided trajectory', async () => {
    expect(new URLSearchParams(new URL(guidedLink).hash.slice(1)).get('dg')).toBe('2');
    const { page: again, problems: p2 } = await session.newPage();
    try {
      await again.goto(guidedLink, { waitUntil: 'load' });
      await waitReady(again);
      expect((await state(again)).config).toMatchObject({ mode: 'conditional', driftGuidance: 2, labelGuidance: 0, steps: STEPS });
      expect(await again.getByTestId('drift-guidance').inputValue()).toBe('2');
      await generateAndWait(again);
      expect(maxAbsDiff((await frame(again, STEPS)).x0, guidedFinal)).toBeLessThan(1e-5);
      expect(p2.pageErrors).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it("an old link's guidance is label-head guidance; the page rewrites it as lg", async () => {
    const { page: old, problems: p3 } = await session.newPage();
    try {
      await old.goto(session.url('/#mode=conditional&class=3&guidance=3&cmp=ddpm~0~1~20'), { waitUntil: 'load' });
      await old.waitForFunction(() => (window as unknown as Partial<AppWindow>).mtdPlayground !== undefined);
      const s = await state(old);
      // A link without dg gets the mode's measured drift guidance (src/store/defaults.ts).
      const dg = SAMPLING_DEFAULTS.driftGuidance.conditional;
      expect(s.config).toMatchObject({ mode: 'conditional', labelGuidance: 3, driftGuidance: dg });
      expect(s.compare.knobs).toMatchObject({ sampler: 'ddpm', labelGuidance: 1, driftGuidance: 0, steps: 20 });
      expect(await old.getByTestId('label-guidance').inputValue()).toBe('3');
      await old.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('lg') === '3');
      const hash = new URLSearchParams(new URL(old.url()).hash.slice(1));
      expect(hash.get('guidance')).toBeNull();
      expect(hash.get('dg')).toBe(String(dg));
      expect(hash.get('cmp')).toBe('ddpm~0~1~20~0');
      expect(await old.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().notices)).toEqual([]);
      expect(p3.pageErrors).toEqual([]);
    } finally {
      await old.close();
    }
  });
});
