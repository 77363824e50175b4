/**
 * The representation map: a 2-D view of the joint image-representation setting. The representation is
 * 8-d (whitened PCA of the independent classifier's features); the map plots its first two components,
 * with 2,300 test images as the backdrop (the 300 bundled samples and 2,000 more), coloured by class.
 * The repr head's prediction for the current trajectory moves over it frame by frame, leaving a trail.
 *
 * Clicking the map picks the bundled point nearest to the click (in the two plotted components) and
 * runs representation mode conditioned on that point's full 8-d vector. We take a real point's vector
 * rather than the clicked (u, v) with made-up other components: every condition is then a
 * representation of a real image, as in training, and the other 6 components stay consistent with the
 * first two.
 *
 * Drawn from `store.subscribe` through useStoreCanvas (no React render per frame).
 */
import type { KeyboardEvent as ReactKeyboardEvent, MouseEvent as ReactMouseEvent } from 'react';
import { fromCanvas, mapBounds, neighbourInDirection, pointUV, reprTrail, type AppState, type MapBounds, type MapPoints, type UV } from '../store/index.ts';
import { CLASS_COLORS } from './draw.ts';
import { articleFor } from './labels.ts';
import { drawReprMap } from './repr-draw.ts';
import { useApp, useAppStore } from './store-context.tsx';
import { useStoreCanvas } from './useStoreCanvas.ts';

/** The map's target ring: the pick the next representation run uses, else the current run's. */
function targetOf(s: AppState): number | null {
  if (s.config.mode === 'representation') return s.editor.reprPoint;
  return s.trajectory.run?.reprPoint ?? null;
}

function frameIndexOf(s: AppState): number {
  return Math.min(s.player.frameIndex, Math.max(0, s.trajectory.frameCount - 1));
}

function mapKey(s: AppState): string {
  const t = s.trajectory;
  return `${t.runId}/${t.frameCount > 0 ? frameIndexOf(s) : 'none'}/${s.view.sample}/${targetOf(s)}/${s.samples.points ? s.samples.points.count : 0}`;
}

/** The predicted (u, v) of the selected sample's trail and of the batch's other samples. */
function trajectoryOf(s: AppState, dim: number): { trail: UV[]; others: UV[] } {
  const t = s.trajectory;
  if (!t.run || t.frameCount === 0) return { trail: [], others: [] };
  const frames = s.actions.frames().all();
  const index = frameIndexOf(s);
  const trail = reprTrail(frames, s.view.sample, dim, index);
  const others: UV[] = [];
  const frame = frames[index];
  for (let b = 0; frame && b < t.run.batch; b++) {
    if (b === s.view.sample) continue;
    const u = frame.repr[b * dim];
    const v = frame.repr[b * dim + 1];
    if (u !== undefined && v !== undefined && Number.isFinite(u) && Number.isFinite(v)) others.push({ u, v });
  }
  return { trail, others };
}

const boundsCache = new WeakMap<MapPoints, MapBounds>();
function boundsOf(points: MapPoints): MapBounds {
  let b = boundsCache.get(points);
  if (!b) {
    b = mapBounds(points);
    boundsCache.set(points, b);
  }
  return b;
}

/** Arrow keys as map directions (v upwards, as drawn). */
const ARROW_DIRECTIONS: Readonly<Record<string, readonly [number, number]>> = {
  ArrowRight: [1, 0],
  ArrowLeft: [-1, 0],
  ArrowUp: [0, 1],
  ArrowDown: [0, -1],
};

/**
 * The map canvas; a click picks the nearest point and runs representation mode from it. It is a tab stop:
 * the arrows move the target to the nearest point that way, Enter runs from it (`describedBy`: the live
 * line naming the target).
 */
export function ReprMapCanvas({ size, testId, describedBy }: { size: number; testId: string; describedBy?: string }) {
  const store = useAppStore();
  const canvasRef = useStoreCanvas(mapKey, (ctx, s, canvas) => {
    const points = s.samples.points;
    if (!points) {
      ctx.fillStyle = '#0d1014';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      canvas.dataset['points'] = '0';
      return;
    }
    const bounds = boundsOf(points);
    const drawn = drawReprMap(ctx, { points, bounds, target: targetOf(s), ...trajectoryOf(s, points.dim) });
    // Plain attributes for tests and debugging; set imperatively, no React render involved.
    canvas.dataset['points'] = String(drawn.points);
    canvas.dataset['marker'] = drawn.marker ? `${drawn.marker.x.toFixed(2)},${drawn.marker.y.toFixed(2)}` : '';
    canvas.dataset['target'] = String(targetOf(s) ?? '');
    canvas.dataset['bounds'] = [bounds.u0, bounds.u1, bounds.v0, bounds.v1].join(',');
    canvas.dataset['runId'] = s.trajectory.runId ?? '';
    canvas.dataset['frameIndex'] = s.trajectory.frameCount > 0 ? String(frameIndexOf(s)) : '';
  });

  const onClick = (e: ReactMouseEvent<HTMLCanvasElement>) => {
    const s = store.getState();
    const points = s.samples.points;
    if (!points) return;
    const r = e.currentTarget.getBoundingClientRect();
    const xy = { x: ((e.clientX - r.left) / r.width) * size, y: ((e.clientY - r.top) / r.height) * size };
    void s.actions.runFromMap(fromCanvas(boundsOf(points), size, xy));
  };

  // The keyboard: arrows move the target (white ring) to the nearest point that way, Enter runs from it.
  const onKeyDown = (e: ReactKeyboardEvent<HTMLCanvasElement>) => {
    const s = store.getState();
    const points = s.samples.points;
    if (!points || e.altKey || e.ctrlKey || e.metaKey) return;
    const dir = ARROW_DIRECTIONS[e.key];
    if (dir) {
      s.actions.pickReprPoint(neighbourInDirection(points, s.editor.reprPoint, dir[0], dir[1]));
    } else if (e.key === 'Enter' || e.key === ' ') {
      void s.actions.runFromMap(pointUV(points, s.editor.reprPoint));
    } else {
      return;
    }
    e.preventDefault(); // the page's shortcuts leave a handled key alone
  };

  return (
    <canvas
      ref={canvasRef}
      className="repr-map"
      width={size}
      height={size}
      data-testid={testId}
      role="img"
      tabIndex={0}
      aria-label="Map of the first two representation components of the test set, coloured by class; the marker is the representation head's prediction at the current frame. Click, or use the arrow keys and Enter, to condition a run on a point."
      aria-describedby={describedBy}
      onClick={onClick}
      onKeyDown={onKeyDown}
    />
  );
}

/** Class colours of the map, as real text. */
export function ClassLegend() {
  const fromSamples = useApp((s) => s.samples.classNames);
  const fromConfig = useApp((s) => s.engine.config?.classNames);
  const names = fromSamples.length ? fromSamples : (fromConfig ?? []);
  return (
    <ul className="class-legend" aria-label="Class colours" data-testid="class-legend">
      {names.map((name, c) => (
        <li key={name}>
          <span className="swatch" style={{ background: CLASS_COLORS[c] }} aria-hidden="true" />
          {name}
        </li>
      ))}
    </ul>
  );
}

function PickedPoint() {
  const point = useApp((s) => s.editor.reprPoint);
  const points = useApp((s) => s.samples.points);
  const names = useApp((s) => s.samples.classNames);
  if (!points || point >= points.count) return null;
  const label = points.labels[point]!;
  const name = names[label] ?? `class ${label}`;
  const bundled = point < points.sampleCount;
  return (
    <p className="small picked" id="picked-point" aria-live="polite" data-testid="picked-point">
      Target: point #{point} ({bundled ? `bundled test image #${point}` : 'backdrop'}), {articleFor(name)} <strong>{name}</strong>.
    </p>
  );
}

/** Representation mode's input panel (left column). */
export function ReprPanel() {
  const mode = useApp((s) => s.config.mode);
  const status = useApp((s) => s.samples.status);
  const hasPoints = useApp((s) => s.samples.points !== null);
  if (mode !== 'representation') return null;
  return (
    <section className="panel repr-panel" aria-labelledby="repr-title">
      <h2 id="repr-title">Target representation</h2>
      <p className="muted small">
        Components 1 and 2 of the 8-d representation (whitened PCA of an independent classifier&apos;s features) for 2,300 test images.{' '}
        <strong>Click the map</strong> to condition a run on the nearest image&apos;s full 8-d representation.
      </p>
      {hasPoints ? <ReprMapCanvas size={320} testId="repr-map" describedBy="picked-point" /> : <p className="muted">{status === 'loading' ? 'Loading the map…' : 'No representations in the bundled samples.'}</p>}
      <PickedPoint />
      <ClassLegend />
    </section>
  );
}
