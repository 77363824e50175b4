/**
 * Label commitment in joint generation, in real Chromium: the slider is there in joint mode only, with its
 * note and the run summary; a threshold c gives the generated label's drift only to the frames whose label
 * head is at least that sure (the engine's rule, checked on every frame the page made), so from the same seed
 * the first step (out of pure noise, where the head is unsure) adds no label drift where c = 0 adds it at
 * once, and the trajectory goes elsewhere; a link carries `lc`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, openPlayground, pickMode, setSteps, waitReady } from './app.ts';
import type { BrowserSession, PageProblems } from './harness.ts';
import { maxAbsDiff } from '../src/model/testing.ts';

const STEPS = 10;

interface CommitState {
  getState(): {
    config: { mode: string; labelCommit: number; steps: number };
    trajectory: { run: { labelCommit: number; mode: string } | null };
    actions: { getFrame(i: number): { t: number; z: Float32Array; drift: Float32Array; labelProbs: Float32Array; x0Hat: Float32Array } | undefined };
  };
}

const config = (page: Page) => page.evaluate(() => (window as unknown as { mtdPlayground: CommitState }).mtdPlayground.getState().config);

/** Per frame of the run on screen: t, the largest label probability, the largest |drift|; z of frame 1 and the last x0-hat. */
const frames = (page: Page) =>
  page.evaluate((n) => {
    const s = (window as unknown as { mtdPlayground: CommitState }).mtdPlayground.getState();
    const out: { t: number; sure: number; drift: number }[] = [];
    for (let i = 0; i <= n; i++) {
      const f = s.actions.getFrame(i)!;
      out.push({ t: f.t, sure: Math.max(...f.labelProbs), drift: Math.max(...Array.from(f.drift, Math.abs)) });
    }
    return { frames: out, z1: Array.from(s.actions.getFrame(1)!.z), final: Array.from(s.actions.getFrame(n)!.x0Hat), run: s.trajectory.run };
  }, STEPS);

describe('label commitment (joint generation)', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;
  let committedLink: string;
  let committedFinal: number[];

  beforeAll(async () => {
    ({ session, page, problems } = await openPlayground());
    await setSteps(page, STEPS);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('the control is in joint mode only, with its note for students', async () => {
    const slider = page.getByTestId('label-commit');
    expect(await slider.isVisible()).toBe(true);
    expect(await slider.getAttribute('max')).toBe('0.95');
    expect(await slider.getAttribute('step')).toBe('0.05');
    expect(await page.getByTestId('explain-label-commit').textContent()).toContain('added only once the label head is this sure');
    await pickMode(page, 'conditional');
    expect(await slider.count()).toBe(0);
    await pickMode(page, 'joint');
    expect(await slider.isVisible()).toBe(true);
  });

  it('c = 0.5 gives the label drift only to the frames where the head is that sure; c = 0 gives it from the first step', async () => {
    const slider = page.getByTestId('label-commit');
    await slider.fill('0');
    await generateAndWait(page);
    const always = await frames(page);
    // kappa_T = 0 at frame 0 (t = T); every later frame before t = 0 carries the label's drift.
    expect(always.frames.slice(1, -1).every((f) => f.drift > 1e-3)).toBe(true);

    await slider.fill('0.5');
    expect((await config(page)).labelCommit).toBe(0.5);
    expect(await page.locator('.run-summary').textContent()).toContain('label commitment 0.50');
    await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('lc') === '0.5');
    await generateAndWait(page);
    const gated = await frames(page);
    expect(gated.run).toMatchObject({ mode: 'joint', labelCommit: 0.5 });
    const inner = gated.frames.slice(1, -1); // 0 < t < T: kappa_t > 0
    for (const f of inner) {
      if (f.sure >= 0.5) expect(f.drift, `t = ${f.t}, sure ${f.sure}`).toBeGreaterThan(1e-3);
      else expect(f.drift, `t = ${f.t}, sure ${f.sure}`).toBe(0);
    }
    // From pure noise (t = T) the head is far from sure, so the first step adds no label drift:
    // z at t = 900 differs from the c = 0 run's by kappa_900 E, and the trajectory goes elsewhere.
    expect(gated.frames[0]!.sure).toBeLessThan(0.5);
    expect(maxAbsDiff(gated.z1, always.z1)).toBeGreaterThan(1e-2);
    expect(gated.frames[1]!.sure).toBeLessThan(always.frames[1]!.sure);
    committedFinal = gated.final;
    expect(maxAbsDiff(committedFinal, always.final)).toBeGreaterThan(0.05);
    committedLink = page.url();
    expect(problems.pageErrors).toEqual([]);
  });

  it('a link carries lc: opened again it runs the same trajectory', async () => {
    expect(new URLSearchParams(new URL(committedLink).hash.slice(1)).get('lc')).toBe('0.5');
    const { page: again, problems: p2 } = await session.newPage();
    try {
      await again.goto(committedLink, { waitUntil: 'load' });
      await waitReady(again);
      expect(await config(again)).toMatchObject({ mode: 'joint', labelCommit: 0.5, steps: STEPS });
      expect(await again.getByTestId('label-commit').inputValue()).toBe('0.5');
      await generateAndWait(again);
      expect(maxAbsDiff((await frames(again)).final, committedFinal)).toBeLessThan(1e-5);
      expect(p2.pageErrors).toEqual([]);
    } finally {
      await again.close();
    }
  });
});
