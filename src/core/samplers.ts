/**
 * Reverse-process steps as pure functions over flat arrays (no tfjs): a step takes z_t and the model's
 * eps-prediction and returns z_prev and the x_0 estimate, like diffusers' `scheduler.step`.
 *
 * MT-Diffusion (MT-DIFFUSION.md): with the drift c_t = kappa_t E, y_t = z_t - c_t is an ordinary DDPM
 * chain. Every step therefore works on y: it subtracts the estimated drift c^_t at the start and adds
 * c^_prev at the end. Arithmetic is Float64 per element; outputs are Float32Array.
 *
 * Strided sampling ("respacing", improved-diffusion `respace.py`): a step t -> tPrev < t treats
 * alphaBar_t / alphaBar_tPrev as that step's alpha, so a subsequence of the T timesteps is itself a
 * valid diffusion chain; with tPrev = t - 1 the step is exactly the paper's.
 */
import { assertTimestep, posteriorCoefficients, type Schedule } from './schedule.ts';

export interface StepArgs {
  readonly schedule: Schedule;
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

export interface DdimStepArgs extends StepArgs {
  /** DDIM eta: 0 = deterministic DDIM, 1 = DDPM-like stochasticity (DDIM paper eq. 16). */
  readonly eta: number;
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

function checkStep(args: StepArgs): number {
  const { schedule, zt, epsHat, t, tPrev, driftT, driftPrev } = args;
  assertTimestep(schedule, t, 't');
  if (!Number.isInteger(tPrev) || tPrev < 0 || tPrev >= t) {
    throw new RangeError(`tPrev must be an integer in 0..${t - 1}, got ${tPrev}`);
  }
  assertLengths(zt.length, { epsHat, driftT, driftPrev });
  return zt.length;
}

function checkNoise(noise: ArrayLike<number> | null | undefined, n: number, sigma: number): ArrayLike<number> | null {
  if (sigma === 0) return null;
  if (!noise) throw new RangeError(`this step has sigma = ${sigma} > 0 and needs noise (length ${n})`);
  if (noise.length !== n) throw new RangeError(`noise has length ${noise.length}, expected ${n}`);
  return noise;
}

const clip = (x: number): number => (x < -1 ? -1 : x > 1 ? 1 : x);

/**
 * One ancestral DDPM step t -> tPrev (Ho et al. 2020, eq. 6-7 and Algorithm 2; "fixed small" variance):
 *   y_t = z_t - c^_t,   x^_0 = (y_t - sqrt(1 - aB_t) eps^) / sqrt(aB_t)   [clipped to [-1, 1] if clipX0],
 *   y_prev = coef1 x^_0 + coef2 y_t + sigma xi,   sigma^2 = betaTilde = (1 - aB_prev)/(1 - aB_t) (1 - aB_t/aB_prev),
 *   z_prev = y_prev + c^_prev,   no noise when tPrev = 0.
 * Without clipping and with tPrev = t - 1 this is MT-DIFFUSION.md's
 *   z_{t-1} = c^_{t-1} + (1/sqrt(alpha_t)) (z_t - c^_t - beta_t / sqrt(1 - aB_t) eps^) + sigma_t xi.
 */
export function ddpmStep(args: StepArgs): StepResult {
  const n = checkStep(args);
  const { schedule, zt, epsHat, t, tPrev, driftT, driftPrev, clipX0 } = args;
  const { coef1, coef2, variance } = posteriorCoefficients(schedule.alphaBar[t]!, schedule.alphaBar[tPrev]!);
  const sigma = tPrev === 0 ? 0 : Math.sqrt(variance);
  const noise = checkNoise(args.noise, n, sigma);
  const recip = schedule.sqrtRecipAlphaBar[t]!; // 1 / sqrt(aB_t)
  const recipm1 = schedule.sqrtRecipm1AlphaBar[t]!; // sqrt(1 / aB_t - 1) = sqrt(1 - aB_t) / sqrt(aB_t)

  const prev = new Float32Array(n);
  const x0Hat = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = zt[i]! - (driftT ? driftT[i]! : 0);
    let x0 = recip * y - recipm1 * epsHat[i]!;
    if (clipX0) x0 = clip(x0);
    x0Hat[i] = x0;
    const mean = coef1 * x0 + coef2 * y;
    prev[i] = mean + (noise ? sigma * noise[i]! : 0) + (driftPrev ? driftPrev[i]! : 0);
  }
  return { prev, x0Hat };
}

/**
 * sigma of a DDIM step t -> tPrev (Song et al. 2021, eq. 16):
 *   sigma = eta sqrt((1 - aB_prev) / (1 - aB_t)) sqrt(1 - aB_t / aB_prev).
 */
export function ddimSigma(schedule: Schedule, t: number, tPrev: number, eta: number): number {
  const aT = schedule.alphaBar[t]!;
  const aP = schedule.alphaBar[tPrev]!;
  return eta * Math.sqrt((1 - aP) / (1 - aT)) * Math.sqrt(1 - aT / aP);
}

/**
 * One DDIM step t -> tPrev on y_t = z_t - c^_t (Song et al. 2021, eq. 12):
 *   y_prev = sqrt(aB_prev) x^_0 + sqrt(1 - aB_prev - sigma^2) eps^ + sigma xi,   z_prev = y_prev + c^_prev.
 * With clipX0, x^_0 is clipped and eps^ is recomputed from it, eps^ = (y_t - sqrt(aB_t) x^_0) / sqrt(1 - aB_t),
 * as diffusers' DDIMScheduler does, so that the step stays consistent with the clipped x^_0.
 */
export function ddimStep(args: DdimStepArgs): StepResult {
  const n = checkStep(args);
  const { schedule, zt, epsHat, t, tPrev, driftT, driftPrev, clipX0, eta } = args;
  if (!(eta >= 0)) throw new RangeError(`eta must be >= 0, got ${eta}`);
  const sigma = ddimSigma(schedule, t, tPrev, eta);
  const noise = checkNoise(args.noise, n, sigma);
  const aP = schedule.alphaBar[tPrev]!;
  const sqrtAT = schedule.sqrtAlphaBar[t]!;
  const sqrt1mAT = schedule.sqrtOneMinusAlphaBar[t]!;
  const recip = schedule.sqrtRecipAlphaBar[t]!;
  const recipm1 = schedule.sqrtRecipm1AlphaBar[t]!;
  const sqrtAP = Math.sqrt(aP);
  const dirCoef = Math.sqrt(Math.max(0, 1 - aP - sigma * sigma)); // "direction pointing to x_t"

  const prev = new Float32Array(n);
  const x0Hat = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = zt[i]! - (driftT ? driftT[i]! : 0);
    let eps = epsHat[i]!;
    let x0 = recip * y - recipm1 * eps;
    if (clipX0 && (x0 < -1 || x0 > 1)) {
      x0 = clip(x0);
      eps = (y - sqrtAT * x0) / sqrt1mAT;
    }
    x0Hat[i] = x0;
    prev[i] = sqrtAP * x0 + dirCoef * eps + (noise ? sigma * noise[i]! : 0) + (driftPrev ? driftPrev[i]! : 0);
  }
  return { prev, x0Hat };
}

export interface DdimInvertArgs {
  readonly schedule: Schedule;
  /** z_t at the current (lower) timestep. */
  readonly zt: ArrayLike<number>;
  /** eps^(z_t, t). */
  readonly epsHat: ArrayLike<number>;
  /** Current timestep, 1..T-1. */
  readonly t: number;
  /** Timestep to move up to, t+1..T. */
  readonly tNext: number;
  readonly driftT?: ArrayLike<number> | null;
  readonly driftNext?: ArrayLike<number> | null;
  readonly clipX0: boolean;
}

export interface InvertResult {
  /** z_tNext. */
  readonly next: Float32Array;
  readonly x0Hat: Float32Array;
}

/**
 * Deterministic DDIM inversion t -> tNext > t (eta = 0 run upwards, eq. 12 with the roles of t and tPrev
 * swapped): y_next = sqrt(aB_next) x^_0 + sqrt(1 - aB_next) eps^, where eps^ is predicted at (z_t, t).
 * Undoes ddimStep(eta = 0) exactly when eps^ is the same at both ends (e.g. an exact model of a point mass).
 */
export function ddimInvertStep(args: DdimInvertArgs): InvertResult {
  const { schedule, zt, epsHat, t, tNext, driftT, driftNext, clipX0 } = args;
  assertTimestep(schedule, t, 't');
  if (!Number.isInteger(tNext) || tNext <= t || tNext > schedule.T) {
    throw new RangeError(`tNext must be an integer in ${t + 1}..${schedule.T}, got ${tNext}`);
  }
  const n = zt.length;
  assertLengths(n, { epsHat, driftT, driftNext });
  const sqrtAT = schedule.sqrtAlphaBar[t]!;
  const sqrt1mAT = schedule.sqrtOneMinusAlphaBar[t]!;
  const recip = schedule.sqrtRecipAlphaBar[t]!;
  const recipm1 = schedule.sqrtRecipm1AlphaBar[t]!;
  const sqrtAN = schedule.sqrtAlphaBar[tNext]!;
  const sqrt1mAN = schedule.sqrtOneMinusAlphaBar[tNext]!;

  const next = new Float32Array(n);
  const x0Hat = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const y = zt[i]! - (driftT ? driftT[i]! : 0);
    let eps = epsHat[i]!;
    let x0 = recip * y - recipm1 * eps;
    if (clipX0 && (x0 < -1 || x0 > 1)) {
      x0 = clip(x0);
      eps = (y - sqrtAT * x0) / sqrt1mAT;
    }
    x0Hat[i] = x0;
    next[i] = sqrtAN * x0 + sqrt1mAN * eps + (driftNext ? driftNext[i]! : 0);
  }
  return { next, x0Hat };
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
