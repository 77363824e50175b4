/**
 * The playback loop and the player's actions. The loop holds a cancel token (TF Playground's `Player`):
 * play, pause, seek, a new run, a new seed or mode bump `playToken` and the old loop stops at its
 * next tick. While a run is still producing frames the loop waits at the last frame instead of stopping,
 * and with follow live on (the default) each tick of a run in progress shows the newest frame: playback
 * never lags the computation by more than one tick (1/fps s).
 */
import type { StoreContext } from './context.ts';
import type { Actions } from './state.ts';

export interface Player {
  /** Stops the loop: a tick already scheduled finds a newer token and returns. */
  readonly stopLoop: () => void;
  /** Starts a loop from the frame shown, at `player.fps`. */
  readonly startLoop: () => void;
  readonly actions: Pick<Actions, 'play' | 'pause' | 'togglePlay' | 'seek' | 'stepBy' | 'jumpToStart' | 'jumpToEnd' | 'setFps' | 'setFollow'>;
}

export function createPlayer(ctx: StoreContext): Player {
  const { get, patch } = ctx;
  /** The loop's cancel token: a loop whose token is not this one stops at its next tick. */
  let playToken = 0;
  let playTimer: ReturnType<typeof setTimeout> | null = null;

  const stopLoop = () => {
    playToken++;
    if (playTimer !== null) clearTimeout(playTimer);
    playTimer = null;
  };

  const startLoop = () => {
    stopLoop();
    const token = playToken;
    const tick = () => {
      if (token !== playToken) return; // a newer play/pause/seek/run invalidated this loop
      const { player, trajectory } = get();
      const newest = trajectory.frameCount - 1;
      if (player.follow && trajectory.status === 'running' && player.frameIndex < newest) {
        patch('player', { frameIndex: newest });
      } else if (player.frameIndex < newest) {
        patch('player', { frameIndex: player.frameIndex + 1 });
      } else if (trajectory.status !== 'running') {
        patch('player', { playing: false });
        playTimer = null;
        return;
      }
      playTimer = setTimeout(tick, 1000 / get().player.fps);
    };
    playTimer = setTimeout(tick, 1000 / get().player.fps);
  };

  const actions: Player['actions'] = {
    play() {
      const { trajectory, player } = get();
      if (trajectory.frameCount === 0) return;
      const atEnd = player.frameIndex >= trajectory.frameCount - 1 && trajectory.status !== 'running';
      patch('player', { playing: true, frameIndex: atEnd ? 0 : player.frameIndex });
      startLoop();
    },
    pause() {
      stopLoop();
      patch('player', { playing: false });
    },
    togglePlay() {
      if (get().player.playing) actions.pause();
      else actions.play();
    },
    seek(index) {
      stopLoop();
      const count = get().trajectory.frameCount;
      const frameIndex = count === 0 ? 0 : Math.min(count - 1, Math.max(0, Math.round(index)));
      patch('player', { playing: false, frameIndex });
    },
    stepBy(delta) {
      actions.seek(get().player.frameIndex + delta);
    },
    jumpToStart() {
      actions.seek(0);
    },
    jumpToEnd() {
      actions.seek(get().trajectory.frameCount - 1);
    },
    setFollow(follow) {
      patch('player', { follow });
      if (follow && get().trajectory.status === 'running') {
        patch('player', { frameIndex: Math.max(0, get().trajectory.frameCount - 1) });
        actions.play();
      }
    },
    setFps(fps) {
      if (!Number.isFinite(fps) || fps <= 0) return;
      patch('player', { fps: Math.min(120, fps) });
    },
  };

  return { stopLoop, startLoop, actions };
}
