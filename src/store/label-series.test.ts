import { describe, expect, it } from 'vitest';
import { argmaxSeries, labelFlips, smoothSeries } from './label-series.ts';

const p = (...v: number[]) => Float32Array.from(v);

describe('label series', () => {
  const flicker = [p(0.6, 0.4), p(0.4, 0.6), p(0.6, 0.4), p(0.4, 0.6), p(0.6, 0.4), p(0.2, 0.8), p(0.2, 0.8)];
  it('finds the most likely class and counts its changes', () => {
    expect(argmaxSeries(flicker)).toEqual([0, 1, 0, 1, 0, 1, 1]);
    expect(labelFlips(flicker)).toBe(5);
  });
  it('a trailing running mean uses no later frame and calms a flicker', () => {
    const s = smoothSeries(flicker, 3);
    expect(Array.from(s[0]!)).toEqual(Array.from(flicker[0]!));
    expect(s[2]![0]).toBeCloseTo((0.6 + 0.4 + 0.6) / 3, 6);
    expect(labelFlips(s)).toBeLessThan(labelFlips(flicker));
    // Frame f depends on frames up to f only.
    expect(Array.from(smoothSeries(flicker.slice(0, 4), 3)[3]!)).toEqual(Array.from(s[3]!));
  });
});
