/**
 * The run on screen (run A): its frames arrive here, are kept in `ctx.buffer` and reach the state in one
 * update per deferred flush; cancelling it stops the engine's run and records the status in the history.
 * A run id is the cancel token: frames of any run other than `ctx.acceptingRunId` are dropped.
 */
import type { Frame } from '../engine/protocol.ts';
import type { RunNode } from './branches.ts';
import type { StoreContext } from './context.ts';
import { rollingMedian } from './frames.ts';
import type { Actions } from './state.ts';

/** Frames in the rolling median of ms per step (engine.msPerStep). */
export const MS_WINDOW = 25;

export interface Trajectory {
  /** Moves the buffer's frame count (and ms per step) into the state. */
  readonly flush: () => void;
  /** The frame callback of run `runId`: keeps its frames while it is the accepted run. */
  readonly onFrame: (runId: string) => (frame: Frame) => void;
  readonly cancelRun: () => void;
  /** Updates run `runId`'s node in the history. */
  readonly updateNode: (runId: string, change: Partial<RunNode>) => void;
  readonly actions: Pick<Actions, 'cancelRun' | 'getFrame' | 'frames'>;
}

export function createTrajectory(ctx: StoreContext): Trajectory {
  const { get, set, patch, defer, now } = ctx;

  const flush = () => {
    ctx.flushPending = false;
    const { trajectory } = get();
    if (trajectory.runId !== ctx.buffer.runId) return;
    if (trajectory.frameCount !== ctx.buffer.length) {
      patch('trajectory', { frameCount: ctx.buffer.length });
      patch('engine', { msPerStep: rollingMedian(ctx.stepMs, MS_WINDOW) });
    }
  };

  const onFrame = (runId: string) => (frame: Frame) => {
    if (runId !== ctx.acceptingRunId || frame.runId !== runId) return; // stale frame: dropped
    if (!ctx.buffer.push(frame)) return;
    if (get().trajectory.status === 'done') patch('trajectory', { frameCount: ctx.buffer.length });
    if (frame.index > 0) ctx.stepMs.push(frame.ms);
    if (!ctx.flushPending) {
      ctx.flushPending = true;
      defer(flush);
    }
  };

  const updateNode = (runId: string, change: Partial<RunNode>) => {
    set((s) => ({ history: { nodes: s.history.nodes.map((n) => (n.runId === runId ? { ...n, ...change } : n)) } }));
  };

  const cancelRun = () => {
    const { trajectory } = get();
    if (trajectory.status !== 'running' || !trajectory.runId) return;
    const runId = trajectory.runId;
    ctx.acceptingRunId = null;
    flush();
    patch('trajectory', { status: 'cancelled', frameCount: ctx.buffer.length, elapsedMs: now() - ctx.runStartedAt });
    updateNode(runId, { status: 'cancelled', frameCount: ctx.buffer.length });
    if (ctx.engine) {
      try {
        void Promise.resolve(ctx.engine.cancel(runId)).catch(() => undefined);
      } catch {
        // cancel is best effort
      }
    }
  };

  const actions: Trajectory['actions'] = {
    cancelRun,
    getFrame: (index) => ctx.buffer.at(index),
    frames: () => ctx.buffer,
  };

  return { flush, onFrame, cancelRun, updateNode, actions };
}
