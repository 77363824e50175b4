/**
 * What runs and how well: the backend in use and why (every attempt with its reason), load and warm-up
 * progress, ms per step (rolling median), warm-up time, tensors and bytes in use, and errors with a
 * way forward (retry, or pick another backend).
 */
import { useId, useState } from 'react';
import { BACKEND_NAMES, type BackendPreference, type EngineErrorInfo, type LoadPhase } from '../engine/protocol.ts';
import { formatBytes, formatMs } from './labels.ts';
import { useActions, useApp } from './store-context.tsx';

const PHASES: readonly { phase: LoadPhase; label: string }[] = [
  { phase: 'backend', label: 'Backend' },
  { phase: 'weights', label: 'Weights' },
  { phase: 'warmup', label: 'Warm-up' },
];

function LoadProgressBars() {
  const status = useApp((s) => s.engine.status);
  const progress = useApp((s) => s.engine.progress);
  const current = useApp((s) => s.engine.phase);
  if (status !== 'loading') return null;
  const order = PHASES.map((p) => p.phase);
  const at = current ? order.indexOf(current) : -1;
  return (
    <div className="progress-list">
      {PHASES.map(({ phase, label }, i) => {
        const p = progress[phase];
        const fraction = i < at || current === 'ready' ? 1 : (p?.fraction ?? 0);
        return (
          <div key={phase} className="progress-row">
            <label>
              <span>
                {label}
                {p?.message ? <span className="muted"> · {p.message}</span> : null}
              </span>
              <progress max={1} value={fraction} data-testid={`progress-${phase}`}>
                {Math.round(fraction * 100)}%
              </progress>
            </label>
          </div>
        );
      })}
    </div>
  );
}

function BackendPicker({ compact = false }: { compact?: boolean }) {
  const preference = useApp((s) => s.engine.preference);
  const status = useApp((s) => s.engine.status);
  const switching = useApp((s) => s.engine.switching);
  const { setBackend } = useActions();
  const [choice, setChoice] = useState<BackendPreference | null>(null);
  const id = useId();
  const value = choice ?? preference;
  return (
    <div className="field inline-field backend-picker">
      <label htmlFor={id}>{compact ? 'Backend' : 'Try backend'}</label>
      <select id={id} value={value} onChange={(e) => setChoice(e.target.value as BackendPreference)} data-testid="backend-select">
        <option value="auto">auto (measure and pick)</option>
        {BACKEND_NAMES.map((b) => (
          <option key={b} value={b}>
            {b}
          </option>
        ))}
      </select>
      <button
        type="button"
        disabled={status === 'loading' || switching}
        onClick={() => {
          setChoice(null);
          void setBackend(value);
        }}
      >
        {status === 'error' ? 'Retry' : 'Switch'}
      </button>
    </div>
  );
}

function adviceFor(e: EngineErrorInfo): string {
  switch (e.kind) {
    case 'weights':
      return 'The model files did not load or do not match this app. Retry; if it keeps failing, reload the page (the weights may be being replaced).';
    case 'backend':
      return 'This backend could not run the model. Pick another backend below (wasm and cpu work everywhere) and retry.';
    case 'device-lost':
      return 'The GPU was lost (driver reset or tab in the background). Retry, or pick wasm.';
    case 'numerics':
      return 'The numbers blew up (NaN or infinity). Turn on “Clip x̂₀”, lower the guidance scale, or use more steps, then generate again.';
    case 'input':
      return 'Check the run settings and try again.';
    case 'cancelled':
      return 'The run was cancelled.';
    default:
      return 'Something unexpected went wrong. Retry; if it persists, reload the page. Your mask and drawing are kept.';
  }
}

function ErrorBox({ error, where }: { error: EngineErrorInfo; where: 'engine' | 'run' }) {
  const { retryEngine, generate } = useActions();
  return (
    <div className="error-box" role="alert" data-testid={`error-${where}`}>
      <p>
        <strong>{where === 'engine' ? 'The model could not start' : 'The run failed'}</strong> ({error.kind}
        {error.step !== undefined ? `, step ${error.step}` : ''}): {error.message}
      </p>
      <p>{adviceFor(error)}</p>
      <div className="presets">
        {where === 'engine' ? (
          <button type="button" onClick={() => void retryEngine()}>
            Retry
          </button>
        ) : (
          <button type="button" onClick={() => void generate()}>
            Generate again
          </button>
        )}
      </div>
      <BackendPicker />
    </div>
  );
}

function Attempts() {
  const report = useApp((s) => s.engine.report);
  if (!report) return null;
  return (
    <details className="attempts" open>
      <summary>Why this backend</summary>
      <p className="small">{report.summary}</p>
      <ul data-testid="backend-attempts">
        {report.attempts.map((a) => (
          <li key={a.name} className={`attempt ${a.outcome}`}>
            <span className="attempt-name">{a.name}</span> <span className={`badge ${a.outcome}`}>{a.outcome}</span>{' '}
            <span className="attempt-reason">
              {a.reason}
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}

function Metrics() {
  const msPerStep = useApp((s) => s.engine.msPerStep);
  const warmupMs = useApp((s) => s.engine.warmupMs);
  const loadMs = useApp((s) => s.engine.loadMs);
  const weightsBytes = useApp((s) => s.engine.weightsBytes);
  const memory = useApp((s) => s.engine.memory);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const { frames } = useActions();
  const trajectoryBytes = frameCount > 0 ? frames().bytes : 0;
  return (
    <dl className="metrics">
      <dt>ms / step</dt>
      <dd data-testid="ms-per-step">{formatMs(msPerStep)}</dd>
      <dt>Warm-up</dt>
      <dd>{formatMs(warmupMs)}</dd>
      <dt>Weights load</dt>
      <dd>
        {formatMs(loadMs)} · {formatBytes(weightsBytes)}
      </dd>
      <dt>Tensors</dt>
      <dd data-testid="num-tensors">{memory ? memory.numTensors : '—'}</dd>
      <dt>Bytes in use</dt>
      <dd>{formatBytes(memory?.numBytes)}</dd>
      <dt>GPU bytes</dt>
      <dd>{memory?.gpuBytes !== undefined ? formatBytes(memory.gpuBytes) : 'n/a on this backend'}</dd>
      <dt>Frames kept</dt>
      <dd>
        {frameCount} · {formatBytes(trajectoryBytes)}
      </dd>
    </dl>
  );
}

function LiveStatus() {
  const status = useApp((s) => s.engine.status);
  const chosen = useApp((s) => s.engine.report?.chosen);
  const phase = useApp((s) => s.engine.phase);
  const switching = useApp((s) => s.engine.switching);
  let text: string;
  if (status === 'loading') text = `Loading the model (${phase ?? 'backend'})…`;
  else if (switching) text = 'Switching backend…';
  else if (status === 'ready') text = `Ready on ${chosen ?? 'a backend'}.`;
  else if (status === 'error') text = 'The model could not start.';
  else text = 'Starting…';
  return (
    <p className="live-status" aria-live="polite" data-testid="engine-status" data-status={status}>
      {text}
    </p>
  );
}

export function StatusPanel() {
  const chosen = useApp((s) => s.engine.report?.chosen);
  const engineError = useApp((s) => s.engine.error);
  const runError = useApp((s) => s.trajectory.error);
  const status = useApp((s) => s.engine.status);
  return (
    <section className="panel status-panel" aria-labelledby="status-title">
      <h2 id="status-title">Status</h2>
      <LiveStatus />
      <LoadProgressBars />
      {engineError && <ErrorBox error={engineError} where="engine" />}
      {runError && !engineError && <ErrorBox error={runError} where="run" />}
      {chosen && (
        <p className="backend-line">
          Backend: <strong data-testid="backend-chosen">{chosen}</strong>
        </p>
      )}
      <Attempts />
      <Metrics />
      {status === 'ready' && !engineError && <BackendPicker compact />}
    </section>
  );
}
