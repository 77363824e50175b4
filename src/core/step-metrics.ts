/**
 * Per-step metrics of a reverse trajectory, per sample, computed from what one frame holds (z_t, x^_0,
 * c^_t, the label head) and the previous frame's x^_0: no model call. One list (STEP_METRICS) for the
 * engine, the export and the panel. Every image-shaped quantity is an RMS over the d = S*S pixels
 * (||v|| / sqrt(d)), so a standard normal has 1 and the numbers do not depend on the image size.
 *
 *   x0Move      RMS(x^_0(k) - x^_0(k-1)): how far the prediction of the clean image moved in one step.
 *   epsNorm     RMS(eps^) with eps^ = (y_t - sqrt(aB_t) x^_0) / sqrt(1 - aB_t), y_t = z_t - c^_t (the eps
 *               consistent with the x^_0 that drove the step; ARCHITECTURE.md "x^_0 <-> eps"). The schedule
 *               expects eps ~ N(0, I): RMS 1.
 *   noiseLevel  the noise left in y_t once the best multiple of x^_0 is taken out: RMS(y_t - a x^_0) with
 *               a = <y_t, x^_0> / <x^_0, x^_0> (least squares). If y_t = sqrt(aB_t) x_0 + sqrt(1 - aB_t) eps
 *               with eps ~ N(0, I) (nearly orthogonal to x_0 in d = 1024 dimensions) and x^_0 = x_0, this
 *               is sqrt(1 - aB_t): the schedule's noise level, the expectation drawn beside it.
 *   entropy     of the label head, -sum p ln p in nats (ln 10 = 2.30 for 10 uniform classes).
 *   driftNorm   RMS(c^_t): the drift the conditions put into z_t.
 *   visibleError inpainting: RMS over the visible pixels (mask = 1) of the model's x^_0 minus the given image
 *               (before the visible pixels are pasted in for display); NaN in other modes.
 * Undefined values are NaN: x0Move on the first frame, epsNorm at t = 0 (aB_0 = 1).
 */
import { entropy } from './metrics.ts';

export const STEP_METRICS = ['x0Move', 'epsNorm', 'noiseLevel', 'entropy', 'driftNorm', 'visibleError'] as const;
export type StepMetricName = (typeof STEP_METRICS)[number];

/** One value per sample (length B) for every metric; NaN where undefined. */
export type StepMetrics = Readonly<Record<StepMetricName, readonly number[]>>;

export interface StepMetricsInput {
  readonly batch: number;
  /** S*S: values per sample in z, x0, drift. */
  readonly pixels: number;
  readonly alphaBar: number;
  readonly z: ArrayLike<number>;
  /** The x^_0 that drove the step (for inpainting: before the visible pixels are pasted in). */
  readonly x0: ArrayLike<number>;
  readonly drift: ArrayLike<number>;
  readonly labelProbs: ArrayLike<number>;
  readonly classes: number;
  /** The previous frame's x^_0 (same layout), or null on the first frame. */
  readonly prevX0: ArrayLike<number> | null;
  /** Inpainting: the given image and its mask (1 = visible), batch-sized like z. */
  readonly given?: { readonly image: ArrayLike<number>; readonly mask: ArrayLike<number> } | null;
}

/** The value of the schedule a metric is drawn against, or null when it has none. */
export function expectedMetric(name: StepMetricName, alphaBar: number): number | null {
  if (name === 'epsNorm') return alphaBar < 1 ? 1 : null;
  if (name === 'noiseLevel') return Math.sqrt(Math.max(0, 1 - alphaBar));
  return null;
}

function rms(sumSq: number, n: number): number {
  return n > 0 ? Math.sqrt(sumSq / n) : NaN;
}

export function stepMetrics(m: StepMetricsInput): StepMetrics {
  const { batch: B, pixels: d, alphaBar } = m;
  const out: Record<StepMetricName, number[]> = { x0Move: [], epsNorm: [], noiseLevel: [], entropy: [], driftNorm: [], visibleError: [] };
  const sqrtAB = Math.sqrt(alphaBar);
  const sqrt1mAB = Math.sqrt(Math.max(0, 1 - alphaBar));
  for (let b = 0; b < B; b++) {
    const o = b * d;
    let move = 0;
    let eps = 0;
    let yx = 0;
    let xx = 0;
    let yy = 0;
    let drift = 0;
    let vis = 0;
    let visN = 0;
    for (let i = 0; i < d; i++) {
      const c = m.drift[o + i]!;
      const y = m.z[o + i]! - c; // y_t = z_t - c^_t
      const x = m.x0[o + i]!;
      if (m.prevX0) {
        const dx = x - m.prevX0[o + i]!;
        move += dx * dx;
      }
      const e = y - sqrtAB * x; // sqrt(1 - aB_t) eps^
      eps += e * e;
      yx += y * x;
      xx += x * x;
      yy += y * y;
      drift += c * c;
      if (m.given && m.given.mask[o + i]! >= 0.5) {
        const v = x - m.given.image[o + i]!;
        vis += v * v;
        visN++;
      }
    }
    out.x0Move.push(m.prevX0 ? rms(move, d) : NaN);
    out.epsNorm.push(sqrt1mAB > 0 ? rms(eps, d) / sqrt1mAB : NaN);
    // ||y - a x||^2 = ||y||^2 - <y, x>^2 / ||x||^2 at the least-squares a.
    out.noiseLevel.push(rms(Math.max(0, xx > 0 ? yy - (yx * yx) / xx : yy), d));
    out.entropy.push(entropy(Array.prototype.slice.call(m.labelProbs, b * m.classes, (b + 1) * m.classes) as number[]));
    out.driftNorm.push(rms(drift, d));
    out.visibleError.push(m.given ? rms(vis, visN) : NaN);
  }
  return out;
}
