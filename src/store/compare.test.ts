import { describe, expect, it } from 'vitest';
import { shownCompareRun, shownFrames } from './compare.ts';
import type { AppState, RunSummary } from './state.ts';

type Shown = Pick<AppState, 'player' | 'trajectory' | 'compare'>;

/** A of 10 steps (11 frames, run-1) shown at frame `at`; B of 20 steps made from `base` with `bFrames` frames. */
function state(at: number, enabled: boolean, base: string, bFrames: number): Shown {
  const run = (steps: number) => ({ steps }) as RunSummary;
  return {
    player: { frameIndex: at },
    trajectory: { runId: 'run-1', run: run(10), frameCount: 11 },
    compare: { enabled, baseRunId: base, run: run(20), frameCount: bFrames },
  } as unknown as Shown;
}

describe('run B beside A', () => {
  it('is drawn only with compare on and made from the run shown, at the same fraction of the chain', () => {
    expect(shownCompareRun(state(5, true, 'run-1', 21))?.steps).toBe(20);
    expect(shownFrames(state(5, true, 'run-1', 21))).toEqual({ a: 5, b: 10 });
    // Compare switched off: B's frames are kept but not drawn (metrics, map, compare panel).
    expect(shownCompareRun(state(5, false, 'run-1', 21))).toBeNull();
    expect(shownFrames(state(5, false, 'run-1', 21))).toEqual({ a: 5, b: null });
    // B of another A (a branch is shown), or B not yet at that frame.
    expect(shownFrames(state(5, true, 'run-0', 21)).b).toBeNull();
    expect(shownFrames(state(5, true, 'run-1', 8)).b).toBeNull();
    // The player past the last frame shows the last one.
    expect(shownFrames(state(40, true, 'run-1', 21))).toEqual({ a: 10, b: 20 });
  });
});
