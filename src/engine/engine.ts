/**
 * The engine behind the worker (EngineWorkerApi), free of any transport so that Node tests can drive
 * it: keeps a CPU copy of the weights (so any backend can be (re)built, e.g. after WebGPU device
 * loss), chooses the backend, warms it up, and runs one trajectory at a time (a new run cancels the
 * old one). Methods throw EngineError; worker.ts turns them into EngineErrorInfo for postMessage.
 */
import * as tf from '@tensorflow/tfjs';
import { filesFetch, loadWeights, type FetchLike } from '../model/index.ts';
import type { EngineEvent, EngineWorkerApi } from './api.ts';
import { activateBackend, activeWebGlContext, activeWebGpuDevice, resetBackend, selectBackend, setWasmThreads, type Activation } from './backends.ts';
import { EngineError, toEngineError } from './errors.ts';
import type { BackendName, BackendPreference, BackendReport, Frame, InitOptions, InitResult, LoadProgress, MemoryStats, RunRequest } from './protocol.ts';
import { createBench, release, toCpuModel, upload, warmBatch, warmUp, type Model, type Resident } from './resident.ts';
import { runTrajectory, type RunEnd } from './runner.ts';

export interface EngineOptions {
  /** fetch for the weights (default: globalThis.fetch). */
  readonly fetch?: FetchLike;
  /** Backends to consider (default: all). */
  readonly candidates?: readonly BackendName[];
  /** Backend activation (default: backends.ts activateBackend); tests inject fakes. */
  readonly activate?: (name: BackendName) => Promise<Activation>;
}

interface Active extends Resident {
  readonly report: BackendReport;
  /** The batch sizes whose shaders and buffers are ready (warmUp: 1; warm(): more). */
  readonly warmed: Set<1 | 16>;
}

interface CurrentRun {
  readonly runId: string;
  /** Aborted by cancel(), by a newer run, or with the EngineError that ends it (device loss). */
  readonly controller: AbortController;
  readonly done: Promise<RunEnd>;
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
  /** A warm() in progress: a run waits for it (WebGPU refuses to run pipelines still compiling). */
  let warming: Promise<unknown> | null = null;
  /** Set when the active WebGPU device or WebGL context is lost; every run fails with it until setBackend. */
  let lost: EngineError | null = null;
  /** The init in progress (cancelInit aborts its weights download). */
  let initAbort: AbortController | null = null;
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

  const dropActive = (): void => {
    if (active !== null) release(active);
    active = null;
  };

  /** Records the loss of the active GPU backend: the current run ends with it, and the page hears of it. */
  const declareLost = (backend: 'webgpu' | 'webgl', why: string): EngineError => {
    if (lost !== null) return lost;
    const what = backend === 'webgpu' ? 'the WebGPU device was lost' : 'the WebGL context was lost';
    lost = new EngineError('device-lost', `${what} (${why}); switch backend with setBackend() and resume from the last frame`, { detail: backend });
    current?.controller.abort(lost);
    emit({ type: 'device-lost', backend, message: lost.message });
    return lost;
  };

  /** True (and declared) when the active WebGL context is lost: checked after every step, since its event comes late. */
  const webGlLost = (): boolean => {
    const gl = activeWebGlContext();
    if (gl === null || !gl.isContextLost()) return false;
    declareLost('webgl', 'isContextLost() is true');
    return true;
  };

  /**
   * After a failed step on WebGPU: was it the device? A destroyed device fails the pending readback
   * before its `lost` promise settles, so wait a moment for it (and declare the loss when it comes).
   */
  const webGpuLost = async (): Promise<boolean> => {
    const device = activeWebGpuDevice();
    if (device === null) return false;
    const info = await Promise.race([device.lost, new Promise<null>((resolve) => setTimeout(() => resolve(null), 500))]);
    if (info === null) return false;
    declareLost('webgpu', `${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}`);
    return true;
  };

  const watchDevice = (): void => {
    const mine = generation;
    const gl = activeWebGlContext();
    const canvas = gl?.canvas as (EventTarget & { addEventListener?: unknown }) | undefined;
    if (canvas && typeof canvas.addEventListener === 'function') {
      canvas.addEventListener('webglcontextlost', () => {
        if (mine === generation) declareLost('webgl', 'webglcontextlost');
      });
    }
    const device = activeWebGpuDevice();
    if (device === null) return;
    void device.lost.then((info) => {
      if (mine !== generation) return; // an old device we replaced on purpose
      declareLost('webgpu', `${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}`);
    });
  };

  /** Chooses a backend, uploads the weights to it and warms it up. */
  const bringUp = async (preference: BackendPreference, m: Model, onProgress: (p: LoadProgress) => void): Promise<{ report: BackendReport; warmupMs: number }> => {
    generation++;
    if (lost !== null) {
      // Forget the dead device / context; a later attempt on that backend builds a fresh one.
      resetBackend(lost.detail === 'webgl' ? 'webgl' : 'webgpu');
      lost = null;
    }
    onProgress({ phase: 'backend', fraction: 0, message: preference === 'auto' ? 'measuring the backends' : `starting ${preference}` });
    const report = await selectBackend(preference, {
      activate,
      bench: () => Promise.resolve(createBench(m)),
      ...(options.candidates ? { candidates: options.candidates } : {}),
    });
    onProgress({ phase: 'backend', fraction: 1, message: report.summary });
    onProgress({ phase: 'warmup', fraction: 0, message: `compiling and warming up ${report.chosen}` });
    const started = performance.now();
    const resident = upload(m);
    try {
      await warmUp(resident.network, m.tables, (fraction, message) => onProgress({ phase: 'warmup', fraction, message }));
    } catch (e) {
      release(resident);
      throw e;
    }
    active = { ...resident, report, warmed: new Set([1]) };
    watchDevice();
    const warmupMs = performance.now() - started;
    onProgress({ phase: 'warmup', fraction: 1, message: `warm-up took ${warmupMs.toFixed(0)} ms` });
    return { report, warmupMs };
  };

  const stopRun = async (): Promise<void> => {
    const run = current;
    if (run === null) return;
    run.controller.abort();
    await run.done.catch(() => undefined);
  };

  const api: EngineWorkerApi = {
    async init(init: InitOptions, onProgress: (p: LoadProgress) => void): Promise<InitResult> {
      const controller = new AbortController();
      try {
        if (typeof init?.weightsUrl !== 'string' || init.weightsUrl === '') throw new EngineError('input', 'init: weightsUrl must be a non-empty string');
        initAbort?.abort();
        initAbort = controller;
        await stopRun();
        dropActive();
        const started = performance.now();
        onProgress({ phase: 'weights', fraction: 0, message: 'downloading the weights' });
        // Decode on the cpu backend and keep plain arrays: any backend can be built from them later.
        await activate('cpu');
        const fetchFn = init.files ? filesFetch(init.files) : options.fetch;
        const loaded = await loadWeights(init.weightsUrl, {
          ...(fetchFn ? { fetch: fetchFn } : {}),
          signal: controller.signal,
          onProgress: (p) => onProgress({ phase: 'weights', fraction: p.total ? p.loaded / p.total : 1, message: `${p.loaded} / ${p.total} bytes` }),
        });
        model = await toCpuModel(loaded);
        if (controller.signal.aborted) throw new EngineError('cancelled', 'loading the model was cancelled');
        const loadMs = performance.now() - started;
        if (init.wasmThreads !== undefined) setWasmThreads(init.wasmThreads);
        const { report, warmupMs } = await bringUp(init.backend, model, onProgress);
        onProgress({ phase: 'ready', fraction: 1, message: `ready on ${report.chosen}` });
        return { backend: report, config: model.config, trained: model.config.trained, weightsBytes: model.bytes, loadMs, warmupMs };
      } catch (e) {
        throw toEngineError(e);
      } finally {
        if (initAbort === controller) initAbort = null;
      }
    },

    cancelInit(): void {
      initAbort?.abort();
    },

    async run(request: RunRequest, onFrame: (frame: Frame) => void): Promise<RunEnd> {
      const previous = current;
      previous?.controller.abort();
      const controller = new AbortController();
      const done = (async (): Promise<RunEnd> => {
        if (previous) await previous.done.catch(() => undefined); // one trajectory at a time
        if (warming) await warming.catch(() => undefined);
        if (controller.signal.aborted) return 'cancelled';
        const m = requireModel();
        if (lost !== null) throw lost;
        if (active === null) throw new EngineError('internal', 'no backend is active: call setBackend()');
        const gen = runTrajectory(active.network, m.tables, request, controller.signal);
        for (;;) {
          let r: IteratorResult<Frame, RunEnd>;
          try {
            r = await gen.next();
          } catch (e) {
            // A lost WebGL context makes tfjs fail in odd ways (null textures, zero reads): say what happened.
            if (webGlLost() || (await webGpuLost())) throw lost ?? e;
            throw e;
          }
          if (r.done) return r.value;
          if (webGlLost()) {
            await gen.return('cancelled');
            throw lost ?? new EngineError('device-lost', 'the WebGL context was lost', { detail: 'webgl' });
          }
          onFrame(r.value);
          // On wasm / cpu a readback resolves as a microtask: without a macrotask turn per step the
          // worker would never see a cancel() or a new run() until the whole trajectory is done.
          await yieldToEventLoop();
        }
      })();
      const run: CurrentRun = { runId: request.runId, controller, done };
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
      if (current?.runId === runId) current.controller.abort();
    },

    async warm(batch: 1 | 16): Promise<number> {
      try {
        if (batch !== 1 && batch !== 16) throw new EngineError('input', `warm: batch must be 1 or 16, got ${String(batch)}`);
        const m = requireModel();
        const target = active;
        if (target === null) throw new EngineError('internal', 'no backend is active: call setBackend()');
        if (target.warmed.has(batch)) return 0;
        await current?.done.catch(() => undefined); // after the run in progress
        await warming?.catch(() => undefined);
        if (active !== target || lost !== null || target.warmed.has(batch)) return 0; // switched, lost or warmed meanwhile
        const job = warmBatch(target.network, m.tables, batch);
        warming = job;
        try {
          const ms = await job;
          target.warmed.add(batch);
          return ms;
        } finally {
          if (warming === job) warming = null;
        }
      } catch (e) {
        throw toEngineError(e);
      }
    },

    memory(): MemoryStats {
      // tf.memory() would initialise the highest-priority backend (WebGPU) when none is set yet.
      if (tf.getBackend() === null || tf.getBackend() === undefined) return { numTensors: 0, numBytes: 0 };
      const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      return { numTensors: m.numTensors, numBytes: m.numBytes, ...(typeof m.numBytesInGPU === 'number' ? { gpuBytes: m.numBytesInGPU } : {}) };
    },

    async setBackend(preference: BackendPreference, onProgress: (p: LoadProgress) => void = () => {}): Promise<BackendReport> {
      try {
        const m = requireModel();
        await stopRun();
        const previous = active?.report.chosen ?? null;
        dropActive();
        try {
          const { report, warmupMs } = await bringUp(preference, m, onProgress);
          return { ...report, warmupMs };
        } catch (e) {
          // Keep the engine usable on the backend it had, when that one still works.
          if (previous !== null && lost === null && active === null) {
            try {
              await activate(previous);
              const report: BackendReport = { chosen: previous, preference: previous, attempts: [], summary: `${previous} (kept after a failed switch)` };
              active = { ...upload(m), report, warmed: new Set() };
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
      const gl = activeWebGlContext();
      if (gl !== null) {
        gl.getExtension('WEBGL_lose_context')?.loseContext();
        return true;
      }
      const device = activeWebGpuDevice();
      if (device === null) return false;
      device.destroy();
      return true;
    },
  };
  return api;
}
