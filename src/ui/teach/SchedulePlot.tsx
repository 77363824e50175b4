/**
 * The noise schedule of the loaded model over t = T .. 0 (left to right, the direction of denoising; 0 .. T for
 * classify, whose frames run the forward process, as its label chart does):
 * ᾱ_t (how much of the image is left), κ_t (how strongly the conditions drift z_t), log SNR (right axis),
 * and the timesteps the sampler visits (ticks). The cursor is the current frame's t: it follows the
 * scrubber. Hand-drawn SVG like the label chart; the curves are drawn once, only the cursor moves.
 */
import { useMemo } from 'react';
import { frameTimesteps, scheduleTables, type ScheduleTables } from '../../store/index.ts';
import { ChartGrid } from '../ChartGrid.tsx';
import { useActions, useApp } from '../store-context.tsx';
import { Explain } from './Explain.tsx';

const W = 320;
const H = 170;
const M = { left: 30, right: 34, top: 10, bottom: 30 };
const SNR_LIM = 10;

function useTables() {
  const config = useApp((s) => s.engine.config);
  return useMemo(() => (config ? scheduleTables(config) : scheduleTables()), [config]);
}

/** x of t: T .. 0 left to right (denoising), or 0 .. T for classify's forward frames (the label chart's order). */
const xOf = (t: number, T: number, forward: boolean) => M.left + ((forward ? t : T - t) / T) * (W - M.left - M.right);
const y = (v: number) => M.top + (1 - v) * (H - M.top - M.bottom);
const ySnr = (l: number) => y((Math.max(-SNR_LIM, Math.min(SNR_LIM, l)) + SNR_LIM) / (2 * SNR_LIM));

/** t of the frame the player shows (undefined before a run): the only part of the plot that changes per frame. */
function useFrameT(): number | undefined {
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const { getFrame } = useActions();
  return frameCount > 0 ? getFrame(Math.min(frameIndex, frameCount - 1))?.t : undefined;
}

function Readout({ tables }: { tables: ScheduleTables }) {
  const t = useFrameT();
  return (
    <p className="schedule-readout" data-testid="schedule-readout">
      {t !== undefined ? (
        <>
          t = <strong>{t}</strong> · ᾱ<sub>t</sub> = {tables.alphaBar[t]!.toFixed(3)} · κ<sub>t</sub> = {tables.kappa[t]!.toFixed(3)} · SNR ={' '}
          {t === 0 ? '∞' : Math.exp(tables.logSnr[t]!).toPrecision(3)}
        </>
      ) : (
        <span className="muted">The cursor appears with a trajectory.</span>
      )}
    </p>
  );
}

function Cursor({ tables, forward }: { tables: ScheduleTables; forward: boolean }) {
  const t = useFrameT();
  if (t === undefined) return null;
  const x = xOf(t, tables.T, forward);
  return (
    <g data-testid="schedule-cursor" data-t={t} data-x={x.toFixed(2)}>
      <line className="cursor" x1={x} x2={x} y1={M.top} y2={H - M.bottom} />
      <circle cx={x} cy={y(tables.alphaBar[t]!)} r={3} className="dot-alphabar" />
      <circle cx={x} cy={y(tables.kappa[t]!)} r={3} className="dot-kappa" />
    </g>
  );
}

export function SchedulePlot() {
  const tables = useTables();
  const { T } = tables;
  const runSteps = useApp((s) => s.trajectory.run?.steps ?? s.config.steps);
  const runMode = useApp((s) => s.trajectory.run?.mode ?? s.config.mode);
  // The frames' order: classify's forward frames run t = 0 .. T, as its label chart does.
  const forward = runMode === 'classify';
  const x = (t: number) => xOf(t, T, forward);

  const paths = useMemo(() => {
    const pts = (f: (t: number) => number) => {
      const out: string[] = [];
      const stride = Math.max(1, Math.floor(T / 200));
      for (let t = T; t >= 0; t -= stride) out.push(`${x(t).toFixed(1)},${f(t).toFixed(1)}`);
      if (out.length && (T % stride) !== 0) out.push(`${x(0).toFixed(1)},${f(0).toFixed(1)}`);
      return out.join(' ');
    };
    return {
      alphaBar: pts((t) => y(tables.alphaBar[t]!)),
      kappa: pts((t) => y(tables.kappa[t]!)),
      snr: pts((t) => ySnr(tables.logSnr[t]!)),
    };
    // x depends only on T and the direction
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tables, forward]);

  const chosen = useMemo(() => frameTimesteps(T, runSteps, runMode === 'classify'), [T, runSteps, runMode]);
  const kappaMax = useMemo(() => Math.max(...tables.kappa), [tables]);

  return (
    <section className="panel schedule-panel" aria-labelledby="schedule-title">
      <h2 id="schedule-title">Noise schedule</h2>
      <Readout tables={tables} />
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`ᾱ_t, κ_t and log SNR over t = ${forward ? `0 to ${T}` : `${T} to 0`}, with the ${chosen.length - 1} sampler steps`} data-testid="schedule-plot" data-direction={forward ? 'forward' : 'reverse'}>
        <ChartGrid box={{ width: W, height: H, margin: M }} rightLabel={(v) => String(Math.round(-SNR_LIM + v * 2 * SNR_LIM))} rightClass="snr-tick" />
        <polyline points={paths.alphaBar} fill="none" className="curve-alphabar" data-testid="curve-alphabar" />
        <polyline points={paths.kappa} fill="none" className="curve-kappa" data-testid="curve-kappa" />
        <polyline points={paths.snr} fill="none" className="curve-snr" data-testid="curve-snr" />
        <g className="chosen-steps" data-testid="chosen-steps" data-count={chosen.length}>
          {chosen.length <= 250
            ? chosen.map((s, i) => <line key={i} x1={x(s)} x2={x(s)} y1={H - M.bottom} y2={H - M.bottom + 5} className="step-tick" />)
            : null}
        </g>
        <Cursor tables={tables} forward={forward} />
        <text x={M.left} y={H - 8} className="tick" textAnchor="start">
          t={forward ? 0 : T}
        </text>
        <text x={W - M.right} y={H - 8} className="tick" textAnchor="end">
          t={forward ? T : 0}
        </text>
        <text x={W / 2} y={H - 8} className="tick" textAnchor="middle">
          ticks: the {chosen.length - 1} steps the sampler takes
        </text>
      </svg>
      <p className="legend schedule-legend">
        <span className="swatch swatch-alphabar" aria-hidden="true" /> ᾱ<sub>t</sub> <span className="swatch swatch-kappa" aria-hidden="true" /> κ
        <sub>t</sub> (max {kappaMax.toFixed(2)}) <span className="swatch swatch-snr" aria-hidden="true" /> log SNR (right axis)
      </p>
      <Explain id="schedule">
        <p>
          <strong>ᾱ<sub>t</sub></strong> is the share of the original image still in z<sub>t</sub>: 1 at t = 0 (the clean image), near 0 at t = {T}{' '}
          (pure noise). <strong>SNR</strong> = ᾱ<sub>t</sub> / (1 − ᾱ<sub>t</sub>) compares signal with noise; the model finds the image where it
          crosses 1 (log SNR = 0). <strong>κ<sub>t</sub></strong> is how hard the given conditions (a class, the visible pixels) push z<sub>t</sub>:
          zero at both ends, strongest mid-way. The sampler does not visit every t; the ticks show the ones it uses.
        </p>
      </Explain>
    </section>
  );
}
