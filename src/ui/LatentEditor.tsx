/**
 * Latent editing mid-run: on the paused run's frame k, paint on z_k (a soft brush that adds or removes
 * brightness), re-noise x^_0 back to an earlier step (SDEdit), or change the condition in the controls, then
 * continue: each makes a branch of the history (store/edit-actions.ts, core/latent-edit.ts). Undo works on the
 * strokes of the edit being made; the branch, once made, is undone by opening its parent in the history.
 */
import { useEffect, useRef, useState, type PointerEvent } from 'react';
import { EDIT_LIMITS, editProblem, paintLatent, quantizeDab, type Dab } from '../core/latent-edit.ts';
import { CLASSIFY_NOT_EDITABLE } from '../store/index.ts';
import { drawModelImage } from './draw.ts';
import { useActions, useApp } from './store-context.tsx';
import { Explain } from './teach/Explain.tsx';
import './lab.css';

const SIZE = 256;
const SIDE = 32;

type Tool = 'paint' | 'renoise' | 'condition';

function Message({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p className="error-box" role="alert" data-testid="edit-message">
      {text}
    </p>
  );
}

function PaintTool({ k, sample }: { k: number; sample: number }) {
  const { getFrame, branchWithEdit } = useActions();
  const batch = useApp((s) => s.trajectory.run?.batch ?? 1);
  const steps = useApp((s) => s.trajectory.run?.steps ?? 0);
  const [dabs, setDabs] = useState<Dab[]>([]);
  const [strokes, setStrokes] = useState<number[]>([]); // dab count before each stroke (undo)
  const [sign, setSign] = useState<1 | -1>(1);
  const [radius, setRadius] = useState(3);
  const [strength, setStrength] = useState(1);
  const [message, setMessage] = useState<string | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const frame = getFrame(k);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx || !frame) return;
    const n = SIDE * SIDE;
    const z = frame.z.subarray(sample * n, (sample + 1) * n);
    drawModelImage(ctx, dabs.length ? paintLatent(z, SIDE, { sample: 0, dabs }) : z, null);
  }, [frame, sample, dabs]);

  const at = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * SIDE, y: ((e.clientY - r.top) / r.height) * SIDE };
  };
  const addDab = (p: { x: number; y: number }) => {
    const dab = quantizeDab({ ...p, r: radius, s: sign * strength });
    const problem = editProblem({ kind: 'paint', at: k, sample, dabs: [...dabs, dab] }, { size: SIDE, batch, steps });
    if (problem !== null) {
      setMessage(problem);
      return;
    }
    setMessage(null);
    setDabs((d) => [...d, dab]);
    last.current = p;
  };
  const down = (e: PointerEvent<HTMLCanvasElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    setStrokes((s) => [...s, dabs.length]);
    addDab(at(e));
  };
  const move = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!last.current) return;
    const p = at(e);
    // A new dab every half brush radius along the stroke.
    if (Math.hypot(p.x - last.current.x, p.y - last.current.y) >= Math.max(1, radius / 2)) addDab(p);
  };
  const up = () => {
    last.current = null;
  };
  const undo = () => {
    const start = strokes.at(-1);
    if (start === undefined) return;
    setDabs((d) => d.slice(0, start));
    setStrokes((s) => s.slice(0, -1));
    setMessage(null);
  };
  const apply = () => setMessage(branchWithEdit({ kind: 'paint', at: k, sample, dabs }));

  return (
    <div className="edit-paint">
      <canvas
        ref={canvas}
        width={SIZE}
        height={SIZE}
        className="edit-canvas"
        data-testid="edit-canvas"
        data-dabs={dabs.length}
        role="img"
        aria-label={`z at step ${k}, sample ${sample + 1}: paint on it`}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
      />
      <div className="edit-tools">
        <div role="radiogroup" aria-label="Brush">
          <label className="inline-check">
            <input type="radio" name="edit-brush" checked={sign === 1} onChange={() => setSign(1)} data-testid="edit-brighten" /> Brighten
          </label>
          <label className="inline-check">
            <input type="radio" name="edit-brush" checked={sign === -1} onChange={() => setSign(-1)} data-testid="edit-darken" /> Darken
          </label>
        </div>
        <label>
          Size {radius}
          <input type="range" min={EDIT_LIMITS.minRadius} max={EDIT_LIMITS.maxRadius} step={1} value={radius} onChange={(e) => setRadius(Number(e.target.value))} data-testid="edit-size" />
        </label>
        <label>
          Strength {strength.toFixed(2)}
          <input type="range" min={0.1} max={EDIT_LIMITS.maxStrength} step={0.05} value={strength} onChange={(e) => setStrength(Number(e.target.value))} data-testid="edit-strength" />
        </label>
        <div className="edit-buttons">
          <button type="button" onClick={undo} disabled={strokes.length === 0} data-testid="edit-undo">
            Undo stroke
          </button>
          <button type="button" onClick={() => { setDabs([]); setStrokes([]); setMessage(null); }} disabled={dabs.length === 0} data-testid="edit-clear">
            Clear
          </button>
          <button type="button" className="primary" onClick={apply} disabled={dabs.length === 0} data-testid="edit-continue">
            Continue from step {k}
          </button>
        </div>
        <p className="muted">
          {dabs.length} of {EDIT_LIMITS.maxDabs} dabs
        </p>
      </div>
      <Message text={message} />
    </div>
  );
}

function RenoiseTool({ k }: { k: number }) {
  const { branchWithEdit } = useActions();
  const [to, setTo] = useState(Math.floor(k / 2));
  const [message, setMessage] = useState<string | null>(null);
  if (k === 0) return <p className="muted">Frame 0 is pure noise already: move to a later step to re-noise its x̂₀.</p>;
  return (
    <div className="edit-renoise">
      <label>
        Back to step {to}
        <input type="range" min={0} max={k - 1} step={1} value={Math.min(to, k - 1)} onChange={(e) => setTo(Number(e.target.value))} data-testid="edit-renoise-to" />
      </label>
      <button type="button" className="primary" onClick={() => setMessage(branchWithEdit({ kind: 'renoise', at: k, to: Math.min(to, k - 1) }))} data-testid="edit-renoise">
        Re-noise x̂₀ of step {k} to step {Math.min(to, k - 1)} and continue
      </button>
      <Message text={message} />
    </div>
  );
}

function ConditionTool({ k }: { k: number }) {
  const { branch } = useActions();
  return (
    <div className="edit-condition">
      <p>
        Change the class, mask, sketch or map point (or any setting) in the controls, then continue from step {k} with them: a branch of
        the history, like <em>Branch from step</em>.
      </p>
      <button type="button" className="primary" onClick={() => void branch(k)} data-testid="edit-condition">
        Continue from step {k} with the controls’ settings
      </button>
    </div>
  );
}

export function LatentEditor() {
  const runId = useApp((s) => s.trajectory.runId);
  const status = useApp((s) => s.trajectory.status);
  const mode = useApp((s) => s.trajectory.run?.mode);
  const steps = useApp((s) => s.trajectory.run?.steps ?? 0);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const frameIndex = useApp((s) => s.player.frameIndex);
  const sample = useApp((s) => s.view.sample);
  const [tool, setTool] = useState<Tool>('paint');
  if (!runId || frameCount === 0) return null;
  if (mode === 'classify') {
    return (
      <section className="panel latent-editor" aria-labelledby="latent-editor-title" data-testid="latent-editor">
        <h2 id="latent-editor-title">Edit the latent</h2>
        <p className="muted" data-testid="edit-unavailable">
          {CLASSIFY_NOT_EDITABLE}
        </p>
      </section>
    );
  }
  const k = Math.min(frameIndex, frameCount - 1);
  let body;
  if (status === 'running') {
    body = (
      <p className="muted" data-testid="edit-busy">
        This run is still computing: stop it or let it finish, then pause on a step to edit it.
      </p>
    );
  } else if (k >= steps) {
    body = <p className="muted">The last frame is the finished sample: move back to a step to edit it and continue.</p>;
  } else {
    body = (
      <>
        <div className="trajectory-fields" role="radiogroup" aria-label="Edit">
          {(['paint', 'renoise', 'condition'] as const).map((t) => (
            <label key={t} className="inline-check">
              <input type="radio" name="edit-tool" checked={tool === t} onChange={() => setTool(t)} data-testid={`edit-tool-${t}`} />
              {t === 'paint' ? 'Paint on z_t' : t === 'renoise' ? 'Re-noise (SDEdit)' : 'Change the condition'}
            </label>
          ))}
        </div>
        {tool === 'paint' ? <PaintTool key={`${runId}:${k}:${sample}`} k={k} sample={sample} /> : null}
        {tool === 'renoise' ? <RenoiseTool key={`${runId}:${k}`} k={k} /> : null}
        {tool === 'condition' ? <ConditionTool k={k} /> : null}
      </>
    );
  }
  return (
    <section className="panel latent-editor" aria-labelledby="latent-editor-title" data-testid="latent-editor" data-step={k}>
      <h2 id="latent-editor-title">Edit the latent at step {k}</h2>
      <Explain id="latent-editor">
        <p>
          Stop the run at a step and change it, then let the model carry on: paint brightness into z<sub>t</sub> and watch the model
          turn it into (or wash it out of) the garment; or re-noise, which takes the model’s current guess x̂₀ back to a noisier step
          (SDEdit) so it is redrawn from there. Each edit becomes a branch in <em>Runs and branches</em>, with the frames before it kept.
        </p>
      </Explain>
      {body}
    </section>
  );
}
