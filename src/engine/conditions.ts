/**
 * The conditioning of a run as tensors (sampling.py `encode_estimate`): the aggregated encoding
 * E = sum_i g_i E_i(x^i) of MT-DIFFUSION.md, from which the drift estimate is c^_t = kappa_t E.
 *   - given modalities are encoded once per run (E is constant);
 *   - a generated label (joint mode) is re-encoded every step from the one-hot of the label head's
 *     argmax (a hard decision: 78% classifier agreement against 69% for the softmax, first weights);
 *     with label commitment (plan.labelCommit > 0) its g_label is 1 only for the samples whose head is
 *     that sure, max_k p(k | z_t) >= labelCommit, and 0 for the others, decided afresh every step.
 * Created once per run; the caller disposes it.
 */
import * as tf from '@tensorflow/tfjs';
import type { PasteCoefficients } from '../core/index.ts';
import type { EncodeInputs, Network } from '../model/index.ts';
import type { RunPlan } from './plan.ts';

export interface Conditions {
  /** E for this step; `labelProbs` [B, K] is the label head's softmax (used when the label is generated). Call inside a tidy. */
  encoded(labelProbs: tf.Tensor2D): tf.Tensor4D;
  /** E when it is the same at every step (no generated label), known before the forward; else null. */
  readonly constantEncoding: tf.Tensor4D | null;
  /** Inpainting: M x + (1 - M) v, the visible pixels taken from the given image; identity otherwise. Call inside a tidy. */
  composite(v: tf.Tensor4D): tf.Tensor4D;
  /**
   * Inpainting by replacement with core's pasteCoefficients: M (co.x x + co.noise xi) + (1 - M) y, the visible
   * pixels of y resampled from q(y_t | x); xi is null when co.noise = 0 (t = 0: exactly the composite).
   * Identity without a mask. Call inside a tidy.
   */
  paste(y: tf.Tensor4D, co: PasteCoefficients, xi: tf.Tensor4D | null): tf.Tensor4D;
  dispose(): void;
}

export function createConditions(network: Network, plan: RunPlan): Conditions {
  const B = plan.batch;
  const S = plan.size;
  const { given } = plan;
  const img = (a: Float32Array | null): tf.Tensor4D => (a === null ? tf.zeros([B, S, S, 1]) : tf.tensor4d(a, [B, S, S, 1]));
  const flag = (on: boolean): tf.Tensor1D => tf.fill<tf.Rank.R1>([B], on ? 1 : 0); // g_i [B]

  // Constant inputs of encode(), kept for the run (sampling.py: zeros and g_i = 0 where absent).
  const inputs: EncodeInputs = tf.tidy(() => ({
    labelProbs:
      given.classId === null
        ? tf.zeros<tf.Rank.R2>([B, plan.classes])
        : (tf.oneHot(tf.fill<tf.Rank.R1>([B], given.classId, 'int32'), plan.classes).toFloat() as tf.Tensor2D), // [B, K]
    image: img(given.image), // [B, S, S, 1]
    mask: img(given.mask), // [B, S, S, 1]
    sketch: img(given.sketch), // [B, S, S, 1]
    repr: given.repr === null ? tf.zeros<tf.Rank.R2>([B, plan.reprDim]) : tf.tensor2d(given.repr, [B, plan.reprDim]), // [B, D]
    given: {
      label: flag(given.classId !== null || plan.generateLabel),
      masked: flag(given.mask !== null),
      sketch: flag(given.sketch !== null),
      repr: flag(given.repr !== null),
    },
    // g_i = 0 for the whole run: that encoder is not run at all (the joint mode's per-step encode).
    present: { label: given.classId !== null || plan.generateLabel, masked: given.mask !== null, sketch: given.sketch !== null, repr: given.repr !== null },
  }));
  const owned: tf.Tensor[] = [
    inputs.labelProbs, inputs.image, inputs.mask, inputs.sketch, inputs.repr,
    inputs.given.label, inputs.given.masked, inputs.given.sketch, inputs.given.repr,
  ];
  // Given modalities only: E is the same at every step, encode it once.
  const constant = plan.generateLabel ? null : network.encode(inputs); // [B, S, S, 1]
  if (constant !== null) owned.push(constant);
  // Inpainting composite: M x (visible pixels) and 1 - M.
  const visible = given.mask === null ? null : tf.mul<tf.Tensor4D>(inputs.image, inputs.mask); // [B, S, S, 1]
  const hidden = given.mask === null ? null : tf.sub<tf.Tensor4D>(1, inputs.mask); // [B, S, S, 1]
  if (visible !== null && hidden !== null) owned.push(visible, hidden);

  return {
    constantEncoding: constant,
    encoded(labelProbs) {
      // E_label(onehot(argmax label probs)) with g_label = 1 (sampling.py "label" in cond.generate), or with
      // label commitment g_label = [max_k p(k | z_t) >= labelCommit] per sample (sampling.py label_commit).
      if (constant !== null) return constant;
      const decided = tf.oneHot(tf.argMax(labelProbs, 1), plan.classes).toFloat() as tf.Tensor2D; // [B, K]
      if (plan.labelCommit <= 0) return network.encode({ ...inputs, labelProbs: decided });
      const committed = tf.cast<tf.Tensor1D>(tf.greaterEqual(tf.max(labelProbs, 1), plan.labelCommit), 'float32'); // g_label [B]
      return network.encode({ ...inputs, labelProbs: decided, given: { ...inputs.given, label: committed } });
    },
    composite(v) {
      return visible === null || hidden === null ? v : tf.add(visible, tf.mul(hidden, v));
    },
    paste(y, co, xi) {
      if (visible === null || hidden === null) return y;
      if (co.noise !== 0 && xi === null) throw new Error(`a paste with noise ${co.noise} > 0 needs xi`);
      const scaled = tf.mul(visible, co.x); // M co.x x [B, S, S, 1]
      const known = xi === null || co.noise === 0 ? scaled : tf.add(scaled, tf.mul(tf.mul(inputs.mask, xi), co.noise)); // M (co.x x + co.noise xi) [B, S, S, 1]
      return tf.add(known, tf.mul(hidden, y)); // [B, S, S, 1]
    },
    dispose() {
      tf.dispose(owned);
    },
  };
}
