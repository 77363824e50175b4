/** Helpers shared by the fault, input, interaction and offline tests: the app's read-only test handle and waits. */
import type { Page } from 'playwright-core';

export interface AppFrame {
  readonly runId: string;
  readonly index: number;
  readonly z: Float32Array;
}

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
    trajectory: { runId: string | null; status: string; frameCount: number; error: { kind: string; message: string; step?: number } | null };
    player: { frameIndex: number; playing: boolean };
    editor: { source: string; drawn: Float32Array; undoDepth: number };
    notices: { id: number; tone: string; text: string }[];
    compare: { enabled: boolean; status: string; frameCount: number; runId: string | null };
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

export async function waitReady(page: Page, timeout = 110_000): Promise<void> {
  await page.locator('[data-testid="engine-status"][data-status="ready"]').waitFor({ timeout });
}

/** Clicks Generate and waits for that run (a new run id) to end in `status`. */
export async function generateAndWait(page: Page, status: 'done' | 'error' = 'done', timeout = 100_000): Promise<string> {
  const before = await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.runId);
  await page.getByTestId('generate').click();
  await page.waitForFunction(
    ([prev, want]) => {
      const t = (window as unknown as AppWindow).mtdPlayground.getState().trajectory;
      return t.runId !== prev && t.status === want;
    },
    [before, status] as const,
    { timeout },
  );
  return (await page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.runId)) ?? '';
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
