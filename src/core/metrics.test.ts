import { describe, expect, it } from 'vitest';
import { argmax, entropy, maxAbsDiff, mse, softmax } from './metrics.ts';

describe('metrics', () => {
  it('softmax is a stable probability vector', () => {
    const p = softmax([1, 2, 3]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0]! + e[1]! + e[2]!;
    expect(p[0]).toBeCloseTo(e[0]! / z, 15);
    expect(p[2]).toBeCloseTo(e[2]! / z, 15);
    const big = softmax([1000, 1000, -1000]);
    expect(Array.from(big)).toEqual([0.5, 0.5, 0]);
    expect(() => softmax([])).toThrow(/empty/);
  });

  it('entropy is 0 for a point mass and ln(n) for the uniform distribution', () => {
    expect(entropy([0, 1, 0])).toBe(0);
    expect(entropy(softmax(new Float32Array(10)))).toBeCloseTo(Math.log(10), 14);
  });

  it('argmax takes the first maximum and skips NaN', () => {
    expect(argmax([0.1, 0.7, 0.7, 0.2])).toBe(1);
    expect(argmax([NaN, -2, -1])).toBe(2);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(argmax([])).toBe(-1);
  });

  it('mse and maxAbsDiff', () => {
    expect(mse([1, 2, 3], [1, 2, 5])).toBeCloseTo(4 / 3, 15);
    expect(maxAbsDiff(Float32Array.of(1, -2), [1.5, 1])).toBe(3);
    expect(maxAbsDiff([1, NaN], [1, 2])).toBeNaN();
    expect(mse([], [])).toBe(0);
    expect(() => mse([1], [1, 2])).toThrow(/lengths differ/);
  });
});
