/**
 * One reverse step on tensors: the Float64 coefficients of src/core/samplers.ts (stepCoefficients,
 * conversions; the paste rule is conditions.ts `paste`; training/mtd/coefficients.py is the Python mirror) applied to tensors on
 * y_t = z_t - c^_t, and the x^_0 that drives the step (stepEstimate: the x0 source, label-head guidance's
 * shift and drift guidance). Element-wise work stays on the backend. Call inside a tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { conversions, type CorrectorCoefficients, type Schedule, type StepCoefficients } from '../core/index.ts';
import type { X0Source } from './protocol.ts';

export interface X0Estimate {
  /** x^_0 used by the step (clipped when clipX0) [B, S, S, 1]. */
  readonly x0: tf.Tensor4D;
  /** eps consistent with that x^_0 [B, S, S, 1] (eps^ itself unless clipping changed x^_0). */
  readonly eps: tf.Tensor4D;
}

/** sum_k c_k v_k over the terms whose coefficient is not 0 (at least one term must be kept) [B, S, S, 1]. */
function combine(terms: readonly (readonly [tf.Tensor4D, number])[]): tf.Tensor4D {
  const kept = terms.filter(([, c]) => c !== 0);
  const [first, ...rest] = kept.length > 0 ? kept : terms.slice(0, 1);
  let out = tf.mul<tf.Tensor4D>(first![0], first![1]);
  for (const [v, c] of rest) out = tf.add(out, tf.mul(v, c));
  return out;
}

/**
 * x^_0 = x0FromY y_t + x0FromEps eps^ (core `conversions`), clipped to [-1, 1] if asked, with the eps
 * consistent with the clipped x^_0: eps' = eps^ + epsFromX0 (x0_clipped - x0_raw) (diffusers'
 * DDIMScheduler; unclipped pixels keep eps^ exactly, as core's referenceStep does).
 */
export function estimateX0(schedule: Schedule, y: tf.Tensor4D, epsHat: tf.Tensor4D, t: number, clipX0: boolean): X0Estimate {
  const cv = conversions(schedule, t);
  const raw = combine([[y, cv.x0FromY], [epsHat, cv.x0FromEps]]); // [B, S, S, 1]
  if (!clipX0) return { x0: raw, eps: epsHat };
  const x0 = tf.clipByValue(raw, -1, 1); // [B, S, S, 1]
  const eps = tf.add<tf.Tensor4D>(epsHat, tf.mul(tf.sub(x0, raw), cv.epsFromX0)); // [B, S, S, 1]
  return { x0, eps };
}

/**
 * Drift guidance: classifier-free guidance in the common space (Ho & Salimans 2022, eq. 6, written with
 * w = 0 as off: eps~ = (1 + w) eps(z, c) - w eps(z) = eps(z, c) + w (eps(z, c) - eps(z))):
 *   h~ = base + w (h(z_t) - h(y_t)),
 * on the head h that drives the step (x0From: the masked-image head's x^_0, or the eps head's eps^). The
 * "unconditional" prediction needs no null token and no second training objective: MT-Diffusion's
 * conditions reach the network only through the drift, so h(y_t) is the same network on
 * y_t = z_t - c^_t, the same state with every modality's drift c^_t = kappa_t E removed (given and
 * generated alike). `base` is h(z_t) after label-head guidance when that is on (h(z_t) itself otherwise).
 * The one formula of it (training/mtd/sampling.py `sample`, drift_guidance, is the Python copy). Call inside
 * a tf.tidy.
 */
export function driftGuided(base: tf.Tensor4D, onZ: tf.Tensor4D, onY: tf.Tensor4D, w: number): tf.Tensor4D {
  return tf.add<tf.Tensor4D>(base, tf.mul(tf.sub(onZ, onY), w)); // [B, S, S, 1]
}

/** The drift-guidance term of one step: w and the driving head's prediction on y_t = z_t - c^_t. */
export interface DriftTerm {
  readonly w: number;
  /** h(y_t) [B, S, S, 1]. */
  readonly onY: tf.Tensor4D;
}

/**
 * x^_0 from the masked-image head (sampling.py x0_from="masked"): the head predicts the whole image from
 * z_t, every given modality's drift included, and stays well conditioned at large t where the eps-based
 * estimate multiplies the eps head's error by 1/sqrt(aB_t). Label guidance moves it exactly as it moves the
 * eps-based estimate: x~_0 = x0_head + x0FromEps (eps~ - eps^), x0FromEps = -sqrt((1 - aB_t)/aB_t); drift guidance then adds
 * w (x0_head(z_t) - x0_head(y_t)) (driftGuided), and only then is it clipped (sampling.py's order). The
 * step's eps is the one consistent with the (clipped) x^_0: eps = epsFromY y_t + epsFromX0 x^_0.
 */
export function estimateX0FromHead(
  schedule: Schedule,
  y: tf.Tensor4D,
  x0Head: tf.Tensor4D,
  epsGuided: tf.Tensor4D,
  epsRaw: tf.Tensor4D,
  t: number,
  clipX0: boolean,
  drift: DriftTerm | null = null,
): X0Estimate {
  const cv = conversions(schedule, t);
  const shifted = epsGuided === epsRaw ? x0Head : tf.add<tf.Tensor4D>(x0Head, tf.mul(tf.sub(epsGuided, epsRaw), cv.x0FromEps)); // [B, S, S, 1]
  const guided = drift === null ? shifted : driftGuided(shifted, x0Head, drift.onY, drift.w); // [B, S, S, 1]
  const x0 = clipX0 ? tf.clipByValue(guided, -1, 1) : guided; // [B, S, S, 1]
  const eps = combine([[y, cv.epsFromY], [x0, cv.epsFromX0]]); // eps = epsFromY y_t + epsFromX0 x^_0 [B, S, S, 1]
  return { x0, eps };
}

/** The image heads' predictions that a step can be driven by [B, S, S, 1] each. */
export interface ImageHeads {
  readonly eps: tf.Tensor4D;
  readonly masked: tf.Tensor4D;
}

export interface EstimateInputs {
  readonly schedule: Schedule;
  /** Head whose x^_0 drives the step (RunPlan.x0From). */
  readonly x0From: X0Source;
  readonly t: number;
  readonly clipX0: boolean;
  /** y_t = z_t - c^_t [B, S, S, 1]. */
  readonly y: tf.Tensor4D;
  /** The heads on z_t; `eps` is eps^ before label guidance. */
  readonly onZ: ImageHeads;
  /** eps~ after label guidance (onZ.eps itself, the same tensor, when it is off). */
  readonly epsGuided: tf.Tensor4D;
  /** Drift guidance: w > 0 and the heads on y_t = z_t - c^_t; null when off. */
  readonly drift: { readonly w: number; readonly onY: ImageHeads } | null;
}

/**
 * The x^_0 (and eps) that drive one reverse step, with both guidances (sampling.py `sample`):
 *   x0From 'masked': x~_0 = x0_head(z_t) + x0FromEps (eps~ - eps^) + w (x0_head(z_t) - x0_head(y_t)), clipped;
 *   x0From 'eps':    eps~ = eps~_label + w (eps^(z_t) - eps^(y_t)), then x^_0 from eps~ (estimateX0).
 * Call inside a tf.tidy.
 */
export function stepEstimate(a: EstimateInputs): X0Estimate {
  const { schedule, y, onZ, epsGuided, drift, t, clipX0 } = a;
  if (a.x0From === 'masked') {
    return estimateX0FromHead(schedule, y, onZ.masked, epsGuided, onZ.eps, t, clipX0, drift === null ? null : { w: drift.w, onY: drift.onY.masked });
  }
  const eps = drift === null ? epsGuided : driftGuided(epsGuided, onZ.eps, drift.onY.eps, drift.w); // [B, S, S, 1]
  return estimateX0(schedule, y, eps, t, clipX0);
}

/**
 * y_prev = x0 x^_0 + y y_t + eps eps + sigma xi (+ prevX0 x^_0 of the step before: DPM-Solver++(2M)) with one
 * step's coefficients (core stepCoefficients); add c^_prev to get z_prev. xi ~ N(0, I) [B, S, S, 1] is needed
 * when sigma > 0, the previous x^_0 when prevX0 != 0.
 */
export function reverseStep(co: StepCoefficients, y: tf.Tensor4D, estimate: X0Estimate, noise: tf.Tensor4D | null, prevX0: tf.Tensor4D | null = null): tf.Tensor4D {
  if (co.sigma !== 0 && noise === null) throw new Error(`a step with sigma ${co.sigma} > 0 needs noise`);
  if (co.prevX0 !== 0 && prevX0 === null) throw new Error(`a step with prevX0 ${co.prevX0} needs the previous step's x^_0`);
  return combine([
    [estimate.x0, co.x0],
    [y, co.y],
    [estimate.eps, co.eps],
    ...(noise === null ? [] : [[noise, co.sigma] as const]),
    ...(prevX0 === null ? [] : [[prevX0, co.prevX0] as const]),
  ]); // [B, S, S, 1]
}

/**
 * Heun's corrector (Karras et al. 2022, Alg. 1 line 10-11): y_prev = y y_t + eps eps(t) + epsNext eps(tPrev), with
 * eps(tPrev) the one consistent with the x^_0 of the model's second evaluation, on the predictor at tPrev.
 */
export function correctorStep(cc: CorrectorCoefficients, y: tf.Tensor4D, estimate: X0Estimate, next: X0Estimate): tf.Tensor4D {
  return combine([[y, cc.y], [estimate.eps, cc.eps], [next.eps, cc.epsNext]]); // [B, S, S, 1]
}
