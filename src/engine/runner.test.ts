/**
 * The trajectory runner on the real weights (public/weights) and the tfjs cpu backend. A forward pass
 * costs ~0.5 s here, so the runs are short (2-3 steps) and shared between assertions.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pasteNoise, referenceStep, stepNoise, type StepArgs } from '../core/index.ts';
import { loadParityFixture, maxAbsDiff } from '../model/testing.ts';
import { EngineError } from './errors.ts';
import type { Frame } from './protocol.ts';
import { createConditions } from './conditions.ts';
import { planRun } from './plan.ts';
import { runTrajectory } from './runner.ts';
import { collect, loadTestModel, request, type TestModel } from './testing.ts';

let m: TestModel;
let image: Float32Array; // one 32x32 image in [-1, 1]
let mask: Float32Array; // left half visible

beforeAll(async () => {
  m = await loadTestModel();
  const fixture = await loadParityFixture();
  image = Float32Array.from(fixture.inputs.image.slice(0, 1024));
  mask = new Float32Array(1024).map((_, i) => (i % 32 < 16 ? 1 : 0));
});

afterAll(() => m.dispose());

/** core's reference loop with one sampler's coefficients. */
const ddpmStep = (a: Omit<StepArgs, 'sampler' | 'eta'>) => referenceStep({ ...a, sampler: 'ddpm', eta: 0 });
const ddimStep = (a: Omit<StepArgs, 'sampler'>) => referenceStep({ ...a, sampler: 'ddim' });

const FIELDS = ['z', 'x0Hat', 'masked', 'sketch', 'drift', 'labelProbs', 'repr'] as const;

function expectSameFrames(a: readonly Frame[], b: readonly Frame[]): void {
  expect(b.map((f) => [f.index, f.t])).toEqual(a.map((f) => [f.index, f.t]));
  a.forEach((f, i) => {
    for (const k of FIELDS) expect(maxAbsDiff(f[k], b[i]![k]), `frame ${f.index} ${k}`).toBe(0);
  });
}

/** E = sum_i g_i E_i for a label distribution (the model's encoder, label only). */
function encodeLabel(probs: Float32Array): Float32Array {
  return tf.tidy(() => {
    const B = probs.length / 10;
    const z = (): tf.Tensor4D => tf.zeros([B, 32, 32, 1]);
    const given = { label: tf.ones<tf.Rank.R1>([B]), masked: tf.zeros<tf.Rank.R1>([B]), sketch: tf.zeros<tf.Rank.R1>([B]), repr: tf.zeros<tf.Rank.R1>([B]) };
    const e = m.network.encode({ labelProbs: tf.tensor2d(probs, [B, 10]), image: z(), mask: z(), sketch: z(), repr: tf.zeros([B, 8]), given });
    return e.dataSync() as Float32Array;
  });
}

function headAt(head: 'eps' | 'masked', z: Float32Array, t: number): Float32Array {
  return tf.tidy(() => m.network.forward(tf.tensor4d(z, [z.length / 1024, 32, 32, 1]), tf.fill<tf.Rank.R1>([z.length / 1024], t, 'int32'))[head].dataSync() as Float32Array);
}

function epsAt(z: Float32Array, t: number): Float32Array {
  return headAt('eps', z, t);
}

/** One-hot of the argmax of a label distribution (the runner feeds a generated label back this way). */
function oneHotArgmax(probs: Float32Array): Float32Array {
  const out = new Float32Array(probs.length);
  for (let b = 0; b < probs.length / 10; b++) {
    const row = probs.subarray(b * 10, b * 10 + 10);
    out[b * 10 + row.indexOf(Math.max(...row))] = 1;
  }
  return out;
}

const scale = (a: Float32Array, s: number): Float32Array => a.map((v) => v * s);

describe('runTrajectory: frames, seeds, determinism', { timeout: 60_000 }, () => {
  let a: Frame[];

  it('yields steps + 1 frames, z_T first, with the schedule timesteps down to 0', async () => {
    const r = await collect(m.network, m.tables, request({ steps: 2 }));
    a = r.frames;
    expect(r.end).toBe('done');
    expect(a.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(a.map((f) => f.t)).toEqual([1000, 500, 0]);
    for (const f of a) {
      expect(f.runId).toBe('test');
      expect(f.z).toHaveLength(1024);
      expect(f.labelProbs).toHaveLength(10);
      expect(f.repr).toHaveLength(8);
      expect(f.ms).toBeGreaterThan(0);
      expect(f.labelProbs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    }
    // Unconditional: nothing given, no drift.
    expect(a.every((f) => f.drift.every((v) => v === 0))).toBe(true);
  });

  it('same seed => identical frames; DDIM eta = 0 ignores the noise seed', async () => {
    expectSameFrames(a, (await collect(m.network, m.tables, request({ steps: 2 }))).frames);
    expectSameFrames(a, (await collect(m.network, m.tables, request({ steps: 2, noiseSeed: 7 }))).frames);
  });

  it('another seed => different frames', async () => {
    const b = (await collect(m.network, m.tables, request({ steps: 2, seed: 43 }))).frames;
    b.forEach((f, i) => expect(maxAbsDiff(f.z, a[i]!.z), `frame ${i}`).toBeGreaterThan(1e-3));
  });
});

describe('runTrajectory: branching', { timeout: 60_000 }, () => {
  it('from frame k reproduces the parent with the same seed and departs from it with another noise seed', async () => {
    const base = request({ sampler: 'ddpm', steps: 3, seed: 5 });
    const parent = (await collect(m.network, m.tables, base)).frames;
    expect(parent.map((f) => f.t)).toEqual([1000, 667, 333, 0]);
    const start = { z: parent[1]!.z, fromStep: 1 };
    const same = (await collect(m.network, m.tables, { ...base, start })).frames;
    expectSameFrames(parent.slice(1), same);
    const other = (await collect(m.network, m.tables, { ...base, start, noiseSeed: 99 })).frames;
    expect(other.map((f) => f.index)).toEqual([1, 2, 3]);
    expect(maxAbsDiff(other[0]!.z, parent[1]!.z)).toBe(0); // the branch point itself
    expect(maxAbsDiff(other[1]!.z, parent[2]!.z)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(other[2]!.z, parent[3]!.z)).toBeGreaterThan(1e-2);
  });
});

describe('runTrajectory: agreement with src/core samplers', { timeout: 60_000 }, () => {
  it('DDIM (eta 0.5) in joint mode, x0 from the eps head: the drift and each step equal ddimStep on the model outputs', async () => {
    const req = request({ mode: 'joint', steps: 2, eta: 0.5, seed: 11, x0From: 'eps' });
    const f = (await collect(m.network, m.tables, req)).frames;
    const { kappa } = m.tables.drift;
    for (const k of [0, 1]) {
      const { t } = f[k]!;
      const tPrev = f[k + 1]!.t;
      // c^_t = kappa_t E(onehot(argmax label head)) from the frame's own label distribution.
      const E = encodeLabel(oneHotArgmax(f[k]!.labelProbs));
      expect(maxAbsDiff(f[k]!.drift, scale(E, kappa[t]!)), `drift ${k}`).toBeLessThan(1e-5);
      const ref = ddimStep({
        schedule: m.tables.schedule, zt: f[k]!.z, epsHat: epsAt(f[k]!.z, t), t, tPrev, eta: 0.5, clipX0: true,
        driftT: scale(E, kappa[t]!), driftPrev: scale(E, kappa[tPrev]!), noise: stepNoise(req.seed, t, 1024),
      });
      expect(maxAbsDiff(f[k]!.x0Hat, ref.x0Hat), `x0Hat ${k}`).toBeLessThan(1e-4);
      expect(maxAbsDiff(f[k + 1]!.z, ref.prev), `z ${k + 1}`).toBeLessThan(1e-4);
    }
  });

  it('DDIM (eta 0.5) in joint mode, x0 from the masked-image head (default): x^0 is the head output, each step ddimStep with the eps consistent with it', async () => {
    const req = request({ mode: 'joint', steps: 2, eta: 0.5, seed: 11 });
    const f = (await collect(m.network, m.tables, req)).frames;
    const { kappa } = m.tables.drift;
    const { schedule } = m.tables;
    for (const k of [0, 1]) {
      const { t } = f[k]!;
      const tPrev = f[k + 1]!.t;
      const E = encodeLabel(oneHotArgmax(f[k]!.labelProbs));
      const x0 = headAt('masked', f[k]!.z, t);
      // eps = (y_t - sqrt(aB) x0) / sqrt(1 - aB), y_t = z_t - kappa_t E: the eps that makes x^0 = the head's output.
      const eps = x0.map((v, i) => (f[k]!.z[i]! - kappa[t]! * E[i]! - schedule.sqrtAlphaBar[t]! * v) / schedule.sqrtOneMinusAlphaBar[t]!);
      const ref = ddimStep({
        schedule, zt: f[k]!.z, epsHat: eps, t, tPrev, eta: 0.5, clipX0: true,
        driftT: scale(E, kappa[t]!), driftPrev: scale(E, kappa[tPrev]!), noise: stepNoise(req.seed, t, 1024),
      });
      expect(maxAbsDiff(f[k]!.x0Hat, x0.map((v) => Math.min(1, Math.max(-1, v)))), `x0Hat ${k}`).toBeLessThan(1e-4);
      expect(maxAbsDiff(f[k + 1]!.z, ref.prev), `z ${k + 1}`).toBeLessThan(1e-4);
    }
  });

  it('DDPM in conditional mode, x0 from the eps head: each step equals ddpmStep with stepNoise(seed, t)', async () => {
    const req = request({ mode: 'conditional', classId: 3, sampler: 'ddpm', steps: 2, seed: 12, x0From: 'eps' });
    const f = (await collect(m.network, m.tables, req)).frames;
    const onehot = new Float32Array(10);
    onehot[3] = 1;
    const E = encodeLabel(onehot);
    const { kappa } = m.tables.drift;
    for (const k of [0, 1]) {
      const { t } = f[k]!;
      const tPrev = f[k + 1]!.t;
      const ref = ddpmStep({
        schedule: m.tables.schedule, zt: f[k]!.z, epsHat: epsAt(f[k]!.z, t), t, tPrev, clipX0: true,
        driftT: scale(E, kappa[t]!), driftPrev: scale(E, kappa[tPrev]!), noise: stepNoise(req.seed, t, 1024),
      });
      expect(maxAbsDiff(f[k + 1]!.z, ref.prev), `z ${k + 1}`).toBeLessThan(1e-4);
    }
    expect(maxAbsDiff(f[1]!.drift, scale(E, kappa[500]!))).toBeLessThan(1e-5);
  });
});

describe('runTrajectory: modes', { timeout: 60_000 }, () => {
  it('inpaint: every drawn image keeps the given visible pixels', async () => {
    const f = (await collect(m.network, m.tables, request({ mode: 'inpaint', image, mask, steps: 2 }))).frames;
    for (const frame of f) {
      for (let i = 0; i < 1024; i++) {
        if (mask[i] === 1) {
          expect(frame.x0Hat[i]).toBe(image[i]);
          expect(frame.masked[i]).toBe(image[i]);
        }
      }
    }
    expect(f.at(-1)!.drift.every((v) => v === 0)).toBe(true); // kappa_0 = 0
    expect(f[1]!.drift.some((v) => v !== 0)).toBe(true); // the given masked image drives the chain
  });

  it('inpaint with paste: visible pixels of y_t = z_t - c_t are resampled from q(y_t | x) every step', async () => {
    const steps = 3;
    const plain = (await collect(m.network, m.tables, request({ mode: 'inpaint', image, mask, steps }))).frames;
    const pasted = (await collect(m.network, m.tables, request({ mode: 'inpaint', image, mask, steps, paste: true }))).frames;
    expect(maxAbsDiff(pasted[0]!.z, plain[0]!.z)).toBe(0); // same z_T
    for (const frame of pasted.slice(1, -1)) {
      const aB = m.tables.schedule.alphaBar[frame.t]!;
      const xi = pasteNoise(42, frame.t, 1024);
      for (let i = 0; i < 1024; i++) {
        if (mask[i] !== 1) continue;
        const known = Math.sqrt(aB) * image[i]! + Math.sqrt(1 - aB) * xi[i]!; // sqrt(aB_t) x + sqrt(1 - aB_t) xi
        expect(frame.z[i]! - frame.drift[i]!, `t=${frame.t} pixel ${i}`).toBeCloseTo(known, 4);
      }
    }
    expect(maxAbsDiff(pasted.at(-1)!.z, plain.at(-1)!.z)).toBeGreaterThan(1e-3); // it changes the trajectory
    pasted.at(-1)!.x0Hat.forEach((v, i) => {
      if (mask[i] === 1) expect(v).toBe(image[i]);
    });
  });

  it('classify: the forward process q_sample(x, t) at ascending t, no drift', async () => {
    const f = (await collect(m.network, m.tables, request({ mode: 'classify', image, steps: 2 }))).frames;
    expect(f.map((x) => x.t)).toEqual([0, 500, 1000]);
    expect(maxAbsDiff(f[0]!.z, image)).toBe(0);
    expect(f.every((x) => x.drift.every((v) => v === 0))).toBe(true);
    const { sqrtAlphaBar } = m.tables.schedule;
    expect(maxAbsDiff(f[1]!.z, image)).toBeGreaterThan(0.1);
    // At t = T almost nothing of x is left.
    expect(sqrtAlphaBar[1000]!).toBeLessThan(0.01);
  });

  it("classify: x̂₀ follows x0From; the masked-image head's reads at t = T, where the eps estimate is noise", { timeout: 180_000 }, async () => {
    const last = async (x0From: 'masked' | 'eps') => (await collect(m.network, m.tables, request({ mode: 'classify', image, steps: 2, x0From }))).frames[2]!;
    const masked = await last('masked');
    const eps = await last('eps');
    expect(masked.t).toBe(1000);
    // The masked head's prediction, clipped (clipX0 is on by default).
    expect(maxAbsDiff(masked.x0Hat, masked.masked.map((v) => Math.min(1, Math.max(-1, v))))).toBeLessThan(1e-6);
    /** Mean |difference| of horizontal neighbours: noise jumps, an image is smooth. */
    const jump = (x: Float32Array) => {
      let sum = 0;
      for (let i = 0; i < x.length; i++) if (i % 32 !== 31) sum += Math.abs(x[i + 1]! - x[i]!);
      return sum / (x.length - 32);
    };
    expect(jump(masked.x0Hat)).toBeLessThan(jump(eps.x0Hat) / 3);
  });

  it('label-head (classifier) guidance: eps~ = eps^ - s sqrt(1 - aB_t) grad log p(y | z_t)', async () => {
    const s = 2;
    const base = request({ mode: 'conditional', classId: 4, steps: 1, clipX0: false });
    const plain = (await collect(m.network, m.tables, base)).frames[0]!;
    const guided = (await collect(m.network, m.tables, { ...base, labelGuidance: s })).frames[0]!;
    const t = 1000;
    // The gradient, independently: d/dz log softmax(label(z, t))_4.
    const grad = tf.tidy(() => {
      const g = tf.grad((z: tf.Tensor) => tf.logSoftmax(m.network.forward(z as tf.Tensor4D, tf.tensor1d([t], 'int32'), { differentiable: true }).label).gather([4], 1).sum());
      return g(tf.tensor4d(plain.z, [1, 32, 32, 1])).dataSync() as Float32Array;
    });
    const { alphaBar } = m.tables.schedule;
    // x^_0 = (y - sqrt(1 - aB) eps~) / sqrt(aB): label guidance moves it by s (1 - aB) / sqrt(aB) grad.
    const factor = (s * (1 - alphaBar[t]!)) / Math.sqrt(alphaBar[t]!);
    const moved = guided.x0Hat.map((v, i) => v - plain.x0Hat[i]!);
    const want = grad.map((g) => g * factor);
    const rel = maxAbsDiff(moved, want) / Math.max(...want.map(Math.abs));
    expect(rel).toBeLessThan(1e-3);
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0);
  });
});

describe('runTrajectory: drift guidance (classifier-free guidance in the common space)', { timeout: 60_000 }, () => {
  const sketch = new Float32Array(1024).map((_, i) => ((i >> 5) % 7 === 3 || (i & 31) % 9 === 4 ? 1 : 0)); // a grid of lines

  it("x0 from the masked-image head: x~0 = clip(x0(z_t) + w (x0(z_t) - x0(y_t))), y_t = z_t - c^_t, at the frame's t; the step follows it", async () => {
    const w = 2;
    const base = request({ mode: 'sketch', sketch, steps: 2, seed: 21 });
    const plain = (await collect(m.network, m.tables, base)).frames;
    const guided = (await collect(m.network, m.tables, { ...base, driftGuidance: w })).frames;
    // kappa_T = 0: at t = T there is no drift, so y_T = z_T and the first step is unguided.
    expect(maxAbsDiff(guided[1]!.z, plain[1]!.z)).toBeLessThan(1e-5);
    const f = guided[1]!;
    const { t } = f;
    const tPrev = guided[2]!.t;
    const { schedule } = m.tables;
    const y = f.z.map((v, i) => v - f.drift[i]!);
    expect(maxAbsDiff(y, f.z)).toBeGreaterThan(1e-2); // the sketch drifts z_t at t = 500
    const onZ = headAt('masked', f.z, t);
    const onY = headAt('masked', y, t);
    const x0 = onZ.map((v, i) => Math.min(1, Math.max(-1, v + w * (v - onY[i]!))));
    expect(maxAbsDiff(f.x0Hat, x0), 'guided x0Hat').toBeLessThan(1e-4);
    expect(maxAbsDiff(plain[1]!.x0Hat, guided[1]!.x0Hat), 'guidance changes x0Hat').toBeGreaterThan(1e-2);
    // The step itself is DDIM (eta 0) with the eps consistent with that x^0: z_0 = sqrt(aB_0) x~0 + ... + c^_0 (= 0).
    const eps = x0.map((v, i) => (y[i]! - schedule.sqrtAlphaBar[t]! * v) / schedule.sqrtOneMinusAlphaBar[t]!);
    const ref = ddimStep({ schedule, zt: f.z, epsHat: eps, t, tPrev, eta: 0, clipX0: true, driftT: f.drift, driftPrev: new Float32Array(1024) });
    expect(maxAbsDiff(guided[2]!.z, ref.prev), 'z after the guided step').toBeLessThan(1e-4);
  });

  it("x0 from the eps head: eps~ = eps^(z_t) + w (eps^(z_t) - eps^(y_t))", async () => {
    const w = 1.5;
    const req = request({ mode: 'conditional', classId: 5, steps: 2, seed: 8, x0From: 'eps', driftGuidance: w, clipX0: false });
    const f = (await collect(m.network, m.tables, req)).frames;
    const { t } = f[1]!;
    const { schedule } = m.tables;
    const y = f[1]!.z.map((v, i) => v - f[1]!.drift[i]!);
    const onZ = epsAt(f[1]!.z, t);
    const onY = epsAt(y, t);
    const eps = onZ.map((v, i) => v + w * (v - onY[i]!));
    const x0 = y.map((v, i) => (v - schedule.sqrtOneMinusAlphaBar[t]! * eps[i]!) / schedule.sqrtAlphaBar[t]!);
    expect(maxAbsDiff(f[1]!.x0Hat, x0) / Math.max(...x0.map(Math.abs))).toBeLessThan(1e-4);
  });
});

describe('runTrajectory: label commitment (joint mode)', { timeout: 120_000 }, () => {
  const maxOf = (p: Float32Array, b: number): number => Math.max(...p.subarray(b * 10, b * 10 + 10));

  // Its own limit: the seed search may run a few dozen trajectories (about 4 s each on a busy CPU).
  it("g_label = [max_k p(k | z_t) >= c], decided afresh every step: the drift is kappa_t E(onehot(argmax)) or 0, and the step adds kappa_prev g E", { timeout: 300_000 }, async () => {
    const c = 0.5;
    // The seed: the first of a few whose trajectory both withholds and gives the label's drift where there is
    // one (0 < t < T), found as training/export.py's joint-lc case finds its own, so new weights need no new seed.
    const seeds = Array.from({ length: 32 }, (_, i) => 3 + i);
    let f: Frame[] = [];
    let committed: boolean[] = [];
    let seed: number | undefined;
    for (const s of seeds) {
      const frames = (await collect(m.network, m.tables, request({ mode: 'joint', steps: 6, seed: s, labelCommit: c }))).frames;
      const sure = frames.map((x) => maxOf(x.labelProbs, 0) >= c);
      const inner = sure.slice(1, -1);
      if (inner.includes(true) && inner.includes(false)) {
        [f, committed, seed] = [frames, sure, s];
        break;
      }
    }
    expect(seed, `precondition: no seed in ${seeds[0]}..${seeds.at(-1)} is both unsure and sure (max p >= ${c}) at 0 < t < T with these weights`).toBeDefined();
    const { kappa } = m.tables.drift;
    const { schedule } = m.tables;
    for (const [k, x] of f.entries()) {
      const E = encodeLabel(oneHotArgmax(x.labelProbs));
      const want = committed[k] ? scale(E, kappa[x.t]!) : new Float32Array(1024);
      expect(maxAbsDiff(x.drift, want), `seed ${seed}: drift at frame ${k} (t = ${x.t}, committed ${committed[k]})`).toBeLessThan(1e-5);
    }
    // Where the drift is non-zero (0 < t < T) this seed is unsure at some steps and sure at others.
    const inner = committed.slice(1, -1);
    expect(inner.includes(true) && inner.includes(false), `seed ${seed}: committed at 0 < t < T: ${inner.join(', ')}`).toBe(true);
    // The step out of a committed frame and out of an uncommitted one (inner frames, each with a next frame):
    // z_prev = y_prev + kappa_prev g E.
    for (const k of [1 + inner.indexOf(true), 1 + inner.lastIndexOf(false)]) {
      const { t } = f[k]!;
      const tPrev = f[k + 1]!.t;
      const gE = committed[k] ? encodeLabel(oneHotArgmax(f[k]!.labelProbs)) : new Float32Array(1024);
      const x0 = headAt('masked', f[k]!.z, t);
      const eps = x0.map((v, i) => (f[k]!.z[i]! - kappa[t]! * gE[i]! - schedule.sqrtAlphaBar[t]! * v) / schedule.sqrtOneMinusAlphaBar[t]!);
      const ref = ddimStep({ schedule, zt: f[k]!.z, epsHat: eps, t, tPrev, eta: 0, clipX0: true, driftT: scale(gE, kappa[t]!), driftPrev: scale(gE, kappa[tPrev]!) });
      expect(maxAbsDiff(f[k + 1]!.z, ref.prev), `seed ${seed}: z ${k + 1}`).toBeLessThan(1e-4);
    }
  });

  it('is per sample (conditions.ts encoded): in a grid, only the samples whose head is sure get the label drift', () => {
    const c = 0.5;
    const plan = planRun(request({ mode: 'joint', batch: 16, labelCommit: c }), m.network.config, m.tables);
    // Sample b puts p_b on class b % 10 and spreads the rest evenly: sure from b = 8 on, exactly at c for b = 7.
    const sure = Array.from({ length: 16 }, (_, b) => 0.15 + 0.05 * b);
    const probs = new Float32Array(160).map((_, i) => {
      const b = Math.floor(i / 10);
      return i % 10 === b % 10 ? sure[b]! : (1 - sure[b]!) / 9;
    });
    const cond = createConditions(m.network, plan);
    try {
      const before = tf.memory().numTensors;
      const E = tf.tidy(() => cond.encoded(tf.tensor2d(probs, [16, 10])).dataSync() as Float32Array);
      expect(tf.memory().numTensors, 'encoded() inside the caller\'s tidy leaves nothing behind').toBe(before);
      const full = encodeLabel(oneHotArgmax(probs)); // g_label = 1 for every sample
      sure.forEach((p, b) => {
        const on = Math.fround(p) >= c;
        const want = on ? full.subarray(b * 1024, (b + 1) * 1024) : new Float32Array(1024);
        expect(maxAbsDiff(E.subarray(b * 1024, (b + 1) * 1024), want), `sample ${b} (p ${p.toFixed(2)}, committed ${on})`).toBeLessThan(1e-6);
      });
      expect(sure.filter((p) => Math.fround(p) >= c)).toHaveLength(9);
    } finally {
      cond.dispose();
    }
  });
});

/** runTrajectory refuses request(over) at once, with an EngineError of kind 'input' whose message matches re. */
function rejectsAsInput(over: Parameters<typeof request>[0], re: RegExp): void {
  let caught: unknown;
  try {
    runTrajectory(m.network, m.tables, request(over), new AbortController().signal);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(EngineError);
  expect((caught as EngineError).kind).toBe('input');
  expect((caught as EngineError).message).toMatch(re);
}

describe('runTrajectory: errors, cancellation, memory', { timeout: 60_000 }, () => {
  it('rejects bad requests with kind input', () => {
    const bad = rejectsAsInput;
    bad({ steps: 0 }, /steps must be an integer in 1\.\.1000/);
    bad({ mode: 'conditional' }, /needs classId/);
    bad({ x0From: 'pixels' as never }, /x0From must be one of 'masked', 'eps'/);
    bad({ mode: 'inpaint', image }, /needs mask/);
    bad({ paste: true }, /paste applies to mode 'inpaint' only/);
    bad({ labelGuidance: 1 }, /labelGuidance 1 needs a classId/);
    bad({ labelGuidance: Number.NaN }, /labelGuidance must be a finite number >= 0/);
    // Drift guidance: finite, 0..10, and only where there is a drift to guide by.
    bad({ mode: 'joint', driftGuidance: 10.5 }, /driftGuidance must be a finite number in 0\.\.10, got 10\.5/);
    bad({ mode: 'joint', driftGuidance: -1 }, /driftGuidance must be a finite number in 0\.\.10/);
    bad({ mode: 'joint', driftGuidance: Number.POSITIVE_INFINITY }, /driftGuidance must be a finite number/);
    bad({ mode: 'joint', driftGuidance: '2' as never }, /driftGuidance must be a finite number/);
    bad({ driftGuidance: 1 }, /driftGuidance applies to the modes with a condition \(joint, conditional, inpaint, sketch, representation\), not 'unconditional'/);
    bad({ mode: 'classify', image, driftGuidance: 1 }, /driftGuidance does not apply to mode 'classify'/);
    // Label commitment: a probability threshold, for the generated label of joint mode only.
    bad({ mode: 'joint', labelCommit: 1.5 }, /labelCommit must be a finite number in 0\.\.1, got 1\.5/);
    bad({ mode: 'joint', labelCommit: Number.NaN }, /labelCommit must be a finite number in 0\.\.1/);
    bad({ mode: 'joint', labelCommit: '0.5' as never }, /labelCommit must be a finite number/);
    bad({ mode: 'conditional', classId: 2, labelCommit: 0.5 }, /labelCommit applies to mode 'joint' only \(the generated label's drift\), not 'conditional'/);
    bad({ labelCommit: 0.5 }, /labelCommit applies to mode 'joint' only/);
    bad({ seed: -1 }, /seed/);
    bad({ start: { z: new Float32Array(10), fromStep: 1 } }, /start\.z/);
  });

  it('cancel stops within one step, also while a readback is pending', async () => {
    const token = new AbortController();
    const gen = runTrajectory(m.network, m.tables, request({ steps: 10 }), token.signal);
    expect((await gen.next()).value).toMatchObject({ index: 0 });
    token.abort();
    expect(await gen.next()).toEqual({ done: true, value: 'cancelled' });

    const token2 = new AbortController();
    const gen2 = runTrajectory(m.network, m.tables, request({ steps: 10 }), token2.signal);
    const pending = gen2.next();
    token2.abort();
    expect(await pending).toEqual({ done: true, value: 'cancelled' });
  });

  it('a run aborted with an EngineError (a lost GPU) ends with that error, not as cancelled', async () => {
    const lost = new EngineError('device-lost', 'the WebGL context was lost', { detail: 'webgl' });
    const token = new AbortController();
    const gen = runTrajectory(m.network, m.tables, request({ steps: 10 }), token.signal);
    expect((await gen.next()).value).toMatchObject({ index: 0 });
    token.abort(lost);
    await expect(gen.next()).rejects.toBe(lost);
  });

  it('names the step where NaN appears', async () => {
    let calls = 0;
    const poisoned = {
      ...m.network,
      forward(z: tf.Tensor4D, t: tf.Tensor1D) {
        const out = m.network.forward(z, t);
        if (++calls !== 2) return out;
        // Both image predictions: eps and the masked-image head (the default source of x^0).
        const eps = tf.mul<tf.Tensor4D>(out.eps, NaN);
        const masked = tf.mul<tf.Tensor4D>(out.masked, NaN);
        out.eps.dispose();
        out.masked.dispose();
        return { ...out, eps, masked };
      },
    };
    const before = tf.memory().numTensors;
    const err = await collect(poisoned, m.tables, request({ steps: 3 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ kind: 'numerics', step: 1 });
    expect((err as EngineError).message).toMatch(/frame 1 \(t = 667\)/);
    expect(tf.memory().numTensors).toBe(before);
  });

  // Many runs: slow on a shared CPU (93 s seen beside another job), hence a limit of its own.
  it('leaves tf.memory().numTensors unchanged across runs of every kind after a burn-in', { timeout: 240_000 }, async () => {
    const runs = [
      request({ mode: 'joint', steps: 1, labelGuidance: 1 }),
      request({ mode: 'inpaint', image, mask, steps: 1, sampler: 'ddpm' }),
      request({ mode: 'classify', image, steps: 1 }),
      request({ mode: 'sketch', sketch: new Float32Array(1024).fill(1), steps: 1 }),
      request({ mode: 'representation', repr: new Float32Array(8).fill(0.5), steps: 1 }),
      // Drift guidance's second forward, after label guidance's backward pass, and on the eps head.
      request({ mode: 'conditional', classId: 1, steps: 2, labelGuidance: 1, driftGuidance: 2 }),
      request({ mode: 'sketch', sketch: new Float32Array(1024).fill(1), steps: 2, driftGuidance: 1, x0From: 'eps', sampler: 'ddpm' }),
      // Label commitment's per-sample g_label, with label guidance and drift guidance on the same step.
      request({ mode: 'joint', steps: 2, labelCommit: 0.5, labelGuidance: 1, driftGuidance: 1 }),
    ];
    await collect(m.network, m.tables, runs[0]!); // burn-in
    const before = tf.memory().numTensors;
    for (const r of runs) await collect(m.network, m.tables, r);
    // An abandoned generator (consumer stops pulling) frees everything on return().
    const gen = runTrajectory(m.network, m.tables, request({ steps: 5 }), new AbortController().signal);
    await gen.next();
    await gen.return('cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('runTrajectory: Heun, DPM-Solver++(2M), spacing and NFE', { timeout: 120_000 }, () => {
  const badRequest = rejectsAsInput;

  it('Heun: each step is core referenceStep with the model asked again at tPrev on the predictor; NFE 0, 2, 3', async () => {
    const req = request({ sampler: 'heun', steps: 2, seed: 21, x0From: 'eps' });
    const f = (await collect(m.network, m.tables, req)).frames;
    expect(f.map((x) => x.t)).toEqual([1000, 500, 0]);
    expect(f.map((x) => x.nfe)).toEqual([0, 2, 3]);
    const asked: number[] = [];
    const ref = referenceStep({
      schedule: m.tables.schedule, sampler: 'heun', eta: 0, zt: f[0]!.z, epsHat: epsAt(f[0]!.z, 1000), t: 1000, tPrev: 500, clipX0: true,
      epsAt: (z, t) => {
        asked.push(t);
        return epsAt(z, t);
      },
    });
    expect(asked).toEqual([500]);
    // From t = T the Euler form y' = 44 y_t - 43 eps cancels in float32 (tensors) against the float64 reference:
    // ~3e-4 seen; a wrong coefficient is O(0.1).
    expect(maxAbsDiff(f[1]!.z, ref.prev), 'z after the corrected step').toBeLessThan(1e-3);
    // The last step (to t = 0) is an Euler step: one evaluation.
    const last = referenceStep({ schedule: m.tables.schedule, sampler: 'heun', eta: 0, zt: f[1]!.z, epsHat: epsAt(f[1]!.z, 500), t: 500, tPrev: 0, clipX0: true });
    expect(last.evaluations).toBe(1);
    expect(maxAbsDiff(f[2]!.x0Hat, last.prev)).toBeLessThan(1e-4);
  });

  it("DPM-Solver++(2M): the second step uses frame 0's x0Hat; a branch given start.prevX0 retraces its parent, one without takes a first-order step", async () => {
    const req = request({ sampler: 'dpmpp_2m', steps: 3, seed: 8, x0From: 'eps', spacing: 'karras' });
    const f = (await collect(m.network, m.tables, req)).frames;
    expect(f.map((x) => x.t)).toEqual([1000, 594, 1, 0]);
    expect(f.map((x) => x.nfe)).toEqual([0, 1, 2, 3]);
    const ref = referenceStep({
      schedule: m.tables.schedule, sampler: 'dpmpp_2m', eta: 0, zt: f[1]!.z, epsHat: epsAt(f[1]!.z, 594), t: 594, tPrev: 1, clipX0: true,
      tBefore: 1000, prevX0: f[0]!.x0Hat,
    });
    expect(maxAbsDiff(f[2]!.z, ref.prev), 'z after the second-order step').toBeLessThan(1e-4);
    const same = (await collect(m.network, m.tables, { ...req, start: { z: f[1]!.z, fromStep: 1, prevX0: f[0]!.x0Hat, nfe: 1 } })).frames;
    expectSameFrames(f.slice(1), same);
    expect(same.map((x) => x.nfe)).toEqual([1, 2, 3]);
    const without = (await collect(m.network, m.tables, { ...req, start: { z: f[1]!.z, fromStep: 1 } })).frames;
    expect(maxAbsDiff(without[1]!.z, f[2]!.z), 'without the history the step is first order').toBeGreaterThan(1e-3);
    expect(without.map((x) => x.nfe)).toEqual([0, 1, 2]);
  });

  it('rejects a step count the sampler cannot take, an unknown spacing and a malformed history', () => {
    badRequest({ sampler: 'dpmpp_2m', steps: 1 }, /steps: DPM\+\+ 2M needs at least 3 steps \(its first and last steps are first order\), got 1/);
    badRequest({ sampler: 'heun', steps: 1 }, /steps: Heun needs at least 2 steps/);
    badRequest({ sampler: 'lms' as never }, /unknown sampler "lms"; valid: ddim, ddpm, euler, euler_a, heun, dpmpp_2m/);
    badRequest({ spacing: 'log' as never }, /unknown spacing "log"; valid: trailing, karras/);
    badRequest({ sampler: 'dpmpp_2m', start: { z: new Float32Array(1024), fromStep: 1, prevX0: new Float32Array(3) } }, /start\.prevX0 must be a Float32Array of 1024 values/);
    badRequest({ sampler: 'dpmpp_2m', start: { z: new Float32Array(1024), fromStep: 0, prevX0: new Float32Array(1024) } }, /start\.prevX0 needs fromStep > 0/);
    badRequest({ sampler: 'heun', start: { z: new Float32Array(1024), fromStep: 1, nfe: -1 } }, /start\.nfe must be an integer >= 0, got -1/);
  });

  it('leaves tf.memory().numTensors unchanged: Heun with both guidances, 2M inpainting with paste', { timeout: 240_000 }, async () => {
    const runs = [
      request({ mode: 'conditional', classId: 2, sampler: 'heun', steps: 2, labelGuidance: 1, driftGuidance: 1 }),
      request({ mode: 'inpaint', image, mask, paste: true, sampler: 'dpmpp_2m', steps: 3, spacing: 'karras' }),
    ];
    await collect(m.network, m.tables, runs[0]!); // burn-in
    const before = tf.memory().numTensors;
    for (const r of runs) await collect(m.network, m.tables, r);
    expect(tf.memory().numTensors).toBe(before);
  });
});
