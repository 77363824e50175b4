/**
 * Compare: run A (the trajectory above) and run B from the same starting noise (same seed, so frame 0 is
 * the same z_T) with another sampler, η, label-head guidance, drift guidance or step count (A/B at two
 * guidance scales), side by side under one scrubber, with a per-step difference readout. B's frame is the one at the same fraction of the chain as A's.
 */
import type { SamplerName } from '../engine/protocol.ts';
import {
  MAX_DRIFT_GUIDANCE,
  MAX_LABEL_GUIDANCE,
  SAMPLERS,
  SAMPLER_INFO,
  STEP_PRESETS,
  CLASSIFY_NO_COMPARE,
  driftGuidanceApplies,
  frameDiff,
  labelGuidanceApplies,
  shownFrames,
  type AppState,
} from '../store/index.ts';
import { drawFrame, clearCanvas } from './draw.ts';
import { samplerLabel } from './labels.ts';
import { useActions, useApp, useAppStore } from './store-context.tsx';
import { Explain } from './teach/Explain.tsx';
import { useStoreCanvas } from './useStoreCanvas.ts';

const SIZE = 256;

function SideCanvas({ side }: { side: 'A' | 'B' }) {
  const ref = useStoreCanvas(
    (s) => {
      const { a, b } = shownFrames(s);
      return `${side}/${s.trajectory.runId}/${s.compare.runId}/${side === 'A' ? a : b}/${s.view.head}/${s.view.sample}/${s.compare.frameCount > 0}`;
    },
    (ctx, s, canvas) => {
      const { a, b } = shownFrames(s);
      const frame = side === 'A' ? s.actions.getFrame(a) : b === null ? undefined : s.actions.getCompareFrame(b);
      const run = side === 'A' ? s.trajectory.run : s.compare.run;
      if (!frame || !run) {
        clearCanvas(ctx);
        canvas.dataset['frameIndex'] = '';
        return;
      }
      drawFrame(ctx, frame, {
        head: s.view.head,
        batch: run.batch,
        selected: s.view.sample,
        mask: s.view.showMask && run.mask ? run.mask : null,
        givenSketch: s.view.showMask ? run.sketch : null,
        driftScale: Math.max(s.actions.frames().driftMaxAbs, s.actions.compareFrames().driftMaxAbs),
        classNames: s.samples.classNames,
      });
      canvas.dataset['frameIndex'] = String(frame.index);
      canvas.dataset['t'] = String(frame.t);
    },
  );
  return <canvas ref={ref} width={SIZE} height={SIZE} className="compare-canvas" data-testid={`compare-canvas-${side}`} role="img" aria-label={`Run ${side} at the current step`} />;
}

function describe(run: AppState['compare']['run']): string {
  if (!run) return '—';
  const sampler = samplerLabel(run);
  const dg = driftGuidanceApplies(run.mode) ? ` · drift guidance w=${run.driftGuidance}` : '';
  const lg = labelGuidanceApplies(run.mode) ? ` · label-head guidance ${run.labelGuidance}` : '';
  return `${sampler} · ${run.steps} steps${lg}${dg}`;
}

function DiffReadout() {
  // A key of everything the readout depends on: it re-renders when the step, the runs or B's frames change.
  const key = useApp((s) => {
    const { a, b } = shownFrames(s);
    return `${s.trajectory.runId}/${s.compare.runId}/${a}/${b}/${s.view.sample}`;
  });
  const names = useApp((s) => s.samples.classNames);
  const sample = useApp((s) => s.view.sample);
  const store = useAppStore();
  void key;
  const { a, b } = shownFrames(store.getState());
  const { getFrame, getCompareFrame } = store.getState().actions;
  const fa = getFrame(a);
  const fb = b === null ? undefined : getCompareFrame(b);
  if (!fa || !fb) return <p className="muted" data-testid="compare-diff">The difference appears once B reaches this step.</p>;
  const d = frameDiff(fa, fb, sample);
  const name = (c: number) => names[c] ?? `class ${c}`;
  return (
    <dl className="compare-diff" data-testid="compare-diff" data-x0-mean-abs={d.x0MeanAbs} data-z-rms={d.zRms} data-a={fa.index} data-b={fb.index}>
      <dt>steps</dt>
      <dd>
        A {fa.index} (t = {fa.t}) · B {fb.index} (t = {fb.t})
      </dd>
      <dt>mean |x̂₀ᴬ − x̂₀ᴮ|</dt>
      <dd>{d.x0MeanAbs.toFixed(4)}</dd>
      <dt>RMS / max |z_A − z_B|</dt>
      <dd>
        {d.zRms.toFixed(4)} / {d.zMaxAbs.toFixed(4)}
      </dd>
      <dt>labels</dt>
      <dd>
        A {name(d.argmaxA)} · B {name(d.argmaxB)} · TV distance {d.labelTv.toFixed(3)}
      </dd>
    </dl>
  );
}

export function CompareView() {
  const enabled = useApp((s) => s.compare.enabled);
  const knobs = useApp((s) => s.compare.knobs);
  const status = useApp((s) => s.compare.status);
  const error = useApp((s) => s.compare.error);
  const runA = useApp((s) => s.trajectory.run);
  const runB = useApp((s) => s.compare.run);
  const statusA = useApp((s) => s.trajectory.status);
  const countB = useApp((s) => s.compare.frameCount);
  const ready = useApp((s) => s.engine.status === 'ready');
  const { setCompare, runCompare } = useActions();
  return (
    <section className="panel compare-panel" aria-labelledby="compare-title">
      <h2 id="compare-title">
        <label className="inline-check">
          <input type="checkbox" checked={enabled} onChange={(e) => setCompare({ enabled: e.target.checked })} data-testid="compare-toggle" />
          Compare with a second run (B)
        </label>
      </h2>
      {enabled ? (
        <>
          <div className="compare-knobs">
            <label>
              B sampler
              <select value={knobs.sampler} onChange={(e) => setCompare({ sampler: e.target.value as SamplerName })} data-testid="compare-sampler">
                {SAMPLERS.map((s) => (
                  <option key={s} value={s}>
                    {SAMPLER_INFO[s].title}
                  </option>
                ))}
              </select>
            </label>
            <label>
              B η
              <input type="number" min={0} max={1} step={0.1} value={knobs.eta} disabled={!SAMPLER_INFO[knobs.sampler].usesEta} onChange={(e) => setCompare({ eta: Number(e.target.value) })} data-testid="compare-eta" />
            </label>
            <label>
              B label-head guidance
              <input type="number" min={0} max={MAX_LABEL_GUIDANCE} step={0.5} value={knobs.labelGuidance} onChange={(e) => setCompare({ labelGuidance: Number(e.target.value) })} data-testid="compare-label-guidance" />
            </label>
            <label>
              B drift guidance (CFG) w
              <input type="number" min={0} max={MAX_DRIFT_GUIDANCE} step={0.5} value={knobs.driftGuidance} onChange={(e) => setCompare({ driftGuidance: Number(e.target.value) })} data-testid="compare-drift-guidance" />
            </label>
            <label>
              B steps
              <select value={knobs.steps} onChange={(e) => setCompare({ steps: Number(e.target.value) })} data-testid="compare-steps">
                {[...new Set([...STEP_PRESETS, knobs.steps])].sort((x, y) => x - y).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              onClick={() => void runCompare()}
              disabled={!ready || !runA || runA.mode === 'classify' || statusA === 'running' || status === 'running'}
              data-testid="compare-run"
            >
              {runB ? 'Run B again' : 'Run B'}
            </button>
          </div>
          {runA?.mode === 'classify' ? null : (
            <p className="muted" data-testid="compare-status" data-status={status}>
              {status === 'running' ? `Running B… ${countB} frames` : status === 'done' ? 'B is done.' : 'Generate runs A, then B.'}
            </p>
          )}
          {runA?.mode === 'classify' ? (
            <p className="muted" data-testid="compare-unavailable">
              {CLASSIFY_NO_COMPARE}
            </p>
          ) : error ? (
            <p className="notice" data-testid="compare-error">
              {error.message}
            </p>
          ) : null}
          <div className="compare-sides">
            <figure>
              <SideCanvas side="A" />
              <figcaption>A: {describe(runA)}</figcaption>
            </figure>
            <figure>
              <SideCanvas side="B" />
              <figcaption>B: {describe(runB)}</figcaption>
            </figure>
          </div>
          <DiffReadout />
          <Explain id="compare">
            <p>
              Both runs start from the same noise z<sub>T</sub> (the same seed), so every difference comes from B&apos;s settings (sampler, steps, guidance). DDIM with η = 0
              is deterministic; DDPM and η &gt; 0 add fresh noise at each step. With different step counts, B&apos;s frame is the one at the same
              fraction of the way.
            </p>
          </Explain>
        </>
      ) : null}
    </section>
  );
}
