/**
 * The run on screen (run A): its run channel (run-channel.ts) publishes arrived frames into the
 * trajectory slice, one update per deferred flush; cancelling it stops the engine's run and records the
 * status in the history.
 */
import type { StoreContext } from './context.ts';
import { rollingMedian } from './frame-buffer.ts';
import { createRunChannel, type RunChannel } from './run-channel.ts';
import type { Actions, RunNode } from './state.ts';

/** Frames in the rolling median of ms per step (engine.msPerStep). */
export const MS_WINDOW = 25;

export interface TrajectoryParts {
  /** Run A's channel: its buffer, frames, cancel and end. */
  readonly channel: RunChannel;
  readonly cancelRun: () => void;
  /** Updates run `runId`'s node in the history. */
  readonly updateNode: (runId: string, change: Partial<RunNode>) => void;
  readonly actions: Pick<Actions, 'cancelRun' | 'getFrame' | 'frames'>;
}

export function createTrajectory(ctx: StoreContext): TrajectoryParts {
  const { get, set, patch, now } = ctx;

  // Moves the buffer's frame count (and ms per step) into the state.
  const channel = createRunChannel(ctx, ({ buffer, stepMs }) => {
    const { trajectory } = get();
    if (trajectory.runId !== buffer.runId || trajectory.frameCount === buffer.length) return;
    patch('trajectory', { frameCount: buffer.length });
    patch('engine', { msPerStep: rollingMedian(stepMs, MS_WINDOW) });
  });

  const updateNode = (runId: string, change: Partial<RunNode>) => {
    set((s) => ({ history: { nodes: s.history.nodes.map((n) => (n.runId === runId ? { ...n, ...change } : n)) } }));
  };

  const cancelRun = () => {
    if (get().trajectory.status !== 'running') return;
    const runId = channel.cancel();
    if (runId === null) return;
    const frameCount = channel.buffer.length;
    patch('trajectory', { status: 'cancelled', frameCount, elapsedMs: now() - channel.startedAt });
    updateNode(runId, { status: 'cancelled', frameCount });
  };

  const actions: TrajectoryParts['actions'] = {
    cancelRun,
    getFrame: (index) => channel.buffer.at(index),
    frames: () => channel.buffer,
  };

  return { channel, cancelRun, updateNode, actions };
}
