/**
 * The reverse process as Float64 scalar coefficients, the one place per language where a sampler is
 * written (k-diffusion style: scalars first, then a short element-wise update). Every sampler step
 * t -> tPrev < t on y_t = z_t - c^_t is
 *
 *   y_prev = x0 · x^_0 + y · y_t + eps · eps^ + sigma · xi  (+ prevX0 · x^_0 of the step before),   xi ~ N(0, I),
 *
 * (DPM-Solver++(2M) adds the previous step's x^_0; Heun then replaces y_prev by its `corrector`, which needs a
 * second model evaluation at tPrev on that predictor) with the coefficients from `stepCoefficients`, x^_0 and eps^ the pair that drives the step (converted
 * into each other with `conversions`), and the drift re-added after the step: z_prev = y_prev + c^_prev
 * (MT-DIFFUSION.md: y_t = z_t - c_t is an ordinary DDPM chain, c_t = kappa_t E).
 * The engine applies these coefficients to tensors (src/engine/update.ts), `referenceStep` below to
 * arrays, and training/mtd/coefficients.py is the Python mirror; public/fixtures/coefficients.json
 * (written by training/mtd/coefficients.py) pins the two languages together.
 *
 * Adding a sampler: one case in `stepCoefficients` here and in coefficients.py, one entry in SAMPLER_INFO and
 * SAMPLERS (both languages) and a run in the fixture's list (coefficients.py FIXTURE_RUNS). A one-evaluation
 * solver is a choice of (x0, y, eps, sigma) plus prevX0 for a multistep one; a predictor-corrector one adds a
 * `corrector`. The runner (src/engine/runner.ts) and sampling.py apply all of them without a per-sampler branch.
 *
 * Strided sampling ("respacing", improved-diffusion `respace.py`): a step t -> tPrev < t treats
 * alphaBar_t / alphaBar_tPrev as that step's alpha, so a subsequence of the T timesteps is itself a
 * valid diffusion chain; with tPrev = t - 1 the step is exactly the paper's.
 */
import { assertTimestep, posteriorCoefficients, type Schedule } from './schedule.ts';

/** The samplers, one table (the engine protocol, the store, the URL and the UI read it). */
export const SAMPLERS = ['ddim', 'ddpm', 'euler', 'euler_a', 'heun', 'dpmpp_2m'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface SamplerInfo {
  /** Short name for pickers, charts and history. */
  readonly title: string;
  /** One line for the picker. */
  readonly summary: string;
  /** Order of accuracy of the deterministic solver (1 or 2); 0 for the ancestral DDPM chain. */
  readonly order: 0 | 1 | 2;
  /** The step takes eta (DDIM's eta, Euler ancestral's noise amount). */
  readonly usesEta: boolean;
  /** The fewest steps for which the sampler is what its name says. */
  readonly minSteps: number;
  /** The step uses the previous step's x^_0 (StepCoefficients.prevX0): a run keeps that history. */
  readonly multistep: boolean;
}

export const SAMPLER_INFO: Readonly<Record<SamplerName, SamplerInfo>> = {
  ddim: { title: 'DDIM', summary: 'Song et al. 2021: deterministic at eta 0, DDPM-like noise at eta 1.', order: 1, usesEta: true, minSteps: 1, multistep: false },
  ddpm: { title: 'DDPM', summary: 'Ho et al. 2020: the ancestral chain, fresh noise every step.', order: 0, usesEta: false, minSteps: 1, multistep: false },
  euler: { title: 'Euler', summary: 'Karras et al. 2022: Euler on the probability-flow ODE in sigma (= DDIM on the same timesteps).', order: 1, usesEta: false, minSteps: 1, multistep: false },
  euler_a: { title: 'Euler a', summary: 'Euler ancestral: an Euler step to a lower sigma, then eta-scaled fresh noise.', order: 1, usesEta: true, minSteps: 1, multistep: false },
  heun: { title: 'Heun', summary: "Karras et al. 2022, Alg. 1: Euler, then a trapezoid correction with a second model call (2 NFE a step, 1 on the last).", order: 2, usesEta: false, minSteps: 2, multistep: false },
  dpmpp_2m: { title: 'DPM++ 2M', summary: 'Lu et al. 2022, DPM-Solver++(2M): second order from the previous step\'s x^0, one model call a step.', order: 2, usesEta: false, minSteps: 3, multistep: true },
};

/** Heun's second stage: y_prev = y · y_t + eps · eps^(t) + epsNext · eps^(tPrev, on the predictor's z). */
export interface CorrectorCoefficients {
  readonly y: number;
  readonly eps: number;
  readonly epsNext: number;
}

/** One step t -> tPrev: y_prev = x0 x^_0 + y y_t + eps eps^ + sigma xi + prevX0 x^_0(tBefore) (Float64 scalars). */
export interface StepCoefficients {
  readonly x0: number;
  readonly y: number;
  readonly eps: number;
  /** Standard deviation of the fresh noise; 0 on the last step (tPrev = 0) and for deterministic samplers. */
  readonly sigma: number;
  /** DPM-Solver++(2M): the coefficient of the previous step's x^_0 (0 for every other sampler and on its first and last steps). */
  readonly prevX0: number;
  /** Heun: the corrector, which needs the model at tPrev on the predictor z~ = y_prev + c^_prev; null otherwise and on the last step. */
  readonly corrector: CorrectorCoefficients | null;
}

function assertStepPair(schedule: Schedule, t: number, tPrev: number): void {
  assertTimestep(schedule, t, 't');
  if (!Number.isInteger(tPrev) || tPrev < 0 || tPrev >= t) {
    throw new RangeError(`tPrev must be an integer in 0..${t - 1}, got ${tPrev}`);
  }
}

/**
 * The noise level of this VP schedule in Karras et al.'s parameterisation: x = y_t / sqrt(aB_t) carries noise
 * sigma_t = sqrt((1 - aB_t) / aB_t) (0 at t = 0, about 157 at t = T for the shipped schedule). The
 * probability-flow ODE is then dx/dsigma = (x - D(x; sigma)) / sigma = eps (Karras et al. eq. 3 with s = 1).
 */
export function edmSigma(schedule: Schedule, t: number): number {
  if (!Number.isInteger(t) || t < 0 || t > schedule.T) throw new RangeError(`t must be an integer in 0..${schedule.T}, got ${t}`);
  const a = schedule.alphaBar[t]!;
  return Math.sqrt((1 - a) / a); // coefficients.py edm_sigma, the same arithmetic
}

/** lambda_t = log(sqrt(aB_t) / sqrt(1 - aB_t)), DPM-Solver's half log-SNR (t >= 1). */
const halfLogSnr = (aB: number): number => 0.5 * Math.log(aB / (1 - aB));

/**
 * The coefficients of one reverse step t -> tPrev (aB = alphaBar, aP = aB_tPrev, s = edmSigma):
 * - 'ddpm', ancestral, "fixed small" variance (Ho et al. 2020, eq. 6-7; strided with the step's own alpha
 *   aB_t / aP): x0 = sqrt(aP) b / (1 - aB_t), y = sqrt(aB_t / aP) (1 - aP) / (1 - aB_t), eps = 0,
 *   sigma^2 = betaTilde = b (1 - aP) / (1 - aB_t), b = 1 - aB_t / aP; no noise when tPrev = 0. eta is unused.
 *   Without clipping and with tPrev = t - 1 this is MT-DIFFUSION.md's
 *   z_{t-1} = c^_{t-1} + (1/sqrt(alpha_t)) (z_t - c^_t - beta_t / sqrt(1 - aB_t) eps^) + sigma_t xi.
 * - 'ddim' (Song et al. 2021, eq. 12 and 16): x0 = sqrt(aP), y = 0, eps = sqrt(1 - aP - sigma^2),
 *   sigma = eta sqrt((1 - aP) / (1 - aB_t)) sqrt(1 - aB_t / aP) (0 at tPrev = 0, where aP = 1).
 *   eta = 0: deterministic DDIM; eta = 1: the DDPM step's variance.
 * - 'euler' (Karras et al. 2022, Alg. 1 line 5-6 without the corrector): x' = x + (s' - s) eps on x = y / sqrt(aB),
 *   so y = sqrt(aP / aB_t), eps = sqrt(aP) (s' - s). With eps consistent with x^_0 this is exactly DDIM(0).
 * - 'euler_a' (ancestral, k-diffusion's get_ancestral_step): s_up = min(s', eta sqrt(s'^2 (s^2 - s'^2) / s^2)),
 *   s_down = sqrt(s'^2 - s_up^2): y = sqrt(aP / aB_t), eps = sqrt(aP) (s_down - s), sigma = sqrt(aP) s_up
 *   (DDIM(eta)'s sigma for eta <= 1).
 * - 'heun' (Karras et al. Alg. 1): the Euler step is the predictor; for tPrev > 0 the corrector (lines 9-11,
 *   the trapezoid rule) y = sqrt(aP / aB_t), eps = epsNext = sqrt(aP) (s' - s) / 2.
 * - 'dpmpp_2m' (Lu et al. 2022, DPM-Solver++(2M), Alg. 2 in data prediction): h = lambda_prev - lambda_t,
 *   r = (lambda_t - lambda_tBefore) / h; y = sqrt((1 - aP) / (1 - aB_t)), x0 = sqrt(aP) (1 - e^-h) (1 + 1/(2r)),
 *   prevX0 = -sqrt(aP) (1 - e^-h) / (2r). First order (DDIM(0) written on y_t) without tBefore (the first step);
 *   the last step (tPrev = 0, h = infinity) lands on x^_0.
 */
export function stepCoefficients(schedule: Schedule, sampler: SamplerName, eta: number, t: number, tPrev: number, tBefore: number | null = null): StepCoefficients {
  assertStepPair(schedule, t, tPrev);
  const aT = schedule.alphaBar[t]!;
  const aP = schedule.alphaBar[tPrev]!;
  const plain = { prevX0: 0, corrector: null };
  if (SAMPLER_INFO[sampler]?.usesEta && !(eta >= 0)) throw new RangeError(`eta must be >= 0, got ${eta}`);
  switch (sampler) {
    case 'ddpm': {
      const { coef1, coef2, variance } = posteriorCoefficients(aT, aP);
      return { x0: coef1, y: coef2, eps: 0, sigma: tPrev === 0 ? 0 : Math.sqrt(variance), ...plain };
    }
    case 'ddim': {
      const sigma = eta * Math.sqrt((1 - aP) / (1 - aT)) * Math.sqrt(1 - aT / aP);
      return { x0: Math.sqrt(aP), y: 0, eps: Math.sqrt(Math.max(0, 1 - aP - sigma * sigma)), sigma, ...plain };
    }
    case 'euler':
    case 'euler_a':
    case 'heun': {
      const s = edmSigma(schedule, t);
      const sP = edmSigma(schedule, tPrev);
      const sUp = sampler === 'euler_a' ? Math.min(sP, eta * Math.sqrt(Math.max(0, (sP * sP * (s * s - sP * sP)) / (s * s)))) : 0;
      const sDown = Math.sqrt(Math.max(0, sP * sP - sUp * sUp));
      const y = Math.sqrt(aP / aT);
      const c = Math.sqrt(aP) * (sDown - s);
      const corrector = sampler === 'heun' && tPrev > 0 ? { y, eps: c / 2, epsNext: c / 2 } : null;
      return { x0: 0, y, eps: c, sigma: Math.sqrt(aP) * sUp, prevX0: 0, corrector };
    }
    case 'dpmpp_2m': {
      if (tPrev === 0) return { x0: 1, y: 0, eps: 0, sigma: 0, ...plain }; // h = infinity: the step lands on x^_0
      const h = halfLogSnr(aP) - halfLogSnr(aT);
      const oneMinusE = -Math.expm1(-h);
      const y = Math.sqrt((1 - aP) / (1 - aT));
      if (tBefore === null) return { x0: Math.sqrt(aP) * oneMinusE, y, eps: 0, sigma: 0, ...plain };
      if (!Number.isInteger(tBefore) || tBefore <= t || tBefore > schedule.T) {
        throw new RangeError(`tBefore must be an integer in ${t + 1}..${schedule.T}, got ${tBefore}`);
      }
      const r = (halfLogSnr(aT) - halfLogSnr(schedule.alphaBar[tBefore]!)) / h;
      return { x0: Math.sqrt(aP) * oneMinusE * (1 + 1 / (2 * r)), y, eps: 0, sigma: 0, prevX0: (-Math.sqrt(aP) * oneMinusE) / (2 * r), corrector: null };
    }
    default:
      throw new RangeError(`unknown sampler ${String(sampler)}; valid: ${SAMPLERS.join(', ')}`);
  }
}

/** Network evaluations (NFE) of a run of `steps` steps, guidance aside: Heun evaluates twice a step but the last. */
export function modelEvaluations(sampler: SamplerName, steps: number): number {
  return sampler === 'heun' ? 2 * steps - 1 : steps;
}

/** The most steps whose modelEvaluations fit in `nfe` (at least 1). */
export function stepsForEvaluations(sampler: SamplerName, nfe: number): number {
  return Math.max(1, sampler === 'heun' ? Math.floor((nfe + 1) / 2) : Math.floor(nfe));
}

/** Why `steps` is not a step count `sampler` can take on T timesteps (a message naming `steps`), or null. */
export function stepCountProblem(sampler: SamplerName, steps: number, T: number): string | null {
  if (!Number.isInteger(steps) || steps < 1 || steps > T) return `steps must be an integer in 1..${T}, got ${steps}`;
  const info = SAMPLER_INFO[sampler];
  if (steps < info.minSteps) {
    const why = sampler === 'heun' ? 'its last step is an Euler step' : 'its first and last steps are first order';
    return `steps: ${info.title} needs at least ${info.minSteps} steps (${why}), got ${steps}`;
  }
  return null;
}

/**
 * The x^_0 <-> eps conversions at t on y_t (DDPM eq. 4, y_t = sqrt(aB_t) x_0 + sqrt(1 - aB_t) eps):
 *   x^_0 = x0FromY y_t + x0FromEps eps^        (x0FromY = 1/sqrt(aB_t), x0FromEps = -sqrt(1/aB_t - 1); predictX0FromEps)
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
  /** eta of DDIM and Euler a (ignored by the others). */
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
  /** DPM-Solver++(2M): the timestep of the step before (null: this is the first step) and that step's x^_0. */
  readonly tBefore?: number | null;
  readonly prevX0?: ArrayLike<number> | null;
  /** Heun: eps^(z~, tPrev), the model on the predictor z~ = y_prev + c^_tPrev (length n). */
  readonly epsAt?: ((z: Float32Array, t: number) => ArrayLike<number>) | null;
}

export interface StepResult {
  /** z_tPrev. */
  readonly prev: Float32Array;
  /** x^_0 used by the step (clipped when clipX0). */
  readonly x0Hat: Float32Array;
  /** Model evaluations the step made (1, or 2 for a Heun step with its corrector). */
  readonly evaluations: number;
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

/** x^_0 from eps^ on y at t (clipped, with the consistent eps, if clipX0). */
function x0AndEps(cv: Conversions, y: number, epsHat: number, clipX0: boolean): [number, number] {
  let eps = epsHat;
  let x0 = cv.x0FromY * y + cv.x0FromEps * eps;
  if (clipX0 && (x0 < -1 || x0 > 1)) {
    const clipped = clip(x0);
    eps += cv.epsFromX0 * (clipped - x0);
    x0 = clipped;
  }
  return [x0, eps];
}

/**
 * One reverse step on flat arrays, the reference the engine's tensor step is tested against (Float64 per
 * element, Float32 out): y_t = z_t - c^_t, x^_0 from eps^ (clipped, with the consistent eps, if clipX0),
 * then the step's coefficients (with 2M's previous x^_0), z_prev = y_prev + c^_prev; a Heun step then asks
 * `epsAt` for the model at tPrev on that predictor and applies the corrector.
 */
export function referenceStep(args: StepArgs): StepResult {
  const { schedule, zt, epsHat, t, tPrev, driftT, driftPrev, clipX0 } = args;
  const co = stepCoefficients(schedule, args.sampler, args.eta, t, tPrev, args.tBefore ?? null);
  const cv = conversions(schedule, t);
  const n = zt.length;
  const prevX0 = co.prevX0 === 0 ? null : args.prevX0;
  if (co.prevX0 !== 0 && !prevX0) throw new RangeError(`this step has prevX0 = ${co.prevX0} and needs the previous step's x^_0`);
  assertLengths(n, { epsHat, driftT, driftPrev, prevX0 });
  const noise = checkNoise(args.noise, n, co.sigma);

  const prev = new Float32Array(n);
  const x0Hat = new Float32Array(n);
  const ys = new Float64Array(n);
  const epss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = zt[i]! - (driftT ? driftT[i]! : 0);
    const [x0, eps] = x0AndEps(cv, y, epsHat[i]!, clipX0);
    x0Hat[i] = x0;
    ys[i] = y;
    epss[i] = eps;
    const yPrev = co.x0 * x0 + co.y * y + co.eps * eps + (noise ? co.sigma * noise[i]! : 0) + (prevX0 ? co.prevX0 * prevX0[i]! : 0);
    prev[i] = yPrev + (driftPrev ? driftPrev[i]! : 0);
  }
  if (co.corrector === null) return { prev, x0Hat, evaluations: 1 };
  if (!args.epsAt) throw new RangeError(`a ${args.sampler} step needs epsAt, the model at tPrev on the predictor`);
  const epsNextHat = args.epsAt(prev, tPrev);
  assertLengths(n, { epsNextHat });
  const cvNext = conversions(schedule, tPrev);
  const cc = co.corrector;
  for (let i = 0; i < n; i++) {
    const yPred = prev[i]! - (driftPrev ? driftPrev[i]! : 0);
    const [, epsNext] = x0AndEps(cvNext, yPred, epsNextHat[i]!, clipX0);
    prev[i] = cc.y * ys[i]! + cc.eps * epss[i]! + cc.epsNext * epsNext + (driftPrev ? driftPrev[i]! : 0);
  }
  return { prev, x0Hat, evaluations: 2 };
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

/** How a run's timesteps are chosen: 'trailing' (timestepSubsequence) or 'karras' (karrasTimesteps). */
export const SPACINGS = ['trailing', 'karras'] as const;
export type SamplingSpacing = (typeof SPACINGS)[number];

/** Karras et al. 2022, eq. 5. */
export const KARRAS_RHO = 7;

/**
 * Karras et al. 2022 eq. 5 on this schedule's sigmas (edmSigma): s_i = (s_max^(1/rho) + i/(N-1) (s_min^(1/rho) -
 * s_max^(1/rho)))^rho, s_max = edmSigma(T), s_min = edmSigma(1), i = 0..N-1. Each s_i goes to the integer t with
 * the nearest log sigma (ties to the larger t); then t_i = max(min(t, t_{i-1} - 1), N - i) keeps the timesteps
 * strictly decreasing with room below, so every N in 1..T is valid and N = T visits every t. The solver then
 * uses the exact sigma of the t it lands on. Shipped schedule, 10 steps: 1000, 938, 865, 776, 664, 512, 302, 103, 19, 1.
 */
export function karrasTimesteps(schedule: Schedule, steps: number, rho = KARRAS_RHO): number[] {
  const T = schedule.T;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new RangeError(`steps must be an integer in 1..${T}, got ${steps}`);
  const logS = Array.from({ length: T + 1 }, (_, t) => (t === 0 ? -Infinity : Math.log(edmSigma(schedule, t))));
  const hi = edmSigma(schedule, T) ** (1 / rho);
  const lo = edmSigma(schedule, 1) ** (1 / rho);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const target = rho * Math.log(hi + (steps > 1 ? i / (steps - 1) : 0) * (lo - hi));
    let best = T;
    let bestD = Infinity;
    for (let t = T; t >= 1; t--) {
      const d = Math.abs(logS[t]! - target);
      if (d < bestD) {
        best = t;
        bestD = d;
      }
    }
    const cap = out.length > 0 ? out[out.length - 1]! - 1 : T;
    out.push(Math.max(Math.min(best, cap), steps - i));
  }
  return out;
}

/** The descending timesteps of a run, for either spacing; after the last one the sampler lands on 0. */
export function samplingTimesteps(schedule: Schedule, steps: number, spacing: SamplingSpacing = 'trailing'): number[] {
  if (spacing === 'trailing') return timestepSubsequence(schedule.T, steps);
  if (spacing === 'karras') return karrasTimesteps(schedule, steps);
  throw new RangeError(`unknown spacing ${JSON.stringify(spacing)}; valid: ${SPACINGS.join(', ')}`);
}

/** The (t, tPrev) pairs of a sampling run: tPrev is the next entry of the subsequence, 0 after the last. */
export function stepPairs(T: number, steps: number, kind: TimestepSpacing = 'trailing'): { t: number; tPrev: number }[] {
  const ts = timestepSubsequence(T, steps, kind);
  return ts.map((t, i) => ({ t, tPrev: ts[i + 1] ?? 0 }));
}
