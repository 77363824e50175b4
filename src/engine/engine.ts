/**
 * The engine behind the worker (EngineWorkerApi), free of any transport so that Node tests can drive
 * it: keeps a CPU copy of the weights (so any backend can be (re)built, e.g. after WebGPU device
 * loss), chooses the backend, warms it up, and runs one trajectory at a time (a new run cancels the
 * old one). Methods throw EngineError; worker.ts turns them into EngineErrorInfo for postMessage.
 */
import * as tf from '@tensorflow/tfjs';
import { createNetwork, loadWeights, type FetchLike, type ModelConfig, type Network } from '../model/index.ts';
import type { EngineEvent, EngineWorkerApi } from './api.ts';
import { activateBackend, activeWebGpuDevice, resetBackend, selectBackend, type Activation, type Bench } from './backends.ts';
import { CancelToken } from './cancel.ts';
import { EngineError, toEngineError } from './errors.ts';
import { makeTables, type Tables } from './plan.ts';
import type { BackendName, BackendPreference, BackendReport, Frame, InitOptions, InitResult, LoadProgress, MemoryStats, RunRequest } from './protocol.ts';
import { runTrajectory, warmupStep, type RunEnd } from './runner.ts';

export interface EngineOptions {
  /** fetch for the weights (default: globalThis.fetch). */
  readonly fetch?: FetchLike;
  /** Backends to consider (default: all). */
  readonly candidates?: readonly BackendName[];
  /** Backend activation (default: backends.ts activateBackend); tests inject fakes. */
  readonly activate?: (name: BackendName) => Promise<Activation>;
}

interface CpuWeight {
  readonly values: Float32Array;
  readonly shape: number[];
}

interface Model {
  readonly config: ModelConfig;
  readonly tables: Tables;
  readonly weights: ReadonlyMap<string, CpuWeight>;
  readonly bytes: number;
}

interface Active {
  readonly report: BackendReport;
  readonly weights: tf.NamedTensorMap;
  readonly network: Network;
}

interface CurrentRun {
  readonly runId: string;
  readonly token: CancelToken;
  readonly done: Promise<RunEnd>;
}

const GPU_BACKENDS: readonly string[] = ['webgpu', 'webgl'];

function safeDispose(tensors: tf.Tensor[]): void {
  for (const t of tensors) {
    try {
      t.dispose();
    } catch {
      // a tensor of a lost / removed backend: nothing left to free
    }
  }
}

/** Runs `build` with the backend's compile-only flag set (shaders compile in parallel, nothing executes), then waits for the compiles. */
async function compileOnly(build: () => tf.Tensor[]): Promise<void> {
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

/** One macrotask turn (a MessageChannel message: no 4 ms timer clamping), so queued messages are handled. */
function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      channel.port2.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function createEngineCore(options: EngineOptions = {}): EngineWorkerApi {
  const activate = options.activate ?? activateBackend;
  let model: Model | null = null;
  let active: Active | null = null;
  let current: CurrentRun | null = null;
  /** Set when the active WebGPU device is lost; every run fails with it until setBackend. */
  let lost: EngineError | null = null;
  /** Bumped on every backend switch, so that a stale device's `lost` promise is ignored. */
  let generation = 0;
  const listeners = new Set<(event: EngineEvent) => void>();

  const emit = (event: EngineEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // a listener's failure is not the engine's
      }
    }
  };

  const requireModel = (): Model => {
    if (model === null) throw new EngineError('internal', 'the engine is not initialised: call init() first');
    return model;
  };

  /** The CPU copy of the weights as tensors on the active backend. */
  const upload = (m: Model): { weights: tf.NamedTensorMap; network: Network } => {
    const weights: tf.NamedTensorMap = {};
    for (const [name, w] of m.weights) weights[name] = tf.tensor(w.values, w.shape, 'float32');
    try {
      return { weights, network: createNetwork(m.config, weights) };
    } catch (e) {
      safeDispose(Object.values(weights));
      throw e;
    }
  };

  const bench = (m: Model) => (): Promise<Bench> => {
    const { weights, network } = upload(m);
    const S = m.config.imageSize;
    const z = tf.randomNormal<tf.Rank.R4>([1, S, S, 1], 0, 1, 'float32', 7); // [1, S, S, 1]
    const t = tf.tensor1d([500], 'int32'); // [1]
    const forward = (): tf.Tensor[] => {
      const out = network.forward(z, t);
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
    return Promise.resolve({
      async compile() {
        if (GPU_BACKENDS.includes(tf.getBackend())) await compileOnly(forward);
        else await run(); // no shaders: one untimed run sets up the kernels
      },
      run,
      dispose() {
        safeDispose([z, t, ...Object.values(weights)]);
        network.dispose();
      },
    });
  };

  /** Compiles the run shapes (batch 1 and 16) on GPUs, then one real batch-1 step everywhere. */
  const warmUp = async (network: Network, tables: Tables, onProgress: (p: LoadProgress) => void): Promise<void> => {
    if (GPU_BACKENDS.includes(tf.getBackend())) {
      for (const batch of [1, 16] as const) {
        const started = performance.now();
        await compileOnly(() => warmupStep(network, tables, batch));
        onProgress({ phase: 'warmup', fraction: batch === 1 ? 0.4 : 0.8, message: `compiled the batch-${batch} shaders in ${(performance.now() - started).toFixed(0)} ms` });
      }
    }
    const out = warmupStep(network, tables, 1);
    try {
      await Promise.all(out.map((x) => x.data()));
    } finally {
      tf.dispose(out);
    }
  };

  const dropActive = (): void => {
    if (active === null) return;
    safeDispose(Object.values(active.weights));
    try {
      active.network.dispose();
    } catch {
      // lost backend
    }
    active = null;
  };

  const watchDevice = (): void => {
    const device = activeWebGpuDevice();
    if (device === null) return;
    const mine = generation;
    void device.lost.then((info) => {
      if (mine !== generation) return; // an old device we replaced on purpose
      lost = new EngineError(
        'device-lost',
        `the WebGPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}); ` +
          'switch backend with setBackend() and resume from the last frame',
      );
      current?.token.cancel(lost);
      emit({ type: 'device-lost', backend: 'webgpu', message: lost.message });
    });
  };

  /** Chooses a backend, uploads the weights to it and warms it up. */
  const bringUp = async (preference: BackendPreference, m: Model, onProgress: (p: LoadProgress) => void): Promise<{ report: BackendReport; warmupMs: number }> => {
    generation++;
    if (lost !== null) {
      resetBackend('webgpu'); // forget the dead device; a later webgpu attempt gets a fresh one
      lost = null;
    }
    onProgress({ phase: 'backend', fraction: 0, message: preference === 'auto' ? 'measuring the backends' : `starting ${preference}` });
    const report = await selectBackend(preference, {
      activate,
      bench: bench(m),
      ...(options.candidates ? { candidates: options.candidates } : {}),
    });
    onProgress({ phase: 'backend', fraction: 1, message: report.summary });
    onProgress({ phase: 'warmup', fraction: 0, message: `compiling and warming up ${report.chosen}` });
    const started = performance.now();
    const { weights, network } = upload(m);
    try {
      await warmUp(network, m.tables, onProgress);
    } catch (e) {
      safeDispose(Object.values(weights));
      network.dispose();
      throw e;
    }
    active = { report, weights, network };
    watchDevice();
    const warmupMs = performance.now() - started;
    onProgress({ phase: 'warmup', fraction: 1, message: `warm-up took ${warmupMs.toFixed(0)} ms` });
    return { report, warmupMs };
  };

  const stopRun = async (): Promise<void> => {
    const run = current;
    if (run === null) return;
    run.token.cancel();
    await run.done.catch(() => undefined);
  };

  const api: EngineWorkerApi = {
    async init(init: InitOptions, onProgress: (p: LoadProgress) => void): Promise<InitResult> {
      try {
        if (typeof init?.weightsUrl !== 'string' || init.weightsUrl === '') throw new EngineError('input', 'init: weightsUrl must be a non-empty string');
        await stopRun();
        dropActive();
        const started = performance.now();
        onProgress({ phase: 'weights', fraction: 0, message: 'downloading the weights' });
        // Decode on the cpu backend and keep plain arrays: any backend can be built from them later.
        await activate('cpu');
        const loaded = await loadWeights(init.weightsUrl, {
          ...(options.fetch ? { fetch: options.fetch } : {}),
          onProgress: (p) => onProgress({ phase: 'weights', fraction: p.total ? p.loaded / p.total : 1, message: `${p.loaded} / ${p.total} bytes` }),
        });
        const weights = new Map<string, CpuWeight>();
        for (const [name, t] of Object.entries(loaded.weights)) {
          weights.set(name, { values: (await t.data<'float32'>()).slice(), shape: [...t.shape] });
          t.dispose();
        }
        model = { config: loaded.config, tables: makeTables(loaded.config), weights, bytes: loaded.bytes };
        const loadMs = performance.now() - started;
        const { report, warmupMs } = await bringUp(init.backend, model, onProgress);
        onProgress({ phase: 'ready', fraction: 1, message: `ready on ${report.chosen}` });
        return { backend: report, config: model.config, trained: model.config.trained, weightsBytes: model.bytes, loadMs, warmupMs };
      } catch (e) {
        throw toEngineError(e);
      }
    },

    async run(request: RunRequest, onFrame: (frame: Frame) => void): Promise<RunEnd> {
      const previous = current;
      previous?.token.cancel();
      const token = new CancelToken();
      const done = (async (): Promise<RunEnd> => {
        if (previous) await previous.done.catch(() => undefined); // one trajectory at a time
        if (token.cancelled) return 'cancelled';
        const m = requireModel();
        if (lost !== null) throw lost;
        if (active === null) throw new EngineError('internal', 'no backend is active: call setBackend()');
        const gen = runTrajectory(active.network, m.tables, request, token);
        for (;;) {
          const r = await gen.next();
          if (r.done) return r.value;
          onFrame(r.value);
          // On wasm / cpu a readback resolves as a microtask: without a macrotask turn per step the
          // worker would never see a cancel() or a new run() until the whole trajectory is done.
          await yieldToEventLoop();
        }
      })();
      const run: CurrentRun = { runId: request.runId, token, done };
      current = run;
      try {
        return await done;
      } catch (e) {
        throw toEngineError(e);
      } finally {
        if (current === run) current = null;
      }
    },

    cancel(runId: string): void {
      if (current?.runId === runId) current.token.cancel();
    },

    memory(): MemoryStats {
      // tf.memory() would initialise the highest-priority backend (WebGPU) when none is set yet.
      if (tf.getBackend() === null || tf.getBackend() === undefined) return { numTensors: 0, numBytes: 0 };
      const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      return { numTensors: m.numTensors, numBytes: m.numBytes, ...(typeof m.numBytesInGPU === 'number' ? { gpuBytes: m.numBytesInGPU } : {}) };
    },

    async setBackend(preference: BackendPreference): Promise<BackendReport> {
      try {
        const m = requireModel();
        await stopRun();
        const previous = active?.report.chosen ?? null;
        dropActive();
        try {
          return (await bringUp(preference, m, () => {})).report;
        } catch (e) {
          // Keep the engine usable on the backend it had, when that one still works.
          if (previous !== null && lost === null && active === null) {
            try {
              await activate(previous);
              const { weights, network } = upload(m);
              const report = { chosen: previous, preference: previous, attempts: [], summary: `${previous} (kept after a failed switch)` };
              active = { report, weights, network };
              watchDevice();
            } catch {
              // nothing usable: the caller must pick another backend
            }
          }
          throw e;
        }
      } catch (e) {
        throw toEngineError(e);
      }
    },

    subscribe(listener: (event: EngineEvent) => void): void {
      listeners.add(listener);
    },

    ping: () => true,

    loseDeviceForTesting(): boolean {
      const device = activeWebGpuDevice();
      if (device === null) return false;
      device.destroy();
      return true;
    },
  };
  return api;
}
