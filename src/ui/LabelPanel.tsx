/**
 * The label head of the selected sample: its 10 class probabilities at the current frame (bars, with
 * text), and a chart of all 10 probabilities and the entropy over the whole trajectory with a cursor at
 * the current frame. The chart is a small hand-drawn SVG (11 polylines): no chart dependency, real DOM
 * that tests and screen readers can read, and it redraws only when frames arrive, not when scrubbing
 * (the cursor is its own element).
 */
import { entropy } from '../core/metrics.ts';
import { NUM_CLASSES } from '../store/index.ts';
import { ChartGrid } from './ChartGrid.tsx';
import { CLASS_COLORS } from './draw.ts';
import { useActions, useApp } from './store-context.tsx';

const W = 320;
const H = 150;
const M = { left: 30, right: 34, top: 8, bottom: 22 };
const LN10 = Math.log(10);

function useClassNames(): readonly string[] {
  const fromSamples = useApp((s) => s.samples.classNames);
  const fromConfig = useApp((s) => s.engine.config?.classNames);
  return fromSamples.length ? fromSamples : (fromConfig ?? Array.from({ length: NUM_CLASSES }, (_, i) => `class ${i}`));
}

function Bars() {
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const sample = useApp((s) => s.view.sample);
  const trueLabel = useApp((s) => s.trajectory.run?.trueLabel ?? null);
  const { getFrame } = useActions();
  const names = useClassNames();
  const frame = frameCount > 0 ? getFrame(Math.min(frameIndex, frameCount - 1)) : undefined;
  const probs = frame ? frame.labelProbs.subarray(sample * NUM_CLASSES, (sample + 1) * NUM_CLASSES) : null;
  let best = -1;
  if (probs) for (let c = 0; c < NUM_CLASSES; c++) if (best < 0 || probs[c]! > probs[best]!) best = c;
  return (
    <div>
      <p className="label-summary" aria-live="off">
        {probs && best >= 0 ? (
          <>
            Most likely: <strong>{names[best]}</strong> ({(probs[best]! * 100).toFixed(1)}%) · entropy {entropy(probs).toFixed(2)} nats (max{' '}
            {LN10.toFixed(2)})
            {trueLabel !== null ? (
              <>
                {' '}
                · true class: <strong>{names[trueLabel]}</strong>
              </>
            ) : null}
          </>
        ) : (
          <span className="muted">The label head appears once a trajectory runs.</span>
        )}
      </p>
      <ul className="bars" aria-label="Class probabilities at the current frame">
        {names.slice(0, NUM_CLASSES).map((name, c) => {
          const p = probs ? (probs[c] ?? 0) : 0;
          return (
            <li key={name} className={c === best ? 'best' : undefined}>
              <span className="bar-name">
                <span className="swatch" style={{ background: CLASS_COLORS[c] }} aria-hidden="true" />
                {name}
              </span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar-fill" style={{ width: `${(p * 100).toFixed(1)}%`, background: CLASS_COLORS[c] }} />
              </span>
              <span className="bar-value">{probs ? `${(p * 100).toFixed(1)}%` : '—'}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function xOf(i: number, n: number): number {
  return M.left + (n <= 1 ? 0 : (i / (n - 1)) * (W - M.left - M.right));
}

function Cursor({ total }: { total: number }) {
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  if (frameCount === 0) return null;
  const x = xOf(Math.min(frameIndex, frameCount - 1), total);
  return <line className="cursor" x1={x} x2={x} y1={M.top} y2={H - M.bottom} data-testid="chart-cursor" data-frame={frameIndex} />;
}

function Chart() {
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const total = useApp((s) => s.trajectory.expectedFrames);
  const runId = useApp((s) => s.trajectory.runId);
  const sample = useApp((s) => s.view.sample);
  const mode = useApp((s) => s.trajectory.run?.mode);
  const { frames } = useActions();
  const series = frames().labelSeries(sample, frameCount);
  const n = Math.max(total, frameCount, 2);
  const y = (p: number) => M.top + (1 - p) * (H - M.top - M.bottom);
  const yEnt = (h: number) => y(h / LN10);
  const lines = Array.from({ length: NUM_CLASSES }, (_, c) =>
    series.probs.map((p, i) => `${xOf(i, n).toFixed(1)},${y(p[c] ?? 0).toFixed(1)}`).join(' '),
  );
  const ent = series.entropy.map((h, i) => `${xOf(i, n).toFixed(1)},${yEnt(h).toFixed(1)}`).join(' ');
  const tFirst = series.t[0];
  const tLast = series.t[series.t.length - 1];
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Class probabilities and entropy over ${frameCount} frames of the trajectory`}
        data-testid="label-chart"
        data-points={frameCount}
        data-run-id={runId ?? ''}
      >
        <ChartGrid box={{ width: W, height: H, margin: M }} rightLabel={(p) => (p * LN10).toFixed(1)} rightClass="ent-tick" />
        {lines.map((pts, c) =>
          pts ? <polyline key={c} points={pts} fill="none" stroke={CLASS_COLORS[c]} strokeWidth={1.5} data-class={c} /> : null,
        )}
        {ent ? <polyline points={ent} fill="none" className="entropy-line" data-testid="entropy-line" /> : null}
        <Cursor total={n} />
        <text x={M.left} y={H - 6} className="tick" textAnchor="start">
          {tFirst !== undefined ? `t=${tFirst}` : ''}
        </text>
        <text x={W - M.right} y={H - 6} className="tick" textAnchor="end">
          {tLast !== undefined && frameCount >= total ? `t=${tLast}` : ''}
        </text>
        <text x={W / 2} y={H - 6} className="tick" textAnchor="middle">
          {mode === 'classify' ? 'frame (diffused forward) →' : 'frame (denoising) →'}
        </text>
      </svg>
      <figcaption>
        Left axis: probability of each class (colours as in the bars). Right axis and dashed line: entropy (nats). The vertical
        line is the current frame.
      </figcaption>
    </figure>
  );
}

export function LabelPanel() {
  const sample = useApp((s) => s.view.sample);
  const batch = useApp((s) => s.trajectory.run?.batch ?? 1);
  return (
    <section className="panel label-panel" aria-labelledby="label-title">
      <h2 id="label-title">
        Label head{batch > 1 ? ` · sample #${sample} of ${batch}` : ''}
      </h2>
      <Bars />
      <Chart />
    </section>
  );
}
