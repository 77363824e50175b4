/**
 * The run channel on its own (run A and compare's run B both use one): stale frames are dropped in one
 * place, cancel and settle end the run once, a late frame of a finished run is published at once.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../engine/protocol.ts';
import { createStoreContext } from './context.ts';
import { FrameBuffer } from './frame-buffer.ts';
import { createRunChannel, type RunChannel } from './run-channel.ts';
import type { AppState } from './state.ts';

const frame = (runId: string, index: number): Frame =>
  ({ runId, index, t: 0, ms: 10 + index, batch: 1, z: new Float32Array(4), x0Hat: new Float32Array(4), masked: new Float32Array(4), sketch: new Float32Array(4), drift: new Float32Array(4), labelProbs: new Float32Array(10), repr: new Float32Array(2) }) as unknown as Frame;

function setup() {
  let state = { engine: { error: null } } as unknown as AppState;
  const deferred: (() => void)[] = [];
  const cancelled: string[] = [];
  const ctx = createStoreContext({ defer: (fn) => deferred.push(fn), now: () => 0 }, () => state, (p) => {
    state = { ...state, ...(typeof p === 'function' ? p(state) : p) };
  });
  ctx.engine = { cancel: (id: string) => void cancelled.push(id) } as unknown as typeof ctx.engine;
  const published: number[] = [];
  const channel: RunChannel = createRunChannel(ctx, (c) => published.push(c.buffer.length));
  return { channel, deferred, cancelled, published, state: () => state };
}

describe('run channel', () => {
  it('keeps only the open run, in order, and publishes once per deferred flush', () => {
    const { channel, deferred, published } = setup();
    channel.open('run-1');
    channel.onFrame(frame('run-1', 0));
    channel.onFrame(frame('run-0', 1)); // another run's frame
    channel.onFrame(frame('run-1', 1));
    channel.onFrame(frame('run-1', 1)); // repeated after a resume
    expect(channel.buffer.length).toBe(2);
    expect(channel.stepMs).toEqual([11]);
    expect(deferred).toHaveLength(1);
    deferred[0]!();
    expect(published).toEqual([2]);
  });

  it('cancel stops the frames, tells the engine once and makes the run stale', () => {
    const { channel, cancelled } = setup();
    channel.open('run-2');
    expect(channel.isCurrent('run-2')).toBe(true);
    expect(channel.cancel()).toBe('run-2');
    expect(channel.cancel()).toBeNull();
    expect(cancelled).toEqual(['run-2']);
    expect(channel.isCurrent('run-2')).toBe(false);
    channel.onFrame(frame('run-2', 0));
    expect(channel.buffer.length).toBe(0);
  });

  it('after settle a late frame is published at once; an error stops the frames and reaches the engine slice', () => {
    const { channel, published, state } = setup();
    channel.open('run-3');
    channel.settle('done');
    channel.onFrame(frame('run-3', 0));
    expect(published.at(-1)).toBe(1);
    channel.open('run-4', new FrameBuffer());
    expect(channel.isCurrent('run-3')).toBe(false);
    channel.settle({ error: { kind: 'device-lost', message: 'gone' } });
    channel.onFrame(frame('run-4', 0));
    expect(channel.buffer.length).toBe(0);
    expect(state().engine.error).toEqual({ kind: 'device-lost', message: 'gone' });
  });

  it('show displays a kept buffer and accepts nothing', () => {
    const { channel } = setup();
    const kept = new FrameBuffer();
    kept.reset('run-5');
    kept.push(frame('run-5', 0));
    channel.show(kept);
    expect(channel.buffer).toBe(kept);
    channel.onFrame(frame('run-5', 1));
    expect(kept.length).toBe(1);
    expect(channel.running).toBe(false);
  });
});
