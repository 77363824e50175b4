/**
 * One reverse step on tensors: the same equations as src/core/samplers.ts (ddpmStep / ddimStep) and
 * training/mtd/sampling.py, on y_t = z_t - c^_t. Scalars come from the Float64 tables; element-wise
 * work stays on the backend. Call inside a tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { ddimSigma, posteriorCoefficients, type Schedule } from '../core/index.ts';
import type { SamplerName } from './protocol.ts';

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
 * x^_0 from the masked-image head (sampling.py x0_from="masked"): the head predicts the whole image from
 * z_t, every given modality's drift included, and stays well conditioned at large t where the eps-based
 * estimate multiplies the eps head's error by 1/sqrt(aB_t). Guidance moves it exactly as it moves the
 * eps-based estimate: x~_0 = x0_head - sqrt((1 - aB_t)/aB_t) (eps~ - eps^). The step's eps is the one
 * consistent with the (clipped) x^_0: eps = (y_t - sqrt(aB_t) x^_0) / sqrt(1 - aB_t).
 */
export function estimateX0FromHead(
  schedule: Schedule,
  y: tf.Tensor4D,
  x0Head: tf.Tensor4D,
  epsGuided: tf.Tensor4D,
  epsRaw: tf.Tensor4D,
  t: number,
  clipX0: boolean,
): X0Estimate {
  const shifted = epsGuided === epsRaw ? x0Head : tf.sub<tf.Tensor4D>(x0Head, tf.mul(tf.sub(epsGuided, epsRaw), schedule.sqrtRecipm1AlphaBar[t]!)); // [B, S, S, 1]
  const x0 = clipX0 ? tf.clipByValue(shifted, -1, 1) : shifted; // [B, S, S, 1]
  const eps = tf.div<tf.Tensor4D>(tf.sub(y, tf.mul(x0, schedule.sqrtAlphaBar[t]!)), schedule.sqrtOneMinusAlphaBar[t]!); // [B, S, S, 1]
  return { x0, eps };
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
