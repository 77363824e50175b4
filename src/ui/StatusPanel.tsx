/**
 * What runs and how well: the backend in use and why (every attempt with its reason), load and warm-up
 * progress, ms per step (rolling median), warm-up time, tensors and bytes in use, and errors with a
 * way forward (retry, or pick another backend).
 */
import { useId, useState } from 'react';
import { BACKEND_NAMES, type BackendPreference, type EngineErrorInfo, type LoadPhase } from '../engine/protocol.ts';
import { formatBytes, formatMs } from './labels.ts';
import { NoticeLog } from './Notices.tsx';
import { SwitchProgress } from './RunControls.tsx';
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
  const { cancelLoading } = useActions();
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
      {current === 'weights' && (
        <button type="button" onClick={cancelLoading} data-testid="cancel-loading">
          Cancel loading
        </button>
      )}
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
        data-testid="backend-apply"
      >
        {status === 'error' ? `Retry with ${value}` : 'Switch'}
      </button>
      <SwitchProgress testId="switch-progress-status" />
    </div>
  );
}

/** What a weights failure means to the user, by the loader's WeightsError kind (EngineErrorInfo.detail). */
function weightsAdvice(detail: string | undefined): { title: string; advice: string } {
  switch (detail) {
    case 'http':
      return {
        title: 'The model files are missing on the server',
        advice: 'The server did not deliver a model file (see the HTTP status above). Retry; if it keeps failing, the site is being updated or misconfigured: try again in a few minutes.',
      };
    case 'network':
      return { title: 'The model files could not be downloaded', advice: 'Check your connection, then Retry.' };
    case 'integrity':
      return {
        title: 'A model file arrived damaged',
        advice: 'A weights file is truncated or its checksum does not match (an interrupted download, or a proxy altering it). Retry downloads it again; nothing damaged is used.',
      };
    case 'version':
      return {
        title: 'The model files are from another version',
        advice: 'model.json has a format version this app cannot read. Reload the page to get the app that matches the files, or Retry after the site finishes updating.',
      };
    case 'shape':
    case 'dtype':
    case 'format':
      return {
        title: 'The model files do not match this app',
        advice: 'model.json describes weights this app cannot use (the weight and the mismatch are named above). Reload the page to get the matching app, or Retry after the site finishes updating.',
      };
    default:
      return { title: 'The model could not start', advice: 'The model files did not load or do not match this app. Retry; if it keeps failing, reload the page.' };
  }
}

function adviceFor(e: EngineErrorInfo): string {
  switch (e.kind) {
    case 'weights':
      return weightsAdvice(e.detail).advice;
    case 'backend':
      return 'This backend could not run the model. Pick another backend below (wasm and cpu work everywhere) and retry.';
    case 'device-lost':
      return 'The GPU was lost (driver reset or tab in the background). Retry, or pick wasm.';
    case 'numerics':
      return `The numbers blew up (NaN or infinity)${e.step !== undefined ? ` at step ${e.step}` : ''}; the frames before it are kept. Turn on “Clip x̂₀”, lower the label-head or drift guidance, or use more steps, then generate again.`;
    case 'input':
      return 'Check the run settings and try again.';
    case 'cancelled':
      return 'Loading was cancelled. Press Retry to load the model again (nothing you made is lost).';
    default:
      return 'Something unexpected went wrong. Retry; if it persists, reload the page. Your mask and drawing are kept.';
  }
}

function titleFor(error: EngineErrorInfo, where: 'engine' | 'run'): string {
  if (where === 'run') return error.kind === 'numerics' ? `The run stopped at step ${error.step ?? '?'}` : 'The run failed';
  if (error.kind === 'weights') return weightsAdvice(error.detail).title;
  if (error.kind === 'cancelled') return 'Loading was cancelled';
  if (error.kind === 'device-lost') return 'The GPU was lost';
  return 'The model could not start';
}

function ErrorBox({ error, where }: { error: EngineErrorInfo; where: 'engine' | 'run' }) {
  const { retryEngine, generate } = useActions();
  return (
    <div className="error-box" role="alert" data-testid={`error-${where}`} data-kind={error.kind} data-detail={error.detail ?? ''}>
      <p>
        <strong data-testid={`error-${where}-title`}>{titleFor(error, where)}</strong> ({error.kind}
        {error.detail ? `: ${error.detail}` : ''}
        {error.step !== undefined ? `, step ${error.step}` : ''}): {error.message}
      </p>
      <p data-testid={`error-${where}-advice`}>{adviceFor(error)}</p>
      <div className="presets">
        {where === 'engine' ? (
          <button type="button" onClick={() => void retryEngine()} data-testid="retry-engine">
            Retry
          </button>
        ) : (
          <button type="button" onClick={() => void generate()} data-testid="generate-again">
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
  else if (status === 'error') text = 'The model is not running (see below).';
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
      <NoticeLog />
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
