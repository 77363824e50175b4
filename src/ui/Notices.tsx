/**
 * Notices where the user is looking: the toast area is fixed to the viewport (over the side column on a
 * wide screen, across the bottom on a phone), so a clamped link, a typed value out of range or a failed
 * run is seen without scrolling to the status panel. Each card is dismissible; the status panel keeps the
 * session's history (NoticeLog). Errors of the engine, the run and compare B get a card too (their full
 * explanation and remedies stay in the status panel).
 */
import { useState } from 'react';
import type { EngineErrorInfo } from '../engine/protocol.ts';
import type { Notice } from '../store/index.ts';
import { useActions, useApp } from './store-context.tsx';

type ErrorWhere = 'engine' | 'run' | 'compare';

/** One line naming an error for its card (the status panel has the advice). */
function errorLine(where: ErrorWhere, e: EngineErrorInfo): string {
  const what = where === 'engine' ? 'The model is not running' : where === 'run' ? 'The run failed' : 'Compare run B failed';
  const step = e.step !== undefined ? ` at step ${e.step}` : '';
  return `${what}${step}: ${e.message}`;
}

function ErrorCard({ where, error }: { where: ErrorWhere; error: EngineErrorInfo }) {
  // Dismissing hides this error; a different error (another message or step) shows again.
  const key = `${error.kind}/${error.step ?? ''}/${error.message}`;
  const [dismissed, setDismissed] = useState<string | null>(null);
  const { retryEngine, generate, runCompare } = useActions();
  if (dismissed === key) return null;
  const retry = where === 'engine' ? () => void retryEngine() : where === 'run' ? () => void generate() : () => void runCompare();
  return (
    <li className="notice error" role="alert" data-testid="error-toast" data-error={where}>
      <p className="notice-text">{errorLine(where, error)}</p>
      <div className="notice-actions">
        <button type="button" onClick={retry} data-testid={`toast-retry-${where}`}>
          {where === 'engine' ? 'Retry' : where === 'run' ? 'Generate again' : 'Run B again'}
        </button>
        <a href="#status-title" onClick={(e) => scrollToStatus(e)}>
          Details in Status
        </a>
        <button type="button" className="notice-dismiss" onClick={() => setDismissed(key)} aria-label="Dismiss this error">
          ×
        </button>
      </div>
    </li>
  );
}

/** Scrolls to the status panel without writing the anchor into the hash (the hash holds the run settings). */
function scrollToStatus(e: { preventDefault(): void }): void {
  e.preventDefault();
  document.getElementById('status-title')?.scrollIntoView({ block: 'start' });
}

function NoticeCard({ notice }: { notice: Notice }) {
  const { dismissNotice } = useActions();
  return (
    <li className={`notice ${notice.tone}`} data-testid="notice" data-tone={notice.tone}>
      <p className="notice-text">{notice.text}</p>
      <button type="button" className="notice-dismiss" onClick={() => dismissNotice(notice.id)} aria-label="Dismiss this notice">
        ×
      </button>
    </li>
  );
}

/** The toasts: the active notices (at most NOTICE_LIMIT) and any current error, fixed in the viewport. */
export function NoticeArea() {
  const notices = useApp((s) => s.notices);
  const engineError = useApp((s) => s.engine.error);
  const runError = useApp((s) => s.trajectory.error);
  const compareError = useApp((s) => s.compare.error);
  const { dismissAllNotices } = useActions();
  const errors: [ErrorWhere, EngineErrorInfo][] = [];
  if (engineError) errors.push(['engine', engineError]);
  else if (runError) errors.push(['run', runError]);
  if (compareError) errors.push(['compare', compareError]);
  if (notices.length === 0 && errors.length === 0) return null;
  return (
    <section className="notice-area" aria-label="Notices" data-testid="notices">
      <ul className="notice-list" aria-live="polite">
        {errors.map(([where, e]) => (
          <ErrorCard key={where} where={where} error={e} />
        ))}
        {notices.map((n) => (
          <NoticeCard key={n.id} notice={n} />
        ))}
      </ul>
      {notices.length > 1 && (
        <p className="notice-more">
          <button type="button" className="link-button" onClick={dismissAllNotices} data-testid="notices-dismiss-all">
            Dismiss all
          </button>
        </p>
      )}
    </section>
  );
}

function time(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The session's notices, newest first, in the status panel (dismissing a toast does not remove it here). */
export function NoticeLog() {
  const log = useApp((s) => s.noticeLog);
  if (log.length === 0) return null;
  return (
    <details className="notice-log" data-testid="notice-log">
      <summary>Messages this session ({log.length})</summary>
      <ol reversed>
        {[...log].reverse().map((n) => (
          <li key={n.id} className={`notice-log-item ${n.tone}`} data-testid="notice-log-item" data-tone={n.tone}>
            <time dateTime={new Date(n.at).toISOString()}>{time(n.at)}</time> {n.text}
          </li>
        ))}
      </ol>
    </details>
  );
}
