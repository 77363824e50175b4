/**
 * The trajectory runner: an async generator yielding one Frame per step (improved-diffusion's
 * `p_sample_loop_progressive`); "run to the end" drains it, a player pulls one frame at a time.
 *
 * Reverse modes (training/mtd/sampling.py `sample`, MT-DIFFUSION.md "Sampling"): frame 0 is z_T from
 * `initialNoise(seed)`; frame k is z at t_k = plan.frameT[k] together with every head evaluated on it,
 * and the step to frame k + 1 uses those heads:
 *   E = sum_i g_i E_i(x^i)  (given: encoded once; generated label: one-hot of the label head argmax, every step,
 *                           with g_label = [max_k p(k | z_t) >= labelCommit] when label commitment is on),
 *   c^_t = kappa_t E,  y_t = z_t - c^_t,  y_prev = the sampler's step on y_t,  z_prev = y_prev + c^_prev,
 * with noise xi = stepNoise(noiseSeed ?? seed, t) when the step's sigma > 0, and x^_0 from the plan's head
 * with label-head guidance and drift guidance (`evaluate`, update.ts stepEstimate; drift guidance evaluates
 * the network a second time, on y_t). DPM-Solver++(2M) also takes the x^_0 of the frame before (as the frame
 * holds it: composited with the visible pixels in inpainting, so a branch given start.prevX0 retraces its
 * parent); Heun evaluates the model again at t_prev on the predictor z~ = y_prev + c^_prev and applies its
 * corrector (update.ts correctorStep), adding back the c^_prev of the first evaluation. Every frame carries
 * `nfe`, the model evaluations before it (sampling.py `sample` counts the same). The last frame holds z_0;
 * its image is z_0 - c^_0 and its other heads are read at t = 1 (the model is defined on 1..T).
 * Inpainting: the drawn image and masked head are composited with the given visible pixels,
 * M x + (1 - M) v; with `paste` the visible pixels of y_prev are resampled from q(y_prev | x) with
 * pasteNoise(noiseSeed, t_prev) and composited exactly at t_prev = 0.
 *
 * classify: the forward process, frame k = q_sample(x, t_k) = sqrt(aB_t) x + sqrt(1 - aB_t) eps with one
 * eps = initialNoise(seed) for all frames, t ascending 0 .. T; heads at every frame; no drift. Its x^_0 follows
 * x0From as a reverse step's does (the masked-image head's by default: readable up to t = T, where the
 * eps-based estimate divides the eps head's error by sqrt(aB_T) ~ 0.006 and saturates into noise).
 *
 * Memory: one synchronous tf.tidy per step; only z_prev leaves it (with the packed frame, disposed
 * after its one async readback). Nothing but plain arrays crosses an await.
 */
import * as tf from '@tensorflow/tfjs';
import { initialNoise, pasteCoefficients, pasteNoise, qSample, SAMPLER_INFO, stepCoefficients, stepNoise, type StepCoefficients } from '../core/index.ts';
import type { HeadOutputs, Network } from '../model/index.ts';
import { createConditions, type Conditions } from './conditions.ts';
import { EngineError } from './errors.ts';
import { metricsTracker } from './frame-metrics.ts';
import { assertFiniteFrame, packFrame, splitTail, unpackFrame } from './frames.ts';
import { guidedForward, headTensors } from './label-guidance.ts';
import { planRun, type RunPlan, type Tables } from './plan.ts';
import type { Frame, RunRequest } from './protocol.ts';
import { correctorStep, estimateX0, estimateX0FromHead, reverseStep, stepEstimate, type X0Estimate } from './update.ts';

export type RunEnd = 'done' | 'cancelled';
export type FrameGenerator = AsyncGenerator<Frame, RunEnd, void>;

/**
 * Validates the request (throws EngineError 'input' right away) and returns the frame generator.
 * Ending early (`return()` on the generator, or the token) disposes everything the run holds.
 */
export function runTrajectory(network: Network, tables: Tables, request: RunRequest, signal: AbortSignal): FrameGenerator {
  const plan = planRun(request, network.config, tables);
  return plan.mode === 'classify' ? forwardFrames(network, tables, plan, signal) : reverseFrames(network, tables, plan, signal);
}

/** What a cancelled run ends with: its error when it was aborted by a failure (device loss), else 'cancelled'. */
function ended(signal: AbortSignal): 'cancelled' {
  if (signal.reason instanceof EngineError) throw signal.reason;
  return 'cancelled';
}

/** Resolves (never rejects) once `signal` aborts: the readbacks race it, so a cancel lands within one step. */
function whenAborted(signal: AbortSignal): Promise<null> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(null);
    else signal.addEventListener('abort', () => resolve(null), { once: true });
  });
}

/** Awaits the one readback of a step, or the abort, whichever comes first (null: cancelled). */
async function readback(packed: tf.Tensor1D, aborted: Promise<null>): Promise<Float32Array | null> {
  const read = packed.data<'float32'>();
  const first = await Promise.race([read, aborted]);
  if (first === null) {
    // The backend still owns the pending read: free the tensor once it settles.
    read.then(() => packed.dispose(), () => packed.dispose());
    return null;
  }
  packed.dispose();
  return first;
}

const now = (): number => performance.now();

/** What one model evaluation gives a step (all [B, S, S, 1] but labelProbs [B, K]). */
interface Evaluation {
  readonly out: HeadOutputs;
  readonly labelProbs: tf.Tensor2D;
  /** sum_i g_i E_i; c^_t = kappa_t E. */
  readonly E: tf.Tensor4D;
  readonly cT: tf.Tensor4D;
  /** y_t = z_t - c^_t. */
  readonly y: tf.Tensor4D;
  /** The x^_0 (and eps) that drive a step; null for the last frame's read-out. */
  readonly estimate: X0Estimate | null;
}

/**
 * One model evaluation at t on z (sampling.py `denoise`): the forward (with label-head guidance), the drift
 * estimate, y_t, and with `forStep` drift guidance's second forward and the step's x^_0 / eps. Call inside a
 * tidy; label guidance's tensors (made under tf.grad) are pushed to `guided` for the caller to dispose.
 */
function evaluate(network: Network, tables: Tables, plan: RunPlan, cond: Conditions, z: tf.Tensor4D, t: number, forStep: boolean, guided: tf.Tensor[]): Evaluation {
  const { schedule, drift } = tables;
  const tIn = tf.fill<tf.Rank.R1>([plan.batch], Math.max(t, 1), 'int32'); // [B]; heads of the final frame at t = 1
  let out: HeadOutputs;
  let epsHat: tf.Tensor4D;
  let onYBatched: HeadOutputs | null = null;
  let yKnown: tf.Tensor4D | null = null;
  if (plan.labelGuidanceTarget !== null && forStep) {
    const g = guidedForward(network, z, tIn, plan.labelGuidanceTarget, plan.labelGuidance, schedule.sqrtOneMinusAlphaBar[t]!);
    guided.push(...headTensors(g.out));
    out = g.out;
    epsHat = g.eps; // label guidance: eps~ = eps^ - s sqrt(1 - aB_t) grad log p(y | z_t)
  } else if (forStep && plan.driftGuidance > 0 && cond.constantEncoding !== null) {
    // Drift guidance with every modality given: y_t = z_t - kappa_t E is known before the forward, so the
    // forwards on z_t and on y_t run as one batch of 2B (the same numbers, half the kernel launches).
    yKnown = tf.sub<tf.Tensor4D>(z, tf.mul(cond.constantEncoding, drift.kappa[t]!)); // [B, S, S, 1]
    [out, onYBatched] = splitHeads(network.forward(tf.concat([z, yKnown]), tf.concat([tIn, tIn])), plan.batch);
    epsHat = out.eps; // [B, S, S, 1]
  } else {
    out = network.forward(z, tIn);
    epsHat = out.eps; // [B, S, S, 1]
  }
  const labelProbs = tf.softmax(out.label); // [B, K]
  const E = cond.encoded(labelProbs); // sum_i g_i E_i [B, S, S, 1]
  const cT = tf.mul<tf.Tensor4D>(E, drift.kappa[t]!); // c^_t = kappa_t E [B, S, S, 1]
  const y = yKnown ?? tf.sub<tf.Tensor4D>(z, cT); // y_t = z_t - c^_t [B, S, S, 1] (the same ops as yKnown's)
  if (!forStep) return { out, labelProbs, E, cT, y, estimate: null };
  // Drift guidance: one more forward, on y_t = z_t - c^_t at the same t (the heads without any drift).
  const onY = plan.driftGuidance > 0 ? (onYBatched ?? network.forward(y, tIn)) : null;
  const estimate = stepEstimate({
    schedule, x0From: plan.x0From, t, clipX0: plan.clipX0, y,
    onZ: out, // out.eps: eps^ before label guidance
    epsGuided: epsHat,
    drift: onY === null ? null : { w: plan.driftGuidance, onY },
  });
  return { out, labelProbs, E, cT, y, estimate };
}

/** The heads of a batch-2B forward as the first B samples' and the last B samples'. Call inside a tidy. */
function splitHeads(both: HeadOutputs, B: number): [HeadOutputs, HeadOutputs] {
  const half = <T extends tf.Tensor>(x: T, i: 0 | 1): T => x.slice(i * B, B);
  const pick = (i: 0 | 1): HeadOutputs => ({
    eps: half(both.eps, i), masked: half(both.masked, i), sketch: half(both.sketch, i), label: half(both.label, i), repr: half(both.repr, i),
  });
  return [pick(0), pick(1)];
}

/** The coefficients of frame k's step (null at the last frame); 2M's history only when the frame before is known. */
function stepAt(tables: Tables, plan: RunPlan, k: number, hasPrevX0: boolean): StepCoefficients | null {
  const t = plan.frameT[k]!;
  const tPrev = plan.frameT[k + 1];
  if (tPrev === undefined) return null;
  return stepCoefficients(tables.schedule, plan.sampler, plan.eta, t, tPrev, hasPrevX0 && k > 0 ? plan.frameT[k - 1]! : null);
}

/**
 * One reverse step k: the packed frame k and z at frame k + 1 (absent at the last frame). prevX0: frame k - 1's
 * x0Hat (B*S*S), DPM-Solver++(2M)'s history, or null.
 */
function reverseFrame(network: Network, tables: Tables, plan: RunPlan, cond: Conditions, z: tf.Tensor4D, k: number, prevX0: Float32Array | null): tf.Tensor[] {
  const { schedule, drift } = tables;
  const B = plan.batch;
  const S = plan.size;
  const t = plan.frameT[k]!;
  const tPrev = plan.frameT[k + 1]; // undefined at the last frame (t = 0)
  const step = stepAt(tables, plan, k, prevX0 !== null);
  const paste = plan.paste && tPrev !== undefined ? pasteCoefficients(schedule, tPrev) : null;
  const noise = step !== null && step.sigma > 0 ? stepNoise(plan.noiseSeed, t, B * S * S) : null;
  const pasted = paste !== null && paste.noise > 0 ? pasteNoise(plan.noiseSeed, tPrev!, B * S * S) : null;
  const guided: tf.Tensor[] = [];
  try {
    return tf.tidy(() => {
      const ev = evaluate(network, tables, plan, cond, z, t, step !== null, guided);
      const { out, E, y } = ev;
      let x0: tf.Tensor4D;
      let next: tf.Tensor4D | null = null;
      if (tPrev === undefined || step === null || ev.estimate === null) {
        x0 = plan.clipX0 ? tf.clipByValue(y, -1, 1) : y; // the sample: z_0 - c^_0
      } else {
        x0 = ev.estimate.x0;
        const xi = noise === null ? null : tf.tensor4d(noise, [B, S, S, 1]); // [B, S, S, 1]
        const before = step.prevX0 === 0 || prevX0 === null ? null : tf.tensor4d(prevX0, [B, S, S, 1]); // x^_0 of frame k - 1
        let stepped = reverseStep(step, y, ev.estimate, xi, before); // y_prev = a x^_0 + b y_t + c eps + sigma xi (+ d x^_0')
        if (step.corrector !== null) {
          // Heun: the model again at tPrev on the predictor z~ = y~_prev + c^_prev, then the trapezoid.
          const predicted = tf.add<tf.Tensor4D>(stepped, tf.mul(E, drift.kappa[tPrev]!)); // [B, S, S, 1]
          const again = evaluate(network, tables, plan, cond, predicted, tPrev, true, guided);
          stepped = correctorStep(step.corrector, y, ev.estimate, again.estimate!);
        }
        // Replacement: the visible pixels of y_prev resampled from q(y_prev | x) (y_0 keeps them exactly).
        const yPrev = paste === null ? stepped : cond.paste(stepped, paste, pasted === null ? null : tf.tensor4d(pasted, [B, S, S, 1]));
        next = tf.add<tf.Tensor4D>(yPrev, tf.mul(E, drift.kappa[tPrev]!)); // z_prev = y_prev + kappa_prev E
      }
      const packed = packFrame({
        z,
        x0Hat: cond.composite(x0),
        masked: cond.composite(out.masked),
        sketch: out.sketch,
        drift: ev.cT,
        labelProbs: ev.labelProbs,
        repr: out.repr,
      }, plan.given.mask === null ? null : x0); // inpainting: the model's x^_0 before the composite (metrics)
      return next === null ? [packed] : [packed, next];
    });
  } finally {
    tf.dispose(guided);
  }
}

async function* reverseFrames(network: Network, tables: Tables, plan: RunPlan, signal: AbortSignal): FrameGenerator {
  const aborted = whenAborted(signal);
  const B = plan.batch;
  const S = plan.size;
  const cond = createConditions(network, plan);
  const metrics = metricsTracker(tables.schedule, plan);
  const tail = plan.given.mask === null ? 0 : B * S * S; // packFrame's tail: x^_0 before the composite
  let z: tf.Tensor4D | null = tf.tensor4d(plan.startZ ?? initialNoise(plan.seed, B * S * S), [B, S, S, 1]); // z at frame firstFrame
  let next: tf.Tensor4D | null = null;
  let prevX0 = plan.startPrevX0; // frame k - 1's x0Hat (DPM-Solver++(2M)'s history)
  let nfe = plan.startNfe;
  try {
    for (let k = plan.firstFrame; k < plan.frameT.length; k++) {
      if (signal.aborted) return ended(signal);
      const started = now();
      const step = stepAt(tables, plan, k, prevX0 !== null);
      const [packed, after] = reverseFrame(network, tables, plan, cond, z, k, prevX0) as [tf.Tensor1D, tf.Tensor4D | undefined];
      next = after ?? null;
      const read = await readback(packed, aborted);
      if (read === null || signal.aborted) return ended(signal);
      const { values, tail: x0Model } = splitTail(read, tail);
      const unpacked = unpackFrame(values, { ...plan, runId: plan.runId, index: k, t: plan.frameT[k]!, ms: now() - started, nfe });
      assertFiniteFrame(unpacked, B);
      const frame = metrics.add(unpacked, x0Model);
      nfe += step === null ? 0 : step.corrector === null ? 1 : 2;
      // A copy: the frame's buffers may be transferred to the page once it is yielded.
      prevX0 = SAMPLER_INFO[plan.sampler].multistep ? frame.x0Hat.slice() : null;
      z.dispose();
      z = next;
      next = null;
      yield frame;
      if (z === null) break;
    }
    return 'done';
  } finally {
    z?.dispose();
    next?.dispose();
    cond.dispose();
  }
}

async function* forwardFrames(network: Network, tables: Tables, plan: RunPlan, signal: AbortSignal): FrameGenerator {
  const aborted = whenAborted(signal);
  const { schedule } = tables;
  const B = plan.batch;
  const S = plan.size;
  const x = plan.given.image!; // planRun requires it for classify
  const eps = initialNoise(plan.seed, B * S * S); // one eps for the whole forward path
  const metrics = metricsTracker(schedule, plan);
  for (let k = 0; k < plan.frameT.length; k++) {
    if (signal.aborted) return ended(signal);
    const started = now();
    const t = plan.frameT[k]!;
    const zt = qSample(schedule, x, t, eps); // sqrt(aB_t) x + sqrt(1 - aB_t) eps, no drift
    const packed = tf.tidy(() => {
      const z = tf.tensor4d(zt, [B, S, S, 1]); // [B, S, S, 1]
      const out = network.forward(z, tf.fill<tf.Rank.R1>([B], Math.max(t, 1), 'int32'));
      const x0 =
        t === 0
          ? plan.clipX0
            ? tf.clipByValue(z, -1, 1)
            : z
          : plan.x0From === 'masked'
            ? estimateX0FromHead(schedule, z, out.masked, out.eps, out.eps, t, plan.clipX0).x0
            : estimateX0(schedule, z, out.eps, t, plan.clipX0).x0;
      return packFrame({ z, x0Hat: x0, masked: out.masked, sketch: out.sketch, drift: tf.zerosLike(z), labelProbs: tf.softmax(out.label), repr: out.repr });
    });
    const values = await readback(packed, aborted);
    if (values === null || signal.aborted) return ended(signal);
    const frame = unpackFrame(values, { ...plan, runId: plan.runId, index: k, t, ms: now() - started });
    assertFiniteFrame(frame, B);
    yield metrics.add(frame, null);
  }
  return 'done';
}

/**
 * The tensors of one synthetic reverse step (joint generation with label commitment, DDIM, batch B): every
 * kernel a run uses except label guidance's backward pass, for compiling shaders before the first visible
 * frame. The caller disposes the result (or reads it back).
 */
export function warmupStep(network: Network, tables: Tables, batch: 1 | 16): tf.Tensor[] {
  const request: RunRequest = { runId: 'warmup', mode: 'joint', sampler: 'ddim', steps: 2, eta: 0, seed: 0, batch, clipX0: true, labelGuidance: 0, labelCommit: 0.5 };
  const plan = planRun(request, network.config, tables);
  const cond = createConditions(network, plan);
  const z = tf.zeros<tf.Rank.R4>([batch, plan.size, plan.size, 1]); // [B, S, S, 1]
  try {
    return reverseFrame(network, tables, plan, cond, z, 0, null);
  } finally {
    z.dispose();
    cond.dispose();
  }
}
