/**
 * The forward process on a real image, in closed form (MT-DIFFUSION.md):
 *   z_t = sqrt(ᾱ_t) x  +  κ_t E  +  sqrt(1 − ᾱ_t) ε,
 * one canvas per term and their sum, with its own t slider (or following the player). x is the image the
 * editor gives (a test image or a drawing), ε is the run's starting noise for the seed, and E is the
 * conditions' encoding, read from the current run's drift frames (ĉ_t = κ_t E), so no extra model call.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { encodingFromFrames, forwardParts, scheduleTables } from '../../store/index.ts';
import { drawDivergingImage, drawModelImage } from '../draw.ts';
import { useActions, useApp } from '../store-context.tsx';
import { Explain } from './Explain.tsx';

function Term({ values, label, diverging, scale, testId }: { values: Float32Array; label: string; diverging?: boolean; scale?: number; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    if (diverging) drawDivergingImage(ctx, values, scale ?? 1);
    else drawModelImage(ctx, values, null);
  }, [values, diverging, scale]);
  return (
    <figure className="forward-term">
      <canvas ref={ref} width={128} height={128} data-testid={testId} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** The four canvases and the t control; mounted only while the panel is open (nothing is computed when closed). */
function ForwardTerms({ follow, setFollow, ownT, setOwnT }: { follow: boolean; setFollow: (v: boolean) => void; ownT: number | null; setOwnT: (t: number) => void }) {
  const config = useApp((s) => s.engine.config);
  const tables = useMemo(() => (config ? scheduleTables(config) : scheduleTables()), [config]);
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const runId = useApp((s) => s.trajectory.runId);
  const seed = useApp((s) => s.trajectory.run?.seed ?? s.config.seed);
  const sample = useApp((s) => s.view.sample);
  const samplesReady = useApp((s) => s.samples.status === 'ready');
  const source = useApp((s) => `${s.editor.source}/${s.editor.testIndex}`);
  const drawn = useApp((s) => s.editor.drawn);
  const { getFrame, frames, sourceImage } = useActions();
  const frame = frameCount > 0 ? getFrame(Math.min(frameIndex, frameCount - 1)) : undefined;
  const t = follow && frame ? frame.t : Math.min(ownT ?? Math.round(tables.T / 2), tables.T);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const x = useMemo(() => (samplesReady ? sourceImage() : null), [samplesReady, source, drawn, sourceImage]);
  const E = useMemo(
    () => (runId && frameCount > 1 ? encodingFromFrames(frames().all().slice(0, frameCount), tables.kappa, sample) : null),
    // frames() is a stable accessor; the run id and frame count say when its content changed
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [runId, frameCount, sample, tables],
  );
  const parts = useMemo(() => (x ? forwardParts(tables, x, E, t, seed) : null), [tables, x, E, t, seed]);
  const eMax = useMemo(() => {
    let m = 0;
    if (E) for (const v of E) m = Math.max(m, Math.abs(v));
    return m;
  }, [E]);
  const kMax = useMemo(() => Math.max(...tables.kappa), [tables]);
  return (
    <>
      <div className="forward-controls">
        <label className="inline-check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} data-testid="forward-follow" />
          Follow the player&apos;s t
        </label>
        <label>
          t = <strong data-testid="forward-t">{t}</strong>
          <input
            type="range"
            min={0}
            max={tables.T}
            value={t}
            disabled={follow && !!frame}
            onChange={(e) => setOwnT(Number(e.target.value))}
            aria-label="Forward-process timestep t"
            data-testid="forward-slider"
          />
        </label>
      </div>
      {parts ? (
        <div className="forward-terms" data-testid="forward-terms" data-t={t} data-has-drift={E ? '1' : '0'}>
          <Term values={parts.signal} label={`√ᾱ x  (√ᾱ = ${tables.sqrtAlphaBar[t]!.toFixed(3)})`} testId="forward-signal" />
          <Term values={parts.drift} label={`κ E  (κ = ${tables.kappa[t]!.toFixed(3)})`} diverging scale={Math.max(1e-6, kMax * eMax)} testId="forward-drift" />
          <Term values={parts.noise} label={`√(1−ᾱ) ε  (${tables.sqrtOneMinusAlphaBar[t]!.toFixed(3)})`} testId="forward-noise" />
          <Term values={parts.z} label="= z_t" testId="forward-z" />
        </div>
      ) : (
        <p className="muted">The test images are loading…</p>
      )}
      {!E ? <p className="muted">No drift yet: run a class-conditional, joint or inpainting trajectory to see its κ<sub>t</sub> E.</p> : null}
    </>
  );
}

export function ForwardView({ defaultOpen = false }: { defaultOpen?: boolean }) {
  const [open, setOpen] = useState(defaultOpen);
  // Kept here so that closing and reopening the panel keeps the user's choice.
  const [follow, setFollow] = useState(true);
  const [ownT, setOwnT] = useState<number | null>(null);
  return (
    <section className="panel forward-panel" aria-labelledby="forward-title">
      <h2 id="forward-title">
        <button type="button" className="disclosure" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="forward-open">
          {open ? '▾' : '▸'} Forward process on a real image
        </button>
      </h2>
      {open ? (
        <>
          <ForwardTerms follow={follow} setFollow={setFollow} ownT={ownT} setOwnT={setOwnT} />
          <Explain id="forward">
            <p>
              Training adds noise to a real image in one jump: z<sub>t</sub> = √ᾱ<sub>t</sub> x + κ<sub>t</sub> E + √(1−ᾱ<sub>t</sub>) ε. As t grows the
              image fades (√ᾱ<sub>t</sub> → 0) and the noise takes over. The middle term is MT-Diffusion&apos;s own: E is what the given conditions
              (a class, the visible pixels) encode to, and κ<sub>t</sub> pushes z<sub>t</sub> towards it mid-way, so the model can read the
              conditions back from z<sub>t</sub>. Here ε is the run&apos;s starting noise and E comes from the current run&apos;s drift.
            </p>
          </Explain>
        </>
      ) : null}
    </section>
  );
}
