/**
 * The one rule by which the measured quality curve (quality.ts, public/weights/report.json `qualityVsNfe`) picks
 * the sampler a new page starts with: DEFAULT_SAMPLING (defaults.ts) is what this returns for the shipped curve,
 * and recommended-sampling.test.ts checks that, so new weights or a new measurement that changes the answer
 * fail the test until the default follows.
 *
 * Rule: of every measured point, the fewest model evaluations (NFE) whose Frechet distance is within
 * RECOMMEND_TOLERANCE of the best measured point's; among those, the lowest distance. A playground pays
 * for every evaluation in waiting time, and a point within the tolerance is not visibly worse.
 */
import type { SamplerName, SamplingSpacing } from '../core/samplers.ts';
import type { QualityCurve } from './quality.ts';

/** How much worse than the best measured Frechet distance a cheaper point may be (0.1: 10%). */
export const RECOMMEND_TOLERANCE = 0.1;
/**
 * The curve must have a point with at least this many evaluations before it recommends anything: the best
 * point is the reference, and a curve measured only at small budgets has no converged one.
 */
export const RECOMMEND_REFERENCE_NFE = 50;

export interface RecommendedSampling {
  readonly sampler: SamplerName;
  readonly spacing: SamplingSpacing;
  readonly eta: number;
  readonly steps: number;
  readonly evaluations: number;
  readonly frechetDistance: number;
  /** The best measured point's distance, for the README's sentence. */
  readonly bestFrechetDistance: number;
}

/** The recommended sampler, steps and spacing of a curve; null before it reaches RECOMMEND_REFERENCE_NFE. */
export function recommendedSampling(curve: QualityCurve, tolerance = RECOMMEND_TOLERANCE): RecommendedSampling | null {
  const points = curve.lines.flatMap((line) => line.points.map((p) => ({ line, p })));
  if (!points.some(({ p }) => p.evaluations >= RECOMMEND_REFERENCE_NFE)) return null;
  const best = Math.min(...points.map(({ p }) => p.frechetDistance));
  const good = points.filter(({ p }) => p.frechetDistance <= best * (1 + tolerance));
  good.sort((a, b) => a.p.evaluations - b.p.evaluations || a.p.frechetDistance - b.p.frechetDistance);
  const { line, p } = good[0]!;
  return { sampler: line.sampler, spacing: line.spacing, eta: line.eta, steps: p.steps, evaluations: p.evaluations, frechetDistance: p.frechetDistance, bestFrechetDistance: best };
}
