/**
 * The trajectory player: play/pause, step, jump, a scrubber over every frame, speed, and the frame
 * counter. Scrubbing only moves the frame index: the frames are kept, nothing is recomputed.
 * Its keys (Space, arrows, Home/End) are the page's shortcuts (shortcuts.ts), listed by KeyHint. *Follow live*
 * (on by default) shows the newest frame while a run computes.
 */
import { FPS_CHOICES } from '../store/index.ts';
import { Icon } from './icons.tsx';
import { KEY_HINTS } from './shortcuts.ts';
import { useActions, useApp } from './store-context.tsx';

function FrameCounter() {
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const steps = useApp((s) => s.trajectory.run?.steps ?? 0);
  const status = useApp((s) => s.trajectory.status);
  const { getFrame } = useActions();
  const frame = frameCount > 0 ? getFrame(Math.min(frameIndex, frameCount - 1)) : undefined;
  const progress = status === 'running' ? ` · computing ${frameCount} / ${steps + 1} frames` : '';
  return (
    <p className="frame-counter" data-testid="frame-counter">
      {frame ? (
        <>
          step <strong>{frame.index}</strong> / {steps} · t = <strong>{frame.t}</strong>
          <span className="muted">{progress}</span>
        </>
      ) : (
        <span className="muted">No trajectory yet</span>
      )}
    </p>
  );
}

function RunStatusLine() {
  const status = useApp((s) => s.trajectory.status);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const elapsed = useApp((s) => s.trajectory.elapsedMs);
  const runId = useApp((s) => s.trajectory.runId);
  let text = '';
  if (status === 'done') text = `Done: ${frameCount} frames in ${((elapsed ?? 0) / 1000).toFixed(2)} s.`;
  else if (status === 'cancelled') text = `Stopped after ${frameCount} frames.`;
  else if (status === 'error') text = 'The run failed; see the message below.';
  else if (status === 'running') text = 'Running…';
  return (
    <p className="run-status" aria-live="polite" data-testid="run-status" data-status={status} data-run-id={runId ?? ''}>
      {text}
    </p>
  );
}

/** The keys, from the one table (shortcuts.ts); hidden on touch screens (styles: .key-hint). */
export function KeyHint({ present = false }: { present?: boolean }) {
  const rows = KEY_HINTS.filter((r) => present || !r.present);
  return (
    <p className="hint key-hint" data-testid="key-hint">
      {present ? 'Keys' : 'Keys work anywhere except in text fields and menus'}:{' '}
      {rows.map((r, i) => (
        <span key={r.does}>
          {i > 0 ? ' · ' : ''}
          {r.keys.map((k, j) => (
            <span key={k}>
              {j > 0 ? (r.keys.length === 2 && r.keys[0] === '1' ? '–' : '/') : ''}
              <kbd>{k}</kbd>
            </span>
          ))}{' '}
          {r.does}
        </span>
      ))}
    </p>
  );
}

export function Player() {
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const playing = useApp((s) => s.player.playing);
  const fps = useApp((s) => s.player.fps);
  const steps = useApp((s) => s.trajectory.run?.steps ?? 0);
  const follow = useApp((s) => s.player.follow);
  const running = useApp((s) => s.trajectory.status === 'running');
  const actions = useActions();
  const empty = frameCount === 0;
  const last = Math.max(0, frameCount - 1);
  const frame = empty ? undefined : actions.getFrame(Math.min(frameIndex, last));

  return (
    <section className="panel player" aria-label="Trajectory player">
      <FrameCounter />
      <input
        type="range"
        className="scrubber"
        aria-label="Frame"
        aria-valuetext={frame ? `step ${frame.index} of ${steps}, t = ${frame.t}` : 'no frames'}
        min={0}
        max={last}
        step={1}
        value={Math.min(frameIndex, last)}
        disabled={empty}
        onChange={(e) => actions.seek(Number(e.target.value))}
        // Grabbing the scrubber takes over from playback, even when the thumb does not move (a range input
        // fires no change event for its own value, so seek alone would leave the loop playing on).
        onPointerDown={actions.pause}
        data-testid="scrubber"
      />
      <div className="player-buttons">
        <button type="button" onClick={actions.jumpToStart} disabled={empty} aria-label="Jump to start" title="Jump to start (Home)">
          <Icon name="start" />
        </button>
        <button type="button" onClick={() => actions.stepBy(-1)} disabled={empty} aria-label="Step back" title="Step back (←)">
          <Icon name="back" />
        </button>
        <button
          type="button"
          className="play"
          onClick={actions.togglePlay}
          disabled={empty}
          aria-label={playing ? 'Pause' : 'Play'}
          title={playing ? 'Pause (Space)' : 'Play (Space)'}
          data-testid="play"
        >
          <Icon name={playing ? 'pause' : 'play'} />
        </button>
        <button type="button" onClick={() => actions.stepBy(1)} disabled={empty} aria-label="Step forward" title="Step forward (→)">
          <Icon name="forward" />
        </button>
        <button type="button" onClick={actions.jumpToEnd} disabled={empty} aria-label="Jump to end" title="Jump to end (End)">
          <Icon name="end" />
        </button>
        <label className="follow-live" title="While a run computes, show the newest frame as soon as it exists (scrubbing or pausing stops following)">
          <input type="checkbox" checked={follow} onChange={(e) => actions.setFollow(e.target.checked)} data-testid="follow-live" />
          Follow live{running && follow && playing ? <span className="live-dot" aria-hidden="true" /> : null}
        </label>
        <label className="speed">
          Speed
          <select value={fps} onChange={(e) => actions.setFps(Number(e.target.value))}>
            {FPS_CHOICES.map((f) => (
              <option key={f} value={f}>
                {f} frames/s
              </option>
            ))}
          </select>
        </label>
      </div>
      <KeyHint />
      <RunStatusLine />
    </section>
  );
}
