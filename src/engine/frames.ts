/**
 * What a Frame holds, packed into one tensor so that each step reads back once (one `await data()`,
 * never dataSync), then split into the Frame's own arrays on the CPU. Also the NaN/Inf check.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from './errors.ts';
import type { Frame } from './protocol.ts';

/** The tensors of one frame, in packing order. */
export interface FrameTensors {
  readonly z: tf.Tensor4D; // [B, S, S, 1]
  readonly x0Hat: tf.Tensor4D; // [B, S, S, 1]
  readonly masked: tf.Tensor4D; // [B, S, S, 1]
  readonly sketch: tf.Tensor4D; // [B, S, S, 1]
  readonly drift: tf.Tensor4D; // [B, S, S, 1]
  readonly labelProbs: tf.Tensor2D; // [B, K]
  readonly repr: tf.Tensor2D; // [B, D]
}

const FIELDS = ['z', 'x0Hat', 'masked', 'sketch', 'drift', 'labelProbs', 'repr'] as const;
type Field = (typeof FIELDS)[number];

/** One flat tensor [5 B S S + B K + B D] (call inside a tidy). */
export function packFrame(f: FrameTensors): tf.Tensor1D {
  return tf.concat(FIELDS.map((k) => tf.reshape<tf.Rank.R1>(f[k], [-1])), 0);
}

export interface FrameMeta {
  readonly runId: string;
  readonly index: number;
  readonly t: number;
  readonly batch: number;
  readonly size: number;
  readonly classes: number;
  readonly reprDim: number;
  readonly ms: number;
  /** Model evaluations before this frame (reverse runs). */
  readonly nfe?: number;
}

/** Splits packed values into a Frame; every field gets its own ArrayBuffer (transferable). */
export function unpackFrame(values: Float32Array, m: FrameMeta): Frame {
  const img = m.batch * m.size * m.size;
  const lengths: Record<Field, number> = {
    z: img, x0Hat: img, masked: img, sketch: img, drift: img, labelProbs: m.batch * m.classes, repr: m.batch * m.reprDim,
  };
  const total = FIELDS.reduce((s, k) => s + lengths[k], 0);
  if (values.length !== total) throw new EngineError('internal', `frame ${m.index}: read back ${values.length} values, expected ${total}`);
  const parts = {} as Record<Field, Float32Array>;
  let offset = 0;
  for (const k of FIELDS) {
    parts[k] = values.slice(offset, offset + lengths[k]);
    offset += lengths[k];
  }
  return { runId: m.runId, index: m.index, t: m.t, ms: m.ms, ...(m.nfe === undefined ? {} : { nfe: m.nfe }), ...parts };
}

/** Throws EngineError('numerics') naming the frame, field and sample when any value is NaN or +-Inf. */
export function assertFiniteFrame(frame: Frame, batch: number): void {
  for (const k of FIELDS) {
    const a = frame[k];
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v)) {
        const sample = Math.floor(i / (a.length / batch));
        throw new EngineError(
          'numerics',
          `non-finite value (${v}) in frame ${frame.index} (t = ${frame.t}): ${k}[${i}] of sample ${sample}; the trajectory stopped there`,
          { step: frame.index },
        );
      }
    }
  }
}

/** The Frame's ArrayBuffers, for postMessage transfer lists. */
export function frameBuffers(frame: Frame): ArrayBuffer[] {
  return FIELDS.map((k) => frame[k].buffer as ArrayBuffer);
}
