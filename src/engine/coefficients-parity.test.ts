/**
 * core's sampler coefficients (src/core/samplers.ts stepCoefficients with 2M's prevX0 and Heun's corrector,
 * conversions, pasteCoefficients, samplingTimesteps for both spacings, modelEvaluations) against their Python
 * mirror: public/fixtures/coefficients.json is written by training/mtd/coefficients.py
 * (`cd training && /usr/bin/python3 -m mtd.coefficients`, or export.py beside its fixtures) for every sampler,
 * several step counts, eta and both spacings, on three schedules. Both sides are Float64; 80% of
 * the numbers agree to the bit, and the tolerance only absorbs last-bit differences of the schedules' own
 * arithmetic (numpy's linspace and cos against V8's), which sqrt(1/aB - 1) near t = 1 magnifies to ~5e-13.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  conversions,
  makeSchedule,
  modelEvaluations,
  pasteCoefficients,
  SAMPLERS,
  samplingTimesteps,
  SPACINGS,
  stepCoefficients,
  type SamplerName,
  type SamplingSpacing,
  type ScheduleConfig,
} from '../core/index.ts';
import { readRepoJson } from '../model/testing.ts';

interface Run {
  readonly sampler: SamplerName;
  readonly eta: number;
  readonly steps: number;
  readonly spacing: SamplingSpacing;
  readonly t: number[];
  readonly tBefore: (number | null)[];
  readonly prevX0: number[];
  readonly corrector: ({ y: number; eps: number; epsNext: number } | null)[];
  readonly modelEvaluations: number;
  readonly tPrev: number[];
  readonly x0: number[];
  readonly y: number[];
  readonly eps: number[];
  readonly sigma: number[];
}
interface FixtureSchedule {
  readonly name: string;
  readonly schedule: ScheduleConfig;
  readonly runs: Run[];
  readonly conversions: { t: number[]; x0FromY: number[]; x0FromEps: number[]; epsFromY: number[]; epsFromX0: number[] };
  readonly paste: { tPrev: number[]; x: number[]; noise: number[] };
}

let schedules: FixtureSchedule[];
beforeAll(async () => {
  schedules = ((await readRepoJson('public/fixtures/coefficients.json')) as { schedules: FixtureSchedule[] }).schedules;
});

/** |a - b| <= 1e-11 (1 + |b|): a wrong formula is off by far more (a coefficient's ulp is ~1e-16). */
function expectClose(actual: number, expected: number, what: string): void {
  if (!(Math.abs(actual - expected) <= 1e-11 * (1 + Math.abs(expected)))) throw new Error(`${what}: ${actual} (TypeScript) vs ${expected} (Python)`);
}

describe('sampler coefficients match training/mtd/coefficients.py (coefficients.json)', () => {
  it('covers every sampler, DDIM at several eta, both spacings, 2M history, Heun correctors and full steps', () => {
    const runs = schedules.flatMap((s) => s.runs);
    expect(new Set(runs.map((r) => r.sampler))).toEqual(new Set(SAMPLERS));
    expect(new Set(runs.filter((r) => r.sampler === 'ddim').map((r) => r.eta))).toEqual(new Set([0, 0.5, 1]));
    expect(schedules.some((s) => s.runs.some((r) => r.steps === s.schedule.T))).toBe(true);
    expect(new Set(runs.map((r) => r.spacing))).toEqual(new Set(SPACINGS));
    expect(runs.some((r) => r.prevX0.some((c) => c !== 0))).toBe(true);
    expect(runs.some((r) => r.corrector.some((c) => c !== null))).toBe(true);
  });

  it('every run: the timesteps, the NFE and each step of y_prev = x0 x^_0 + y y_t + eps eps + sigma xi + prevX0 x^_0(tBefore), and its corrector', () => {
    for (const s of schedules) {
      const schedule = makeSchedule(s.schedule);
      for (const r of s.runs) {
        const where = `${s.name} ${r.sampler} eta ${r.eta} steps ${r.steps} ${r.spacing}`;
        expect(samplingTimesteps(schedule, r.steps, r.spacing), `${where}: timesteps`).toEqual(r.t);
        expect(modelEvaluations(r.sampler, r.steps), `${where}: NFE`).toBe(r.modelEvaluations);
        r.t.forEach((t, k) => {
          const c = stepCoefficients(schedule, r.sampler, r.eta, t, r.tPrev[k]!, r.tBefore[k]);
          const at = `${where}, step ${t} -> ${r.tPrev[k]}`;
          for (const key of ['x0', 'y', 'eps', 'sigma', 'prevX0'] as const) expectClose(c[key], r[key][k]!, `${at}, ${key}`);
          const cc = r.corrector[k]!;
          expect(c.corrector === null, `${at}: corrector`).toBe(cc === null);
          if (c.corrector !== null && cc !== null) for (const key of ['y', 'eps', 'epsNext'] as const) expectClose(c.corrector[key], cc[key], `${at}, corrector ${key}`);
        });
      }
    }
  });

  it('the x^_0 <-> eps conversions and the paste rule at every timestep', () => {
    for (const s of schedules) {
      const schedule = makeSchedule(s.schedule);
      s.conversions.t.forEach((t, k) => {
        const cv = conversions(schedule, t);
        for (const key of ['x0FromY', 'x0FromEps', 'epsFromY', 'epsFromX0'] as const) expectClose(cv[key], s.conversions[key][k]!, `${s.name} t ${t} ${key}`);
      });
      s.paste.tPrev.forEach((tPrev, k) => {
        const p = pasteCoefficients(schedule, tPrev);
        expectClose(p.x, s.paste.x[k]!, `${s.name} paste at ${tPrev}, x`);
        expectClose(p.noise, s.paste.noise[k]!, `${s.name} paste at ${tPrev}, noise`);
      });
    }
  });
});
