/**
 * The frames of the current trajectory, kept as CPU arrays in a plain object outside React state.
 * The store exposes only their count (and run id) as state; canvases read frames from here when the
 * store tells them (through `subscribe`) that the frame to draw changed. Frames are immutable once pushed.
 */
import type { Frame } from '../engine/protocol.ts';
import { entropy } from '../core/metrics.ts';
import { median } from '../core/stats.ts';
import { DEFAULT_GEOMETRY, type Frames } from './state.ts';

/** The bundled model's classes (Fashion-MNIST); a model's own count is classesOf(frame). */
export const NUM_CLASSES = 10;

/** Classes K of a frame's label head: labelProbs holds B*K values, z holds B*side*side. */
export function classesOf(frame: Pick<Frame, 'z' | 'labelProbs'>, side = DEFAULT_GEOMETRY.imageSize): number {
  const batch = frame.z.length / (side * side);
  return batch > 0 ? Math.round(frame.labelProbs.length / batch) : 0;
}

export class FrameBuffer implements Frames {
  #runId: string | null = null;
  #open = false;
  #frames: Frame[] = [];
  #driftMaxAbs = 0;
  #bytes = 0;

  get runId(): string | null {
    return this.#runId;
  }

  get length(): number {
    return this.#frames.length;
  }

  /** Largest |c-hat_t| over every frame so far: one colour scale for the whole drift trajectory. */
  get driftMaxAbs(): number {
    return this.#driftMaxAbs;
  }

  /** Bytes of frame data held (every typed array of every frame). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The run whose frames `push` accepts: runId until `close()` (null: none). */
  get accepting(): string | null {
    return this.#open ? this.#runId : null;
  }

  /** Drops every frame and accepts frames of `runId` only (null: accepts none). */
  reset(runId: string | null): void {
    this.#runId = runId;
    this.#open = runId !== null;
    this.#frames = [];
    this.#driftMaxAbs = 0;
    this.#bytes = 0;
  }

  /** Accepts no more frames (a cancelled or superseded run); the frames held stay. */
  close(): void {
    this.#open = false;
  }

  /**
   * Appends a frame of the current run. Returns false (and keeps nothing) for a stale frame (another
   * run id, or any frame once closed) or one out of order (frames arrive as index 0, 1, 2, ...): the one
   * place where the page drops frames (store/run-channel.ts hands every frame here).
   */
  push(frame: Frame): boolean {
    if (!this.#open || frame.runId !== this.#runId) return false;
    if (frame.index !== this.#frames.length) return false;
    this.#frames.push(frame);
    const d = frame.drift;
    let m = this.#driftMaxAbs;
    for (let i = 0; i < d.length; i++) {
      const v = Math.abs(d[i]!);
      if (v > m && Number.isFinite(v)) m = v;
    }
    this.#driftMaxAbs = m;
    this.#bytes +=
      frame.z.byteLength + frame.x0Hat.byteLength + frame.masked.byteLength + frame.sketch.byteLength +
      frame.labelProbs.byteLength + frame.repr.byteLength + frame.drift.byteLength;
    return true;
  }

  at(index: number): Frame | undefined {
    return this.#frames[index];
  }

  /** A read-only view of every frame (do not keep it across a reset). */
  all(): readonly Frame[] {
    return this.#frames;
  }

  /**
   * The label head over the trajectory for one sample: probs[f][c] and the entropy (nats) per frame,
   * for the first `count` frames.
   */
  labelSeries(sample: number, count = this.#frames.length): { probs: Float32Array[]; entropy: number[]; t: number[] } {
    const probs: Float32Array[] = [];
    const ent: number[] = [];
    const t: number[] = [];
    const n = Math.min(count, this.#frames.length);
    for (let f = 0; f < n; f++) {
      const frame = this.#frames[f]!;
      const k = classesOf(frame);
      const p = frame.labelProbs.subarray(sample * k, (sample + 1) * k);
      probs.push(p);
      ent.push(entropy(p));
      t.push(frame.t);
    }
    return { probs, entropy: ent, t };
  }
}

/** Median of the last `window` values (the rolling ms/step shown in the status panel). */
export function rollingMedian(values: readonly number[], window: number): number | null {
  const tail = values.slice(Math.max(0, values.length - window)).filter((v) => Number.isFinite(v));
  return tail.length === 0 ? null : median(tail);
}
