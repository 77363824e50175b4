import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';
import { conversions } from './samplers.ts';
import {
  logSnr,
  makeBetas,
  makeSchedule,
  posteriorCoefficients,
  qPosteriorMean,
  qSample,
  type Schedule,
} from './schedule.ts';

const linear = makeSchedule({ type: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 });
const cosine = makeSchedule({ type: 'cosine', T: 1000 });

/** |a / b - 1| <= tol. */
function expectRel(a: number | undefined, b: number, tol = 1e-12): void {
  expect(Math.abs(a! / b - 1)).toBeLessThanOrEqual(tol);
}

function expectTablesConsistent(s: Schedule): void {
  const n = s.T + 1;
  for (const table of [s.beta, s.alpha, s.alphaBar, s.sqrtAlphaBar, s.sqrtOneMinusAlphaBar, s.posteriorVariance, s.snr]) {
    expect(table).toBeInstanceOf(Float64Array);
    expect(table.length).toBe(n);
  }
  expect(s.beta[0]).toBe(0);
  expect(s.alpha[0]).toBe(1);
  expect(s.alphaBar[0]).toBe(1);
  let prod = 1;
  for (let t = 1; t <= s.T; t++) {
    prod *= 1 - s.beta[t]!;
    expect(s.alpha[t]).toBe(1 - s.beta[t]!);
    expect(s.alphaBar[t]).toBe(prod);
    expectRel(s.sqrtAlphaBar[t]! ** 2, s.alphaBar[t]!);
    expectRel(s.sqrtOneMinusAlphaBar[t]! ** 2, 1 - s.alphaBar[t]!);
    expectRel(s.snr[t], s.alphaBar[t]! / (1 - s.alphaBar[t]!));
    // betaTilde_t = beta_t (1 - aB_{t-1}) / (1 - aB_t), DDPM eq. 7
    const tilde = (s.beta[t]! * (1 - s.alphaBar[t - 1]!)) / (1 - s.alphaBar[t]!);
    if (t === 1) expect(s.posteriorVariance[t]).toBe(0);
    else expectRel(s.posteriorVariance[t], tilde);
    expectRel(s.posteriorMeanCoef1[t], (s.beta[t]! * Math.sqrt(s.alphaBar[t - 1]!)) / (1 - s.alphaBar[t]!));
    if (t > 1) expectRel(s.posteriorMeanCoef2[t], (Math.sqrt(s.alpha[t]!) * (1 - s.alphaBar[t - 1]!)) / (1 - s.alphaBar[t]!));
  }
}

describe('linear schedule (DDPM: beta 1e-4 .. 0.02, T = 1000)', () => {
  it('has the known end points and alphaBar_T ~ 4.04e-5', () => {
    expect(linear.T).toBe(1000);
    expect(linear.beta[1]).toBe(1e-4);
    expect(linear.beta[1000]).toBeCloseTo(0.02, 17);
    expect(linear.beta[500]).toBeCloseTo(1e-4 + (0.0199 * 499) / 999, 17);
    // Reference: numpy.cumprod(1 - numpy.linspace(1e-4, 0.02, 1000)) in float64.
    expect(linear.alphaBar[1000]! / 4.035829765375676e-5 - 1).toBeLessThan(1e-12);
    expect(linear.alphaBar[500]! / 0.07858724288177824 - 1).toBeLessThan(1e-12);
  });

  it('tables agree with their definitions', () => {
    expectTablesConsistent(linear);
  });

  it('posterior variance at t = 1 is 0 and its clipped log uses t = 2', () => {
    expect(linear.posteriorVariance[1]).toBe(0);
    expect(linear.posteriorLogVarianceClipped[1]).toBe(Math.log(linear.posteriorVariance[2]!));
    expect(linear.posteriorLogVarianceClipped[2]).toBe(Math.log(linear.posteriorVariance[2]!));
    expect(linear.posteriorLogVarianceClipped[700]).toBe(Math.log(linear.posteriorVariance[700]!));
    expect(linear.posteriorMeanCoef1[1]).toBeCloseTo(1, 15); // y_0 is known exactly at t = 1
    expect(linear.posteriorMeanCoef2[1]).toBe(0);
  });
});

describe('cosine schedule (Improved DDPM, s = 0.008)', () => {
  it('is monotone and clips beta at maxBeta', () => {
    for (let t = 1; t <= cosine.T; t++) {
      expect(cosine.beta[t]).toBeLessThanOrEqual(0.999);
      expect(cosine.beta[t]).toBeGreaterThan(0);
      expect(cosine.alphaBar[t]).toBeLessThan(cosine.alphaBar[t - 1]!);
    }
    expect(cosine.beta[1000]).toBe(0.999); // f(T) = cos(pi/2)^2 ~ 0: clipped
    const clipped = makeSchedule({ type: 'cosine', T: 1000, maxBeta: 0.5 });
    expect(Math.max(...clipped.beta)).toBe(0.5);
  });

  it('follows alphaBar_t = f(t) / f(0) wherever beta is not clipped', () => {
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [1, 10, 250, 500, 750, 990]) expect(cosine.alphaBar[t]! / (f(t) / f(0)) - 1).toBeLessThan(1e-12);
    // Reference values from the same formula in numpy.
    expect(cosine.beta[1]).toBeCloseTo(4.128422482196914e-5, 17);
    expect(cosine.beta[999]).toBeCloseTo(0.7499993929011166, 12);
  });

  it('tables agree with their definitions', () => {
    expectTablesConsistent(cosine);
  });
});

describe('config validation', () => {
  it('rejects bad configs with a message naming the field', () => {
    expect(() => makeSchedule({ type: 'linear', T: 0, betaStart: 1e-4, betaEnd: 0.02 })).toThrow(/T must be/);
    expect(() => makeSchedule({ type: 'linear', T: 10.5, betaStart: 1e-4, betaEnd: 0.02 })).toThrow(/T must be/);
    expect(() => makeSchedule({ type: 'linear', T: 10, betaStart: 0, betaEnd: 0.02 })).toThrow(/betaStart/);
    expect(() => makeSchedule({ type: 'linear', T: 10, betaStart: 1e-4, betaEnd: 1 })).toThrow(/betaEnd/);
    expect(() => makeSchedule({ type: 'cosine', T: 10, maxBeta: 1 })).toThrow(/maxBeta/);
  });

  it('handles T = 1', () => {
    expect(Array.from(makeBetas({ type: 'linear', T: 1, betaStart: 0.1, betaEnd: 0.2 }))).toEqual([0, 0.1]);
    const s = makeSchedule({ type: 'linear', T: 1, betaStart: 0.1, betaEnd: 0.2 });
    expect(s.posteriorLogVarianceClipped[1]).toBe(Math.log(0.1));
  });
});

describe('qSample / conversions / qPosteriorMean', () => {
  const rng = createRng(7);
  const x0 = Float32Array.from(rng.gaussian(64), (v) => Math.tanh(v));
  const eps = rng.gaussian(64);
  const drift = rng.gaussian(64);

  it('round-trips x0 and eps through z_t at every kind of t (samplers.ts conversions)', () => {
    for (const t of [1, 2, 500, 1000]) {
      const yt = qSample(linear, x0, t, eps);
      const cv = conversions(linear, t);
      const x0Back = Float32Array.from(yt, (y, i) => cv.x0FromY * y + cv.x0FromEps * eps[i]!);
      const epsBack = Float32Array.from(yt, (y, i) => cv.epsFromY * y + cv.epsFromX0 * x0[i]!);
      for (let i = 0; i < 64; i++) {
        expect(x0Back[i]).toBeCloseTo(x0[i]!, t === 1000 ? 2 : 4); // 1/sqrt(aB_T) ~ 157 amplifies float32 rounding
        expect(epsBack[i]).toBeCloseTo(eps[i]!, t === 1 ? 2 : 4);
      }
    }
  });

  it('adds the drift map and is the identity at t = 0', () => {
    const z0 = qSample(linear, x0, 0, eps);
    expect(Array.from(z0)).toEqual(Array.from(x0));
    const withDrift = qSample(linear, x0, 300, eps, drift);
    const without = qSample(linear, x0, 300, eps);
    for (let i = 0; i < 64; i++) expect(withDrift[i]! - without[i]!).toBeCloseTo(drift[i]!, 5);
  });

  it('qPosteriorMean uses the tabled coefficients, which match the strided formula with prev = t - 1', () => {
    const yt = qSample(cosine, x0, 400, eps);
    const mean = qPosteriorMean(cosine, x0, yt, 400);
    const c = posteriorCoefficients(cosine.alphaBar[400]!, cosine.alphaBar[399]!);
    for (let i = 0; i < 64; i++) expect(mean[i]).toBeCloseTo(c.coef1 * x0[i]! + c.coef2 * yt[i]!, 5);
    expectRel(c.variance, cosine.posteriorVariance[400]!);
  });

  it('rejects bad t and mismatched lengths', () => {
    expect(() => qSample(linear, x0, 1001, eps)).toThrow(/t must be an integer in 0..1000/);
    expect(() => conversions(linear, 0)).toThrow(/1..1000/);
    expect(() => qSample(linear, x0, 5, eps.subarray(1))).toThrow(/differ in length/);
  });

  it('logSnr is decreasing', () => {
    const l = logSnr(linear);
    expect(l[0]).toBe(Infinity);
    for (let t = 2; t <= 1000; t++) expect(l[t]).toBeLessThan(l[t - 1]!);
  });
});
