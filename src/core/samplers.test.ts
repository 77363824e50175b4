import { describe, expect, it } from 'vitest';
import { driftAt, makeDrift, type DriftTable } from './drift.ts';
import { maxAbsDiff } from './metrics.ts';
import { createRng, stepNoise } from './rng.ts';
import {
  conversions,
  pasteCoefficients,
  referenceStep,
  stepCoefficients,
  stepPairs,
  timestepSubsequence,
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
    expect(() => stepCoefficients(linear, 'euler' as 'ddim', 0, 10, 9)).toThrow(/unknown sampler euler; valid: ddim, ddpm/);
    expect(() => stepCoefficients(linear, 'ddpm', 0, 10, 10)).toThrow(/tPrev must be/);
    expect(() => conversions(linear, 0)).toThrow(/t must be/);
    expect(() => pasteCoefficients(linear, 1000)).toThrow(/tPrev must be/);
  });
});
