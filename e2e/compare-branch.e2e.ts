/**
 * Compare and branches in real Chromium: a compare run starts from identical noise (first frames equal) under one
 * scrubber; a branch keeps its parent's frames up to k and every run stays in the history; the forward
 * process view matches the engine's own forward process; explanations hide for a clean demo.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, hook, openPlayground, pickMode, setSteps, shot, waitCanvasFrame, waitRunDone, scrubTo } from './app.ts';
import type { BrowserSession, PageProblems } from './harness.ts';
import { maxAbsDiff } from '../src/model/testing.ts';

const STEPS = 20;

interface Full {
  getState(): {
    actions: {
      getFrame(i: number): { z: Float32Array; x0Hat: Float32Array; t: number } | undefined;
      getCompareFrame(i: number): { z: Float32Array; x0Hat: Float32Array; t: number } | undefined;
    };
  };
}

/** Frames [from, to) of the run on screen (or of B) as plain arrays. */
async function framesOf(page: Page, from: number, to: number, which: 'A' | 'B' = 'A'): Promise<{ z: number[]; x0: number[]; t: number }[]> {
  return page.evaluate(
    ([a, b, w]) => {
      const s = (window as unknown as { mtdPlayground: Full }).mtdPlayground.getState();
      const out = [];
      for (let i = a; i < b; i++) {
        const f = w === 'A' ? s.actions.getFrame(i)! : s.actions.getCompareFrame(i)!;
        out.push({ z: Array.from(f.z), x0: Array.from(f.x0Hat), t: f.t });
      }
      return out;
    },
    [from, to, which] as const,
  );
}

describe('compare, branch and the teaching views', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    ({ session, page, problems } = await openPlayground());
    await setSteps(page, STEPS);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('a compare run starts from identical noise and differs later; one scrubber drives both', async () => {
    await page.getByTestId('compare-toggle').check();
    await page.getByTestId('compare-sampler').selectOption('ddpm');
    await page.getByTestId('compare-steps').selectOption(String(STEPS));
    await generateAndWait(page); // A, then B
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: { getState(): { compare: { status: string } } } }).mtdPlayground.getState().compare.status === 'done', null, { timeout: 100_000 });
    const [a0] = await framesOf(page, 0, 1, 'A');
    const [b0] = await framesOf(page, 0, 1, 'B');
    expect(b0!.z.length).toBe(1024);
    expect(maxAbsDiff(a0!.z, b0!.z)).toBe(0); // the same z_T
    const [aLast] = await framesOf(page, STEPS, STEPS + 1, 'A');
    const [bLast] = await framesOf(page, STEPS, STEPS + 1, 'B');
    expect(maxAbsDiff(aLast!.x0, bLast!.x0)).toBeGreaterThan(1e-3); // DDPM and DDIM part ways

    const diff = page.getByTestId('compare-diff');
    await scrubTo(page, 0);
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-diff"]')?.getAttribute('data-a') === '0');
    expect(Number(await diff.getAttribute('data-z-rms'))).toBe(0);
    await scrubTo(page, 14);
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-diff"]')?.getAttribute('data-a') === '14');
    expect(await diff.getAttribute('data-b')).toBe('14');
    expect(Number(await diff.getAttribute('data-z-rms'))).toBeGreaterThan(0);
    await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid="compare-canvas-B"]')?.dataset['frameIndex'] === '14');
    await shot(page, 'compare');
    await page.getByTestId('compare-toggle').uncheck();
  });

  it('a branch keeps its parent frames up to k, continues from its z_k, and the parent stays in the history', async () => {
    const K = 8;
    const parentId = (await hook(page)).runId!;
    const parent = await framesOf(page, 0, STEPS + 1);
    await scrubTo(page, K);
    await waitCanvasFrame(page, { frame: K });
    await page.getByTestId('seed').fill('7');
    await page.getByTestId('seed').press('Enter');
    await page.getByRole('radiogroup', { name: 'Sampler' }).getByRole('radio', { name: 'DDPM' }).check({ force: true });
    await page.getByTestId('branch').click();
    const childId = await waitRunDone(page, parentId);
    const child = await framesOf(page, 0, STEPS + 1);
    for (let i = 0; i < K; i++) {
      expect(maxAbsDiff(child[i]!.z, parent[i]!.z)).toBe(0);
      expect(maxAbsDiff(child[i]!.x0, parent[i]!.x0)).toBe(0);
    }
    expect(maxAbsDiff(child[K]!.z, parent[K]!.z)).toBe(0); // continues from the parent's z_k
    expect(child.map((f) => f.t)).toEqual(parent.map((f) => f.t));
    expect(maxAbsDiff(child[STEPS]!.x0, parent[STEPS]!.x0)).toBeGreaterThan(1e-3); // another seed and sampler

    const nodes = await page.evaluate(() => (window as unknown as { mtdPlayground: { getState(): { history: { nodes: { runId: string; parentId: string | null; fromStep: number }[] } } } }).mtdPlayground.getState().history.nodes);
    expect(nodes.find((n) => n.runId === childId)).toMatchObject({ parentId, fromStep: K });
    await shot(page, 'branch-history');

    // Back to the parent: its frames are all there, unchanged (nothing recomputed or lost).
    await page.getByTestId(`history-${parentId}`).click();
    await page.waitForFunction((id) => (window as unknown as { mtdPlayground: { getState(): { trajectory: { runId: string } } } }).mtdPlayground.getState().trajectory.runId === id, parentId);
    const again = await framesOf(page, 0, STEPS + 1);
    for (let i = 0; i <= STEPS; i++) expect(maxAbsDiff(again[i]!.z, parent[i]!.z)).toBe(0);

    // The parent's own settings (DDIM, seed 42) from step K retrace it.
    await scrubTo(page, K);
    await page.getByTestId('branch').click();
    await waitRunDone(page, parentId);
    const same = await framesOf(page, 0, STEPS + 1);
    expect(maxAbsDiff(same[STEPS]!.x0, parent[STEPS]!.x0)).toBeLessThan(1e-4);
  });

  it('the forward-process view reproduces the engine forward process (classify), and shows a drift', async () => {
    await pickMode(page, 'classify');
    await generateAndWait(page);
    await page.getByTestId('forward-open').click();
    await scrubTo(page, 10);
    await waitCanvasFrame(page, { frame: 10 });
    await page.getByTestId('head-z').check({ force: true });
    const t = await page.evaluate(() => (window as unknown as { mtdPlayground: Full }).mtdPlayground.getState().actions.getFrame(10)!.t);
    await page
      .waitForFunction((tt) => document.querySelector('[data-testid="forward-terms"]')?.getAttribute('data-t') === String(tt), t, { timeout: 10_000 })
      .catch(async (e: unknown) => {
        const player = await page.evaluate(() => {
          const s = (window as unknown as { mtdPlayground: { getState(): { player: unknown; trajectory: { frameCount: number }; actions: { getFrame(i: number): { t: number } | undefined } } } }).mtdPlayground.getState();
          return { player: s.player, canvas: document.querySelector<HTMLCanvasElement>('[data-testid="frame-canvas"]')?.dataset['frameIndex'], ts: Array.from({ length: s.trajectory.frameCount }, (_, i) => s.actions.getFrame(i)?.t) };
        });
        throw new Error(`forward view not at t = ${t}: ${(await page.locator('.forward-panel').innerHTML()).slice(0, 600)}; player ${JSON.stringify(player)}; scrubber ${await page.getByTestId('scrubber').inputValue()}`, { cause: e });
      });
    await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid="frame-canvas"]')?.dataset['head'] === 'z');
    const [main, fwd] = await page.evaluate(() => {
      const sample = (id: string) => {
        const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`)!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const cell = c.width / 32;
        const out: number[] = [];
        for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out.push(d[((y * cell + cell / 2) * c.width + x * cell + cell / 2) * 4]!);
        return out;
      };
      return [sample('frame-canvas'), sample('forward-z')];
    });
    expect(maxAbsDiff(main, fwd)).toBeLessThanOrEqual(1);
    expect(new Set(main).size).toBeGreaterThan(10); // a real image, not a blank canvas

    await pickMode(page, 'conditional');
    await generateAndWait(page);
    await scrubTo(page, 10);
    await page.waitForFunction(() => document.querySelector('[data-testid="forward-terms"]')?.getAttribute('data-has-drift') === '1');
    await page.getByTestId('forward-terms').scrollIntoViewIfNeeded();
    await shot(page, 'forward-process');
  });

  it('hides the explanations for a clean demo', async () => {
    expect(await page.locator('.explain').count()).toBeGreaterThan(1);
    await page.getByTestId('explain-toggle').uncheck();
    expect(await page.locator('.explain').count()).toBe(0);
    expect(page.url()).toContain('explain=0');
    await page.getByTestId('explain-toggle').check();
    expect(problems.pageErrors).toEqual([]);
  });
});
