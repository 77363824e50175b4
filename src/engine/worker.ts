/**
 * The inference Web Worker: exposes the engine (EngineWorkerApi) with comlink. Frames are transferred
 * (their ArrayBuffers move, no copy); errors cross as plain EngineErrorInfo objects; the page's
 * callback proxies are released when their call ends.
 */
import * as Comlink from 'comlink';
import type { EngineEvent, EngineWorkerApi } from './api.ts';
import { createEngineCore } from './engine.ts';
import { toEngineErrorInfo } from './errors.ts';
import { frameBuffers } from './frames.ts';
import type { Frame, LoadProgress } from './protocol.ts';

const core = createEngineCore();

/** Rethrows anything as EngineErrorInfo (comlink would reduce an Error to its message). */
async function guarded<T>(f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- plain data is what crosses postMessage intact
    throw toEngineErrorInfo(e);
  }
}

function release(callback: unknown): void {
  const proxy = callback as { [Comlink.releaseProxy]?: () => void };
  try {
    proxy[Comlink.releaseProxy]?.();
  } catch {
    // already released
  }
}

const api: EngineWorkerApi = {
  init: (options, onProgress) =>
    guarded(async () => {
      const delivered: Promise<unknown>[] = [];
      try {
        return await core.init(options, (p: LoadProgress) => void delivered.push(Promise.resolve(onProgress(p)).catch(() => undefined)));
      } finally {
        await Promise.all(delivered);
        release(onProgress);
      }
    }),
  run: (request, onFrame) =>
    guarded(async () => {
      // Callbacks travel on their own MessagePort, the result on the worker's: wait until every frame has
      // been handled on the page before resolving, so that no frame arrives after 'done'. Frames are not
      // awaited one by one, so the run does not wait for the page between steps.
      const delivered: Promise<unknown>[] = [];
      try {
        return await core.run(request, (frame: Frame) => {
          delivered.push(Promise.resolve(onFrame(Comlink.transfer(frame, frameBuffers(frame)))).catch(() => undefined));
        });
      } finally {
        await Promise.all(delivered);
        release(onFrame);
      }
    }),
  cancel: (runId) => core.cancel(runId),
  cancelInit: () => core.cancelInit(),
  memory: () => core.memory(),
  setBackend: (preference, onProgress) =>
    guarded(async () => {
      if (!onProgress) return core.setBackend(preference);
      const delivered: Promise<unknown>[] = [];
      try {
        return await core.setBackend(preference, (p: LoadProgress) => void delivered.push(Promise.resolve(onProgress(p)).catch(() => undefined)));
      } finally {
        await Promise.all(delivered);
        release(onProgress);
      }
    }),
  subscribe: (listener: (event: EngineEvent) => void) => core.subscribe((event) => void Promise.resolve(listener(event)).catch(() => undefined)),
  ping: () => true,
  loseDeviceForTesting: () => core.loseDeviceForTesting(),
};

Comlink.expose(api);
