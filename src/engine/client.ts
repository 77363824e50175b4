/**
 * The page side of the engine: `createEngine()` starts the inference worker and wraps it with comlink.
 *   - `run` cancels the previous run (the worker runs one trajectory at a time); a frame of the old run
 *     may still arrive after that, and the caller drops it (the page: src/store's FrameBuffer.push, the
 *     one place that drops stale frames);
 *   - every rejection is an EngineError (kind + message, `step` for numerics);
 *   - `onEvent` reports WebGPU device loss (and a crashed worker); recover with
 *     `setBackend(...)` and a run with `start: { z: lastFrame.z, fromStep: lastFrame.index }`;
 *   - `terminate()` ends the worker; later calls reject with kind 'cancelled'.
 */
import * as Comlink from 'comlink';
import type { EngineEvent, EngineWorkerApi } from './api.ts';
import { EngineError, toEngineError } from './errors.ts';
import type { BackendPreference, BackendReport, Frame, InitOptions, InitResult, LoadProgress, MemoryStats, RunRequest } from './protocol.ts';

export interface EngineClient {
  init(options: InitOptions, onProgress?: (p: LoadProgress) => void): Promise<InitResult>;
  /** Runs a trajectory; frames arrive in order through onFrame. Starting another run cancels this one ('cancelled'). */
  run(request: RunRequest, onFrame: (frame: Frame) => void): Promise<'done' | 'cancelled'>;
  /** Cancels the run `runId` (no-op when it is not the current one); the run resolves 'cancelled'. */
  cancel(runId: string): Promise<void>;
  memory(): Promise<MemoryStats>;
  /** Aborts a running init (the weights download); that init rejects with kind 'cancelled'. */
  cancelInit(): Promise<void>;
  /** Re-creates the model on another backend (re-uploads the weights, re-warms). Also the recovery from 'device-lost'. */
  setBackend(preference: BackendPreference, onProgress?: (p: LoadProgress) => void): Promise<BackendReport>;
  /** Engine events (device loss, worker crash); returns an unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Test hook (the e2e tests): simulates WebGPU device loss. */
  loseDeviceForTesting(): Promise<boolean>;
  terminate(): void;
}

/** Resolves a relative weights URL against the page (the worker's own base is its script URL). */
function absolute(url: string): string {
  return typeof location === 'undefined' ? url : new URL(url, location.href).href;
}

export function createEngine(): EngineClient {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'mt-diffusion-engine' });
  const remote = Comlink.wrap<EngineWorkerApi>(worker);
  const listeners = new Set<(event: EngineEvent) => void>();
  const pending = new Set<(e: EngineError) => void>();
  let dead: EngineError | null = null;
  let subscribed = false;

  const emit = (event: EngineEvent): void => {
    for (const l of listeners) l(event);
  };

  const die = (error: EngineError): void => {
    if (dead !== null) return;
    dead = error;
    for (const reject of pending) reject(error);
    pending.clear();
  };

  // An 'error' event before the worker ever answered means its script failed to load or evaluate:
  // nothing will ever answer, so fail every call. Later ones are uncaught exceptions in a live worker
  // (e.g. from the wasm backend's pthread workers): the calls themselves report what matters.
  let alive = false;
  worker.addEventListener('error', (ev: ErrorEvent) => {
    if (alive) return;
    const message = `the engine worker failed to start: ${ev.message || 'unknown error'}`;
    die(new EngineError('internal', message));
    emit({ type: 'crashed', message });
  });
  worker.addEventListener('messageerror', () => {
    die(new EngineError('internal', 'the engine worker sent a message that could not be read'));
  });

  /** A remote call whose rejection is an EngineError, and which fails fast once the worker is gone. */
  const call = <T>(f: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (dead !== null) {
        reject(dead);
        return;
      }
      const fail = (e: EngineError): void => reject(e);
      pending.add(fail);
      f().then(resolve, (e: unknown) => reject(toEngineError(e))).finally(() => pending.delete(fail));
    });

  void remote.ping().then(
    () => {
      alive = true;
    },
    () => undefined,
  );

  const client: EngineClient = {
    init: (options, onProgress = () => {}) =>
      call(() => remote.init({ ...options, weightsUrl: absolute(options.weightsUrl) }, Comlink.proxy(onProgress))),

    run: (request, onFrame) => call(() => remote.run(request, Comlink.proxy(onFrame))),

    cancel: (runId) => call(() => remote.cancel(runId)),

    memory: () => call(() => remote.memory()),
    cancelInit: () => call(() => remote.cancelInit()),
    setBackend: (preference, onProgress) => call(() => remote.setBackend(preference, onProgress ? Comlink.proxy(onProgress) : undefined)),

    onEvent(listener) {
      listeners.add(listener);
      if (!subscribed && dead === null) {
        subscribed = true;
        void remote.subscribe(Comlink.proxy(emit)).catch(() => undefined);
      }
      return () => listeners.delete(listener);
    },

    loseDeviceForTesting: () => call(() => remote.loseDeviceForTesting()),

    terminate() {
      if (dead !== null) return;
      die(new EngineError('cancelled', 'the engine was terminated'));
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
  return client;
}

