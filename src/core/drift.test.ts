import { describe, expect, it } from 'vitest';
import { driftAt, kappaFromWeights, makeDrift, makeKappa, weightsFromKappa } from './drift.ts';
import { createRng } from './rng.ts';
import { makeSchedule } from './schedule.ts';

const schedules = {
  linear: makeSchedule({ type: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 }),
  cosine: makeSchedule({ type: 'cosine', T: 1000 }),
};

describe('sine drift table', () => {
  it('starts at 0, ends at ~0 and peaks mid-chain', () => {
    const kappa = makeKappa(1000, { type: 'sine', kappaMax: 0.8 });
    expect(kappa).toBeInstanceOf(Float64Array);
    expect(kappa.length).toBe(1001);
    expect(kappa[0]).toBe(0);
    expect(Math.abs(kappa[1000]!)).toBeLessThan(1e-9);
    expect(kappa[1000]).toBe(0.8 * Math.sin(Math.PI)); // the plain formula, shared with training/
    expect(kappa[500]).toBe(0.8);
    expect(kappa[250]).toBeCloseTo(0.8 * Math.SQRT1_2, 15);
  });

  it("'none' is all zeros, so the chain is plain DDPM", () => {
    const d = makeDrift(schedules.linear, { type: 'none' });
    expect(d.kappa.every((k) => k === 0)).toBe(true);
    expect(d.w.every((w) => w === 0)).toBe(true);
  });

  for (const [name, schedule] of Object.entries(schedules)) {
    it(`${name}: kappa from the w recursion equals the closed form sum_s w_s sqrt(aB_t / aB_{s-1})`, () => {
      const d = makeDrift(schedule, { type: 'sine', kappaMax: 1.5 });
      expect(d.w[0]).toBe(0);
      // The recursion c_t = sqrt(alpha_t) (c_{t-1} + w_t), run forward.
      let c = 0;
      for (let t = 1; t <= schedule.T; t++) {
        c = Math.sqrt(schedule.alpha[t]!) * (c + d.w[t]!);
        expect(c).toBeCloseTo(d.kappa[t]!, 12);
      }
      const closed = kappaFromWeights(schedule, d.w);
      for (let t = 0; t <= schedule.T; t++) expect(closed[t]).toBeCloseTo(d.kappa[t]!, 10);
    });
  }

  it('weightsFromKappa rejects a kappa that does not start at 0 or has the wrong length', () => {
    const k = makeKappa(1000, { type: 'sine', kappaMax: 1 });
    expect(() => weightsFromKappa(schedules.linear, k.subarray(1))).toThrow(/length/);
    const shifted = k.map((v) => v + 1);
    expect(() => weightsFromKappa(schedules.linear, shifted)).toThrow(/kappa_0 must be 0/);
  });

  it('driftAt scales the encoded map by kappa_t, into a given buffer when asked', () => {
    const d = makeDrift(schedules.linear, { type: 'sine', kappaMax: 2 });
    const E = Float32Array.from({ length: 32 * 32 }, (_, i) => Math.sin(i));
    const out = new Float32Array(E.length);
    const c = driftAt(d, 500, E, out);
    expect(c).toBe(out);
    expect(c[3]).toBeCloseTo(2 * Math.sin(3), 6);
    expect(driftAt(d, 0, E).every((v) => v === 0)).toBe(true);
    expect(() => driftAt(d, 1001, E)).toThrow(/0..1000/);
  });
});

describe('drifted forward chain z_t = sqrt(alpha_t)(z_{t-1} + w_t E) + sqrt(beta_t) xi', () => {
  const schedule = schedules.cosine;
  const drift = makeDrift(schedule, { type: 'sine', kappaMax: 1.2 });

  it('propagates mean and variance exactly to N(sqrt(aB_t) z_0 + kappa_t E, 1 - aB_t)', () => {
    const z0 = 0.4;
    const E = -0.7;
    let mean = z0;
    let variance = 0;
    for (let t = 1; t <= schedule.T; t++) {
      mean = Math.sqrt(schedule.alpha[t]!) * (mean + drift.w[t]! * E);
      variance = schedule.alpha[t]! * variance + schedule.beta[t]!;
      expect(mean).toBeCloseTo(schedule.sqrtAlphaBar[t]! * z0 + drift.kappa[t]! * E, 12);
      expect(variance).toBeCloseTo(1 - schedule.alphaBar[t]!, 12);
    }
  });

  it('matches the marginal by Monte Carlo (20k chains, step by step)', () => {
    const N = 20_000;
    const rng = createRng(2024);
    // Each chain has its own z_0 in [-1, 1] and its own encoded value E.
    const z0 = Float64Array.from(rng.fork('z0').gaussian64(N), Math.tanh);
    const E = Float64Array.from(rng.fork('E').gaussian64(N), (v) => 0.3 + 0.5 * v);
    const z = Float64Array.from(z0);
    const checkpoints = new Set([100, 300, 500, 700, 1000]);
    const noise = rng.fork('xi');
    for (let t = 1; t <= schedule.T; t++) {
      const sa = Math.sqrt(schedule.alpha[t]!);
      const sb = Math.sqrt(schedule.beta[t]!);
      const w = drift.w[t]!;
      const xi = noise.gaussian64(N);
      for (let i = 0; i < N; i++) z[i] = sa * (z[i]! + w * E[i]!) + sb * xi[i]!;
      if (!checkpoints.has(t)) continue;
      // Residual r = z_t - sqrt(aB_t) z_0 - kappa_t E must be N(0, 1 - aB_t).
      const target = 1 - schedule.alphaBar[t]!;
      const residualStats = (kappa: number) => {
        let sum = 0;
        let sumSq = 0;
        for (let i = 0; i < N; i++) {
          const r = z[i]! - schedule.sqrtAlphaBar[t]! * z0[i]! - kappa * E[i]!;
          sum += r;
          sumSq += r * r;
        }
        const mean = sum / N;
        return { mean, variance: sumSq / N - mean * mean };
      };
      const meanTol = 5 * Math.sqrt(target / N); // 5 standard errors
      const varTol = 5 * Math.sqrt(2 / N);
      const withDrift = residualStats(drift.kappa[t]!);
      expect(Math.abs(withDrift.mean)).toBeLessThan(meanTol);
      expect(Math.abs(withDrift.variance / target - 1)).toBeLessThan(varTol);
      // The test has power: the marginal without its drift term fails the mean check at every checkpoint but T.
      if (t < schedule.T) expect(Math.abs(residualStats(0).mean)).toBeGreaterThan(3 * meanTol);
    }
  });
});
