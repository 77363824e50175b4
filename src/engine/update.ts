/**
 * One reverse step on tensors: the same equations as src/core/samplers.ts (ddpmStep / ddimStep) and
 * training/mtd/sampling.py, on y_t = z_t - c^_t, and the x^_0 that drives it (stepEstimate: the x0 source,
 * label-head guidance's shift and drift guidance). Scalars come from the Float64 tables; element-wise
 * work stays on the backend. Call inside a tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { ddimSigma, posteriorCoefficients, type Schedule } from '../core/index.ts';
import type { SamplerName, X0Source } from './protocol.ts';

export interface X0Estimate {
  /** x^_0 used by the step (clipped when clipX0) [B, S, S, 1]. */
  readonly x0: tf.Tensor4D;
  /** eps consistent with that x^_0 [B, S, S, 1] (eps^ itself unless clipping changed x^_0). */
  readonly eps: tf.Tensor4D;
}

/**
 * x^_0 = (y_t - sqrt(1 - aB_t) eps^) / sqrt(aB_t) (DDPM eq. 4 solved for x_0; predictX0FromEps), clipped to
 * [-1, 1] if asked. After clipping, eps is recomputed from the clipped x^_0 (diffusers' DDIMScheduler):
 * eps' = (y_t - sqrt(aB_t) x^_0) / sqrt(1 - aB_t) = eps^ + sqrt(aB_t)/sqrt(1 - aB_t) (x0_raw - x^_0),
 * written in the second form so that unclipped pixels keep eps^ exactly (as core's ddimStep does).
 */
export function estimateX0(schedule: Schedule, y: tf.Tensor4D, epsHat: tf.Tensor4D, t: number, clipX0: boolean): X0Estimate {
  const raw = tf.sub<tf.Tensor4D>(tf.mul(y, schedule.sqrtRecipAlphaBar[t]!), tf.mul(epsHat, schedule.sqrtRecipm1AlphaBar[t]!)); // [B, S, S, 1]
  if (!clipX0) return { x0: raw, eps: epsHat };
  const x0 = tf.clipByValue(raw, -1, 1); // [B, S, S, 1]
  const ratio = schedule.sqrtAlphaBar[t]! / schedule.sqrtOneMinusAlphaBar[t]!;
  const eps = tf.add<tf.Tensor4D>(epsHat, tf.mul(tf.sub(raw, x0), ratio)); // [B, S, S, 1]
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
 * eps-based estimate: x~_0 = x0_head - sqrt((1 - aB_t)/aB_t) (eps~ - eps^); drift guidance then adds
 * w (x0_head(z_t) - x0_head(y_t)) (driftGuided), and only then is it clipped (sampling.py's order). The
 * step's eps is the one consistent with the (clipped) x^_0: eps = (y_t - sqrt(aB_t) x^_0) / sqrt(1 - aB_t).
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
  const shifted = epsGuided === epsRaw ? x0Head : tf.sub<tf.Tensor4D>(x0Head, tf.mul(tf.sub(epsGuided, epsRaw), schedule.sqrtRecipm1AlphaBar[t]!)); // [B, S, S, 1]
  const guided = drift === null ? shifted : driftGuided(shifted, x0Head, drift.onY, drift.w); // [B, S, S, 1]
  const x0 = clipX0 ? tf.clipByValue(guided, -1, 1) : guided; // [B, S, S, 1]
  const eps = tf.div<tf.Tensor4D>(tf.sub(y, tf.mul(x0, schedule.sqrtAlphaBar[t]!)), schedule.sqrtOneMinusAlphaBar[t]!); // [B, S, S, 1]
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
 *   x0From 'masked': x~_0 = x0_head(z_t) - sqrt((1 - aB)/aB) (eps~ - eps^) + w (x0_head(z_t) - x0_head(y_t)), clipped;
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

export interface StepInputs {
  readonly schedule: Schedule;
  readonly sampler: SamplerName;
  readonly eta: number;
  readonly t: number;
  readonly tPrev: number;
  /** y_t = z_t - c^_t [B, S, S, 1]. */
  readonly y: tf.Tensor4D;
  readonly estimate: X0Estimate;
  /** xi ~ N(0, I) [B, S, S, 1], needed when the step's sigma > 0. */
  readonly noise: tf.Tensor4D | null;
}

/** sigma of the step t -> tPrev (0 when tPrev = 0: the last step adds no noise). */
export function stepSigma(schedule: Schedule, sampler: SamplerName, eta: number, t: number, tPrev: number): number {
  if (tPrev === 0) return 0;
  if (sampler === 'ddim') return ddimSigma(schedule, t, tPrev, eta);
  return Math.sqrt(posteriorCoefficients(schedule.alphaBar[t]!, schedule.alphaBar[tPrev]!).variance);
}

/**
 * y_prev of one step (add c^_prev to get z_prev):
 *   DDPM (Ho et al. eq. 6-7, strided): y_prev = coef1 x^_0 + coef2 y_t + sigma xi, sigma^2 = betaTilde;
 *   DDIM (Song et al. eq. 12):         y_prev = sqrt(aB_prev) x^_0 + sqrt(1 - aB_prev - sigma^2) eps' + sigma xi.
 */
export function reverseStep(a: StepInputs): tf.Tensor4D {
  const { schedule, t, tPrev, y, estimate } = a;
  const sigma = stepSigma(schedule, a.sampler, a.eta, t, tPrev);
  let mean: tf.Tensor4D;
  if (a.sampler === 'ddim') {
    const aP = schedule.alphaBar[tPrev]!;
    const dirCoef = Math.sqrt(Math.max(0, 1 - aP - sigma * sigma)); // "direction pointing to x_t"
    mean = tf.add(tf.mul(estimate.x0, Math.sqrt(aP)), tf.mul(estimate.eps, dirCoef)); // [B, S, S, 1]
  } else {
    const { coef1, coef2 } = posteriorCoefficients(schedule.alphaBar[t]!, schedule.alphaBar[tPrev]!);
    mean = tf.add(tf.mul(estimate.x0, coef1), tf.mul(y, coef2)); // [B, S, S, 1]
  }
  if (sigma === 0) return mean;
  if (a.noise === null) throw new Error(`step ${t} -> ${tPrev} has sigma ${sigma} > 0 but no noise`);
  return tf.add(mean, tf.mul(a.noise, sigma)); // [B, S, S, 1]
}
