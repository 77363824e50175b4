import { describe, expect, it } from 'vitest';
import { expectedMetric, STEP_METRICS, stepMetrics, type StepMetricsInput } from './step-metrics.ts';

// Orthogonal +-1 patterns over d = 4 pixels: x0 . eps = 0, RMS of each = 1, so every value is known exactly.
const x0 = [1, 1, -1, -1];
const eps = [1, -1, 1, -1];
const alphaBar = 0.36; // sqrt = 0.6, sqrt(1 - aB) = 0.8
const c = [0.5, 0.5, 0.5, 0.5];
const z = x0.map((x, i) => 0.6 * x + 0.8 * eps[i]! + c[i]!); // z_t = sqrt(aB) x0 + sqrt(1 - aB) eps + c_t

function input(patch: Partial<StepMetricsInput> = {}): StepMetricsInput {
  return { batch: 1, pixels: 4, alphaBar, z, x0, drift: c, labelProbs: new Array<number>(10).fill(0.1), classes: 10, prevX0: null, ...patch };
}

describe('stepMetrics', () => {
  it('recovers the schedule when x^_0 is the true x_0: RMS(eps^) = 1, noise level = sqrt(1 - aB)', () => {
    const m = stepMetrics(input());
    expect(m.epsNorm[0]).toBeCloseTo(1, 12);
    expect(m.noiseLevel[0]).toBeCloseTo(0.8, 12);
    expect(m.driftNorm[0]).toBeCloseTo(0.5, 12);
    expect(m.entropy[0]).toBeCloseTo(Math.log(10), 12);
  });

  it('x0Move is the RMS change since the previous frame, NaN on the first', () => {
    expect(stepMetrics(input()).x0Move[0]).toBeNaN();
    const prev = x0.map((v, i) => v + (i % 2 ? 0.2 : -0.2));
    expect(stepMetrics(input({ prevX0: prev })).x0Move[0]).toBeCloseTo(0.2, 12);
  });

  it('a wrong x^_0 shows: eps^ grows, and the noise level reads the scale the prediction misses', () => {
    // x^_0 = 0 (the model has no idea): eps^ = y / 0.8, RMS = sqrt(0.36 + 0.64) / 0.8 = 1.25; the whole y is "noise": 1.
    const m = stepMetrics(input({ x0: [0, 0, 0, 0] }));
    expect(m.epsNorm[0]).toBeCloseTo(1.25, 12);
    expect(m.noiseLevel[0]).toBeCloseTo(1, 12);
  });

  it('epsNorm is undefined at t = 0 (aB = 1); the expectations follow the schedule', () => {
    expect(stepMetrics(input({ alphaBar: 1 })).epsNorm[0]).toBeNaN();
    expect(expectedMetric('epsNorm', 1)).toBeNull();
    expect(expectedMetric('epsNorm', 0.5)).toBe(1);
    expect(expectedMetric('noiseLevel', 0.36)).toBeCloseTo(0.8, 12);
    expect(expectedMetric('entropy', 0.36)).toBeNull();
  });

  it('visibleError: RMS over the visible pixels only; NaN without a given image', () => {
    const image = [x0[0]! - 0.3, x0[1]! + 0.3, 5, 5]; // the hidden pixels are far off and must not count
    const m = stepMetrics(input({ given: { image, mask: [1, 1, 0, 0] } }));
    expect(m.visibleError[0]).toBeCloseTo(0.3, 6);
    expect(stepMetrics(input()).visibleError[0]).toBeNaN();
  });

  it('each sample of a batch is measured on its own slice', () => {
    const two = input({
      batch: 2,
      z: [...z, ...z.map((v) => v - 0.5)], // sample 1 has no drift
      x0: [...x0, ...x0],
      drift: [...c, 0, 0, 0, 0],
      labelProbs: [...new Array<number>(10).fill(0.1), 1, ...new Array<number>(9).fill(0)],
    });
    const m = stepMetrics(two);
    for (const name of STEP_METRICS) expect(m[name]).toHaveLength(2);
    expect(m.driftNorm[1]).toBe(0);
    expect(m.epsNorm[1]).toBeCloseTo(1, 12);
    expect(m.entropy[1]).toBe(0);
  });
});
