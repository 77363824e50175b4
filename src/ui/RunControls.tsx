/**
 * Mode picker and run controls: sampler, η, steps, seed (with a seeded 🎲), batch, class, label-head
 * guidance, drift guidance (CFG), label commitment (joint), x̂₀ clipping and the Generate button. Changing any of them while a run is going cancels it.
 */
import { useId, useState } from 'react';
import {
  AVAILABLE_MODES,
  SAMPLERS,
  MAX_DRIFT_GUIDANCE,
  MAX_LABEL_COMMIT,
  MAX_LABEL_GUIDANCE,
  MAX_SEED,
  STEP_PRESETS,
  driftGuidanceApplies,
  labelCommitApplies,
  labelGuidanceApplies,
  missingInput,
  modeUnavailable,
  typedNumber,
} from '../store/index.ts';
import { Explain } from './teach/Explain.tsx';
import { Icon } from './icons.tsx';
import { MODE_INFO } from './labels.ts';
import { useActions, useApp } from './store-context.tsx';


export function ModePicker() {
  const mode = useApp((s) => s.config.mode);
  const config = useApp((s) => s.engine.config);
  // The map is missing only once the samples are in and carry no representations.
  const hasMap = useApp((s) => s.samples.status !== 'ready' || s.samples.points !== null);
  const { setConfig } = useActions();
  return (
    <fieldset className="panel modes">
      <legend>Mode</legend>
      <div className="mode-list">
        {AVAILABLE_MODES.map((m) => {
          const info = MODE_INFO[m];
          const why = modeUnavailable(m, config, hasMap);
          const soon = info.soon === true || why !== null;
          return (
            <label key={m} className={`mode-option${soon ? ' soon' : ''}${mode === m ? ' checked' : ''}`} title={why ?? undefined}>
              <input
                type="radio"
                name="mode"
                value={m}
                checked={mode === m}
                disabled={soon}
                onChange={() => setConfig({ mode: m })}
                data-testid={`mode-${m}`}
              />
              <span className="mode-text">
                <span className="mode-title">{info.title}</span>
                <span className="mode-desc">{info.description}</span>
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

/**
 * A number input that lets you type freely and commits valid values at once. Enter or leaving the field
 * commits what was typed by the rules of a link (typedNumber): an out-of-range value is clamped, a fraction
 * rounded, and a sentence beside the field (and a notice) says which value is used.
 */
function NumberField({
  label,
  value,
  onCommit,
  min,
  max,
  step = 1,
  testId,
}: {
  label: string;
  value: number;
  onCommit: (v: number) => void;
  min: number;
  max: number;
  step?: number;
  testId?: string;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { notify } = useActions();
  const id = useId();
  const commit = () => {
    if (draft === null) return;
    const typed = typedNumber(label, draft, { min, max, integer: step === 1 }, value);
    if (typed.value !== null) onCommit(typed.value);
    setMessage(typed.message);
    if (typed.message !== null) notify(typed.message, 'warning');
    setDraft(null);
  };
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={step}
        value={draft ?? String(value)}
        data-testid={testId}
        aria-describedby={message !== null ? `${id}-message` : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          setMessage(null);
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v) && v >= min && v <= max && (step !== 1 || Number.isInteger(v))) onCommit(v);
        }}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {message !== null && (
        <span className="field-message" id={`${id}-message`} role="status" data-testid={testId ? `${testId}-message` : undefined}>
          {message}
        </span>
      )}
    </>
  );
}

function ClassPicker() {
  const classId = useApp((s) => s.config.classId);
  const fromSamples = useApp((s) => s.samples.classNames);
  const fromConfig = useApp((s) => s.engine.config?.classNames);
  const names = fromSamples.length ? fromSamples : (fromConfig ?? []);
  const { setConfig } = useActions();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Class</label>
      <select id={id} value={classId} onChange={(e) => setConfig({ classId: Number(e.target.value) })} data-testid="class-picker">
        {Array.from({ length: names.length || 10 }, (_, c) => (
          <option key={c} value={c}>
            {c} · {names[c] ?? `class ${c}`}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The big Generate button (and Stop while a run is going), with a one-line summary of what it will run. */
export function GenerateBar() {
  const status = useApp((s) => s.engine.status);
  const switching = useApp((s) => s.engine.switching);
  const running = useApp((s) => s.trajectory.status === 'running');
  const mode = useApp((s) => s.config.mode);
  const missing = useApp(missingInput);
  const { generate, cancelRun } = useActions();
  const ready = status === 'ready' && !switching && missing === null;
  const label = mode === 'classify' ? 'Classify' : 'Generate';
  return (
    <section className="panel generate-bar" aria-label="Generate">
      <div className="generate-row">
        <button
          type="button"
          className="primary generate"
          onClick={() => void generate()}
          disabled={!ready}
          title={missing ?? undefined}
          data-testid="generate"
        >
          {status === 'loading' ? 'Loading model…' : switching ? 'Switching backend…' : running ? `${label} again` : label}
        </button>
        {running && (
          <button type="button" className="secondary" onClick={cancelRun} data-testid="stop">
            Stop
          </button>
        )}
      </div>
      <SwitchProgress />
      <RunSummary />
    </section>
  );
}

/** The phases of a backend switch, where the user pressed Generate (the run on screen continues after it). */
export function SwitchProgress({ testId = 'switch-progress' }: { testId?: string }) {
  const progress = useApp((s) => (s.engine.switching ? s.engine.switchProgress : null));
  const preference = useApp((s) => s.engine.preference);
  const running = useApp((s) => s.trajectory.status === 'running');
  if (progress === null) return null;
  const step = progress.phase === 'warmup' ? 2 : 1;
  const percent = progress.phase === 'warmup' && progress.fraction > 0 && progress.fraction < 1 ? ` (${Math.round(progress.fraction * 100)}%)` : '';
  return (
    <p className="small switch-progress" role="status" data-testid={testId} data-phase={progress.phase}>
      Switching to {preference}, phase {step} of 2: {progress.message}
      {percent}
      {running ? '. The run continues from its last frame afterwards.' : '.'}
    </p>
  );
}

function RunSummary() {
  const c = useApp((s) => s.config);
  const sketch = useApp((s) => (s.editor.sketchSource === 'test' ? `sketch of test image #${s.editor.testIndex}` : 'your sketch'));
  const point = useApp((s) => s.editor.reprPoint);
  const parts = [
    MODE_INFO[c.mode].title,
    c.sampler === 'ddim' ? `DDIM η=${c.eta.toFixed(2)}` : 'DDPM',
    `${c.steps} steps`,
    `seed ${c.seed}`,
    c.batch === 16 ? 'grid of 16' : '1 image',
  ];
  if (c.mode === 'conditional') parts.splice(1, 0, `class ${c.classId}`);
  if (c.mode === 'sketch') parts.splice(1, 0, sketch);
  if (c.mode === 'representation') parts.splice(1, 0, `map point #${point}`);
  if (labelGuidanceApplies(c.mode) && c.labelGuidance > 0) parts.push(`label-head guidance ${c.labelGuidance.toFixed(1)}`);
  if (driftGuidanceApplies(c.mode) && c.driftGuidance > 0) parts.push(`drift guidance (CFG) w=${c.driftGuidance.toFixed(1)}`);
  if (labelCommitApplies(c.mode) && c.labelCommit > 0) parts.push(`label commitment ${c.labelCommit.toFixed(2)}`);
  if (c.mode === 'inpaint') parts.push(c.paste ? 'drift + paste' : 'drift only');
  if (c.x0From === 'eps') parts.push('x̂₀ from ε');
  return <p className="muted small run-summary">{parts.join(' · ')}</p>;
}

export function RunControls() {
  const c = useApp((s) => s.config);
  const T = useApp((s) => s.engine.config?.schedule.T ?? 1000);
  const { setConfig, rollSeed } = useActions();
  const etaId = useId();
  const labelGuidanceId = useId();
  const driftGuidanceId = useId();
  const labelCommitId = useId();
  const canLabelGuide = labelGuidanceApplies(c.mode);
  const canDriftGuide = driftGuidanceApplies(c.mode);
  // Classify runs the forward process q(z_t | x): no reverse step, so no sampler and no η.
  const forward = c.mode === 'classify';
  return (
    <section className="panel run-controls" aria-labelledby="run-title">
      <h2 id="run-title">Run settings</h2>

      {c.mode === 'conditional' && <ClassPicker />}

      <fieldset className={forward ? 'field not-used' : 'field'} disabled={forward} data-testid="sampler-field">
        <legend>
          Sampler{forward ? <span className="muted small" data-testid="not-used-note"> (not used: classify runs the forward process)</span> : null}
        </legend>
        <div className="segmented" role="radiogroup" aria-label="Sampler">
          {SAMPLERS.map((s) => (
            <label key={s}>
              <input type="radio" name="sampler" value={s} checked={c.sampler === s} onChange={() => setConfig({ sampler: s })} />
              <span>{s.toUpperCase()}</span>
            </label>
          ))}
        </div>
      </fieldset>

      <div className={forward ? 'field not-used' : 'field'}>
        <label htmlFor={etaId}>
          DDIM η <output htmlFor={etaId}>{c.eta.toFixed(2)}</output>
          <span className="muted small">
            {forward ? ' (not used in classify)' : c.sampler === 'ddim' ? (c.eta === 0 ? ' deterministic' : ' stochastic') : ' (DDIM only)'}
          </span>
        </label>
        <input
          id={etaId}
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={c.eta}
          disabled={c.sampler !== 'ddim' || forward}
          onChange={(e) => setConfig({ eta: Number(e.target.value) })}
          data-testid="eta"
        />
      </div>

      <fieldset className="field">
        <legend>Steps</legend>
        <div className="presets" role="group" aria-label="Step presets">
          {STEP_PRESETS.filter((p) => p <= T).map((p) => (
            <button key={p} type="button" aria-pressed={c.steps === p} onClick={() => setConfig({ steps: p })}>
              {p}
            </button>
          ))}
        </div>
        <div className="inline-field">
          <NumberField label="Steps" value={c.steps} min={1} max={T} onCommit={(v) => setConfig({ steps: v })} testId="steps" />
        </div>
      </fieldset>

      <div className="field inline-field">
        <NumberField label="Seed" value={c.seed} min={0} max={MAX_SEED} onCommit={(v) => setConfig({ seed: v })} testId="seed" />
        <button type="button" className="dice" onClick={rollSeed} aria-label="New random seed" title="New random seed">
          <Icon name="dice" />
        </button>
      </div>

      <fieldset className="field">
        <legend>Batch</legend>
        <div className="segmented" role="radiogroup" aria-label="Batch">
          <label>
            <input type="radio" name="batch" value="1" checked={c.batch === 1} onChange={() => setConfig({ batch: 1 })} data-testid="batch-1" />
            <span>1 image</span>
          </label>
          <label>
            <input type="radio" name="batch" value="16" checked={c.batch === 16} onChange={() => setConfig({ batch: 16 })} data-testid="batch-16" />
            <span>Grid of 16</span>
          </label>
        </div>
      </fieldset>

      <div className="field">
        <label htmlFor={labelGuidanceId}>
          Label-head guidance s <output htmlFor={labelGuidanceId}>{c.labelGuidance.toFixed(1)}</output>
          <span className="muted small">{canLabelGuide ? ' (the label head’s gradient steers toward the class)' : ' (joint and class-conditional only)'}</span>
        </label>
        <input
          id={labelGuidanceId}
          type="range"
          min={0}
          max={MAX_LABEL_GUIDANCE}
          step={0.5}
          value={c.labelGuidance}
          disabled={!canLabelGuide}
          onChange={(e) => setConfig({ labelGuidance: Number(e.target.value) })}
          data-testid="label-guidance"
        />
      </div>

      <div className="field">
        <label htmlFor={driftGuidanceId}>
          Drift guidance (CFG) w <output htmlFor={driftGuidanceId}>{c.driftGuidance.toFixed(1)}</output>
          <span className="muted small" data-testid="drift-guidance-cost">
            {!canDriftGuide ? ' (modes with a condition only)' : c.driftGuidance > 0 ? ' · 2 network evaluations per step' : ' · off (1 network evaluation per step)'}
          </span>
        </label>
        <input
          id={driftGuidanceId}
          type="range"
          min={0}
          max={MAX_DRIFT_GUIDANCE}
          step={0.5}
          value={c.driftGuidance}
          disabled={!canDriftGuide}
          onChange={(e) => setConfig({ driftGuidance: Number(e.target.value) })}
          data-testid="drift-guidance"
        />
        {canDriftGuide && (
          <Explain id="drift-guidance">
            <p className="small">
              The network also predicts from the same z<sub>t</sub> with the condition’s drift taken out, and each step is pushed away from
              that unconditioned guess by w: larger w follows the condition more closely, at some cost in variety (0 = off).
            </p>
          </Explain>
        )}
      </div>

      {labelCommitApplies(c.mode) && (
        <div className="field">
          <label htmlFor={labelCommitId}>
            Label commitment <output htmlFor={labelCommitId}>{c.labelCommit.toFixed(2)}</output>
            <span className="muted small">{c.labelCommit > 0 ? ' (once the label head is this sure)' : ' (from the first step)'}</span>
          </label>
          <input
            id={labelCommitId}
            type="range"
            min={0}
            max={MAX_LABEL_COMMIT}
            step={0.05}
            value={c.labelCommit}
            onChange={(e) => setConfig({ labelCommit: Number(e.target.value) })}
            data-testid="label-commit"
          />
          <Explain id="label-commit">
            <p className="small">
              The label’s drift is added only once the label head is this sure; 0 = from the first step (locks in early).
            </p>
          </Explain>
        </div>
      )}

      <label className="inline-check">
        <input type="checkbox" checked={c.clipX0} onChange={(e) => setConfig({ clipX0: e.target.checked })} />
        Clip x̂₀ to [−1, 1]
      </label>
      <div className="field">
        <label htmlFor="x0-from">x̂₀ from</label>
        <select id="x0-from" value={c.x0From} onChange={(e) => setConfig({ x0From: e.target.value === 'eps' ? 'eps' : 'masked' })} data-testid="x0-from">
          <option value="masked">masked-image head</option>
          <option value="eps">ε head (textbook)</option>
        </select>
        <p className="muted small">The masked-image head follows the conditions; the ε head is the textbook choice, with weak conditioning here.</p>
      </div>
      {c.mode === 'inpaint' && (
        <label className="inline-check">
          <input type="checkbox" checked={c.paste} onChange={(e) => setConfig({ paste: e.target.checked })} data-testid="paste" />
          Also paste the visible pixels every step <span className="muted small">(replacement, RePaint-style)</span>
        </label>
      )}
    </section>
  );
}
