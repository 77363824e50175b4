/**
 * The trajectory player: play/pause, step, jump, a scrubber over every frame, speed, and the frame
 * counter. Scrubbing only moves the frame index: the frames are kept, nothing is recomputed.
 * Keyboard (anywhere outside a text field): Space play/pause, ←/→ step, Home/End jump.
 */
import { useEffect } from 'react';
import { modelEvaluations } from '../core/samplers.ts';
import { FPS_CHOICES } from '../store/index.ts';
import { Icon } from './icons.tsx';
import { useActions, useApp, useAppStore } from './store-context.tsx';

function FrameCounter() {
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const steps = useApp((s) => s.trajectory.run?.steps ?? 0);
  const sampler = useApp((s) => s.trajectory.run?.sampler);
  const status = useApp((s) => s.trajectory.status);
  const { getFrame } = useActions();
  // Network evaluations (NFE) before this frame, of the run's total (Heun: 2 a step but the last).
  const totalNfe = sampler === undefined ? null : modelEvaluations(sampler, steps);
  const frame = frameCount > 0 ? getFrame(Math.min(frameIndex, frameCount - 1)) : undefined;
  const progress = status === 'running' ? ` · computing ${frameCount} / ${steps + 1} frames` : '';
  return (
    <p className="frame-counter" data-testid="frame-counter">
      {frame ? (
        <>
          step <strong>{frame.index}</strong> / {steps} · t = <strong>{frame.t}</strong>
          {frame.nfe !== undefined && totalNfe !== null && (
            <span data-testid="nfe">
              {' '}
              · NFE <strong>{frame.nfe}</strong> / {totalNfe}
            </span>
          )}
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

/** Global keyboard shortcuts of the player. */
export function usePlayerShortcuts(): void {
  const store = useAppStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.metaKey || e.ctrlKey) return;
      const target = e.target as HTMLElement | null;
      const tag = target?.tagName ?? '';
      // Leave keys to fields that use them (text, numbers, sliders, selects, radio groups).
      if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target?.isContentEditable) return;
      const { actions, trajectory } = store.getState();
      if (trajectory.frameCount === 0) return;
      switch (e.key) {
        case ' ':
          if (tag === 'BUTTON') return; // Space presses the focused button
          actions.togglePlay();
          break;
        case 'ArrowLeft':
          actions.stepBy(-1);
          break;
        case 'ArrowRight':
          actions.stepBy(1);
          break;
        case 'Home':
          actions.jumpToStart();
          break;
        case 'End':
          actions.jumpToEnd();
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}

export function Player() {
  const frameIndex = useApp((s) => s.player.frameIndex);
  const frameCount = useApp((s) => s.trajectory.frameCount);
  const playing = useApp((s) => s.player.playing);
  const fps = useApp((s) => s.player.fps);
  const steps = useApp((s) => s.trajectory.run?.steps ?? 0);
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
      <p className="hint">
        Keys: <kbd>Space</kbd> play/pause · <kbd>←</kbd>/<kbd>→</kbd> step · <kbd>Home</kbd>/<kbd>End</kbd> jump
      </p>
      <RunStatusLine />
    </section>
  );
}
