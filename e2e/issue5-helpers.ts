/** Shared steps of the issue-5 browser tests (teaching views, compare, branch, share, export). */
import type { Page } from 'playwright-core';

export const SHOTS = 'docs/screenshots';

export interface Hook5 {
  getState(): {
    engine: { status: string };
    trajectory: { runId: string | null; frameCount: number; status: string; run: { steps: number; seed: number; sampler: string } | null };
    player: { frameIndex: number; playing: boolean };
    compare: { status: string; frameCount: number; runId: string | null };
    history: { nodes: { runId: string; parentId: string | null; fromStep: number; status: string }[] };
  };
  getFrame(i: number): { z: Float32Array; x0Hat: Float32Array; labelProbs: Float32Array; t: number; index: number; runId: string } | undefined;
}

export const hook = (page: Page) => page.evaluate(() => (window as unknown as { mtdPlayground: Hook5 }).mtdPlayground.getState().trajectory);

export async function waitReady(page: Page): Promise<void> {
  await page.locator('[data-testid="engine-status"][data-status="ready"]').waitFor({ timeout: 110_000 });
}

/** Waits until the run on screen is `done` and differs from `before`. */
export async function waitRunDone(page: Page, before: string | null): Promise<string> {
  await page.waitForFunction(
    (prev) => {
      const t = (window as unknown as { mtdPlayground: Hook5 }).mtdPlayground.getState().trajectory;
      return t.runId !== prev && t.status === 'done';
    },
    before,
    { timeout: 100_000 },
  );
  return (await hook(page)).runId ?? '';
}

export async function generate(page: Page): Promise<string> {
  const before = (await hook(page)).runId;
  await page.getByTestId('generate').click();
  return waitRunDone(page, before);
}

export async function setSteps(page: Page, steps: number): Promise<void> {
  await page.getByRole('group', { name: 'Step presets' }).getByRole('button', { name: String(steps), exact: true }).click();
}

export async function pickMode(page: Page, mode: string): Promise<void> {
  await page.getByTestId(`mode-${mode}`).check({ force: true });
}

/** Waits until the main canvas shows frame `frame`. */
export async function waitCanvas(page: Page, frame: number): Promise<void> {
  await page.waitForFunction(
    (f) => document.querySelector<HTMLCanvasElement>('[data-testid="frame-canvas"]')?.dataset['frameIndex'] === String(f),
    frame,
    { timeout: 60_000 },
  );
}

/** Every RGBA byte of the main canvas. */
export async function canvasBytes(page: Page, testId = 'frame-canvas'): Promise<number[]> {
  return page.evaluate((id) => {
    const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`)!;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, testId);
}

export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

export async function shot(page: Page, name: string): Promise<void> {
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}
