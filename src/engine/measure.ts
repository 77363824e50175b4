/**
 * Measurements on the active tfjs backend, shared by the browser bench (test-hook.ts, bench/run.mjs) and
 * the Node one (bench/gpu-child.mjs, npm run bench:gpu): the PyTorch parity fixture, a per-kernel profile
 * of one reverse step with its FLOPs, the backend's own peak (a large matMul and conv2d), and timed runs.
 * No DOM and no Node API here: both hosts load the weights and pick the backend themselves.
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from '../model/index.ts';
import { makeTables, type Tables } from './plan.ts';
import type { RunRequest } from './protocol.ts';
import { runTrajectory, warmupStep } from './runner.ts';

export interface ParityFixture {
  readonly batch: number;
  readonly imageSize: number;
  readonly inputs: Record<'z' | 't' | 'labelProbs' | 'image' | 'mask' | 'sketch' | 'repr', number[]> & { readonly given: Record<'label' | 'masked' | 'sketch' | 'repr', number[]> };
  readonly outputs: Record<'eps' | 'masked' | 'sketch' | 'label' | 'repr' | 'encoded', number[]>;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

/** public/fixtures/parity.json (PyTorch outputs) against the network on the active backend: max |diff| per output. */
export async function parityDiffs(net: Network, fixture: ParityFixture): Promise<Record<string, number>> {
  const B = fixture.batch;
  const S = fixture.imageSize;
  const D = net.config.representation.dim;
  const i = fixture.inputs;
  const outs = tf.tidy(() => {
    const o = net.forward(tf.tensor4d(i.z, [B, S, S, 1]), tf.tensor1d(i.t, 'int32'));
    const e = net.encode({
      labelProbs: tf.tensor2d(i.labelProbs, [B, 10]),
      image: tf.tensor4d(i.image, [B, S, S, 1]),
      mask: tf.tensor4d(i.mask, [B, S, S, 1]),
      sketch: tf.tensor4d(i.sketch, [B, S, S, 1]),
      repr: tf.tensor2d(i.repr, [B, D]),
      given: { label: tf.tensor1d(i.given.label), masked: tf.tensor1d(i.given.masked), sketch: tf.tensor1d(i.given.sketch), repr: tf.tensor1d(i.given.repr) },
    });
    return { eps: o.eps, masked: o.masked, sketch: o.sketch, label: o.label, repr: o.repr, encoded: e };
  });
  const diffs: Record<string, number> = {};
  for (const [name, t] of Object.entries(outs)) {
    diffs[name] = maxAbsDiff(await t.data(), fixture.outputs[name as keyof ParityFixture['outputs']]);
    t.dispose();
  }
  return diffs;
}

/**
 * Multiply-adds x 2 of a kernel from its tf.profile shapes: convolutions 2 B H' W' C' kh kw C, matrix
 * products 2 |out| K (a is never transposed in this network); every other kernel counts 0 (element-wise
 * work is bandwidth, not FLOPs).
 */
export function kernelFlops(name: string, inputShapes: readonly (readonly number[])[], outputShapes: readonly (readonly number[])[]): number {
  const out = outputShapes[0] ?? [];
  const size = out.reduce((p, v) => p * v, 1);
  if (name === 'Conv2D' || name === 'FusedConv2D') {
    const [kh = 0, kw = 0, cin = 0] = inputShapes[1] ?? [];
    return 2 * size * kh * kw * cin;
  }
  if (name === 'BatchMatMul' || name === '_FusedMatMul') {
    const a = inputShapes[0] ?? [];
    return 2 * size * (a[a.length - 1] ?? 0);
  }
  return 0;
}

export interface KernelTime {
  readonly name: string;
  readonly ms: number;
  readonly calls: number;
  readonly flops: number;
}

export interface StepProfile {
  readonly kernels: KernelTime[];
  /** Kernel time per step (sum of tf.profile's kernelTimeMs). */
  readonly totalMs: number;
  readonly wallMs: number;
  readonly kernelCount: number;
  /** FLOPs of one step (convolutions and matrix products). */
  readonly flops: number;
}

/**
 * tf.profile of one joint DDIM reverse step (runner.ts warmupStep: the default run's kernels, forward and
 * sampler update) on the active backend; per-kernel times summed by kernel name over `runs` steps after
 * one untimed step.
 */
export async function profileStep(net: Network, batch: 1 | 16, runs: number): Promise<StepProfile> {
  const tables = makeTables(net.config);
  const step = async (): Promise<void> => {
    const out = warmupStep(net, tables, batch);
    await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
  };
  await step();
  const byName = new Map<string, { ms: number; calls: number; flops: number }>();
  let kernelCount = 0;
  const started = performance.now();
  for (let r = 0; r < runs; r++) {
    const info = await tf.profile(step);
    for (const k of info.kernels) {
      // tf.profile has awaited every kernelTimeMs; { error } where the backend cannot time kernels.
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = byName.get(k.name) ?? { ms: 0, calls: 0, flops: 0 };
      e.ms += ms;
      e.calls += 1;
      e.flops += kernelFlops(k.name, k.inputShapes, k.outputShapes);
      byName.set(k.name, e);
      kernelCount++;
    }
  }
  const wallMs = (performance.now() - started) / runs;
  const kernels = [...byName].map(([name, e]) => ({ name, ms: e.ms / runs, calls: e.calls / runs, flops: e.flops / runs })).sort((a, b) => b.ms - a.ms);
  return {
    kernels, totalMs: kernels.reduce((s, k) => s + k.ms, 0), wallMs, kernelCount: kernelCount / runs,
    flops: kernels.reduce((s, k) => s + k.flops, 0),
  };
}

export interface Peak {
  /** Best of `runs` for each, in GFLOP/s. */
  readonly matMulGflops: number;
  readonly conv2dGflops: number;
  readonly matMulShape: string;
  readonly conv2dShape: string;
}

/**
 * The active backend's own peak on this machine: a 1024 x 1024 x 1024 matMul and a 3x3 conv2d of
 * [16, 32, 32, 64] -> 64 channels (the model's size class, large enough to fill the backend), best of `runs`
 * (after one untimed run each: shader compile, XNNPACK packing), each timed to its readback.
 */
export async function measurePeak(runs = 3): Promise<Peak> {
  const best = async (f: () => tf.Tensor, flops: number): Promise<number> => {
    let ms = Infinity;
    for (let r = 0; r <= runs; r++) {
      const started = performance.now();
      const y = f();
      await y.data();
      y.dispose();
      if (r > 0) ms = Math.min(ms, performance.now() - started);
    }
    return flops / (ms / 1000) / 1e9;
  };
  const n = 1024;
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const x = tf.randomUniform([16, 32, 32, 64], -1, 1, 'float32', 3);
  const k = tf.randomUniform([3, 3, 64, 64], -1, 1, 'float32', 4);
  try {
    return {
      matMulGflops: await best(() => tf.matMul(a, b), 2 * n * n * n),
      conv2dGflops: await best(() => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'), 2 * 16 * 32 * 32 * 64 * 9 * 64),
      matMulShape: `[${n}, ${n}] x [${n}, ${n}]`,
      conv2dShape: '[16, 32, 32, 64] * [3, 3, 64, 64]',
    };
  } finally {
    tf.dispose([a, b, x, k]);
  }
}

/** The default run of the UI's bench (joint, DDIM eta 0), batch B, `driftGuidance` w (the UI's default: 2 forwards a step). */
export function benchRequest(runId: string, steps: number, batch: 1 | 16, driftGuidance = 0): RunRequest {
  return { runId, mode: 'joint', sampler: 'ddim', steps, eta: 0, seed: 42, batch, clipX0: true, labelGuidance: 0, driftGuidance };
}

export interface TimedRun {
  /** frame.ms of every frame (one reverse step with its readback). */
  readonly ms: number[];
  readonly wallMs: number;
}

/** Runs `request` through the trajectory runner to its end, keeping each frame's step time. */
export async function timedRun(net: Network, tables: Tables, request: RunRequest): Promise<TimedRun> {
  const ms: number[] = [];
  const started = performance.now();
  for await (const frame of runTrajectory(net, tables, request, new AbortController().signal)) ms.push(frame.ms);
  return { ms, wallMs: performance.now() - started };
}
