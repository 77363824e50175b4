/**
 * Noise schedules, precomputed once in Float64 (Ho et al. 2020, "DDPM"; Nichol & Dhariwal 2021,
 * "Improved DDPM"; table names follow improved-diffusion's `gaussian_diffusion.py`).
 *
 * Index convention (a contract shared with training/, do not change it on one side only):
 *   - timesteps t = 0..T; t = 0 is the data; every table has length T + 1;
 *   - beta[0] = 0, alpha[t] = 1 - beta[t], alphaBar[0] = 1, alphaBar[t] = prod_{s=1..t} alpha[s];
 *   - the model is evaluated at integer t in 1..T.
 *
 * Entries at t = 0 that have no meaning of their own hold the limit or a harmless placeholder;
 * each table's comment says which.
 */

export type ScheduleConfig =
  | {
      readonly type: 'linear';
      readonly T: number;
      /** beta_1 (e.g. 1e-4). */
      readonly betaStart: number;
      /** beta_T (e.g. 0.02). */
      readonly betaEnd: number;
    }
  | {
      readonly type: 'cosine';
      readonly T: number;
      /** Offset s of f(t) (default 0.008). */
      readonly s?: number;
      /** Upper clip of beta_t (default 0.999). */
      readonly maxBeta?: number;
    };

export interface Schedule {
  readonly config: ScheduleConfig;
  readonly T: number;
  /** beta_t; beta[0] = 0. */
  readonly beta: Float64Array;
  /** alpha_t = 1 - beta_t; alpha[0] = 1. */
  readonly alpha: Float64Array;
  /** alphaBar_t = prod_{s<=t} alpha_s; alphaBar[0] = 1. */
  readonly alphaBar: Float64Array;
  /** sqrt(alphaBar_t); [0] = 1. */
  readonly sqrtAlphaBar: Float64Array;
  /** sqrt(1 - alphaBar_t); [0] = 0. */
  readonly sqrtOneMinusAlphaBar: Float64Array;
  /** sqrt(1 / alphaBar_t): x0 = sqrtRecipAlphaBar * y - sqrtRecipm1AlphaBar * eps. */
  readonly sqrtRecipAlphaBar: Float64Array;
  /** sqrt(1 / alphaBar_t - 1); [0] = 0. */
  readonly sqrtRecipm1AlphaBar: Float64Array;
  /**
   * Posterior variance of q(y_{t-1} | y_t, y_0): betaTilde_t = beta_t (1 - alphaBar_{t-1}) / (1 - alphaBar_t)
   * (DDPM eq. 7). [1] = 0 exactly (alphaBar_0 = 1); [0] = 0.
   */
  readonly posteriorVariance: Float64Array;
  /**
   * log(betaTilde_t) with the t = 1 entry replaced by t = 2's, since log(0) = -inf (improved-diffusion's
   * `posterior_log_variance_clipped`); [0] = [1]. Equals log(beta_1) when T = 1.
   */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** Posterior mean coefficient of y_0: beta_t sqrt(alphaBar_{t-1}) / (1 - alphaBar_t) (DDPM eq. 7); [0] = 1. */
  readonly posteriorMeanCoef1: Float64Array;
  /** Posterior mean coefficient of y_t: sqrt(alpha_t) (1 - alphaBar_{t-1}) / (1 - alphaBar_t); [0] = 0. */
  readonly posteriorMeanCoef2: Float64Array;
  /** Signal-to-noise ratio alphaBar_t / (1 - alphaBar_t) (Kingma et al. 2021); [0] = Infinity. */
  readonly snr: Float64Array;
}

/** Coefficients of the Gaussian posterior q(y_prev | y_t, y_0) of a step from t to prev < t. */
export interface PosteriorCoefficients {
  /** Coefficient of y_0 in the mean. */
  readonly coef1: number;
  /** Coefficient of y_t in the mean. */
  readonly coef2: number;
  /** Posterior variance. */
  readonly variance: number;
}

/**
 * The posterior of a (possibly strided) step t -> prev, given only alphaBar_t and alphaBar_prev:
 * the step's own alpha is alphaBar_t / alphaBar_prev (improved-diffusion's respacing). DDPM eq. 6-7:
 *   mean = [sqrt(aBp) b / (1 - aBt)] y_0 + [sqrt(a) (1 - aBp) / (1 - aBt)] y_t,   var = b (1 - aBp) / (1 - aBt),
 * with a = aBt / aBp and b = 1 - a. Requires aBt < 1.
 */
export function posteriorCoefficients(alphaBarT: number, alphaBarPrev: number): PosteriorCoefficients {
  const alphaStep = alphaBarT / alphaBarPrev;
  const betaStep = 1 - alphaStep;
  const oneMinusT = 1 - alphaBarT;
  return {
    coef1: (Math.sqrt(alphaBarPrev) * betaStep) / oneMinusT,
    coef2: (Math.sqrt(alphaStep) * (1 - alphaBarPrev)) / oneMinusT,
    variance: (betaStep * (1 - alphaBarPrev)) / oneMinusT,
  };
}

function assertTimestepCount(T: number): void {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`schedule: T must be an integer >= 1, got ${T}`);
}

function assertUnitOpen(name: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`schedule: ${name} must lie in (0, 1), got ${value}`);
}

/** beta[0..T] of a schedule config. */
export function makeBetas(cfg: ScheduleConfig): Float64Array {
  assertTimestepCount(cfg.T);
  const { T } = cfg;
  const beta = new Float64Array(T + 1);
  switch (cfg.type) {
    case 'linear': {
      assertUnitOpen('betaStart', cfg.betaStart);
      assertUnitOpen('betaEnd', cfg.betaEnd);
      // beta_t = linspace(betaStart, betaEnd, T)[t - 1], t = 1..T.
      for (let t = 1; t <= T; t++) {
        beta[t] = T === 1 ? cfg.betaStart : cfg.betaStart + ((cfg.betaEnd - cfg.betaStart) * (t - 1)) / (T - 1);
      }
      return beta;
    }
    case 'cosine': {
      const s = cfg.s ?? 0.008;
      const maxBeta = cfg.maxBeta ?? 0.999;
      if (!(s >= 0)) throw new RangeError(`schedule: s must be >= 0, got ${s}`);
      assertUnitOpen('maxBeta', maxBeta);
      // Improved DDPM eq. 17: f(t) = cos(((t/T) + s) / (1 + s) * pi/2)^2, beta_t = min(1 - f(t)/f(t-1), maxBeta).
      const f = (t: number): number => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
      for (let t = 1; t <= T; t++) beta[t] = Math.min(1 - f(t) / f(t - 1), maxBeta);
      return beta;
    }
  }
}

/** Builds every table of a schedule in Float64. */
export function makeSchedule(cfg: ScheduleConfig): Schedule {
  const beta = makeBetas(cfg);
  const { T } = cfg;
  for (let t = 1; t <= T; t++) {
    const b = beta[t]!;
    if (!(b > 0 && b < 1)) throw new RangeError(`schedule: beta[${t}] = ${b} is outside (0, 1)`);
  }
  const n = T + 1;
  const alpha = new Float64Array(n);
  const alphaBar = new Float64Array(n);
  const sqrtAlphaBar = new Float64Array(n);
  const sqrtOneMinusAlphaBar = new Float64Array(n);
  const sqrtRecipAlphaBar = new Float64Array(n);
  const sqrtRecipm1AlphaBar = new Float64Array(n);
  const posteriorVariance = new Float64Array(n);
  const posteriorLogVarianceClipped = new Float64Array(n);
  const posteriorMeanCoef1 = new Float64Array(n);
  const posteriorMeanCoef2 = new Float64Array(n);
  const snr = new Float64Array(n);

  alpha[0] = 1;
  alphaBar[0] = 1;
  sqrtAlphaBar[0] = 1;
  sqrtRecipAlphaBar[0] = 1;
  posteriorMeanCoef1[0] = 1;
  snr[0] = Infinity;
  for (let t = 1; t <= T; t++) {
    const a = 1 - beta[t]!;
    const aBar = alphaBar[t - 1]! * a;
    alpha[t] = a;
    alphaBar[t] = aBar;
    sqrtAlphaBar[t] = Math.sqrt(aBar);
    sqrtOneMinusAlphaBar[t] = Math.sqrt(1 - aBar);
    sqrtRecipAlphaBar[t] = Math.sqrt(1 / aBar);
    sqrtRecipm1AlphaBar[t] = Math.sqrt(1 / aBar - 1);
    const post = posteriorCoefficients(aBar, alphaBar[t - 1]!);
    posteriorMeanCoef1[t] = post.coef1;
    posteriorMeanCoef2[t] = post.coef2;
    posteriorVariance[t] = post.variance;
    snr[t] = aBar / (1 - aBar);
  }
  // betaTilde_1 = 0 exactly; log-clip it with betaTilde_2 (or beta_1 when there is no t = 2).
  posteriorVariance[1] = 0;
  const clipFloor = T >= 2 ? posteriorVariance[2]! : beta[1]!;
  posteriorLogVarianceClipped[0] = Math.log(clipFloor);
  posteriorLogVarianceClipped[1] = Math.log(clipFloor);
  for (let t = 2; t <= T; t++) posteriorLogVarianceClipped[t] = Math.log(posteriorVariance[t]!);

  return {
    config: cfg,
    T,
    beta,
    alpha,
    alphaBar,
    sqrtAlphaBar,
    sqrtOneMinusAlphaBar,
    sqrtRecipAlphaBar,
    sqrtRecipm1AlphaBar,
    posteriorVariance,
    posteriorLogVarianceClipped,
    posteriorMeanCoef1,
    posteriorMeanCoef2,
    snr,
  };
}

/** Throws unless t is an integer timestep in [min, schedule.T]. */
export function assertTimestep(schedule: Schedule, t: number, name = 't', min = 1): void {
  if (!Number.isInteger(t) || t < min || t > schedule.T) {
    throw new RangeError(`${name} must be an integer in ${min}..${schedule.T}, got ${t}`);
  }
}

function assertSameLength(what: string, ...arrays: ArrayLike<number>[]): number {
  const n = arrays[0]?.length ?? 0;
  for (const a of arrays) {
    if (a.length !== n) throw new RangeError(`${what}: arrays differ in length (${arrays.map((x) => x.length).join(', ')})`);
  }
  return n;
}

/**
 * Forward marginal sample (DDPM eq. 4; with the MT-Diffusion drift, MT-DIFFUSION.md "marginal"):
 *   z_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps + c_t,
 * where c_t = kappa_t E is the drift map (omit it for plain DDPM). t in 0..T.
 */
export function qSample(
  schedule: Schedule,
  x0: ArrayLike<number>,
  t: number,
  noise: ArrayLike<number>,
  drift?: ArrayLike<number> | null,
): Float32Array {
  assertTimestep(schedule, t, 't', 0);
  const n = drift ? assertSameLength('qSample', x0, noise, drift) : assertSameLength('qSample', x0, noise);
  const a = schedule.sqrtAlphaBar[t]!;
  const b = schedule.sqrtOneMinusAlphaBar[t]!;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a * x0[i]! + b * noise[i]! + (drift ? drift[i]! : 0);
  return out;
}

/**
 * Mean of q(y_{t-1} | y_t, y_0) = coef1_t y_0 + coef2_t y_t (DDPM eq. 7), on the drift-free chain.
 * With the drift, the posterior mean of z_{t-1} is this plus c_{t-1}, evaluated at y_t = z_t - c_t.
 */
export function qPosteriorMean(schedule: Schedule, x0: ArrayLike<number>, yt: ArrayLike<number>, t: number): Float32Array {
  assertTimestep(schedule, t);
  const n = assertSameLength('qPosteriorMean', x0, yt);
  const c1 = schedule.posteriorMeanCoef1[t]!;
  const c2 = schedule.posteriorMeanCoef2[t]!;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = c1 * x0[i]! + c2 * yt[i]!;
  return out;
}

/** Useful scalars for plots: log SNR_t (natural log); [0] = +Infinity. */
export function logSnr(schedule: Schedule): Float64Array {
  return schedule.snr.map((v) => Math.log(v));
}
