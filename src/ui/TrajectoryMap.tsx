/**
 * The trajectory map: each run's x^_0 (or z_t, switchable) projected on the fixed PCA plane of the test images
 * (store/trajectory-map.ts), one path per sample over the frames; run A solid (the selected sample bold),
 * compare's B dashed; a ring where each path starts, a dot at the frame shown (tied to the scrubber, filled
 * with the label head's class); the test images as a faint backdrop coloured by class.
 */
import { useMemo, useState } from 'react';
import { argmax } from '../core/metrics.ts';
import { NUM_CLASSES, shownCompareRun, shownFrames } from '../store/index.ts';
import { MAP_FIELDS, trajectoryPaths, type MapField } from '../store/trajectory-map.ts';
import { CLASS_COLORS } from './draw.ts';
import { ClassLegend } from './ReprMap.tsx';
import { useActions, useApp } from './store-context.tsx';
import { Explain } from './teach/Explain.tsx';
import './lab.css';

const SIZE = 360;
const PAD = 10;

const FIELD_LABEL: Record<MapField, string> = { x0Hat: 'x̂₀', z: 'z_t' };

type Path = [number, number][];

/** A square box around every point given (u, v pairs), with a margin. */
function bounds(coords: Float64Array, paths: readonly Path[]): { cu: number; cv: number; half: number } {
  let u0 = Infinity;
  let u1 = -Infinity;
  let v0 = Infinity;
  let v1 = -Infinity;
  const add = (u: number, v: number) => {
    u0 = Math.min(u0, u);
    u1 = Math.max(u1, u);
    v0 = Math.min(v0, v);
    v1 = Math.max(v1, v);
  };
  for (let i = 0; i + 1 < coords.length; i += 2) add(coords[i]!, coords[i + 1]!);
  for (const p of paths) for (const [u, v] of p) add(u, v);
  if (!Number.isFinite(u0 + u1 + v0 + v1)) return { cu: 0, cv: 0, half: 1 };
  return { cu: (u0 + u1) / 2, cv: (v0 + v1) / 2, half: (Math.max(u1 - u0, v1 - v0, 1e-6) / 2) * 1.05 };
}

export function TrajectoryMap() {
  const [field, setField] = useState<MapField>('x0Hat');
  const projection = useApp((s) => s.samples.projection);
  const error = useApp((s) => s.samples.projectionError);
  const run = useApp((s) => s.trajectory.run);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const bRun = useApp(shownCompareRun);
  const bCount = useApp((s) => s.compare.frameCount);
  const sample = useApp((s) => s.view.sample);
  const ia = useApp((s) => shownFrames(s).a);
  const ib = useApp((s) => shownFrames(s).b);
  const { frames, compareFrames, getFrame } = useActions();

  const paths = useMemo(() => {
    if (!projection || !run) return null;
    const a = trajectoryPaths(projection, frames().all().slice(0, frameCount), field, run.batch);
    const b = bRun ? trajectoryPaths(projection, compareFrames().all().slice(0, bCount), field, bRun.batch) : null;
    return { a, b };
  }, [projection, run, frameCount, bRun, bCount, field, frames, compareFrames]);
  const box = useMemo(() => (projection ? bounds(projection.coords, paths ? [...paths.a, ...(paths.b ?? [])] : []) : null), [projection, paths]);

  const explain = (
    <Explain id="trajectory-map">
      <p>
        Every 32×32 image is a point in 1,024 dimensions. This map flattens them onto the two directions along which the test images
        vary most (their principal components, computed once by the training pipeline; {projection ? `${Math.round((projection.explained[0] + projection.explained[1]) * 100)}%` : 'a share'} of
        the variance). Faint dots are real test images by class; each line is where a run’s {FIELD_LABEL[field]} went, step by step:
        from the ring (the first frame) to the dot (the frame shown).
      </p>
    </Explain>
  );

  let body;
  if (error) {
    body = (
      <p className="error-box" role="alert" data-testid="trajectory-map-error">
        The trajectory map is unavailable: {error}
      </p>
    );
  } else if (!projection || !box) {
    body = <p className="muted">Loading the map…</p>;
  } else {
    const scale = (SIZE - 2 * PAD) / (2 * box.half);
    const X = (u: number) => PAD + (u - box.cu + box.half) * scale;
    const Y = (v: number) => PAD + (box.cv + box.half - v) * scale; // v up
    const pts = (p: Path) => p.map(([u, v]) => `${X(u).toFixed(1)},${Y(v).toFixed(1)}`).join(' ');
    const frameA = run ? getFrame(ia) : undefined;
    const cls = frameA ? argmax(frameA.labelProbs.subarray(sample * NUM_CLASSES, (sample + 1) * NUM_CLASSES)) : -1;
    const marker = paths?.a[sample]?.[ia];
    const markerB = paths?.b && ib !== null ? paths.b[sample]?.[ib] : undefined;
    const backdrop = [];
    for (let i = 0; i < projection.labels.length; i++) {
      backdrop.push(<circle key={i} cx={X(projection.coords[2 * i]!)} cy={Y(projection.coords[2 * i + 1]!)} r={1.3} fill={CLASS_COLORS[projection.labels[i]!]} />);
    }
    body = (
      <svg
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        className="trajectory-svg"
        role="img"
        aria-label={`Paths of ${FIELD_LABEL[field]} over the frames on the test images' principal-component plane`}
        data-testid="trajectory-map"
        data-field={field}
        data-backdrop={projection.labels.length}
        data-paths={paths?.a.length ?? 0}
        data-paths-b={paths?.b?.length ?? 0}
        data-frame-index={run ? ia : ''}
        data-points={paths?.a[sample]?.length ?? 0}
      >
        <rect x={0} y={0} width={SIZE} height={SIZE} className="chart-bg" />
        <g className="trajectory-backdrop" opacity={0.35}>{backdrop}</g>
        {paths?.b?.map((p, b) => (
          <polyline key={`b${b}`} points={pts(p)} className={b === sample ? 'traj-b traj-selected' : 'traj-b'} data-testid={b === sample ? 'trajectory-path-b' : undefined} />
        ))}
        {paths?.a.map((p, b) => (
          <polyline key={`a${b}`} points={pts(p)} className={b === sample ? 'traj-a traj-selected' : 'traj-a'} data-testid={b === sample ? 'trajectory-path' : undefined} />
        ))}
        {paths?.a[sample]?.[0] ? <circle cx={X(paths.a[sample][0][0])} cy={Y(paths.a[sample][0][1])} r={4} className="traj-start" /> : null}
        {markerB ? <circle cx={X(markerB[0])} cy={Y(markerB[1])} r={4.5} className="traj-marker-b" data-testid="trajectory-marker-b" /> : null}
        {marker ? (
          <circle
            cx={X(marker[0])}
            cy={Y(marker[1])}
            r={5.5}
            className="traj-marker"
            fill={cls >= 0 ? CLASS_COLORS[cls] : '#fff'}
            data-testid="trajectory-marker"
            data-u={marker[0]}
            data-v={marker[1]}
          />
        ) : null}
      </svg>
    );
  }

  return (
    <section className="panel trajectory-map" aria-labelledby="trajectory-map-title" data-testid="trajectory-map-panel">
      <h2 id="trajectory-map-title">Trajectory map</h2>
      <div className="trajectory-fields" role="radiogroup" aria-label="What the map draws">
        {MAP_FIELDS.map((f) => (
          <label key={f} className="inline-check">
            <input type="radio" name="trajectory-field" checked={field === f} onChange={() => setField(f)} data-testid={`trajectory-field-${f}`} />
            {FIELD_LABEL[f]}
          </label>
        ))}
        {run && bRun ? <span className="muted"> · A solid, B dashed</span> : null}
      </div>
      {explain}
      {body}
      <ClassLegend testId="trajectory-legend" />
    </section>
  );
}
