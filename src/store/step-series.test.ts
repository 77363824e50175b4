import { describe, expect, it } from 'vitest';
import type { Frame } from '../engine/protocol.ts';
import { metricSeries, seriesMax } from './step-series.ts';

const frame = (index: number, t: number, epsNorm: number[] | null): Frame => ({
  runId: 'r', index, t, ms: 0,
  z: new Float32Array(0), x0Hat: new Float32Array(0), masked: new Float32Array(0), sketch: new Float32Array(0),
  labelProbs: new Float32Array(0), repr: new Float32Array(0), drift: new Float32Array(0),
  ...(epsNorm ? { metrics: { x0Move: [], epsNorm, noiseLevel: [], entropy: [], driftNorm: [], visibleError: [] } } : {}),
});

describe('metricSeries', () => {
  const alphaBar = [1, 0.64, 0.36];
  it('one line per sample at each frame\'s chain fraction, with the schedule\'s expectation', () => {
    const s = metricSeries([frame(0, 2, [1.1, 0.9]), frame(1, 1, [1.2, 3]), frame(2, 0, [NaN, NaN])], 'epsNorm', 2, 2, alphaBar);
    expect(s.x).toEqual([0, 0.5, 1]);
    expect(s.values).toEqual([[1.1, 1.2, NaN], [0.9, 3, NaN]]);
    expect(s.expected).toEqual([1, 1, null]); // t = 0: no eps to expect
    const noise = metricSeries([frame(0, 2, null)], 'noiseLevel', 2, 1, alphaBar);
    expect(noise.values).toEqual([[NaN]]); // a frame without metrics
    expect(noise.expected[0]).toBeCloseTo(0.8, 12);
    expect(seriesMax([s], 0.5)).toBe(3);
    expect(seriesMax([noise], 0.5)).toBeCloseTo(0.8, 12);
  });
});
