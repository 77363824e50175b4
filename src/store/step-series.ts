/**
 * The per-step metrics of a run as chart series (ui/MetricsPanel.tsx): one line per sample over the frames,
 * at each frame's fraction of the way through the chain (so a run B with another step count lines up with
 * run A, as compare's scrubber does: compare.ts compareIndex), and the schedule's expectation
 * (core/step-metrics.ts expectedMetric) at each frame's timestep.
 */
import { expectedMetric, type StepMetricName } from '../core/step-metrics.ts';
import type { Frame } from '../engine/protocol.ts';

export interface MetricSeries {
  /** Fraction of the chain at each frame: index / steps, in [0, 1]. */
  readonly x: number[];
  /** values[sample][i]: the metric at frame i (NaN where undefined or the frame has no metrics). */
  readonly values: number[][];
  /** The schedule's value at each frame's t, or null (the metric has none there). */
  readonly expected: (number | null)[];
}

export function metricSeries(frames: readonly Frame[], name: StepMetricName, steps: number, batch: number, alphaBar: ArrayLike<number>): MetricSeries {
  const x: number[] = [];
  const values: number[][] = Array.from({ length: batch }, () => []);
  const expected: (number | null)[] = [];
  for (const f of frames) {
    x.push(steps > 0 ? f.index / steps : 0);
    const m = f.metrics?.[name];
    for (let b = 0; b < batch; b++) values[b]!.push(m?.[b] ?? NaN);
    expected.push(expectedMetric(name, alphaBar[f.t] ?? NaN));
  }
  return { x, values, expected };
}

/** Largest finite value of the series (and its expectation), at least `floor`: the top of the chart's axis. */
export function seriesMax(series: readonly MetricSeries[], floor: number): number {
  let max = floor;
  for (const s of series) {
    for (const row of s.values) for (const v of row) if (Number.isFinite(v) && v > max) max = v;
    for (const v of s.expected) if (v !== null && Number.isFinite(v) && v > max) max = v;
  }
  return max;
}
