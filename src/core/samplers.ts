/**
 * The reverse process as Float64 scalar coefficients, the one place per language where a sampler is
 * written (k-diffusion style: scalars first, then a short element-wise update). Every sampler step
 * t -> tPrev < t on y_t = z_t - c^_t is
 *
 *   y_prev = x0 · x^_0 + y · y_t + eps · eps^ + sigma · xi,   xi ~ N(0, I),
 *
 * with (x0, y, eps, sigma) from `stepCoefficients`, x^_0 and eps^ the pair that drives the step (converted
 * into each other with `conversions`), and the drift re-added after the step: z_prev = y_prev + c^_prev
 * (MT-DIFFUSION.md: y_t = z_t - c_t is an ordinary DDPM chain, c_t = kappa_t E).
 * The engine applies these coefficients to tensors (src/engine/update.ts), `referenceStep` below to
 * arrays, and training/mtd/coefficients.py is the Python mirror; public/fixtures/coefficients.json
 * (written by training/mtd/coefficients.py) pins the two languages together.
 *
 * Adding a sampler: one case in `stepCoefficients` here and in coefficients.py, one name in SAMPLERS and
 * in the fixture's list. A first-order solver in the data/noise form (Euler, DPM-Solver++(1)) is a choice of
 * (x0, y, eps, sigma); a multistep one (DPM-Solver++(2M)) would add a coefficient on the previous x^_0.
 *
 * Strided sampling ("respacing", improved-diffusion `respace.py`): a step t -> tPrev < t treats
 * alphaBar_t / alphaBar_tPrev as that step's alpha, so a subsequence of the T timesteps is itself a
 * valid diffusion chain; with tPrev = t - 1 the step is exactly the paper's.
 */
import { assertTimestep, posteriorCoefficients, type Schedule } from './schedule.ts';

/** The samplers, one table (the engine protocol, the store, the URL and the UI read it). */
export const SAMPLERS = ['ddim', 'ddpm'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** One step t -> tPrev: y_prev = x0 x^_0 + y y_t + eps eps^ + sigma xi (Float64 scalars). */
export interface StepCoefficients {
  readonly x0: number;
  readonly y: number;
  readonly eps: number;
  /** Standard deviation of the fresh noise; 0 on the last step (tPrev = 0) and for DDIM(eta = 0). */
  readonly sigma: number;
}

function assertStepPair(schedule: Schedule, t: number, tPrev: number): void {
  assertTimestep(schedule, t, 't');
  if (!Number.isInteger(tPrev) || tPrev < 0 || tPrev >= t) {
    throw new RangeError(`tPrev must be an integer in 0..${t - 1}, got ${tPrev}`);
  }
}

/**
 * The coefficients of one reverse step t -> tPrev (aB = alphaBar, aP = aB_tPrev):
 * - 'ddpm', ancestral, "fixed small" variance (Ho et al. 2020, eq. 6-7; strided with the step's own alpha
 *   aB_t / aP): x0 = sqrt(aP) b / (1 - aB_t), y = sqrt(aB_t / aP) (1 - aP) / (1 - aB_t), eps = 0,
 *   sigma^2 = betaTilde = b (1 - aP) / (1 - aB_t), b = 1 - aB_t / aP; no noise when tPrev = 0. eta is unused.
 *   Without clipping and with tPrev = t - 1 this is MT-DIFFUSION.md's
 *   z_{t-1} = c^_{t-1} + (1/sqrt(alpha_t)) (z_t - c^_t - beta_t / sqrt(1 - aB_t) eps^) + sigma_t xi.
 * - 'ddim' (Song et al. 2021, eq. 12 and 16): x0 = sqrt(aP), y = 0, eps = sqrt(1 - aP - sigma^2),
 *   sigma = eta sqrt((1 - aP) / (1 - aB_t)) sqrt(1 - aB_t / aP) (0 at tPrev = 0, where aP = 1).
 *   eta = 0: deterministic DDIM; eta = 1: the DDPM step's variance.
 */
export function stepCoefficients(schedule: Schedule, sampler: SamplerName, eta: number, t: number, tPrev: number): StepCoefficients {
  assertStepPair(schedule, t, tPrev);
  const aT = schedule.alphaBar[t]!;
  const aP = schedule.alphaBar[tPrev]!;
  switch (sampler) {
    case 'ddpm': {
      const { coef1, coef2, variance } = posteriorCoefficients(aT, aP);
      return { x0: coef1, y: coef2, eps: 0, sigma: tPrev === 0 ? 0 : Math.sqrt(variance) };
    }
    case 'ddim': {
      if (!(eta >= 0)) throw new RangeError(`eta must be >= 0, got ${eta}`);
      const sigma = eta * Math.sqrt((1 - aP) / (1 - aT)) * Math.sqrt(1 - aT / aP);
      return { x0: Math.sqrt(aP), y: 0, eps: Math.sqrt(Math.max(0, 1 - aP - sigma * sigma)), sigma };
    }
    default:
      throw new RangeError(`unknown sampler ${String(sampler)}; valid: ${SAMPLERS.join(', ')}`);
  }
}

/**
 * The x^_0 <-> eps conversions at t on y_t (DDPM eq. 4, y_t = sqrt(aB_t) x_0 + sqrt(1 - aB_t) eps):
 *   x^_0 = x0FromY y_t + x0FromEps eps^        (x0FromY = 1/sqrt(aB_t), x0FromEps = -sqrt(1/aB_t - 1); DDPM eq. 4 solved for x_0)
 *   eps  = epsFromY y_t + epsFromX0 x^_0       (epsFromY = 1/sqrt(1 - aB_t), epsFromX0 = -sqrt(aB_t)/sqrt(1 - aB_t))
 * Two uses of the same scalars beside the plain conversion:
 *   - clipping x^_0 keeps the step consistent (diffusers' DDIMScheduler): eps' = eps^ + epsFromX0 (x0_clipped - x0_raw),
 *     which leaves unclipped pixels with eps^ exactly;
 *   - a change of eps moves x^_0 by x0FromEps (eps~ - eps^) (label-head guidance on an x^_0 from another head).
 */
export interface Conversions {
  readonly x0FromY: number;
  readonly x0FromEps: number;
  readonly epsFromY: number;
  readonly epsFromX0: number;
}

export function conversions(schedule: Schedule, t: number): Conversions {
  assertTimestep(schedule, t, 't');
  const s1m = schedule.sqrtOneMinusAlphaBar[t]!;
  return {
    x0FromY: schedule.sqrtRecipAlphaBar[t]!,
    x0FromEps: -schedule.sqrtRecipm1AlphaBar[t]!,
    epsFromY: 1 / s1m,
    epsFromX0: -schedule.sqrtAlphaBar[t]! / s1m,
  };
}

/**
 * Inpainting by replacement in y-space (RePaint-style): after the step, the visible pixels (mask M = 1) of
 * y_prev are resampled from q(y_prev | x) = N(sqrt(aB_prev) x, (1 - aB_prev) I):
 *   y_prev <- M (x x + noise xi) + (1 - M) y_prev,   x = sqrt(aB_prev), noise = sqrt(1 - aB_prev),
 * xi = pasteNoise(seed, tPrev); at tPrev = 0 it is exactly x (x = 1, noise = 0, no xi drawn).
 */
export interface PasteCoefficients {
  readonly x: number;
  readonly noise: number;
}

export function pasteCoefficients(schedule: Schedule, tPrev: number): PasteCoefficients {
  if (!Number.isInteger(tPrev) || tPrev < 0 || tPrev >= schedule.T) {
    throw new RangeError(`tPrev must be an integer in 0..${schedule.T - 1}, got ${tPrev}`);
  }
  return { x: schedule.sqrtAlphaBar[tPrev]!, noise: tPrev === 0 ? 0 : schedule.sqrtOneMinusAlphaBar[tPrev]! };
}

export interface StepArgs {
  readonly schedule: Schedule;
  readonly sampler: SamplerName;
  /** DDIM eta (ignored by DDPM). */
  readonly eta: number;
  /** z_t, the current latent (flattened, any length n). */
  readonly zt: ArrayLike<number>;
  /** eps^(z_t, t), the model's noise prediction (length n). */
  readonly epsHat: ArrayLike<number>;
  /** Current timestep, 1..T. */
  readonly t: number;
  /** Timestep this step lands on, 0..t-1 (0: the final step, to data). */
  readonly tPrev: number;
  /** c^_t = kappa_t E^ (length n); omitted or null: no drift. */
  readonly driftT?: ArrayLike<number> | null;
  /** c^_tPrev = kappa_tPrev E^ (length n); omitted or null: no drift. */
  readonly driftPrev?: ArrayLike<number> | null;
  /** xi ~ N(0, I) (length n); needed when the step's sigma > 0, ignored otherwise. */
  readonly noise?: ArrayLike<number> | null;
  /** Clip x^_0 to [-1, 1] (the data range) before using it. */
  readonly clipX0: boolean;
}

export interface StepResult {
  /** z_tPrev. */
  readonly prev: Float32Array;
  /** x^_0 used by the step (clipped when clipX0). */
  readonly x0Hat: Float32Array;
}

function assertLengths(n: number, arrays: Record<string, ArrayLike<number> | null | undefined>): void {
  for (const [name, a] of Object.entries(arrays)) {
    if (a && a.length !== n) throw new RangeError(`${name} has length ${a.length}, expected ${n} (the length of zt)`);
  }
}

function checkNoise(noise: ArrayLike<number> | null | undefined, n: number, sigma: number): ArrayLike<number> | null {
  if (sigma === 0) return null;
  if (!noise) throw new RangeError(`this step has sigma = ${sigma} > 0 and needs noise (length ${n})`);
  if (noise.length !== n) throw new RangeError(`noise has length ${noise.length}, expected ${n}`);
  return noise;
}

const clip = (x: number): number => (x < -1 ? -1 : x > 1 ? 1 : x);

/**
 * One reverse step on flat arrays, the reference the engine's tensor step is tested against (Float64 per
 * element, Float32 out): y_t = z_t - c^_t, x^_0 from eps^ (clipped, with the consistent eps, if clipX0),
 * then the step's coefficients, z_prev = y_prev + c^_prev.
 */
export function referenceStep(args: StepArgs): StepResult {
  const { schedule, zt, epsHat, t, tPrev, driftT, driftPrev, clipX0 } = args;
  const co = stepCoefficients(schedule, args.sampler, args.eta, t, tPrev);
  const cv = conversions(schedule, t);
  const n = zt.length;
  assertLengths(n, { epsHat, driftT, driftPrev });
  const noise = checkNoise(args.noise, n, co.sigma);

  const prev = new Float32Array(n);
  const x0Hat = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = zt[i]! - (driftT ? driftT[i]! : 0);
    let eps = epsHat[i]!;
    let x0 = cv.x0FromY * y + cv.x0FromEps * eps;
    if (clipX0 && (x0 < -1 || x0 > 1)) {
      const clipped = clip(x0);
      eps += cv.epsFromX0 * (clipped - x0);
      x0 = clipped;
    }
    x0Hat[i] = x0;
    const yPrev = co.x0 * x0 + co.y * y + co.eps * eps + (noise ? co.sigma * noise[i]! : 0);
    prev[i] = yPrev + (driftPrev ? driftPrev[i]! : 0);
  }
  return { prev, x0Hat };
}

/**
 * How a subsequence of `steps` timesteps is spread over 1..T.
 * - 'trailing' (default; diffusers' "trailing", Lin et al. 2024 "Common Diffusion Noise Schedules and Sample
 *   Steps are Flawed"): t_i = round(T (steps - i) / steps), i = 0..steps-1, so the first step is at t = T.
 *   Rounding is half-to-even, done exactly in integers, so it equals NumPy's / Python's round() of the exact
 *   quotient (diffusers' np.round(np.arange(T, 0, -T / steps)) except where float error in arange crosses a .5).
 *   T = 1000, 50 steps: 1000, 980, ..., 20; 16 steps: 1000, 938, 875, 812, ...
 * - 'leading' (DDIM paper, diffusers' "leading" with steps_offset = 1): t_i = (steps - 1 - i) floor(T / steps) + 1.
 *   T = 1000, 50 steps: 981, 961, ..., 1.
 */
export type TimestepSpacing = 'trailing' | 'leading';

/** Descending timesteps in 1..T at which the model is evaluated; after the last one the sampler lands on 0. */
export function timestepSubsequence(T: number, steps: number, kind: TimestepSpacing = 'trailing'): number[] {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`T must be an integer >= 1, got ${T}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new RangeError(`steps must be an integer in 1..${T}, got ${steps}`);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    out.push(kind === 'trailing' ? roundHalfEven(T * (steps - i), steps) : (steps - 1 - i) * Math.floor(T / steps) + 1);
  }
  return out;
}

/** round(num / den) with ties to even, exactly, for non-negative integers (den > 0). */
function roundHalfEven(num: number, den: number): number {
  const q = Math.floor(num / den);
  const twiceRem = 2 * (num - q * den);
  if (twiceRem > den) return q + 1;
  if (twiceRem < den) return q;
  return q % 2 === 0 ? q : q + 1;
}

/** The (t, tPrev) pairs of a sampling run: tPrev is the next entry of the subsequence, 0 after the last. */
export function stepPairs(T: number, steps: number, kind: TimestepSpacing = 'trailing'): { t: number; tPrev: number }[] {
  const ts = timestepSubsequence(T, steps, kind);
  return ts.map((t, i) => ({ t, tPrev: ts[i + 1] ?? 0 }));
}
