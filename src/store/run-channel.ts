/**
 * One run's plumbing on the page, the same for run A (the run on screen) and compare's run B: the buffer
 * its frames go into, step times, the deferred flush of arrived frames into the state, the frame handler,
 * cancel, and the end of the run with its outcome. The run id is the cancel token: the channel's buffer
 * accepts frames of its open run only (FrameBuffer.push, the one place where stale frames are dropped),
 * and `isCurrent(runId)` tells a run that has waited whether its result still matters.
 */
import type { EngineErrorInfo, Frame } from '../engine/protocol.ts';
import type { StoreContext } from './context.ts';
import { FrameBuffer } from './frame-buffer.ts';

/** How a run ended, as the engine (and its GPU-loss recovery) reports it. */
export type RunOutcome = 'done' | 'cancelled' | { readonly error: EngineErrorInfo };

export interface RunChannel {
  /** Frames of the run the channel shows (the open run's, or a kept run's). */
  readonly buffer: FrameBuffer;
  /** ms per reverse step of the open run's frames (frame 0, z_T, has none). */
  readonly stepMs: readonly number[];
  /** ctx.now() when the open run started. */
  readonly startedAt: number;
  /** True from open until the run ends (settle) or is cancelled. */
  readonly running: boolean;
  /**
   * Starts accepting run `runId`'s frames into `buffer` (a buffer of its own, e.g. kept in the history),
   * or into this channel's buffer, emptied. The run shown before stops accepting frames.
   */
  open(runId: string, buffer?: FrameBuffer): void;
  /** Shows a kept buffer (a run of the history) without accepting any frame. */
  show(buffer: FrameBuffer): void;
  /** Whether run `runId` is the open one and still accepted (a cancelled or superseded run is not). */
  isCurrent(runId: string): boolean;
  /** The engine's frame callback for every run of this channel. */
  readonly onFrame: (frame: Frame) => void;
  /** Moves the arrived frames into the state now (the `publish` the channel was made with). */
  readonly flush: () => void;
  /** Cancels the open run: no more frames, the engine is told. Returns its run id, or null when none was running. */
  cancel(): string | null;
  /**
   * Ends the run with `outcome` (run the engine's result through it before patching the slice): the frames
   * that arrived are flushed, an error stops the frames and a lost GPU or backend is shown on the engine;
   * later frames of a finished run (they may land just after the result) are published at once.
   */
  settle(outcome: RunOutcome): void;
}

/**
 * @param publish moves `channel.buffer`'s frame count (and step times) into the channel's slice; called on
 *   the deferred flush and by `flush()`.
 */
export function createRunChannel(ctx: StoreContext, publish: (channel: RunChannel) => void): RunChannel {
  const { patch, defer, now } = ctx;
  let buffer = new FrameBuffer();
  let stepMs: number[] = [];
  let startedAt = 0;
  let running = false;
  let finished = false;
  let flushPending = false;

  const channel: RunChannel = {
    get buffer() {
      return buffer;
    },
    get stepMs() {
      return stepMs;
    },
    get startedAt() {
      return startedAt;
    },
    get running() {
      return running;
    },
    open(runId, own) {
      buffer.close();
      if (own === undefined) buffer.reset(runId);
      else buffer = own;
      if (own !== undefined && own.runId !== runId) own.reset(runId);
      stepMs = [];
      startedAt = now();
      running = true;
      finished = false;
    },
    show(kept) {
      buffer.close();
      buffer = kept;
      kept.close();
      running = false;
      finished = true;
    },
    isCurrent: (runId) => buffer.accepting === runId,
    onFrame(frame) {
      if (!buffer.push(frame)) return; // a stale frame (another run, a cancelled one) or a repeated one
      if (frame.index > 0) stepMs.push(frame.ms);
      if (finished) {
        channel.flush();
      } else if (!flushPending) {
        flushPending = true;
        defer(channel.flush);
      }
    },
    flush: () => {
      flushPending = false;
      publish(channel);
    },
    cancel() {
      const runId = buffer.accepting;
      if (!running || runId === null) return null;
      buffer.close();
      running = false;
      channel.flush();
      if (ctx.engine) {
        try {
          void Promise.resolve(ctx.engine.cancel(runId)).catch(() => undefined);
        } catch {
          // cancel is best effort
        }
      }
      return runId;
    },
    settle(outcome) {
      running = false;
      finished = true;
      if (typeof outcome === 'object') {
        buffer.close();
        if (outcome.error.kind === 'device-lost' || outcome.error.kind === 'backend') patch('engine', { error: outcome.error });
      }
      channel.flush();
    },
  };
  return channel;
}
