/**
 * Compare: a second run B from the same starting noise as the current run A (same seed, so the same
 * z_T), with other sampler, eta, label-head guidance, drift guidance or step count (A/B at two guidance
 * scales); one scrubber drives both. Pure helpers here; the slice and CompareKnobs live in state.ts, the
 * actions in compare-actions.ts.
 */
import { entropy } from '../core/metrics.ts';
import type { Frame } from '../engine/protocol.ts';
import { classesOf } from './frame-buffer.ts';
import type { AppState, CompareKnobs, RunSummary } from './state.ts';

export const DEFAULT_COMPARE_KNOBS: CompareKnobs = { sampler: 'ddpm', eta: 0, labelGuidance: 0, driftGuidance: 0, steps: 50 };

/**
 * The frame of B shown with frame `i` of A: the same fraction of the way through the chain
 * (identity when both have the same step count; frame 0 is z_T and the last frame z_0 in both).
 */
export function compareIndex(i: number, stepsA: number, stepsB: number): number {
  if (stepsA <= 0) return 0;
  return Math.min(stepsB, Math.max(0, Math.round((i * stepsB) / stepsA)));
}

type Shown = Pick<AppState, 'player' | 'trajectory' | 'compare'>;

/** Run B as drawn beside A (compare panel, metrics, map): compare on and B made from the run shown; else null. */
export function shownCompareRun(s: Shown): RunSummary | null {
  return s.compare.enabled && s.trajectory.run && s.compare.baseRunId === s.trajectory.runId ? s.compare.run : null;
}

/** The frame of A shown, and B's at the same fraction of the chain (null: no B drawn, or B not there yet). */
export function shownFrames(s: Shown): { a: number; b: number | null } {
  const a = Math.min(s.player.frameIndex, Math.max(0, s.trajectory.frameCount - 1));
  const bRun = shownCompareRun(s);
  if (!bRun || !s.trajectory.run) return { a, b: null };
  const b = compareIndex(a, s.trajectory.run.steps, bRun.steps);
  return { a, b: b < s.compare.frameCount ? b : null };
}

export interface FrameDiff {
  /** Mean |x0Hat_A - x0Hat_B| over the sample's pixels (model space, [-1, 1]: at most 2). */
  readonly x0MeanAbs: number;
  /** Root mean square of z_A - z_B. */
  readonly zRms: number;
  /** Largest |z_A - z_B|. */
  readonly zMaxAbs: number;
  /** Total-variation distance of the two label distributions, in [0, 1]. */
  readonly labelTv: number;
  readonly argmaxA: number;
  readonly argmaxB: number;
  readonly entropyA: number;
  readonly entropyB: number;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
  return best;
}

/** Per-step difference of one sample of two frames (same batch geometry). */
export function frameDiff(a: Frame, b: Frame, sample: number, side = 32): FrameDiff {
  const n = side * side;
  const o = sample * n;
  let absX = 0;
  let sq = 0;
  let maxZ = 0;
  for (let i = 0; i < n; i++) {
    absX += Math.abs(a.x0Hat[o + i]! - b.x0Hat[o + i]!);
    const d = a.z[o + i]! - b.z[o + i]!;
    sq += d * d;
    maxZ = Math.max(maxZ, Math.abs(d));
  }
  const k = classesOf(a);
  const pa = a.labelProbs.subarray(sample * k, (sample + 1) * k);
  const pb = b.labelProbs.subarray(sample * k, (sample + 1) * k);
  let tv = 0;
  for (let c = 0; c < k; c++) tv += Math.abs(pa[c]! - pb[c]!);
  return {
    x0MeanAbs: absX / n,
    zRms: Math.sqrt(sq / n),
    zMaxAbs: maxZ,
    labelTv: tv / 2,
    argmaxA: argmax(pa),
    argmaxB: argmax(pb),
    entropyA: entropy(pa),
    entropyB: entropy(pb),
  };
}
