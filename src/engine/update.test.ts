/**
 * The guided x^_0 of one step (update.ts stepEstimate) on tiny hand-made tensors: label-head guidance's
 * shift, drift guidance h~ = base + w (h(z_t) - h(y_t)) on the head that drives the step, clipping, and
 * the eps consistent with the result, against the formulas written out in Float64 here (sampling.py's
 * order). No network: the "heads" are constants.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSchedule } from '../core/index.ts';
import { driftGuided, stepEstimate, type EstimateInputs } from './update.ts';

const schedule = makeSchedule({ type: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 });
const t = 500;
const aB = schedule.alphaBar[t]!;

/** Four pixels as a [1, 2, 2, 1] tensor. */
const px = (v: readonly number[]): tf.Tensor4D => tf.tensor4d(v as number[], [1, 2, 2, 1]);

// A step's inputs: y_t, the heads on z_t and on y_t, and a label-guided eps.
const Y = [0.3, -0.2, 0.9, -1.1];
const EPS_Z = [0.5, -0.4, 0.1, 0.8]; // eps^(z_t), before label guidance
const EPS_LG = [0.45, -0.35, 0.2, 0.7]; // eps~ after label guidance
const EPS_Y = [0.6, -0.1, 0.0, 0.9]; // eps^(y_t)
const X0_Z = [0.2, -0.5, 0.7, -0.9]; // masked-image head on z_t
const X0_Y = [0.1, -0.6, 0.2, -0.3]; // masked-image head on y_t

function run(over: Partial<Omit<EstimateInputs, 'schedule' | 'y' | 'onZ' | 'epsGuided' | 'drift'>> & { w?: number; labelGuided?: boolean }): { x0: number[]; eps: number[] } {
  return tf.tidy(() => {
    const onZ = { eps: px(EPS_Z), masked: px(X0_Z) };
    const w = over.w ?? 0;
    const e = stepEstimate({
      schedule, t, y: px(Y), onZ,
      x0From: over.x0From ?? 'masked',
      clipX0: over.clipX0 ?? false,
      epsGuided: over.labelGuided === true ? px(EPS_LG) : onZ.eps,
      drift: w > 0 ? { w, onY: { eps: px(EPS_Y), masked: px(X0_Y) } } : null,
    });
    return { x0: Array.from(e.x0.dataSync()), eps: Array.from(e.eps.dataSync()) };
  });
}

const clip = (v: number): number => Math.min(1, Math.max(-1, v));
/** eps consistent with x0 on y_t: (y - sqrt(aB) x0) / sqrt(1 - aB). */
const epsOf = (x0: readonly number[]): number[] => x0.map((v, i) => (Y[i]! - Math.sqrt(aB) * v) / Math.sqrt(1 - aB));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('drift guidance (CFG in the common space) on one step', () => {
  it('driftGuided: base + w (h(z_t) - h(y_t)), a golden', () => {
    const out = tf.tidy(() => Array.from(driftGuided(px([0.1, 0, 1, -1]), px([0.2, 0.5, 0, 1]), px([0.5, 0.5, 1, -1]), 2).dataSync()));
    // 0.1 + 2 (0.2 - 0.5) = -0.5; 0 + 2 (0) = 0; 1 + 2 (0 - 1) = -1; -1 + 2 (1 + 1) = 3
    expect(out.map((v) => Number(v.toFixed(6)))).toEqual([-0.5, 0, -1, 3]);
  });

  it("x0 from the masked-image head: x~0 = x0(z) - sqrt((1 - aB)/aB) (eps~ - eps^) + w (x0(z) - x0(y)), then clipped", () => {
    const w = 2;
    const k = Math.sqrt((1 - aB) / aB);
    const want = X0_Z.map((v, i) => v - k * (EPS_LG[i]! - EPS_Z[i]!) + w * (v - X0_Y[i]!));
    const got = run({ w, labelGuided: true });
    got.x0.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    got.eps.forEach((v, i) => expect(v).toBeCloseTo(epsOf(want)[i]!, 4));
    // Some pixels leave [-1, 1] (0.7 + 2 * 0.5 = 1.7 + shift): clipping comes after both guidances.
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(1);
    const clipped = run({ w, labelGuided: true, clipX0: true });
    clipped.x0.forEach((v, i) => expect(v).toBeCloseTo(clip(want[i]!), 5));
    clipped.eps.forEach((v, i) => expect(v).toBeCloseTo(epsOf(want.map(clip))[i]!, 4));
  });

  it('x0 from the eps head: eps~ = eps~_label + w (eps^(z) - eps^(y)), x0 = (y - sqrt(1 - aB) eps~) / sqrt(aB)', () => {
    const w = 1.5;
    const eps = EPS_LG.map((v, i) => v + w * (EPS_Z[i]! - EPS_Y[i]!));
    const x0 = eps.map((e, i) => (Y[i]! - Math.sqrt(1 - aB) * e) / Math.sqrt(aB));
    const got = run({ w, labelGuided: true, x0From: 'eps' });
    got.x0.forEach((v, i) => expect(v).toBeCloseTo(x0[i]!, 4));
    got.eps.forEach((v, i) => expect(v).toBeCloseTo(eps[i]!, 5));
  });

  it('w = 0 is exactly the unguided step, on either head', () => {
    for (const x0From of ['masked', 'eps'] as const) {
      const plain = run({ x0From });
      expect(plain).toEqual(run({ x0From, w: 0 }));
      expect(run({ x0From, w: 1 }).x0).not.toEqual(plain.x0);
    }
    expect(run({}).x0.map((v) => Number(v.toFixed(6)))).toEqual(X0_Z); // no guidance: the head itself
  });

  it('leaves no tensor behind', () => {
    run({ w: 2, labelGuided: true, clipX0: true }); // burn-in
    const before = tf.memory().numTensors;
    run({ w: 2, labelGuided: true, clipX0: true });
    run({ w: 2, x0From: 'eps' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
