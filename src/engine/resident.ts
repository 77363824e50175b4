/**
 * The model resident on a backend: the CPU copy of the weights (kept for the engine's lifetime, so any
 * backend can be rebuilt, e.g. after WebGPU device loss), its upload as tensors, the timing bench of
 * backends.ts, and the warm-up that compiles every shader of a run before the first visible frame
 * (WEBGPU_ENGINE_COMPILE_ONLY / ENGINE_COMPILE_ONLY: pipelines compile in parallel, nothing executes).
 */
import * as tf from '@tensorflow/tfjs';
import { createNetwork, type LoadedWeights, type ModelConfig, type Network } from '../model/index.ts';
import type { Bench } from './backends.ts';
import { makeTables, type Tables } from './plan.ts';
import { warmupStep } from './runner.ts';

interface CpuWeight {
  readonly values: Float32Array;
  readonly shape: number[];
}

/** The model as plain data. */
export interface Model {
  readonly config: ModelConfig;
  readonly tables: Tables;
  readonly weights: ReadonlyMap<string, CpuWeight>;
  readonly bytes: number;
}

/** The network on the active backend. */
export interface Resident {
  readonly weights: tf.NamedTensorMap;
  readonly network: Network;
}

const GPU_BACKENDS: readonly string[] = ['webgpu', 'webgl'];

/** Disposes tensors, tolerating those of a lost or removed backend. */
export function safeDispose(tensors: tf.Tensor[]): void {
  for (const t of tensors) {
    try {
      t.dispose();
    } catch {
      // a tensor of a lost / removed backend: nothing left to free
    }
  }
}

/** Reads loaded weights into plain arrays and disposes the tensors. */
export async function toCpuModel(loaded: LoadedWeights): Promise<Model> {
  const weights = new Map<string, CpuWeight>();
  for (const [name, t] of Object.entries(loaded.weights)) {
    weights.set(name, { values: (await t.data<'float32'>()).slice(), shape: [...t.shape] });
    t.dispose();
  }
  return { config: loaded.config, tables: makeTables(loaded.config), weights, bytes: loaded.bytes };
}

/** The CPU copy of the weights as tensors on the active backend, and the network over them. */
export function upload(m: Model): Resident {
  const weights: tf.NamedTensorMap = {};
  for (const [name, w] of m.weights) weights[name] = tf.tensor(w.values, w.shape, 'float32');
  try {
    return { weights, network: createNetwork(m.config, weights) };
  } catch (e) {
    safeDispose(Object.values(weights));
    throw e;
  }
}

export function release(r: Resident): void {
  safeDispose(Object.values(r.weights));
  try {
    r.network.dispose();
  } catch {
    // lost backend
  }
}

/** Runs `build` with the backend's compile-only flag set, then waits for the parallel compiles. */
export async function compileOnly(build: () => tf.Tensor[]): Promise<void> {
  const name = tf.getBackend();
  const flag = name === 'webgpu' ? 'WEBGPU_ENGINE_COMPILE_ONLY' : name === 'webgl' ? 'ENGINE_COMPILE_ONLY' : null;
  if (flag === null) return;
  tf.env().set(flag, true);
  try {
    tf.dispose(build());
  } finally {
    tf.env().set(flag, false);
  }
  const backend = tf.backend() as unknown as { checkCompileCompletionAsync?: () => Promise<unknown>; getUniformLocations?: () => void };
  await backend.checkCompileCompletionAsync?.();
  backend.getUniformLocations?.(); // webgl: bind uniforms of the programs compiled in parallel
}

/** backends.ts's timing bench: a batch-1 forward pass of the real model on the active backend. */
export function createBench(m: Model): Bench {
  const resident = upload(m);
  const S = m.config.imageSize;
  const z = tf.randomNormal<tf.Rank.R4>([1, S, S, 1], 0, 1, 'float32', 7); // [1, S, S, 1]
  const t = tf.tensor1d([500], 'int32'); // [1]
  const forward = (): tf.Tensor[] => {
    const out = resident.network.forward(z, t);
    return [out.eps, out.masked, out.sketch, out.label, out.repr];
  };
  const run = async (): Promise<number> => {
    const started = performance.now();
    const out = forward();
    try {
      await Promise.all(out.map((x) => x.data()));
    } finally {
      tf.dispose(out);
    }
    return performance.now() - started;
  };
  return {
    async compile() {
      if (GPU_BACKENDS.includes(tf.getBackend())) await compileOnly(forward);
      else await run(); // no shaders: one untimed run sets up the kernels
    },
    run,
    dispose() {
      safeDispose([z, t]);
      release(resident);
    },
  };
}

/**
 * Compiles the batch-1 run shapes on GPUs, then runs one real batch-1 step everywhere. Batch 16 is warmed
 * on demand (warmBatch), when the user picks the grid: its shaders and buffers cost seconds on a software
 * GPU and are wasted on a page that never shows a grid.
 */
export async function warmUp(network: Network, tables: Tables, progress: (fraction: number, message: string) => void): Promise<void> {
  await warmBatch(network, tables, 1, (ms) => progress(0.6, `compiled the batch-1 shaders in ${ms.toFixed(0)} ms`));
}

/**
 * Readies batch `batch`: compiles its shaders (GPUs), then runs one real step of it (every backend: wasm's
 * first step of a new shape allocates and packs, 3-4 times a later step's cost). Returns the wall time.
 */
export async function warmBatch(network: Network, tables: Tables, batch: 1 | 16, compiled?: (ms: number) => void): Promise<number> {
  const started = performance.now();
  if (GPU_BACKENDS.includes(tf.getBackend())) {
    await compileOnly(() => warmupStep(network, tables, batch));
    compiled?.(performance.now() - started);
  }
  const out = warmupStep(network, tables, batch);
  try {
    await Promise.all(out.map((x) => x.data()));
  } finally {
    tf.dispose(out);
  }
  return performance.now() - started;
}
