/**
 * Per-step metrics of the trajectory (core/step-metrics.ts, computed in the worker): one small chart per
 * metric over the frames, tied to the scrubber. Run A's selected sample is the solid line (the other samples
 * of a grid faint), compare's run B dashed at the same fraction of the chain, the schedule's expectation
 * dotted; the readout gives the values at the current frame. Hand-drawn SVG like the label chart.
 */
import { useMemo } from 'react';
import { STEP_METRICS, type StepMetricName } from '../core/step-metrics.ts';
import { scheduleTables, shownCompareRun, shownFrames } from '../store/index.ts';
import { metricSeries, seriesMax, type MetricSeries } from '../store/step-series.ts';
import { useActions, useApp } from './store-context.tsx';
import { Explain } from './teach/Explain.tsx';
import './lab.css';

/** Title, unit and a student's explanation of every metric (one table, in STEP_METRICS' order). */
export const METRIC_INFO: Readonly<Record<StepMetricName, { title: string; explain: string; expected?: string }>> = {
  x0Move: {
    title: 'x̂₀ moved (RMS)',
    explain: 'How much the model’s guess of the final image changed in this one step. Large early (the guess is vague), it should fall towards 0: the image settles.',
  },
  epsNorm: {
    title: '‖ε̂‖ (RMS)',
    expected: 'schedule: 1',
    explain: 'The size of the noise the model says is in y_t = z_t − ĉ_t. Real noise is a standard normal: RMS 1. Much above 1, the model sees more noise than there is; below, less.',
  },
  noiseLevel: {
    title: 'noise level in y_t',
    expected: 'schedule: √(1−ᾱ_t)',
    explain: 'What is left of y_t once the best multiple of x̂₀ is taken out, measured against the schedule’s noise level √(1−ᾱ_t) (dotted). When the two agree, x̂₀ explains the signal in the frame.',
  },
  entropy: {
    title: 'label entropy (nats)',
    explain: 'How unsure the label head is: ln 10 = 2.30 is no idea, 0 is certain. It usually drops as the image forms.',
  },
  driftNorm: {
    title: 'drift ‖ĉ_t‖ (RMS)',
    explain: 'How far the conditions (class, mask, sketch…) push z_t off a plain diffusion chain at this step. MT-Diffusion’s drift is 0 at both ends of the chain and largest in the middle.',
  },
  visibleError: {
    title: 'visible-pixel error (RMS)',
    explain: 'Inpainting: how far the model’s own x̂₀ is from the pixels you kept, before they are pasted back in. It should fall to 0 at the end.',
  },
};

const W = 320;
/** Chart height: the side column's, and presentation mode's taller one (`tall`). */
const H_SIDE = 64;
const H_TALL = 120;
const M = { left: 30, right: 6, top: 6, bottom: 6 };
const xOf = (f: number) => M.left + f * (W - M.left - M.right);

function points(x: readonly number[], v: readonly (number | null)[], y: (v: number) => number): string[] {
  // One polyline per run of finite values (NaN breaks the line).
  const out: string[] = [];
  let cur: string[] = [];
  v.forEach((value, i) => {
    if (value !== null && Number.isFinite(value)) cur.push(`${xOf(x[i]!).toFixed(1)},${y(value).toFixed(1)}`);
    else if (cur.length) {
      out.push(cur.join(' '));
      cur = [];
    }
  });
  if (cur.length) out.push(cur.join(' '));
  return out;
}

const fmt = (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));

function MetricChart({ name, a, b, sample, cursor, valueA, valueB, expected, H }: {
  name: StepMetricName;
  H: number;
  a: MetricSeries;
  b: MetricSeries | null;
  sample: number;
  cursor: number | null;
  valueA: number | undefined;
  valueB: number | undefined;
  expected: number | null | undefined;
}) {
  const info = METRIC_INFO[name];
  const max = seriesMax(b ? [a, b] : [a], name === 'entropy' ? Math.log(10) : 1e-3) * 1.05;
  const y = (v: number) => M.top + (1 - v / max) * (H - M.top - M.bottom);
  return (
    <div className="metric" data-testid={`metric-${name}`}>
      <div className="metric-head">
        <span className="metric-title">{info.title}</span>
        <span className="metric-value" data-testid={`metric-value-${name}`} data-a={valueA ?? ''} data-b={valueB ?? ''} data-expected={expected ?? ''}>
          <span className="metric-a">A {fmt(valueA)}</span>
          {b ? <span className="metric-b"> · B {fmt(valueB)}</span> : null}
          {expected !== null && expected !== undefined ? <span className="metric-exp"> · schedule {fmt(expected)}</span> : null}
        </span>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${info.title} over the frames`} data-points={a.x.length}>
        <title>{info.explain}</title>
        <rect x={M.left} y={M.top} width={W - M.left - M.right} height={H - M.top - M.bottom} className="chart-bg" />
        <text x={M.left - 4} y={M.top + 8} className="tick" textAnchor="end">{max.toPrecision(2)}</text>
        <text x={M.left - 4} y={H - M.bottom} className="tick" textAnchor="end">0</text>
        {points(a.x, a.expected, y).map((p, i) => <polyline key={`e${i}`} points={p} className="metric-expected" />)}
        {a.values.map((row, s) =>
          s === sample ? null : points(a.x, row, y).map((p, i) => <polyline key={`o${s}.${i}`} points={p} className="metric-other" />),
        )}
        {b ? points(b.x, b.values[sample] ?? [], y).map((p, i) => <polyline key={`b${i}`} points={p} className="metric-line-b" data-testid="metric-line-b" />) : null}
        {points(a.x, a.values[sample] ?? [], y).map((p, i) => <polyline key={`a${i}`} points={p} className="metric-line-a" />)}
        {cursor !== null ? <line className="cursor" x1={xOf(cursor)} x2={xOf(cursor)} y1={M.top} y2={H - M.bottom} /> : null}
      </svg>
      <Explain id={`metric-${name}`}>
        <p>{info.explain}</p>
      </Explain>
    </div>
  );
}

/** `tall`: presentation mode's charts, twice as tall for the back of a room. */
export function MetricsPanel({ tall = false }: { tall?: boolean }) {
  const run = useApp((s) => s.trajectory.run);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const bRun = useApp(shownCompareRun);
  const bCount = useApp((s) => s.compare.frameCount);
  const sample = useApp((s) => s.view.sample);
  const ia = useApp((s) => shownFrames(s).a);
  const ib = useApp((s) => shownFrames(s).b);
  const config = useApp((s) => s.engine.config);
  const { frames, compareFrames } = useActions();
  const tables = useMemo(() => (config ? scheduleTables(config) : scheduleTables()), [config]);
  const names = STEP_METRICS.filter((n) => n !== 'visibleError' || run?.mode === 'inpaint');
  const series = useMemo(() => {
    if (!run) return null;
    const fa = frames().all().slice(0, frameCount);
    const fb = bRun ? compareFrames().all().slice(0, bCount) : null;
    return Object.fromEntries(
      STEP_METRICS.map((n) => [n, {
        a: metricSeries(fa, n, run.steps, run.batch, tables.alphaBar),
        b: fb && bRun ? metricSeries(fb, n, bRun.steps, bRun.batch, tables.alphaBar) : null,
      }]),
    ) as Record<StepMetricName, { a: MetricSeries; b: MetricSeries | null }>;
    // run: a new run; the counts: frames arrived (frames() is the live buffer).
  }, [run, frameCount, bRun, bCount, frames, compareFrames, tables]);
  return (
    <section className="panel metrics-panel" aria-labelledby="metrics-title" data-testid="metrics-panel">
      <h2 id="metrics-title">Per-step metrics{run && run.batch > 1 ? ` · sample ${sample + 1} of ${run.batch}` : ''}</h2>
      {!series || frameCount === 0 ? (
        <p className="muted">The metrics of each step appear once a trajectory runs.</p>
      ) : (
        <>
          <Explain id="metrics">
            <p>
              Numbers the page reads off every frame, with no extra model call: they show whether a step behaved as the noise
              schedule says it should. Solid: run A{run && run.batch > 1 ? ' (the selected sample; the others faint)' : ''}
              {bRun ? '; dashed: run B at the same fraction of the chain' : ''}; dotted: what the schedule expects.
            </p>
          </Explain>
          {names.map((n) => {
            const { a, b } = series[n];
            const at = a.x.length > 0 ? Math.min(ia, a.x.length - 1) : -1;
            const bAt = b && ib !== null && ib < b.x.length ? ib : -1;
            return (
              <MetricChart
                key={n}
                name={n}
                a={a}
                b={b}
                sample={sample}
                cursor={at >= 0 ? a.x[at]! : null}
                valueA={at >= 0 ? a.values[sample]?.[at] : undefined}
                valueB={b && bAt >= 0 ? b.values[sample]?.[bAt] : undefined}
                expected={at >= 0 ? a.expected[at] : undefined}
                H={tall ? H_TALL : H_SIDE}
              />
            );
          })}
        </>
      )}
    </section>
  );
}
