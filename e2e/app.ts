/**
 * Helpers shared by the browser tests: the app's read-only test handle, opening the playground, waits for
 * runs and canvases, reading canvas pixels, and screenshots.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, type BrowserSession, type PageProblems } from './harness.ts';

/**
 * Where the tests' screenshots go: e2e/.tmp/shots (ignored) unless SHOTS names another folder;
 * `SHOTS=docs/screenshots` regenerates the README's.
 */
export const SHOTS = process.env['SHOTS'] ?? 'e2e/.tmp/shots';

export interface AppFrame {
  readonly runId: string;
  readonly index: number;
  readonly t: number;
  readonly z: Float32Array;
  readonly x0Hat: Float32Array;
  readonly labelProbs: Float32Array;
}

/** The part of `window.mtdPlayground` the tests read (typed loosely: only the fields they use). */
export interface AppHook {
  getState(): {
    engine: {
      status: string;
      switching: boolean;
      error: { kind: string; message: string; detail?: string } | null;
      report: { chosen: string; attempts: { name: string; outcome: string; reason: string }[] } | null;
      memory: { numTensors: number; numBytes: number } | null;
      actions?: never;
    };
    config: { mode: string; steps: number; seed: number; sampler: string };
    trajectory: {
      runId: string | null;
      status: string;
      frameCount: number;
      error: { kind: string; message: string; step?: number } | null;
      run: { steps: number; seed: number; sampler: string } | null;
    };
    player: { frameIndex: number; playing: boolean };
    view: { head: string; sample: number; present: string | null };
    editor: { source: string; drawn: Float32Array; undoDepth: number };
    notices: { id: number; tone: string; text: string }[];
    compare: { enabled: boolean; status: string; frameCount: number; runId: string | null };
    history: { nodes: { runId: string; parentId: string | null; fromStep: number; status: string }[] };
    actions: {
      refreshMemory(): Promise<void>;
      setConfig(patch: Record<string, unknown>): void;
      generate(): Promise<void>;
      compareFrames(): { readonly length: number; at(i: number): AppFrame | undefined };
    };
  };
  getFrame(i: number): AppFrame | undefined;
}

/** `(window as unknown as AppWindow).mtdPlayground` inside page.evaluate (types are erased, so this is safe there). */
export interface AppWindow {
  readonly mtdPlayground: AppHook;
}

/** The trajectory part of the app's state, read now. */
export const hook = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory);

const runIdNow = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.runId);

/** Waits until the engine status reads ready. */
export async function waitReady(page: Page, timeout = 110_000): Promise<void> {
  await page.locator('[data-testid="engine-status"][data-status="ready"]').waitFor({ timeout });
}

/**
 * Launches a fresh browser and opens the playground at `path` (a path on the preview server, or an absolute
 * URL such as a copied share link) in a 1440x900 page, waiting for the engine unless `waitReady: false`.
 * Creates SHOTS for the screenshots. Close the session with `session.close()`.
 */
export async function openPlayground(
  path = '/',
  options: { waitReady?: boolean } = {},
): Promise<{ session: BrowserSession; page: Page; problems: PageProblems }> {
  mkdirSync(SHOTS, { recursive: true });
  const session = await launchBrowser();
  try {
    const { page, problems } = await session.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(session.url(path), { waitUntil: 'load' });
    if (options.waitReady ?? true) await waitReady(page);
    return { session, page, problems };
  } catch (e) {
    // The caller never sees this session, so its afterAll cannot close it.
    await session.close();
    throw e;
  }
}

/** Waits until the run on screen ends in `status` and is another run than `before` (a run id); returns its id. */
export async function waitRunDone(page: Page, before: string | null, status: 'done' | 'error' = 'done', timeout = 100_000): Promise<string> {
  await page.waitForFunction(
    ([prev, want]) => {
      const t = (window as unknown as AppWindow).mtdPlayground.getState().trajectory;
      return t.runId !== prev && t.status === want;
    },
    [before, status] as const,
    { timeout },
  );
  return (await runIdNow(page)) ?? '';
}

/** Clicks Generate and waits for that run (a new run id) to end in `status`; returns its id. */
export async function generateAndWait(page: Page, status: 'done' | 'error' = 'done', timeout = 100_000): Promise<string> {
  const before = await runIdNow(page);
  await page.getByTestId('generate').click();
  return waitRunDone(page, before, status, timeout);
}

/** Clicks the step preset button `steps`. */
export async function setSteps(page: Page, steps: number): Promise<void> {
  await page.getByRole('group', { name: 'Step presets' }).getByRole('button', { name: String(steps), exact: true }).click();
}

/** Types a seed into the seed field, as a user does (Enter commits it). */
export async function setSeed(page: Page, seed: number): Promise<void> {
  await page.getByTestId('seed').fill(String(seed));
  await page.getByTestId('seed').press('Enter');
}

/**
 * Moves the player to frame `index` with the scrubber, as a user does: pressing the scrubber pauses
 * playback, then the value is set. (A bare fill to the frame the playing loop is passing fires no change
 * event, and the loop would play on.) Wait for the canvas with waitCanvasFrame.
 */
export async function scrubTo(page: Page, index: number): Promise<void> {
  const scrubber = page.getByTestId('scrubber');
  await scrubber.dispatchEvent('pointerdown');
  await scrubber.fill(String(index));
}

/** Checks the radio of mode `mode`. */
export async function pickMode(page: Page, mode: string): Promise<void> {
  await page.getByTestId(`mode-${mode}`).check({ force: true });
}

/**
 * Waits until canvas `testId` shows frame `frame` (its data-frame-index) and, if given, head `head` (its
 * data-head). The canvas draws on the next animation frame after the state changes.
 */
export async function waitCanvasFrame(
  page: Page,
  { testId = 'frame-canvas', frame, head, timeout = 60_000 }: { testId?: string; frame: number; head?: string; timeout?: number },
): Promise<void> {
  await page.waitForFunction(
    ([id, f, h]) => {
      const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`);
      return c?.dataset['frameIndex'] === String(f) && (h === null || c.dataset['head'] === h);
    },
    [testId, frame, head ?? null] as const,
    { timeout },
  );
}

/**
 * The first `channels` bytes (3: RGB, 4: RGBA) at the centre of every model pixel of canvas `testId`, row by
 * row (batch 1: the canvas is 32x32 cells, 16 px each on the 512-px frame canvas).
 */
export async function modelPixels(page: Page, channels: 3 | 4, testId = 'frame-canvas'): Promise<number[]> {
  return page.evaluate(
    ([id, n]) => {
      const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`)!;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const cell = c.width / 32;
      const out: number[] = [];
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const i = ((y * cell + cell / 2) * c.width + (x * cell + cell / 2)) * 4;
          for (let k = 0; k < n; k++) out.push(data[i + k]!);
        }
      }
      return out;
    },
    [testId, channels] as const,
  );
}

/** Every RGBA byte of a canvas (the main one by default). */
export async function canvasBytes(page: Page, testId = 'frame-canvas'): Promise<number[]> {
  return page.evaluate((id) => {
    const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`)!;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, testId);
}

/** Waits two animation frames, so the canvases have drawn and the charts settled. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** A full-page screenshot to SHOTS/`name`.png, once the page has settled. */
export async function shot(page: Page, name: string): Promise<void> {
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** numTensors in the worker, read fresh. */
export async function numTensors(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const { actions } = (window as unknown as AppWindow).mtdPlayground.getState();
    await actions.refreshMemory();
    return (window as unknown as AppWindow).mtdPlayground.getState().engine.memory?.numTensors ?? -1;
  });
}

/** Every kept frame belongs to the current run and the indices are 0..n-1 (no stale or doubled frames). */
export async function framesConsistent(page: Page): Promise<{ ok: boolean; count: number; runId: string | null; bad: string[] }> {
  return page.evaluate(() => {
    const s = (window as unknown as AppWindow).mtdPlayground.getState();
    const bad: string[] = [];
    for (let i = 0; i < s.trajectory.frameCount; i++) {
      const f = (window as unknown as AppWindow).mtdPlayground.getFrame(i);
      if (!f) bad.push(`${i}: missing`);
      else if (f.runId !== s.trajectory.runId || f.index !== i) bad.push(`${i}: ${f.runId}#${f.index}`);
    }
    return { ok: bad.length === 0, count: s.trajectory.frameCount, runId: s.trajectory.runId, bad };
  });
}
