/**
 * Lecture-ready runs, in real Chromium: a branch's link reproduces the frame on screen byte for byte, a
 * branch that would retrace its parent says so, rapid Generate clicks leave one run, a backend switch
 * mid-run shows its phases and the run continues, classify marks what it does not use and draws a readable
 * x̂₀ at t = T, typed out-of-range values are clamped with a message, and playback follows the computation.
 * Screenshots go to e2e/.tmp/lecture-runs/ (not the README's).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasBytes, generateAndWait, openPlayground, pickMode, scrubTo, settle, setSteps, waitCanvasFrame, waitRunDone, type AppWindow } from './app.ts';
import type { BrowserSession, PageProblems } from './harness.ts';

const SHOTS = 'e2e/.tmp/lecture-runs';

interface Full {
  getState(): {
    engine: { report: { chosen: string } | null; warmupMs: number | null; switching: boolean; status: string };
    history: { nodes: { runId: string; parentId: string | null; status: string; frameCount: number }[] };
    player: { frameIndex: number; playing: boolean; follow: boolean };
    trajectory: { runId: string | null; status: string; frameCount: number; expectedFrames: number };
    notices: { text: string }[];
    actions: { getFrame(i: number): { x0Hat: Float32Array; t: number } | undefined; setConfig(p: Record<string, unknown>): void };
  };
}

const full = (page: Page) => page.evaluate(() => {
  const s = (window as unknown as { mtdPlayground: Full }).mtdPlayground.getState();
  return { engine: s.engine, history: s.history, player: s.player, trajectory: s.trajectory, notices: s.notices };
});

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
}

/** x̂₀ of frame `i` of the run on screen. */
const x0Of = (page: Page, i: number) =>
  page.evaluate((k) => Array.from((window as unknown as { mtdPlayground: Full }).mtdPlayground.getState().actions.getFrame(k)!.x0Hat), i);

const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('lecture-ready runs', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ({ session, page, problems } = await openPlayground());
  });

  afterAll(async () => {
    await session?.close();
  });

  it('typed out-of-range values are clamped with a visible message, as a link is', async () => {
    const steps = page.getByTestId('steps');
    await steps.fill('1001');
    await steps.press('Enter');
    await page.getByTestId('steps-message').waitFor();
    expect(await steps.inputValue()).toBe('1000');
    expect(await page.getByTestId('steps-message').textContent()).toBe('Steps 1001 is out of range (1..1000); using 1000.');
    const seed = page.getByTestId('seed');
    await seed.fill('99999999999');
    await seed.blur();
    expect(await seed.inputValue()).toBe('4294967295');
    expect(await page.getByTestId('seed-message').textContent()).toMatch(/Seed 99999999999 is out of range \(0\.\.4294967295\); using 4294967295\./);
    expect(await page.getByTestId('seed-message').isVisible()).toBe(true);
    await shot(page, 'typed-clamped');
    await seed.fill('42');
    await seed.press('Enter');
    await setSteps(page, 20);
    expect(await page.getByTestId('seed-message').count()).toBe(0);
  });

  it('fifteen rapid Generate clicks leave one run in the history, in sight', async () => {
    await generateAndWait(page); // one finished run before
    const before = (await full(page)).history.nodes.length;
    for (let i = 0; i < 15; i++) {
      await page.getByTestId('generate').click();
      await page.waitForTimeout(60);
    }
    await waitRunDone(page, null);
    const s = await full(page);
    expect(s.history.nodes.length - before).toBe(1);
    expect(s.history.nodes.at(-1)).toMatchObject({ runId: s.trajectory.runId, status: 'done', frameCount: 21 });
    const active = page.locator('[data-testid="history"] [aria-current="true"]');
    const [list, item] = await Promise.all([page.getByTestId('history').boundingBox(), active.boundingBox()]);
    expect(item!.y).toBeGreaterThanOrEqual(list!.y - 1);
    expect(item!.y + item!.height).toBeLessThanOrEqual(list!.y + list!.height + 1);
  });

  it('a seed-only branch under DDIM η = 0 says it would retrace its parent, and offers what changes it', async () => {
    const parent = await generateAndWait(page);
    await scrubTo(page, 10);
    await waitCanvasFrame(page, { frame: 10 });
    const note = page.getByTestId('branch-no-effect');
    await note.waitFor(); // nothing changed yet
    expect(await note.getAttribute('data-reason')).toBe('same');
    await page.getByTestId('seed').fill('7');
    await page.getByTestId('seed').press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="branch-no-effect"]')?.getAttribute('data-reason') === 'seed');
    expect(await note.textContent()).toMatch(/deterministic sampler \(DDIM with η = 0, Euler, Heun, DPM\+\+ 2M\) uses the seed only to draw the starting noise/);
    await note.scrollIntoViewIfNeeded();
    await shot(page, 'branch-no-effect');
    // The note is right: this branch retraces its parent exactly.
    const parentLast = await x0Of(page, 20);
    await page.getByTestId('branch').click();
    const same = await waitRunDone(page, parent);
    expect(maxDiff(await x0Of(page, 20), parentLast)).toBe(0);
    // DDPM, offered by the note, changes it.
    await page.getByTestId(`history-${parent}`).click();
    await scrubTo(page, 10);
    await page.getByTestId('seed').fill('7');
    await page.getByTestId('seed').press('Enter');
    await page.getByTestId('branch-ddpm').click();
    expect(await note.count()).toBe(0);
    await page.getByTestId('branch').click();
    await waitRunDone(page, same);
    expect(maxDiff(await x0Of(page, 20), parentLast)).toBeGreaterThan(1e-3);
  });

  it("a branch's link reproduces the frame on screen, byte for byte, and says what it carries before copying", async () => {
    // The case: a DDPM run, branched at step 10 with seed 7.
    await page.getByRole('radiogroup', { name: 'Sampler' }).getByRole('radio', { name: 'DDPM' }).check({ force: true });
    await page.getByTestId('seed').fill('42');
    await page.getByTestId('seed').press('Enter');
    const root = await generateAndWait(page);
    await scrubTo(page, 10);
    await page.getByTestId('seed').fill('7');
    await page.getByTestId('seed').press('Enter');
    await page.getByTestId('branch').click();
    await waitRunDone(page, root);
    await scrubTo(page, 20);
    await waitCanvasFrame(page, { frame: 20 });
    const caveat = page.getByTestId('link-caveat');
    expect(await caveat.textContent()).toMatch(/branch chain \(1 run before this one, replayed when the link opens\)/);
    expect(await caveat.getAttribute('data-complete')).toBe('1');
    await page.getByTestId('copy-link').click();
    const url = await page.getByTestId('share-url').inputValue();
    expect(url).toMatch(/[#&]br=10\*seed\.42(&|$)/); // the root: step 10, seed 42 (its other settings are the branch's)
    await caveat.scrollIntoViewIfNeeded();
    await shot(page, 'link-caveat');
    const here = await canvasBytes(page);

    const other = await openPlayground(url);
    try {
      await other.page.waitForFunction(
        () => {
          const s = (window as unknown as AppWindow).mtdPlayground.getState() as unknown as ReturnType<Full['getState']>;
          return s.history.nodes.length === 2 && s.trajectory.status === 'done' && s.player.frameIndex === 20;
        },
        undefined,
        { timeout: 110_000 },
      );
      await waitCanvasFrame(other.page, { frame: 20 });
      await settle(other.page);
      const there = await canvasBytes(other.page);
      expect(there.length).toBe(here.length);
      const differing = there.reduce((n, v, i) => n + (v !== here[i] ? 1 : 0), 0);
      console.log(`branch link: ${differing} differing bytes of ${there.length}`);
      expect(differing).toBe(0);
      expect(other.problems.pageErrors).toEqual([]);
      await shot(other.page, 'branch-link-opened');
    } finally {
      await other.session.close();
    }
  });

  it('follows live while computing: the frame shown never lags the computation by more than a second', async () => {
    await page.locator('.speed select').selectOption('2');
    await setSteps(page, 100);
    expect(await page.getByTestId('follow-live').isChecked()).toBe(true);
    await page.getByTestId('generate').click();
    const samples: { at: number; shown: number; computed: number; status: string }[] = [];
    const started = Date.now();
    for (;;) {
      const s = await full(page);
      samples.push({ at: Date.now() - started, shown: s.player.frameIndex, computed: s.trajectory.frameCount, status: s.trajectory.status });
      if (s.trajectory.status !== 'running' || Date.now() - started > 100_000) break;
      await page.waitForTimeout(200);
    }
    // Worst lag: frames computed a second earlier that the player had not reached yet.
    let worst = 0;
    for (const s of samples) {
      const earlier = samples.filter((e) => e.at <= s.at - 1000).at(-1);
      if (earlier && s.status === 'running') worst = Math.max(worst, earlier.computed - 1 - s.shown);
    }
    console.log(`follow live: ${samples.length} samples over ${samples.at(-1)!.at} ms, worst lag ${worst} frames behind the computation of a second earlier`);
    expect(samples.length).toBeGreaterThan(3);
    expect(worst).toBeLessThanOrEqual(0);
    await page.locator('.speed select').selectOption('20');
    await setSteps(page, 20);
  });

  it('classify marks the sampler and η as unused and draws a readable x̂₀ at t = T', async () => {
    await pickMode(page, 'classify');
    expect(await page.getByRole('radiogroup', { name: 'Sampler' }).getByRole('radio', { name: 'DDPM' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('eta').isDisabled()).toBe(true);
    expect(await page.getByTestId('not-used-note').textContent()).toMatch(/not used: classify runs the forward process/);
    await generateAndWait(page);
    const last = await full(page);
    const x0 = await x0Of(page, last.trajectory.frameCount - 1);
    let jump = 0;
    for (let i = 0; i < x0.length; i++) if (i % 32 !== 31) jump += Math.abs(x0[i + 1]! - x0[i]!);
    jump /= x0.length - 32;
    console.log(`classify x̂₀ at t = T: mean neighbour jump ${((jump * 255) / 2).toFixed(1)} / 255`);
    expect((jump * 255) / 2).toBeLessThan(30); // noise saturated to ±1 jumps ~ 128 / 255
    expect(await page.getByTestId('schedule-plot').getAttribute('data-direction')).toBe('forward'); // t = 0 .. T, as the chart
    await page.getByTestId('head-x0').check({ force: true });
    await waitCanvasFrame(page, { frame: last.trajectory.frameCount - 1, head: 'x0' });
    await shot(page, 'classify-x0');
  });

  it("inpainting with paste: the label chart is smoothed and says why it jumps; the same noise without paste shows the drift's part", { timeout: 240_000 }, async () => {
    await pickMode(page, 'inpaint');
    await page.getByRole('radiogroup', { name: 'Sampler' }).getByRole('radio', { name: 'DDIM' }).check({ force: true });
    await page.getByTestId('seed').fill('7');
    await page.getByTestId('seed').press('Enter');
    await setSteps(page, 50);
    const withPaste = await generateAndWait(page);
    const chart = page.getByTestId('label-chart');
    expect(await chart.getAttribute('data-smoothed')).toBe('1');
    const raw = Number(await chart.getAttribute('data-flips-raw'));
    const shown = Number(await chart.getAttribute('data-flips'));
    expect(await page.getByTestId('paste-note').textContent()).toMatch(new RegExp(`changes ${raw} times over the run; the chart shows a 5-frame running mean \\(${shown} changes\\)`));
    expect(shown).toBeLessThanOrEqual(raw);
    await page.getByTestId('paste-note').scrollIntoViewIfNeeded();
    await shot(page, 'inpaint-paste-note');
    await page.getByTestId('same-noise-no-paste').click();
    const driftOnly = await waitRunDone(page, withPaste);
    expect(await page.getByTestId(`history-${driftOnly}`).textContent()).toMatch(/from step 0: drift only \(no paste\)/);
    expect(await page.getByTestId('paste-note').count()).toBe(0);
    const alone = Number(await chart.getAttribute('data-flips-raw'));
    console.log(`inpainting label chart (test image 0, seed 7, DDIM 50): most likely class changes ${raw} times with paste (raw), ${shown} smoothed, ${alone} with the drift only`);
    await setSteps(page, 20);
  });

  it('newcomer hints: x̂₀ names its head, the drift view says why it is blank, Restart from noise, when the label settles', { timeout: 240_000 }, async () => {
    await pickMode(page, 'unconditional');
    await generateAndWait(page);
    await page.getByTestId('head-drift').check({ force: true });
    await page.getByTestId('drift-note').waitFor();
    expect(await page.getByTestId('drift-note').textContent()).toMatch(/No drift in unconditional generation/);
    await pickMode(page, 'joint');
    await generateAndWait(page);
    await scrubTo(page, 20);
    await waitCanvasFrame(page, { frame: 20, head: 'drift' });
    expect(await page.getByTestId('drift-note').textContent()).toMatch(/κ₀ = 0/);
    await shot(page, 'drift-note');
    // The frame with the largest drift: drawn, no note.
    const strongest = await page.evaluate(() => {
      const s = (window as unknown as { mtdPlayground: { getState(): { trajectory: { frameCount: number }; actions: { getFrame(i: number): { drift: Float32Array } | undefined } } } }).mtdPlayground.getState();
      let best = 0;
      let bestMax = 0;
      for (let i = 0; i < s.trajectory.frameCount; i++) {
        const m = s.actions.getFrame(i)!.drift.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
        if (m > bestMax) [best, bestMax] = [i, m];
      }
      return best;
    });
    await scrubTo(page, strongest);
    await waitCanvasFrame(page, { frame: strongest, head: 'drift' });
    expect(await page.getByTestId('drift-note').count()).toBe(0);
    expect(await page.getByTestId('x0-source').textContent()).toMatch(/← masked head/);
    await page.getByTestId('head-x0').check({ force: true });
    expect(await page.getByTestId('step-label').textContent()).toMatch(/^label head: .+ \d+%$/); // the label at each step, on x̂₀
    expect(await page.getByTestId('label-settled').textContent()).toMatch(/settles at frame \d+ of 20/);
    await setSteps(page, 250);
    await page.getByTestId('generate').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="generate"]')?.textContent === 'Restart from noise');
    await page.getByTestId('stop').click();
    await setSteps(page, 20);
  });

  it('a backend switch mid-run shows its phases, refreshes the warm-up figure, and the run continues from its last frame', { timeout: 400_000 }, async () => {
    await setSteps(page, 20);
    const s0 = await full(page);
    const target = s0.engine.report?.chosen === 'cpu' ? 'wasm' : 'cpu';
    await page.getByTestId('generate').click();
    await page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.frameCount >= 4, undefined, { timeout: 60_000 });
    const runId = (await full(page)).trajectory.runId;
    await page.getByTestId('backend-select').selectOption(target);
    await page.getByTestId('backend-apply').click();
    await page.getByTestId('switch-progress').waitFor({ timeout: 10_000 });
    const phaseText = await page.getByTestId('switch-progress').textContent();
    expect(phaseText).toMatch(new RegExp(`Switching to ${target}, phase [12] of 2`));
    await shot(page, 'switch-progress');
    await page.waitForFunction(
      (id) => {
        const t = (window as unknown as AppWindow).mtdPlayground.getState().trajectory;
        return t.runId === id && t.status !== 'running';
      },
      runId,
      { timeout: 360_000 },
    );
    const s = await full(page);
    expect(s.trajectory).toMatchObject({ runId, status: 'done', frameCount: 21 });
    expect(s.engine.report?.chosen).toBe(target);
    expect(s.engine.warmupMs).not.toBe(s0.engine.warmupMs);
    const notice = s.notices.map((n) => n.text).join('\n');
    expect(notice).toMatch(new RegExp(`Switched to ${target} at step (\\d+); the run continues from step \\1\\.`));
    console.log(`backend switch: ${s0.engine.report?.chosen} -> ${target}, warm-up ${s0.engine.warmupMs?.toFixed(0)} -> ${s.engine.warmupMs?.toFixed(0)} ms; ${notice.split('\n').at(-1)}`);
    expect(s.history.nodes.filter((n) => n.runId === runId)).toHaveLength(1);
    expect(problems.pageErrors).toEqual([]);
  });
});
