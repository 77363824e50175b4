/**
 * The main canvas: the current frame of the trajectory, drawn as the selected head. It is drawn from
 * `store.subscribe` (never through React state): a frame change redraws the canvas without rendering
 * any component. Batch 16 shows a 4x4 grid; a cell is a button that selects the sample for the label chart.
 * The representation head is not an image: its view is the representation map (ReprMap.tsx).
 */
import type { KeyboardEvent } from 'react';
import { NUM_CLASSES, type AppState } from '../store/index.ts';
import { CANVAS_SIZE, cellOrigin, clearCanvas, drawFrame } from './draw.ts';
import { HEAD_INFO } from './labels.ts';
import { ClassLegend, ReprMapCanvas } from './ReprMap.tsx';
import { useActions, useApp } from './store-context.tsx';
import { useStoreCanvas } from './useStoreCanvas.ts';

/** Everything a drawing depends on; the canvas redraws only when this key changes. */
function drawKey(s: AppState): string {
  const t = s.trajectory;
  const index = Math.min(s.player.frameIndex, Math.max(0, t.frameCount - 1));
  const live = s.view.head === 'drift' ? `/${t.frameCount}` : '';
  return `${t.runId}/${t.frameCount > 0 ? index : 'none'}/${s.view.head}/${s.view.sample}/${s.view.showMask}/${s.samples.classNames.length}${live}`;
}

function FrameCanvas() {
  const canvasRef = useStoreCanvas(drawKey, (ctx, s, canvas) => {
    const t = s.trajectory;
    const index = Math.min(s.player.frameIndex, Math.max(0, t.frameCount - 1));
    const frame = t.frameCount > 0 ? s.actions.getFrame(index) : undefined;
    if (!frame || !t.run) {
      clearCanvas(ctx);
      canvas.dataset['runId'] = '';
      canvas.dataset['frameIndex'] = '';
    } else {
      drawFrame(ctx, frame, {
        head: s.view.head,
        batch: t.run.batch,
        selected: s.view.sample,
        mask: s.view.showMask && t.run.mask ? t.run.mask : null,
        givenSketch: s.view.showMask ? t.run.sketch : null,
        driftScale: s.actions.frames().driftMaxAbs,
        classNames: s.samples.classNames.length ? s.samples.classNames : (s.engine.config?.classNames ?? []),
      });
      // Plain attributes for tests and debugging; set imperatively, no React render involved.
      canvas.dataset['runId'] = frame.runId;
      canvas.dataset['frameIndex'] = String(frame.index);
      canvas.dataset['t'] = String(frame.t);
    }
    canvas.dataset['head'] = s.view.head;
    canvas.dataset['draws'] = String(Number(canvas.dataset['draws'] ?? '0') + 1);
  });

  return (
    <canvas
      ref={canvasRef}
      className="frame-canvas"
      width={CANVAS_SIZE}
      height={CANVAS_SIZE}
      data-testid="frame-canvas"
      role="img"
      aria-label="The current frame of the trajectory, drawn as the selected head"
    />
  );
}

/** What the label head reads for sample `i` of `frame`: its most likely class and probability. */
function cellReading(probs: Float32Array | undefined, i: number, batch: number, names: readonly string[]): string {
  if (!probs) return '';
  const k = Math.round(probs.length / batch); // the model's classes (labelProbs is B*K)
  let best = 0;
  for (let c = 1; c < k; c++) if ((probs[i * k + c] ?? 0) > (probs[i * k + best] ?? 0)) best = c;
  return `: the label head reads ${names[best] ?? `class ${best}`} (${Math.round((probs[i * k + best] ?? 0) * 100)}%)`;
}

/**
 * Buttons over the 16 grid cells: click, or Enter/Space, selects the sample the label chart follows. One
 * tab stop (the selected cell); the arrow keys move within the 4x4 grid when it has the keyboard focus.
 */
function GridCells() {
  const batch = useApp((s) => s.trajectory.run?.batch ?? 1);
  const sample = useApp((s) => s.view.sample);
  const mapView = useApp((s) => s.view.head === 'repr');
  const index = useApp((s) => Math.min(s.player.frameIndex, Math.max(0, s.trajectory.frameCount - 1)));
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const names = useApp((s) => s.samples.classNames);
  const { selectSample, getFrame } = useActions();
  if (batch === 1 || mapView) return null;
  const probs = frameCount > 0 ? getFrame(index)?.labelProbs : undefined;
  const cols = Math.round(Math.sqrt(batch));
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, i: number) => {
    // A clicked cell leaves the arrows to the player; a cell reached with the keyboard moves within the grid.
    if (!e.currentTarget.matches(':focus-visible')) return;
    const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols };
    const delta = step[e.key];
    if (delta === undefined) return;
    e.preventDefault();
    const next = i + delta;
    if (next < 0 || next >= batch || (Math.abs(delta) === 1 && Math.floor(next / cols) !== Math.floor(i / cols))) return;
    selectSample(next);
    (e.currentTarget.parentElement?.children[next] as HTMLElement | undefined)?.focus();
  };
  return (
    <div className="grid-cells" role="group" aria-label={`Samples in the batch (${batch}); arrows move, Enter selects`}>
      {Array.from({ length: batch }, (_, i) => {
        const { x, y, cell } = cellOrigin(i, batch);
        const pct = (v: number) => `${(v / CANVAS_SIZE) * 100}%`;
        return (
          <button
            key={i}
            type="button"
            className="grid-cell"
            style={{ left: pct(x), top: pct(y), width: pct(cell), height: pct(cell) }}
            aria-label={`Sample #${i} of ${batch}${cellReading(probs, i, batch, names)}`}
            aria-pressed={sample === i}
            tabIndex={sample === i ? 0 : -1}
            onClick={() => selectSample(i)}
            onKeyDown={(e) => onKeyDown(e, i)}
            data-testid={`grid-cell-${i}`}
          />
        );
      })}
    </div>
  );
}

function EmptyState() {
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const status = useApp((s) => s.engine.status);
  if (frameCount > 0) return null;
  return (
    <div className="empty-state" aria-hidden="true">
      {status === 'ready' ? (
        <p>
          Press <strong>Generate</strong> to start a trajectory.
        </p>
      ) : status === 'error' ? (
        <p>The model could not start. See Status.</p>
      ) : (
        <p>Loading the model…</p>
      )}
    </div>
  );
}

function Caption() {
  const head = useApp((s) => s.view.head);
  const batch = useApp((s) => s.trajectory.run?.batch ?? 1);
  const sample = useApp((s) => s.view.sample);
  const hasMask = useApp((s) => (s.trajectory.run?.mask ?? null) !== null);
  const hasSketch = useApp((s) => (s.trajectory.run?.sketch ?? null) !== null);
  const showMask = useApp((s) => s.view.showMask);
  // The drift colour scale grows as frames arrive: re-read it when the frame count changes.
  const driftScale = useApp((s) => (s.view.head === 'drift' && s.trajectory.frameCount > 0 ? s.actions.frames().driftMaxAbs : 0));
  const { setShowMask } = useActions();
  const info = HEAD_INFO[head];
  const clickable = head === 'repr' ? ' Click the map to condition a representation run on the nearest point.' : '';
  return (
    <div className="viewer-caption">
      <p>
        <strong>{info.title}</strong> — {info.description}
        {batch > 1 ? ` Sample #${sample} of ${batch} is selected${head === 'repr' ? ' (the trail; white dots: the others)' : ' (click a cell to change)'}.` : ''}
        {clickable}
      </p>
      {head === 'drift' && (
        <p className="legend">
          <span className="swatch swatch-neg" aria-hidden="true" /> below 0 <span className="swatch swatch-zero" aria-hidden="true" /> 0{' '}
          <span className="swatch swatch-pos" aria-hidden="true" /> above 0 · full colour at |ĉ| = {driftScale.toPrecision(3)} (the largest in
          this trajectory)
        </p>
      )}
      {head === 'repr' && <ClassLegend />}
      {hasSketch && head === 'sketch' && (
        <label className="inline-check">
          <input type="checkbox" checked={showMask} onChange={(e) => setShowMask(e.target.checked)} data-testid="show-given-sketch" />
          Tint the given sketch&apos;s edges <span className="swatch swatch-sketch" aria-hidden="true" />
        </label>
      )}
      {hasMask && head !== 'label' && head !== 'drift' && head !== 'repr' && (
        <label className="inline-check">
          <input type="checkbox" checked={showMask} onChange={(e) => setShowMask(e.target.checked)} />
          Tint the hidden (generated) region <span className="swatch swatch-mask" aria-hidden="true" />
        </label>
      )}
    </div>
  );
}

/**
 * Why the drift view is black, on the canvas: a mode without a condition has no drift, and where there is
 * one, kappa_t (core/drift.ts) is 0 at t = 0 and ~0 at t = T, and joint's label drift waits for commitment.
 */
function driftBlank(s: AppState): string | null {
  const t = s.trajectory;
  if (s.view.head !== 'drift' || !t.run || t.frameCount === 0) return null;
  const frame = s.actions.getFrame(Math.min(s.player.frameIndex, t.frameCount - 1));
  // Below 1e-4 the view is black (κ_T ~ 1e-16 leaves values that are not exactly 0).
  if (!frame || frame.drift.some((v) => Math.abs(v) > 1e-4)) return null;
  if (t.run.mode === 'classify') return 'No drift in classify: it runs the forward process q(z_t | x), noise without a condition.';
  if (t.run.mode === 'unconditional') return 'No drift in unconditional generation: there is no condition to drift toward.';
  if (frame.t === 0) return 'Blank at the last frame: κ₀ = 0, so ĉ₀ = κ₀ E = 0 and z₀ = y₀ (the drift is a bump in the middle of the chain).';
  if (frame.t >= (s.engine.config?.schedule.T ?? 1000) * 0.99) return 'Blank at the start: κ_T ≈ 0, so z_T carries no drift yet (it grows toward the middle of the chain).';
  if (t.run.mode === 'joint') return 'No drift yet: the label is not committed (label commitment): its drift joins once the label head is sure enough.';
  return 'ĉ_t = 0 at this frame.';
}

/**
 * The label head's reading at the frame shown, in a corner of the canvas (batch 1, image heads): the label
 * at each step beside x̂₀ or z_t, without looking away to the label panel.
 */
function stepLabel(s: AppState): string | null {
  const t = s.trajectory;
  const head = s.view.head;
  if (!t.run || t.run.batch !== 1 || t.frameCount === 0 || head === 'label' || head === 'repr' || head === 'drift') return null;
  const frame = s.actions.getFrame(Math.min(s.player.frameIndex, t.frameCount - 1));
  if (!frame) return null;
  const p = frame.labelProbs.subarray(0, NUM_CLASSES);
  let best = 0;
  for (let c = 1; c < NUM_CLASSES; c++) if (p[c]! > p[best]!) best = c;
  const names = s.samples.classNames.length ? s.samples.classNames : (s.engine.config?.classNames ?? []);
  return `label head: ${names[best] ?? `class ${best}`} ${(p[best]! * 100).toFixed(0)}%`;
}

function StepLabel() {
  const text = useApp(stepLabel);
  if (text === null) return null;
  return (
    <p className="canvas-tag" aria-hidden="true" data-testid="step-label">
      {text}
    </p>
  );
}

function DriftNote() {
  const text = useApp(driftBlank);
  if (text === null) return null;
  return (
    <p className="canvas-note" role="note" data-testid="drift-note">
      {text}
    </p>
  );
}

function StaleNotice() {
  const stale = useApp((s) => s.trajectory.stale);
  const status = useApp((s) => s.trajectory.status);
  if (!stale) return null;
  return (
    <p className="notice" role="status">
      {status === 'cancelled' ? 'Run stopped: the settings changed. ' : 'The settings changed since this trajectory was made. '}
      Press Generate to apply them.
    </p>
  );
}

/** The frame canvas, or for the representation head its map. */
function HeadView() {
  const mapView = useApp((s) => s.view.head === 'repr');
  return mapView ? <ReprMapCanvas size={512} testId="repr-map-view" /> : <FrameCanvas />;
}

export function Viewer() {
  return (
    <section className="panel viewer" aria-labelledby="viewer-title">
      <h2 id="viewer-title" className="visually-hidden">
        Trajectory
      </h2>
      <div className="canvas-box">
        <div className="canvas-wrap">
          <HeadView />
          <GridCells />
          <EmptyState />
          <DriftNote />
          <StepLabel />
        </div>
      </div>
      <Caption />
      <StaleNotice />
    </section>
  );
}
