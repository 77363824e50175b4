/**
 * Interaction under stress and a long session, on wasm with short runs: rapid clicks, mode and seed
 * changes while running and playing never leave frames of an old run, never double the playback loop,
 * never leak tensors; closing the compare view mid-run stops run B for good; 50 consecutive runs keep the
 * worker's tensors and the page's heap flat.
 */
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { framesConsistent, generateAndWait, numTensors, waitReady, type AppWindow } from './app.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';

let session: BrowserSession;
let page: Page;
beforeAll(async () => {
  session = await launchBrowser();
  ({ page } = await session.newPage());
  await page.goto(session.url('/#mode=joint&sampler=ddim&steps=8&seed=1&batch=1'));
  await waitReady(page);
});
afterAll(async () => {
  await session?.close();
});

const state = () => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState());
const idle = () =>
  page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.status !== 'running', undefined, { timeout: 60_000 });

/** A seeded LCG: the same 100 interactions every time. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('interaction', () => {
  it('100 random interactions: no stale frames, no doubled loop, numTensors stable', { timeout: 300_000 }, async () => {
    await generateAndWait(page);
    const baseline = await numTensors(page);
    const rand = lcg(8);
    const modes = ['joint', 'conditional', 'unconditional', 'joint'];
    const actions: (() => Promise<unknown>)[] = [
      () => page.getByTestId('generate').click(),
      () => page.getByTestId('generate').click({ clickCount: 3, delay: 5 }), // rapid clicking
      () => page.getByTestId(`mode-${modes[Math.floor(rand() * modes.length)]!}`).check({ force: true }),
      () => page.getByRole('button', { name: 'New random seed' }).click(),
      () => page.getByTestId('play').click(),
      () => page.keyboard.press('ArrowRight'),
      () => page.keyboard.press('Home'),
      () => page.waitForTimeout(60),
    ];
    const log: string[] = [];
    for (let i = 0; i < 100; i++) {
      const k = Math.floor(rand() * actions.length);
      log.push(String(k));
      await actions[k]!();
      if (i % 10 === 9) {
        const c = await framesConsistent(page);
        expect(c.bad, `after ${log.join(',')}`).toEqual([]);
      }
    }
    await idle();
    // A last clean run: exactly its frames, in order, and the tensors back at the baseline.
    await page.getByTestId('mode-joint').check({ force: true });
    await generateAndWait(page);
    const c = await framesConsistent(page);
    expect(c.bad).toEqual([]);
    expect(c.count).toBe(9);
    expect(await numTensors(page)).toBe(baseline);

    // One playback loop: at 2 fps, ~4 frames in 2 s (a doubled loop would make ~8).
    await page.evaluate(() => {
      const { actions: a } = (window as unknown as AppWindow).mtdPlayground.getState() as unknown as {
        actions: { setFps(n: number): void; seek(i: number): void; play(): void };
      };
      a.setFps(2);
      a.seek(0);
      a.play();
    });
    await page.waitForTimeout(2200);
    const advanced = (await state()).player.frameIndex;
    expect(advanced).toBeGreaterThanOrEqual(1);
    expect(advanced).toBeLessThanOrEqual(5);
  });
});

describe('closing the compare view during a run', () => {
  const compare = () => page.evaluate(() => {
    const s = (window as unknown as AppWindow).mtdPlayground.getState();
    const buffer = s.actions.compareFrames();
    const ids = new Set<string>();
    for (let i = 0; i < buffer.length; i++) ids.add(`${buffer.at(i)?.runId}#${buffer.at(i)?.index === i ? 'ok' : 'out of order'}`);
    return { ...s.compare, buffered: buffer.length, ids: [...ids] };
  });

  it('while B runs: B stops for good (no late frames), A is kept, the next Generate runs A alone, no tensors leak', { timeout: 300_000 }, async () => {
    await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ mode: 'joint', steps: 8 }));
    await generateAndWait(page);
    const baseline = await numTensors(page);
    await page.getByTestId('compare-toggle').check();
    await page.getByTestId('compare-sampler').selectOption('ddpm');
    await page.getByTestId('compare-steps').selectOption('1000'); // B is long: seconds on wasm
    const runA = await generateAndWait(page);
    await page.waitForFunction(() => {
      const c = (window as unknown as AppWindow).mtdPlayground.getState().compare;
      return c.status === 'running' && c.frameCount >= 3;
    }, undefined, { timeout: 60_000 });
    await page.getByTestId('compare-toggle').uncheck();
    const closed = await compare();
    expect(closed).toMatchObject({ enabled: false, status: 'cancelled' });
    expect(await page.getByTestId('compare-canvas-B').count()).toBe(0);
    // The worker may be mid-step when the cancel lands: at most that frame, then nothing more.
    await page.waitForTimeout(1500);
    const later = await compare();
    expect(later.status).toBe('cancelled');
    expect(later.buffered).toBeLessThanOrEqual(closed.buffered + 1);
    expect(later.frameCount).toBe(closed.frameCount);
    expect(later.ids).toEqual([`${closed.runId}#ok`]);
    // A is untouched.
    const a = await framesConsistent(page);
    expect(a).toMatchObject({ ok: true, count: 9, runId: runA });
    expect((await state()).trajectory.status).toBe('done');
    // The engine is free at once: the next Generate runs A only (compare is off) and B never starts again.
    await generateAndWait(page, 'done', 60_000);
    expect((await framesConsistent(page)).ok).toBe(true);
    const after = await compare();
    expect(after).toMatchObject({ status: 'empty', buffered: 0 });
    expect(await numTensors(page)).toBe(baseline);
  });

  it('while A runs: B never starts', { timeout: 120_000 }, async () => {
    await page.getByTestId('compare-toggle').check();
    await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ steps: 50 }));
    const before = (await state()).trajectory.runId;
    await page.getByTestId('generate').click();
    await page.waitForFunction((prev) => {
      const t = (window as unknown as AppWindow).mtdPlayground.getState().trajectory;
      return t.runId !== prev && t.status === 'running';
    }, before, { timeout: 60_000 });
    await page.getByTestId('compare-toggle').uncheck();
    await idle();
    await page.waitForTimeout(500);
    const s = await compare();
    expect(s).toMatchObject({ enabled: false, status: 'empty', buffered: 0 });
    expect((await framesConsistent(page)).ok).toBe(true);
  });
});

describe('a long session', () => {
  it('50 consecutive runs: tensors, bytes and the page heap stay flat', { timeout: 400_000 }, async () => {
    const cdp: CDPSession = await session.context.newCDPSession(page);
    await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.setConfig({ mode: 'joint', steps: 3, batch: 1 }));
    const run = () => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().actions.generate());
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    };
    const memory = async () => {
      await numTensors(page);
      return (await state()).engine.memory!;
    };
    for (let i = 0; i < 5; i++) await run();
    const m0 = await memory();
    const h0 = await heap();
    for (let i = 5; i < 50; i++) {
      await run();
      const s = await state();
      expect(s.trajectory.status).toBe('done');
      expect(s.trajectory.frameCount).toBe(4);
    }
    const m1 = await memory();
    const h1 = await heap();
    expect(m1.numTensors).toBe(m0.numTensors);
    expect(m1.numBytes).toBe(m0.numBytes);
    expect(h1 - h0, `page heap ${h0} -> ${h1} bytes`).toBeLessThan(8 * 1024 * 1024);
    await cdp.detach();
  });
});
