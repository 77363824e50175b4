/**
 * Label-head guidance (not to be confused with drift guidance, update.ts driftGuided): classifier guidance
 * with the model's own label head (MT-DIFFUSION.md: "the label head doubles as a
 * noise-aware classifier"; Dhariwal & Nichol 2021, Algorithm 2 / eq. 14):
 *   eps~ = eps^ - s sqrt(1 - aB_t) grad_{z_t} log p(y | z_t),
 * where p(y | z_t) = softmax(label head(z_t, t))_y and y is the given class, or the current argmax in
 * joint generation. The samples of a batch are independent (GroupNorm is per sample), so the gradient
 * of sum_b log p(y_b | z_t,b) gives every sample its own gradient in one backward pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadOutputs, Network } from '../model/index.ts';
import type { LabelGuidanceTarget } from './plan.ts';

export interface GuidedForward {
  /** The heads of the forward pass the gradient went through. tf.keep-ed: the caller disposes them. */
  readonly out: HeadOutputs;
  /** eps~ [B, S, S, 1]. */
  readonly eps: tf.Tensor4D;
}

export function headTensors(out: HeadOutputs): tf.Tensor[] {
  return [out.eps, out.masked, out.sketch, out.label, out.repr];
}

/** One forward pass plus one backward pass through the label head. Call inside a tf.tidy. */
export function guidedForward(
  network: Network,
  z: tf.Tensor4D,
  t: tf.Tensor1D,
  target: LabelGuidanceTarget,
  scale: number,
  sqrtOneMinusAlphaBar: number,
): GuidedForward {
  let out: HeadOutputs | undefined;
  const logLikelihood = (zt: tf.Tensor): tf.Scalar => {
    const o = network.forward(zt as tf.Tensor4D, t, { differentiable: true });
    // tf.grad runs this inside its own tidy: keep the heads so the sampler can use them.
    out = { eps: tf.keep(o.eps), masked: tf.keep(o.masked), sketch: tf.keep(o.sketch), label: tf.keep(o.label), repr: tf.keep(o.repr) };
    const [B, K] = o.label.shape;
    const y = target.kind === 'class' ? tf.fill<tf.Rank.R1>([B], target.classId, 'int32') : tf.argMax<tf.Tensor1D>(o.label, 1); // [B]
    const onehot = tf.oneHot(y, K); // [B, K], constant w.r.t. z_t
    return tf.sum(tf.mul(tf.logSoftmax(o.label), onehot)); // sum_b log p(y_b | z_t,b)
  };
  const grad = tf.grad(logLikelihood)(z) as tf.Tensor4D; // [B, S, S, 1]
  if (out === undefined) throw new Error('guidance: the forward pass did not run');
  const eps = tf.sub<tf.Tensor4D>(out.eps, tf.mul(grad, scale * sqrtOneMinusAlphaBar)); // [B, S, S, 1]
  return { out, eps };
}
