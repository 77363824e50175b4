/**
 * The label head of the selected sample: its 10 class probabilities at the current frame (bars, with
 * text), and a chart of all 10 probabilities and the entropy over the whole trajectory with a cursor at
 * the current frame. The chart is a small hand-drawn SVG (11 polylines): no chart dependency, real DOM
 * that tests and screen readers can read, and it redraws only when frames arrive, not when scrubbing
 * (the cursor is its own element). Inpainting with paste: the chart shows a running mean by default (paste
 * re-noises the visible pixels every step and the head's reading jumps with it), says so, and offers the
 * same start without paste, to tell paste's effect from the drift's.
 */
import { useState } from 'react';
import { entropy } from '../core/metrics.ts';
import { LABEL_SMOOTHING, NUM_CLASSES, argmaxSeries, classesOf, labelFlips, smoothSeries } from '../store/index.ts';
import { ChartGrid } from './ChartGrid.tsx';
import { CLASS_COLORS } from './draw.ts';
import { useActions, useApp } from './store-context.tsx';

const W = 320;
const H = 150;
const M = { left: 30, right: 34, top: 8, bottom: 22 };
/** The largest entropy of K classes, ln K (nats): the chart's right axis ends there. */
const maxEntropy = (k: number): number => Math.log(Math.max(2, k));

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
  const k = frame ? classesOf(frame) : names.length;
  const probs = frame ? frame.labelProbs.subarray(sample * k, (sample + 1) * k) : null;
  let best = -1;
  if (probs) for (let c = 0; c < k; c++) if (best < 0 || probs[c]! > probs[best]!) best = c;
  return (
    <div>
      <p className="label-summary" aria-live="off">
        {probs && best >= 0 ? (
          <>
            Most likely: <strong>{names[best]}</strong> ({(probs[best]! * 100).toFixed(1)}%) · entropy {entropy(probs).toFixed(2)} nats (max{' '}
            {maxEntropy(k).toFixed(2)})
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
        {names.slice(0, k).map((name, c) => {
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

/** The frame from which the most likely class never changes again (null: no frames). */
function settledAt(classes: readonly number[]): number | null {
  if (classes.length === 0) return null;
  let f = classes.length - 1;
  while (f > 0 && classes[f - 1] === classes[f]) f--;
  return f;
}

/**
 * Under the chart of a paste run: why the reading jumps, the smoothing switch, and the same start without
 * paste (a branch from step 0 with paste off: the same z_T, the drift alone).
 */
function PasteNote({ raw, shown, smooth, onSmooth }: { raw: number; shown: number; smooth: boolean; onSmooth: (on: boolean) => void }) {
  const running = useApp((s) => s.trajectory.status === 'running');
  const { setConfig, branch } = useActions();
  return (
    <div className="run-note" role="note" data-testid="paste-note">
      <p>
        The label head reads z<sub>t</sub>. With paste, every step puts the visible pixels back with fresh noise, so its reading jumps
        between close classes: the most likely class changes {raw} times over the run
        {smooth ? `; the chart shows a ${LABEL_SMOOTHING}-frame running mean (${shown} changes)` : ''}.
      </p>
      <div className="note-actions">
        <label className="inline-check">
          <input type="checkbox" checked={smooth} onChange={(e) => onSmooth(e.target.checked)} data-testid="label-smooth" />
          Smooth the chart ({LABEL_SMOOTHING}-frame mean)
        </label>
        <button
          type="button"
          disabled={running}
          title="A branch from step 0 with paste off: the same starting noise, the drift alone"
          onClick={() => {
            setConfig({ paste: false });
            void branch(0);
          }}
          data-testid="same-noise-no-paste"
        >
          Same noise without paste
        </button>
      </div>
    </div>
  );
}

function Chart() {
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const total = useApp((s) => s.trajectory.expectedFrames);
  const runId = useApp((s) => s.trajectory.runId);
  const sample = useApp((s) => s.view.sample);
  const mode = useApp((s) => s.trajectory.run?.mode);
  const pasteRun = useApp((s) => s.trajectory.run?.mode === 'inpaint' && s.trajectory.run.paste);
  const commit = useApp((s) => s.trajectory.run?.labelCommit ?? 0);
  const [smooth, setSmooth] = useState(true);
  const { frames } = useActions();
  const k = useClassNames().length;
  const series = frames().labelSeries(sample, frameCount);
  const smoothed = pasteRun && smooth;
  const probs = smoothed ? smoothSeries(series.probs) : series.probs;
  const entropies = smoothed ? probs.map((p) => entropy(p)) : series.entropy;
  const flipsRaw = labelFlips(series.probs);
  const flipsShown = smoothed ? labelFlips(probs) : flipsRaw;
  const settled = settledAt(argmaxSeries(series.probs));
  const n = Math.max(total, frameCount, 2);
  const y = (p: number) => M.top + (1 - p) * (H - M.top - M.bottom);
  const yEnt = (h: number) => y(h / maxEntropy(k));
  const lines = Array.from({ length: k }, (_, c) => probs.map((p, i) => `${xOf(i, n).toFixed(1)},${y(p[c] ?? 0).toFixed(1)}`).join(' '));
  const ent = entropies.map((h, i) => `${xOf(i, n).toFixed(1)},${yEnt(h).toFixed(1)}`).join(' ');
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
        data-smoothed={smoothed ? '1' : '0'}
        data-flips={flipsShown}
        data-flips-raw={flipsRaw}
      >
        <ChartGrid box={{ width: W, height: H, margin: M }} rightLabel={(p) => (p * maxEntropy(k)).toFixed(1)} rightClass="ent-tick" />
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
        {settled !== null && frameCount >= total && mode !== 'classify' ? (
          <span data-testid="label-settled">
            {' '}
            The most likely class settles at frame {settled} of {frameCount - 1}
            {mode === 'joint' && settled < frameCount / 4
              ? `: in joint generation the label is generated with the image. ${commit > 0 ? `Once the label head is ${commit.toFixed(2)} sure (label commitment), the` : 'The'} label's drift joins z_t and pulls the image toward that class, so the reading locks early and the lines stay flat. Scrub the first frames to see it decide.`
              : '.'}
          </span>
        ) : null}
      </figcaption>
      {pasteRun ? <PasteNote raw={flipsRaw} shown={flipsShown} smooth={smooth} onSmooth={setSmooth} /> : null}
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
