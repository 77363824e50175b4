import { describe, expect, it } from 'vitest';
import { driftAt, makeDrift, type DriftTable } from './drift.ts';
import { maxAbsDiff } from './metrics.ts';
import { createRng, stepNoise } from './rng.ts';
import {
  conversions,
  edmSigma,
  karrasTimesteps,
  modelEvaluations,
  pasteCoefficients,
  referenceStep,
  SAMPLER_INFO,
  SAMPLERS,
  samplingTimesteps,
  stepCoefficients,
  stepCountProblem,
  stepPairs,
  stepsForEvaluations,
  timestepSubsequence,
  type SamplerName,
  type StepArgs,
} from './samplers.ts';
import { makeSchedule, type Schedule } from './schedule.ts';

/** The reference loop with one sampler's coefficients. */
const ddpmStep = (a: Omit<StepArgs, 'sampler' | 'eta'>) => referenceStep({ ...a, sampler: 'ddpm', eta: 0 });
const ddimStep = (a: Omit<StepArgs, 'sampler'>) => referenceStep({ ...a, sampler: 'ddim' });
const ddimSigma = (s: Schedule, t: number, tPrev: number, eta: number): number => stepCoefficients(s, 'ddim', eta, t, tPrev).sigma;

/**
 * Deterministic DDIM inversion t -> tNext > t, written out here as the test's own oracle (eq. 12 with the roles
 * of t and tPrev swapped): y_next = sqrt(aB_next) x^_0 + sqrt(1 - aB_next) eps^, eps^ predicted at (z_t, t).
 */
function ddimInvert(s: Schedule, zt: ArrayLike<number>, epsHat: ArrayLike<number>, t: number, tNext: number, driftT: ArrayLike<number>, driftNext: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: zt.length }, (_, i) => {
    const y = zt[i]! - driftT[i]!;
    const x0 = s.sqrtRecipAlphaBar[t]! * y - s.sqrtRecipm1AlphaBar[t]! * epsHat[i]!;
    return s.sqrtAlphaBar[tNext]! * x0 + s.sqrtOneMinusAlphaBar[tNext]! * epsHat[i]! + driftNext[i]!;
  });
}

const linear = makeSchedule({ type: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 });
const cosine = makeSchedule({ type: 'cosine', T: 1000 });
const N = 64;

/** |a - b| <= tol (1 + |b|), elementwise: float32 outputs against float64 references. */
function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (!(Math.abs(a - b) <= tol * (1 + Math.abs(b)))) {
      throw new Error(`element ${i}: ${a} vs ${b} (|diff| ${Math.abs(a - b)}, tol ${tol})`);
    }
  }
}

function fixture(seed: number) {
  const rng = createRng(seed);
  return {
    z: rng.fork('z').gaussian(N),
    eps: rng.fork('eps').gaussian(N),
    E: rng.fork('E').gaussian(N),
    xi: rng.fork('xi').gaussian(N),
    x0: Float32Array.from(rng.fork('x0').gaussian(N), (v) => Math.tanh(v)),
  };
}

/**
 * An exact eps-predictor for data that is a point mass at xStar: z_t = sqrt(aB_t) xStar + kappa_t E + sqrt(1 - aB_t) eps,
 * so eps(z, t) = (z - kappa_t E - sqrt(aB_t) xStar) / sqrt(1 - aB_t).
 */
function pointMassModel(s: Schedule, d: DriftTable, xStar: Float32Array, E: Float32Array) {
  return (z: ArrayLike<number>, t: number): Float64Array =>
    Float64Array.from({ length: z.length }, (_, i) => (z[i]! - d.kappa[t]! * E[i]! - s.sqrtAlphaBar[t]! * xStar[i]!) / s.sqrtOneMinusAlphaBar[t]!);
}

/**
 * An exact eps-predictor for scalar Gaussian data x_0 ~ N(mu, s2) (each element independent):
 * y_t = z_t - kappa_t E ~ N(sqrt(aB) mu, aB s2 + 1 - aB), and E[eps | y_t] = sqrt(1 - aB) (y_t - sqrt(aB) mu) / (aB s2 + 1 - aB).
 */
function gaussianModel(s: Schedule, d: DriftTable, mu: number, s2: number, E: ArrayLike<number>) {
  return (z: ArrayLike<number>, t: number): Float64Array => {
    const aB = s.alphaBar[t]!;
    const D = aB * s2 + 1 - aB;
    return Float64Array.from({ length: z.length }, (_, i) => (Math.sqrt(1 - aB) * (z[i]! - d.kappa[t]! * E[i]! - Math.sqrt(aB) * mu)) / D);
  };
}

describe('timestepSubsequence', () => {
  it("'trailing' starts at T and ends at T/steps", () => {
    const ts = timestepSubsequence(1000, 50);
    expect(ts.length).toBe(50);
    expect(ts[0]).toBe(1000);
    expect(ts[1]).toBe(980);
    expect(ts.at(-1)).toBe(20);
    expect(timestepSubsequence(1000, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    expect(timestepSubsequence(1000, 3)).toEqual([1000, 667, 333]);
    expect(timestepSubsequence(1000, 1)).toEqual([1000]);
    expect(timestepSubsequence(1000, 16).slice(0, 4)).toEqual([1000, 938, 875, 812]); // 937.5 and 812.5 round to even
  });

  it("'leading' follows the DDIM paper (offset 1)", () => {
    const ts = timestepSubsequence(1000, 50, 'leading');
    expect(ts[0]).toBe(981);
    expect(ts.at(-1)).toBe(1);
  });

  it('is strictly descending within 1..T for every step count', () => {
    for (const T of [1, 7, 100, 1000]) {
      for (let steps = 1; steps <= T; steps += Math.max(1, Math.floor(T / 37))) {
        for (const kind of ['trailing', 'leading'] as const) {
          const ts = timestepSubsequence(T, steps, kind);
          expect(ts.length).toBe(steps);
          expect(ts[0]).toBeLessThanOrEqual(T);
          expect(ts.at(-1)).toBeGreaterThanOrEqual(1);
          expect(ts.every((t, i) => i === 0 || t < ts[i - 1]!)).toBe(true);
        }
      }
    }
  });

  it('stepPairs lands on 0 after the last step, and bad arguments throw', () => {
    expect(stepPairs(1000, 3)).toEqual([
      { t: 1000, tPrev: 667 },
      { t: 667, tPrev: 333 },
      { t: 333, tPrev: 0 },
    ]);
    expect(() => timestepSubsequence(1000, 0)).toThrow(/steps must be/);
    expect(() => timestepSubsequence(1000, 1001)).toThrow(/steps must be/);
  });
});

describe('ddpmStep', () => {
  for (const [name, s] of [['linear', linear], ['cosine', cosine]] as const) {
    it(`${name}: with full steps and no clipping it is MT-DIFFUSION.md's update`, () => {
      const d = makeDrift(s, { type: 'sine', kappaMax: 1 });
      const { z, eps, E, xi } = fixture(1);
      for (const t of [1000, 999, 500, 2, 1]) {
        const cT = driftAt(d, t, E);
        const cPrev = driftAt(d, t - 1, E);
        const { prev } = ddpmStep({ schedule: s, zt: z, epsHat: eps, t, tPrev: t - 1, driftT: cT, driftPrev: cPrev, noise: xi, clipX0: false });
        // z_{t-1} = c_{t-1} + (1/sqrt(alpha_t)) (z_t - c_t - beta_t / sqrt(1 - aB_t) eps) + sigma_t xi, sigma_t^2 = betaTilde_t
        const sigma = t === 1 ? 0 : Math.sqrt((s.beta[t]! * (1 - s.alphaBar[t - 1]!)) / (1 - s.alphaBar[t]!));
        const expected = Array.from(
          { length: N },
          (_, i) =>
            cPrev[i]! +
            (1 / Math.sqrt(s.alpha[t]!)) * (z[i]! - cT[i]! - (s.beta[t]! / Math.sqrt(1 - s.alphaBar[t]!)) * eps[i]!) +
            sigma * xi[i]!,
        );
        expectAllClose(prev, expected);
      }
    });
  }

  it('is the Gaussian posterior q(z_prev | z_t, z_0) computed from the marginals (full and strided steps)', () => {
    const s = cosine;
    const d = makeDrift(s, { type: 'sine', kappaMax: 0.9 });
    const { x0, eps, E } = fixture(2);
    const zeros = new Float32Array(N);
    const ones = new Float32Array(N).fill(1);
    for (const [t, tPrev] of [[1000, 999], [600, 599], [2, 1], [1000, 980], [500, 250], [40, 20]] as const) {
      const aT = s.alphaBar[t]!;
      const aP = s.alphaBar[tPrev]!;
      // A z_t drawn from the marginal with known z_0 and eps: eps^ = eps makes x^_0 = z_0.
      const zt = Float64Array.from({ length: N }, (_, i) => Math.sqrt(aT) * x0[i]! + d.kappa[t]! * E[i]! + Math.sqrt(1 - aT) * eps[i]!);
      const args = { schedule: s, zt, epsHat: eps, t, tPrev, driftT: driftAt(d, t, E), driftPrev: driftAt(d, tPrev, E), clipX0: false };
      const mean = ddpmStep({ ...args, noise: zeros }).prev;
      const plusSigma = ddpmStep({ ...args, noise: ones }).prev;
      // Bayes on y = z - kappa E: prior y_prev ~ N(sqrt(aP) z_0, 1 - aP); likelihood y_t | y_prev ~ N(sqrt(aT/aP) y_prev, 1 - aT/aP).
      const a = aT / aP;
      const precision = 1 / (1 - aP) + a / (1 - a);
      const variance = 1 / precision;
      const expectedMean = Array.from(
        { length: N },
        (_, i) =>
          variance * ((Math.sqrt(aP) * x0[i]!) / (1 - aP) + (Math.sqrt(a) * (zt[i]! - d.kappa[t]! * E[i]!)) / (1 - a)) + d.kappa[tPrev]! * E[i]!,
      );
      expectAllClose(mean, expectedMean);
      for (let i = 0; i < N; i++) expect(plusSigma[i]! - mean[i]!).toBeCloseTo(Math.sqrt(variance), 5);
    }
    // Full step t -> t-1 with the drift written via its per-step weight: z_t | z_{t-1} ~ N(sqrt(alpha_t)(z_{t-1} + w_t E), beta_t).
    const t = 300;
    const zt = Float64Array.from({ length: N }, (_, i) => s.sqrtAlphaBar[t]! * x0[i]! + d.kappa[t]! * E[i]! + s.sqrtOneMinusAlphaBar[t]! * eps[i]!);
    const { prev } = ddpmStep({ schedule: s, zt, epsHat: eps, t, tPrev: t - 1, driftT: driftAt(d, t, E), driftPrev: driftAt(d, t - 1, E), noise: zeros, clipX0: false });
    const v1 = 1 - s.alphaBar[t - 1]!;
    const precision = 1 / v1 + s.alpha[t]! / s.beta[t]!;
    const expected = Array.from({ length: N }, (_, i) => {
      const m1 = Math.sqrt(s.alphaBar[t - 1]!) * x0[i]! + d.kappa[t - 1]! * E[i]!;
      return (m1 / v1 + (Math.sqrt(s.alpha[t]!) * (zt[i]! - Math.sqrt(s.alpha[t]!) * d.w[t]! * E[i]!)) / s.beta[t]!) / precision;
    });
    expectAllClose(prev, expected);
  });

  it('clips x^_0 to [-1, 1], adds no noise on the last step, and returns x^_0 there', () => {
    const { z, E } = fixture(3);
    const d = makeDrift(linear, { type: 'sine', kappaMax: 1 });
    const epsHat = new Float32Array(N).fill(-40); // a wild prediction: x^_0 far outside the data range
    const r = ddpmStep({ schedule: linear, zt: z, epsHat, t: 20, tPrev: 0, driftT: driftAt(d, 20, E), clipX0: true });
    expect(r.x0Hat.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(r.x0Hat.some((v) => v === 1)).toBe(true);
    expectAllClose(r.prev, r.x0Hat, 1e-6); // aB_0 = 1: the last step lands on x^_0 (+ c_0 = 0)
  });

  it('validates its arguments', () => {
    const { z, eps } = fixture(4);
    const base = { schedule: linear, zt: z, epsHat: eps, clipX0: false };
    expect(() => ddpmStep({ ...base, t: 10, tPrev: 9 })).toThrow(/needs noise/);
    expect(() => ddpmStep({ ...base, t: 0, tPrev: 0 })).toThrow(/t must be/);
    expect(() => ddpmStep({ ...base, t: 10, tPrev: 10 })).toThrow(/tPrev must be/);
    expect(() => ddpmStep({ ...base, t: 10, tPrev: 9, noise: eps.subarray(1) })).toThrow(/noise has length/);
    expect(() => ddpmStep({ ...base, epsHat: eps.subarray(2), t: 10, tPrev: 0 })).toThrow(/epsHat has length/);
  });
});

describe('ddimStep', () => {
  it('with eta = 1 and no clipping it equals the DDPM step (same noise)', () => {
    const { z, eps, E, xi } = fixture(5);
    const d = makeDrift(linear, { type: 'sine', kappaMax: 1 });
    for (const [t, tPrev] of [[1000, 999], [1000, 980], [333, 1], [20, 0]] as const) {
      const args = { schedule: linear, zt: z, epsHat: eps, t, tPrev, driftT: driftAt(d, t, E), driftPrev: driftAt(d, tPrev, E), noise: xi, clipX0: false };
      expectAllClose(ddimStep({ ...args, eta: 1 }).prev, ddpmStep(args).prev, 2e-5);
      expect(ddimSigma(linear, t, tPrev, 1) ** 2).toBeCloseTo(tPrev === 0 ? 0 : (1 - linear.alphaBar[tPrev]!) / (1 - linear.alphaBar[t]!) * (1 - linear.alphaBar[t]! / linear.alphaBar[tPrev]!), 15);
    }
  });

  it('with eta = 0 is deterministic, needs no noise, and ignores noise it is given', () => {
    const { z, eps, xi } = fixture(6);
    const args = { schedule: cosine, zt: z, epsHat: eps, t: 700, tPrev: 680, eta: 0, clipX0: true };
    const a = ddimStep(args);
    const b = ddimStep({ ...args, noise: xi });
    expect(Array.from(a.prev)).toEqual(Array.from(b.prev));
    expect(Array.from(a.prev)).toEqual(Array.from(ddimStep(args).prev));
  });

  it('recomputes eps^ from a clipped x^_0, so the step stays on the line through x^_0', () => {
    const { z } = fixture(7);
    const epsHat = new Float32Array(N).fill(25);
    const t = 500;
    const tPrev = 300;
    const r = ddimStep({ schedule: linear, zt: z, epsHat, t, tPrev, eta: 0, clipX0: true });
    for (let i = 0; i < N; i++) {
      const x0 = r.x0Hat[i]!;
      const epsClipped = (z[i]! - linear.sqrtAlphaBar[t]! * x0) / linear.sqrtOneMinusAlphaBar[t]!;
      const expected = linear.sqrtAlphaBar[tPrev]! * x0 + linear.sqrtOneMinusAlphaBar[tPrev]! * epsClipped;
      expect(r.prev[i]).toBeCloseTo(expected, 5);
    }
  });

  it('with eta = 0 is invertible on an exact point-mass model and recovers x* (with the drift)', () => {
    const s = cosine;
    const d = makeDrift(s, { type: 'sine', kappaMax: 1.3 });
    const { E, eps, x0: xStar } = fixture(8);
    const model = pointMassModel(s, d, xStar, E);
    const ts = timestepSubsequence(s.T, 50); // 1000 .. 20
    const tLow = ts.at(-1)!;
    // Start at t = 20 on the data manifold of x*, invert up to t = T.
    const zLow = Float64Array.from({ length: N }, (_, i) => s.sqrtAlphaBar[tLow]! * xStar[i]! + d.kappa[tLow]! * E[i]! + s.sqrtOneMinusAlphaBar[tLow]! * eps[i]!);
    let z: Float64Array | Float32Array = zLow;
    const up = [...ts].reverse();
    for (let k = 0; k + 1 < up.length; k++) {
      const t = up[k]!;
      const tNext = up[k + 1]!;
      z = ddimInvert(s, z, model(z, t), t, tNext, driftAt(d, t, E), driftAt(d, tNext, E));
    }
    // And back down to t = 20, then to 0.
    for (const { t, tPrev } of stepPairs(s.T, 50)) {
      if (tPrev === 0) {
        expect(maxAbsDiff(z, zLow)).toBeLessThan(1e-6);
      }
      const r = ddimStep({ schedule: s, zt: z, epsHat: model(z, t), t, tPrev, eta: 0, driftT: driftAt(d, t, E), driftPrev: driftAt(d, tPrev, E), clipX0: false });
      expect(maxAbsDiff(r.x0Hat, xStar)).toBeLessThan(1e-4); // x^_0 = x* at every step (float32 rounding of z)
      z = r.prev;
    }
    expect(maxAbsDiff(z, xStar)).toBeLessThan(1e-6);
  });
});

describe('analytic Gaussian data x_0 ~ N(mu, s^2) with the exact eps-predictor', () => {
  const mu = 0.3;
  const s2 = 0.25;

  /**
   * Exact moments of y after each step of a sampler run, by linear-Gaussian algebra written out independently of
   * samplers.ts: the exact model makes x^_0 = E[x_0 | y] = (sqrt(aB) s2 y + (1 - aB) mu) / D, D = aB s2 + 1 - aB.
   */
  function propagateMoments(s: Schedule, pairs: { t: number; tPrev: number }[], kind: 'ddpm' | 'ddim0') {
    let m = 0;
    let v = 1;
    for (const { t, tPrev } of pairs) {
      const aT = s.alphaBar[t]!;
      const aP = s.alphaBar[tPrev]!;
      const D = aT * s2 + 1 - aT;
      const gain = (Math.sqrt(aT) * s2) / D; // x^_0 = gain y + offset
      const offset = ((1 - aT) * mu) / D;
      let A: number;
      let B: number;
      let noiseVar: number;
      if (kind === 'ddpm') {
        // y_prev = [sqrt(aP)(1 - aT/aP)/(1 - aT)] x^_0 + [sqrt(aT/aP)(1 - aP)/(1 - aT)] y + sigma xi
        const c1 = (Math.sqrt(aP) * (1 - aT / aP)) / (1 - aT);
        const c2 = (Math.sqrt(aT / aP) * (1 - aP)) / (1 - aT);
        A = c1 * gain + c2;
        B = c1 * offset;
        noiseVar = tPrev === 0 ? 0 : ((1 - aP) / (1 - aT)) * (1 - aT / aP);
      } else {
        // y_prev = sqrt(aP) x^_0 + sqrt(1 - aP) eps^, eps^ = (y - sqrt(aT) x^_0) / sqrt(1 - aT)
        const k = Math.sqrt(1 - aP) / Math.sqrt(1 - aT);
        A = (Math.sqrt(aP) - k * Math.sqrt(aT)) * gain + k;
        B = (Math.sqrt(aP) - k * Math.sqrt(aT)) * offset;
        noiseVar = 0;
      }
      m = A * m + B;
      v = A * A * v + noiseVar;
    }
    return { mean: m, variance: v };
  }

  it('the exact moments approach N(mu, s^2): DDPM and DDIM (eta = 0) at 1000 steps, DDIM at 50', () => {
    const ddpm = propagateMoments(linear, stepPairs(1000, 1000), 'ddpm');
    expect(Math.abs(ddpm.mean - mu)).toBeLessThan(1e-3);
    // "Fixed small" variance is the lower bound of the reverse variance (Bao et al. 2022, Analytic-DPM): a little underdispersed.
    expect(ddpm.variance).toBeLessThan(s2);
    expect(Math.abs(ddpm.variance / s2 - 1)).toBeLessThan(0.02);
    const ddim1000 = propagateMoments(cosine, stepPairs(1000, 1000), 'ddim0');
    expect(Math.abs(ddim1000.mean - mu)).toBeLessThan(1e-3);
    expect(Math.abs(ddim1000.variance / s2 - 1)).toBeLessThan(0.005);
    const ddim50 = propagateMoments(cosine, stepPairs(1000, 50), 'ddim0');
    expect(Math.abs(ddim50.mean - mu)).toBeLessThan(1e-3);
    expect(Math.abs(ddim50.variance / s2 - 1)).toBeLessThan(0.1);
  });

  it('DDPM samples (20k, 50 strided steps, with drift) match the exact moments and N(mu, s^2)', () => {
    const s = linear;
    const d = makeDrift(s, { type: 'sine', kappaMax: 1 });
    const count = 20_000;
    const E = Float32Array.from(createRng(11).fork('E').gaussian(count), (v) => 0.5 + 0.3 * v);
    const model = gaussianModel(s, d, mu, s2, E);
    const seed = 12;
    const pairs = stepPairs(s.T, 50);
    let z: Float32Array = createRng(seed).fork('z_T').gaussian(count);
    for (const { t, tPrev } of pairs) {
      z = ddpmStep({ schedule: s, zt: z, epsHat: model(z, t), t, tPrev, driftT: driftAt(d, t, E), driftPrev: driftAt(d, tPrev, E), noise: stepNoise(seed, t, count), clipX0: false }).prev;
    }
    let sum = 0;
    let sumSq = 0;
    for (const v of z) {
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / count;
    const variance = sumSq / count - mean * mean;
    const exact = propagateMoments(s, pairs, 'ddpm');
    expect(Math.abs(mean - exact.mean)).toBeLessThan(5 * Math.sqrt(exact.variance / count));
    expect(Math.abs(variance / exact.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / count));
    // With only 50 strided steps the fixed-small variance underdisperses markedly (about 0.79 s^2 here); the mean is right.
    expect(Math.abs(exact.mean - mu)).toBeLessThan(1e-3);
    expect(exact.variance).toBeGreaterThan(0.75 * s2);
    expect(exact.variance).toBeLessThan(s2);
  });

  it('a 3-step DDPM run matches the hand-unrolled MT-Diffusion update', () => {
    const s = linear;
    const d = makeDrift(s, { type: 'sine', kappaMax: 0.7 });
    const E = 0.5;
    const zT = 0.8;
    const xi = [0.3, -1.1];
    const model = gaussianModel(s, d, mu, s2, [E]);
    const eps = (z: number, t: number) => model([z], t)[0]!;
    let z: Float32Array = Float32Array.of(zT);
    for (const [k, { t, tPrev }] of stepPairs(1000, 3).entries()) {
      z = ddpmStep({ schedule: s, zt: z, epsHat: model(z, t), t, tPrev, driftT: [d.kappa[t]! * E], driftPrev: [d.kappa[tPrev]! * E], noise: [xi[k] ?? 0], clipX0: false }).prev;
    }
    // By hand, with the strided step's own alpha a = aB_t / aB_prev and beta = 1 - a:
    //   z_prev = c_prev + (1/sqrt(a)) (z - c_t - beta / sqrt(1 - aB_t) eps) + sigma xi,  sigma^2 = (1 - aB_prev)/(1 - aB_t) beta.
    const aB = (t: number) => s.alphaBar[t]!;
    const c = (t: number) => d.kappa[t]! * E;
    const step = (zt: number, t: number, p: number, noise: number) => {
      const a = aB(t) / aB(p);
      const sigma = p === 0 ? 0 : Math.sqrt(((1 - aB(p)) / (1 - aB(t))) * (1 - a));
      return c(p) + (1 / Math.sqrt(a)) * (zt - c(t) - ((1 - a) / Math.sqrt(1 - aB(t))) * eps(zt, t)) + sigma * noise;
    };
    const z667 = step(zT, 1000, 667, 0.3);
    const z333 = step(z667, 667, 333, -1.1);
    const z0 = step(z333, 333, 0, 0);
    expect(z[0]).toBeCloseTo(z0, 5);
  });
});

describe('stepCoefficients, conversions, pasteCoefficients', () => {
  it("DDPM with full steps has the schedule's posterior tables; DDIM(eta = 1) has the same sigma", () => {
    for (const s of [linear, cosine]) {
      for (const t of [1000, 500, 2]) {
        const c = stepCoefficients(s, 'ddpm', 0, t, t - 1);
        expect(c.x0).toBeCloseTo(s.posteriorMeanCoef1[t]!, 15);
        expect(c.y).toBeCloseTo(s.posteriorMeanCoef2[t]!, 15);
        expect(c.eps).toBe(0);
        expect(c.sigma ** 2).toBeCloseTo(s.posteriorVariance[t]!, 15);
        expect(stepCoefficients(s, 'ddim', 1, t, t - 1).sigma).toBeCloseTo(c.sigma, 15);
      }
    }
  });

  it('the last step adds no noise and lands on x^_0', () => {
    for (const sampler of ['ddpm', 'ddim'] as const) {
      const c = stepCoefficients(linear, sampler, 1, 20, 0);
      expect(c.sigma).toBe(0);
      expect(c.x0).toBeCloseTo(1, 15);
      expect(c.y).toBeCloseTo(0, 15);
      expect(c.eps).toBeCloseTo(0, 7);
    }
  });

  it('the x^_0 <-> eps conversions invert each other', () => {
    for (const t of [1, 300, 1000]) {
      const cv = conversions(cosine, t);
      const y = 0.7;
      const eps = -0.4;
      const x0 = cv.x0FromY * y + cv.x0FromEps * eps;
      expect(cv.epsFromY * y + cv.epsFromX0 * x0).toBeCloseTo(eps, 9);
    }
  });

  it('paste is exact at tPrev = 0 and q(y_prev | x) before', () => {
    expect(pasteCoefficients(linear, 0)).toEqual({ x: 1, noise: 0 });
    const p = pasteCoefficients(linear, 500);
    expect(p.x ** 2 + p.noise ** 2).toBeCloseTo(1, 14);
    expect(p.x).toBe(linear.sqrtAlphaBar[500]);
  });

  it('validates its arguments', () => {
    expect(() => stepCoefficients(linear, 'ddim', -1, 10, 9)).toThrow(/eta must be/);
    expect(() => stepCoefficients(linear, 'lms' as 'ddim', 0, 10, 9)).toThrow(/unknown sampler lms; valid: ddim, ddpm, euler, euler_a, heun, dpmpp_2m/);
    expect(() => stepCoefficients(linear, 'euler_a', -0.5, 10, 9)).toThrow(/eta must be/);
    expect(() => stepCoefficients(linear, 'dpmpp_2m', 0, 10, 9, 10)).toThrow(/tBefore must be an integer in 11..1000/);
    expect(() => samplingTimesteps(linear, 10, 'log' as 'karras')).toThrow(/unknown spacing "log"; valid: trailing, karras/);
    expect(() => stepCoefficients(linear, 'ddpm', 0, 10, 10)).toThrow(/tPrev must be/);
    expect(() => conversions(linear, 0)).toThrow(/t must be/);
    expect(() => pasteCoefficients(linear, 1000)).toThrow(/tPrev must be/);
  });
});

describe('Euler, Euler a, Heun and DPM-Solver++(2M) in the coefficient form', () => {
  /** Both as coefficients on (x^_0, y_t), eps written as epsFromY y + epsFromX0 x^_0. */
  const onX0Y = (s: Schedule, sampler: SamplerName, eta: number, t: number, tPrev: number): [number, number, number] => {
    const c = stepCoefficients(s, sampler, eta, t, tPrev);
    const cv = conversions(s, t);
    return [c.x0 + c.eps * cv.epsFromX0, c.y + c.eps * cv.epsFromY, c.sigma];
  };

  it('on the same timesteps Euler is DDIM(0) and Euler a(eta) is DDIM(eta), to 1e-9', () => {
    for (const [t, tPrev] of [[1000, 980], [600, 300], [20, 1], [20, 0]] as const) {
      for (const eta of [0, 0.5, 1]) {
        const e = onX0Y(linear, eta === 0 ? 'euler' : 'euler_a', eta, t, tPrev);
        const d = onX0Y(linear, 'ddim', eta, t, tPrev);
        e.forEach((v, i) => expect(Math.abs(v - d[i]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(d[i]!))));
      }
    }
  });

  it("Heun's predictor is Euler, its corrector splits Euler's eps term in two, and its last step has none", () => {
    const h = stepCoefficients(linear, 'heun', 0, 500, 300);
    const e = stepCoefficients(linear, 'euler', 0, 500, 300);
    expect([h.x0, h.y, h.eps, h.sigma]).toEqual([e.x0, e.y, e.eps, e.sigma]);
    expect(h.corrector!.y).toBe(e.y);
    expect(h.corrector!.eps + h.corrector!.epsNext).toBeCloseTo(e.eps, 12);
    expect(stepCoefficients(linear, 'heun', 0, 20, 0).corrector).toBeNull();
    expect([2, 3, 10].map((n) => modelEvaluations('heun', n))).toEqual([3, 5, 19]);
    expect([5, 10, 20, 50].map((n) => stepsForEvaluations('heun', n))).toEqual([3, 5, 10, 25]);
    expect(stepsForEvaluations('dpmpp_2m', 10)).toBe(10);
  });

  it("DPM-Solver++(2M)'s first and last steps are DDIM(0); its extrapolation keeps a constant x^_0", () => {
    for (const [t, tPrev] of [[1000, 900], [40, 0]] as const) {
      const a = onX0Y(linear, 'dpmpp_2m', 0, t, tPrev);
      const d = onX0Y(linear, 'ddim', 0, t, tPrev);
      a.forEach((v, i) => expect(v).toBeCloseTo(d[i]!, 9));
    }
    expect(stepCoefficients(linear, 'dpmpp_2m', 0, 40, 0, 80).prevX0).toBe(0);
    const m = stepCoefficients(linear, 'dpmpp_2m', 0, 500, 300, 700);
    expect(m.prevX0).toBeLessThan(0);
    expect(m.x0 + m.prevX0).toBeCloseTo(stepCoefficients(linear, 'dpmpp_2m', 0, 500, 300).x0, 12);
  });

  it('Karras timesteps: T first, 1 last, strictly decreasing, every t at N = T, eq. 5 in the middle', () => {
    for (const n of [1, 2, 3, 7, 50, 999, 1000]) {
      const ts = karrasTimesteps(linear, n);
      expect(ts.length).toBe(n);
      expect(ts[0]).toBe(1000);
      for (let i = 1; i < n; i++) expect(ts[i]).toBeLessThan(ts[i - 1]!);
      if (n > 1) expect(ts.at(-1)).toBe(1);
    }
    expect(karrasTimesteps(linear, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    expect(karrasTimesteps(linear, 10)).toEqual([1000, 938, 865, 776, 664, 512, 302, 103, 19, 1]);
    const mid = (edmSigma(linear, 1000) ** (1 / 7) / 2 + edmSigma(linear, 1) ** (1 / 7) / 2) ** 7;
    const t = karrasTimesteps(linear, 3)[1]!;
    const off = (u: number): number => Math.abs(Math.log(edmSigma(linear, u) / mid));
    expect(off(t)).toBeLessThanOrEqual(off(t + 1));
    expect(off(t)).toBeLessThanOrEqual(off(t - 1));
    expect(samplingTimesteps(linear, 16, 'trailing')).toEqual(timestepSubsequence(1000, 16));
  });

  it('the step-count rule names the field and the reason', () => {
    expect(stepCountProblem('dpmpp_2m', 1, 1000)).toBe('steps: DPM++ 2M needs at least 3 steps (its first and last steps are first order), got 1');
    expect(stepCountProblem('heun', 1, 1000)).toBe('steps: Heun needs at least 2 steps (its last step is an Euler step), got 1');
    expect(stepCountProblem('dpmpp_2m', 3, 1000)).toBeNull();
    expect(stepCountProblem('ddim', 0, 1000)).toBe('steps must be an integer in 1..1000, got 0');
    for (const name of SAMPLERS) expect(stepCountProblem(name, SAMPLER_INFO[name].minSteps, 1000)).toBeNull();
  });

  it('referenceStep applies the 2M history and the Heun corrector (one model call more)', () => {
    const n = 16;
    const rng = createRng(5);
    const zt = rng.fork('z').gaussian(n);
    const epsHat = rng.fork('e').gaussian(n);
    const prevX0 = Float64Array.from(rng.fork('p').gaussian(n), (v) => 0.5 * v);
    const co = stepCoefficients(linear, 'dpmpp_2m', 0, 500, 300, 700);
    const cv = conversions(linear, 500);
    const r = referenceStep({ schedule: linear, sampler: 'dpmpp_2m', eta: 0, zt, epsHat, t: 500, tPrev: 300, tBefore: 700, prevX0, clipX0: false });
    const x0 = Float64Array.from(zt, (y, i) => cv.x0FromY * y + cv.x0FromEps * epsHat[i]!);
    expectAllClose(r.prev, Float64Array.from(zt, (y, i) => co.x0 * x0[i]! + co.y * y + co.prevX0 * prevX0[i]!));
    expect(() => referenceStep({ schedule: linear, sampler: 'dpmpp_2m', eta: 0, zt, epsHat, t: 500, tPrev: 300, tBefore: 700, clipX0: false })).toThrow(/needs the previous step's x\^_0/);
    // Heun: the model at tPrev is asked once, on the Euler predictor.
    const seen: number[] = [];
    const epsNext = rng.fork('n').gaussian(n);
    const h = referenceStep({
      schedule: linear, sampler: 'heun', eta: 0, zt, epsHat, t: 500, tPrev: 300, clipX0: false,
      epsAt: (z, t) => {
        seen.push(t);
        expectAllClose(z, referenceStep({ schedule: linear, sampler: 'euler', eta: 0, zt, epsHat, t: 500, tPrev: 300, clipX0: false }).prev);
        return epsNext;
      },
    });
    expect(seen).toEqual([300]);
    expect(h.evaluations).toBe(2);
    const hc = stepCoefficients(linear, 'heun', 0, 500, 300).corrector!;
    expectAllClose(h.prev, Float64Array.from(zt, (y, i) => hc.y * y + hc.eps * epsHat[i]! + hc.epsNext * epsNext[i]!));
  });
});

/**
 * Golden order tests on an analytic model: data x_0 ~ N(MU, S^2) per coordinate, so the exact x^_0 is
 * E[x_0 | y_t] = MU + sqrt(aB) S^2 / (aB S^2 + 1 - aB) (y_t - sqrt(aB) MU), and the probability-flow ODE in
 * x = y / sqrt(aB), sigma = edmSigma keeps (x - MU) / sqrt(S^2 + sigma^2) constant: its exact solution. Each
 * solver runs in Float64 with stepCoefficients over a mesh that refines (no final jump to 0, where every solver
 * lands on x^_0 itself); the error must fall with the number of steps N as N^-order.
 */
describe('golden order: error against the exact probability-flow ODE solution falls at the solver\'s order', () => {
  const MU = 0.3;
  const S = 0.5;
  const s = linear;
  const exactX0 = (y: number, t: number): number => {
    const a = s.alphaBar[t]!;
    return MU + ((Math.sqrt(a) * S * S) / (a * S * S + 1 - a)) * (y - Math.sqrt(a) * MU);
  };
  const epsOf = (y: number, t: number): number => {
    const cv = conversions(s, t);
    return cv.epsFromY * y + cv.epsFromX0 * exactX0(y, t);
  };

  function solve(sampler: SamplerName, ts: number[], y0: number): number {
    let y = y0;
    let prevX0 = 0;
    for (let k = 0; k + 1 < ts.length; k++) {
      const t = ts[k]!;
      const tPrev = ts[k + 1]!;
      const co = stepCoefficients(s, sampler, 0, t, tPrev, k > 0 ? ts[k - 1]! : null);
      const x0 = exactX0(y, t);
      const eps = epsOf(y, t);
      let next = co.x0 * x0 + co.y * y + co.eps * eps + co.prevX0 * prevX0;
      if (co.corrector !== null) next = co.corrector.y * y + co.corrector.eps * eps + co.corrector.epsNext * epsOf(next, tPrev);
      y = next;
      prevX0 = x0;
    }
    return y;
  }

  function odeError(sampler: SamplerName, ts: number[]): number {
    const [t0, t1] = [ts[0]!, ts.at(-1)!];
    const [s0, s1] = [edmSigma(s, t0), edmSigma(s, t1)];
    let worst = 0;
    for (let i = 0; i <= 12; i++) {
      const y0 = -3 + i / 2; // standard normal quantiles at t = T (aB ~ 0)
      const exact = Math.sqrt(s.alphaBar[t1]!) * (MU + (y0 / Math.sqrt(s.alphaBar[t0]!) - MU) * Math.sqrt((S * S + s1 * s1) / (S * S + s0 * s0)));
      worst = Math.max(worst, Math.abs(solve(sampler, ts, y0) - exact));
    }
    return worst;
  }

  const orders = (sampler: SamplerName, grids: number[][]): number[] =>
    grids.slice(1).map((g, i) => Math.log(odeError(sampler, grids[i]!) / odeError(sampler, g)) / Math.log((g.length - 1) / (grids[i]!.length - 1)));
  // Uniform-in-t steps from T to 200 (25, 50, 100, 200 steps).
  const uniform = [25, 50, 100, 200].map((n) => Array.from({ length: n + 1 }, (_, i) => 1000 - (i * 800) / n));

  it('Euler and DDIM: order 1', () => {
    for (const sampler of ['euler', 'ddim'] as const) {
      for (const p of orders(sampler, uniform)) {
        expect(p, sampler).toBeGreaterThan(0.8);
        expect(p, sampler).toBeLessThan(1.3);
      }
    }
  });

  it('Heun and DPM-Solver++(2M): order 2', () => {
    for (const sampler of ['heun', 'dpmpp_2m'] as const) {
      for (const p of orders(sampler, uniform)) {
        expect(p, sampler).toBeGreaterThan(1.7);
        expect(p, sampler).toBeLessThan(2.4);
      }
    }
  });

  it('at equal model evaluations the second-order solvers win (Heun 25 steps = 49 NFE vs Euler 50)', () => {
    expect(odeError('heun', uniform[0]!) * 1.5).toBeLessThan(odeError('euler', uniform[1]!));
    expect(odeError('dpmpp_2m', uniform[1]!) * 4).toBeLessThan(odeError('euler', uniform[1]!));
  });

  it('on Karras timesteps (to t = 1) too', () => {
    const grids = [25, 50, 100].map((n) => karrasTimesteps(s, n));
    for (const [sampler, lo] of [['euler', 0.7], ['heun', 1.5], ['dpmpp_2m', 1.5]] as const) {
      for (const p of orders(sampler, grids)) expect(p, sampler).toBeGreaterThan(lo);
    }
  });
});
