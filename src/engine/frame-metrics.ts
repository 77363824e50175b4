/**
 * Per-step metrics (core's stepMetrics) attached to each frame in the worker, from the frame's own arrays
 * and the previous frame's x^_0: no model call. The tracker keeps a copy of the last x^_0 (a yielded
 * frame's buffers are transferred to the page and detached here).
 */
import { stepMetrics } from '../core/index.ts';
import type { Schedule } from '../core/index.ts';
import type { RunPlan } from './plan.ts';
import type { Frame } from './protocol.ts';

export interface MetricsTracker {
  /**
   * The frame with its metrics. `x0Model`: the x^_0 the model predicted before the inpainting composite
   * (null: the frame's own x0Hat, which is that prediction in every other mode).
   */
  add(frame: Frame, x0Model: Float32Array | null): Frame;
}

export function metricsTracker(
  schedule: Schedule,
  plan: Pick<RunPlan, 'batch' | 'size' | 'classes' | 'given'> & Partial<Pick<RunPlan, 'firstFrame' | 'startPrevX0'>>,
): MetricsTracker {
  // A branch given its parent's x^_0 of the frame before its first measures its first move too.
  let prevX0: Float32Array | null = plan.startPrevX0 ?? null;
  let prevIndex = prevX0 !== null ? (plan.firstFrame ?? 0) - 1 : -1;
  const { image, mask } = plan.given;
  const given = image !== null && mask !== null ? { image, mask } : null;
  return {
    add(frame, x0Model) {
      const x0 = x0Model ?? frame.x0Hat;
      const metrics = stepMetrics({
        batch: plan.batch,
        pixels: plan.size * plan.size,
        alphaBar: schedule.alphaBar[frame.t]!,
        z: frame.z,
        x0,
        drift: frame.drift,
        labelProbs: frame.labelProbs,
        classes: plan.classes,
        // The move since the previous frame of this run (a branch's first frame has none here).
        prevX0: prevIndex === frame.index - 1 ? prevX0 : null,
        given,
      });
      prevX0 = x0.slice(); // a copy: the frame's buffers leave the worker
      prevIndex = frame.index;
      return { ...frame, metrics };
    },
  };
}
