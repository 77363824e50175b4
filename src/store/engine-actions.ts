/**
 * The engine: starting it (and retrying), switching backend, the memory poll, and the recovery from a
 * lost GPU (a WebGPU device or WebGL context loss moves the model to wasm, else cpu, once per loss, and
 * says so). This part writes the engine handle (`ctx.engine`) and owns the start in progress, the
 * recovery and the memory timer.
 */
import type { BackendPreference, EngineErrorInfo, Frame, RunRequest } from '../engine/protocol.ts';
import { validateConfig, type ModelConfig } from '../model/config.ts';
import type { StoreContext } from './context.ts';
import { toErrorInfo } from './engine-api.ts';
import { modelName, weightsLocation } from './model-source.ts';
import type { Actions } from './state.ts';
import type { TrajectoryParts } from './trajectory.ts';
import type { ViewParts } from './view-actions.ts';

/** Where a run continues when its GPU backend is lost, in order of preference. */
const RECOVERY_BACKENDS: readonly BackendPreference[] = ['wasm', 'cpu'];

export interface EngineParts {
  /** Reads the engine's memory stats into the state (informational: failures are ignored). */
  readonly pollMemory: () => Promise<void>;
  readonly startMemoryPoll: () => void;
  readonly stopMemoryPoll: () => void;
  /**
   * After a WebGPU device or WebGL context loss: re-creates the model on wasm (else cpu) and says so.
   * `step` is the frame the run continues from (null when idle). Resolves false when nothing works.
   */
  readonly recoverBackend: (error: EngineErrorInfo, step: number | null) => Promise<boolean>;
  /**
   * Runs `request` on the engine and carries it over one GPU loss: the engine moves to wasm (else cpu,
   * recoverBackend) and the run goes on with `resume()`, the request that continues it and the step the
   * notice names. Resolves to the engine's result, the error the run ended with, or 'stale' once
   * `isCurrent()` says the run was cancelled or superseded while it waited. Run A and compare's B use it.
   */
  readonly runRecovering: (
    request: RunRequest,
    onFrame: (frame: Frame) => void,
    isCurrent: () => boolean,
    resume: () => { request: RunRequest; step: number },
  ) => Promise<'done' | 'cancelled' | 'stale' | { error: EngineErrorInfo }>;
  /** Loads ctx.model into the engine from the beginning (another model; model-actions.ts). */
  readonly reload: () => Promise<void>;
  readonly actions: Pick<Actions, 'startEngine' | 'retryEngine' | 'setBackend' | 'cancelLoading' | 'refreshMemory'>;
}

export function createEngineActions(
  ctx: StoreContext,
  parts: { readonly trajectory: Pick<TrajectoryParts, 'cancelRun'>; readonly view: ViewParts },
): EngineParts {
  const { get, patch, deps, baseUrl, memoryPollMs } = ctx;
  const { cancelRun } = parts.trajectory;
  /** The start (or retry) in progress or done: startEngine returns it instead of starting twice. */
  let engineStarting: Promise<void> | null = null;
  /**
   * The recovery from the latest device loss: the event and each run's rejection (A's and B's) report the
   * same loss with the same message, and all of them wait on this one switch of backend.
   */
  let recovery: { readonly message: string; readonly result: Promise<boolean> } | null = null;
  let memoryTimer: ReturnType<typeof setInterval> | null = null;
  /**
   * The backend switch asked for by hand, latest first: a run the engine stopped for it (it resolves
   * 'cancelled' while still current) waits for `done` and continues from its last frame (runRecovering).
   */
  let manual: { readonly epoch: number; readonly done: Promise<boolean> } = { epoch: 0, done: Promise.resolve(true) };

  const pollMemory = async () => {
    if (!ctx.engine || get().engine.status !== 'ready') return;
    try {
      const memory = await ctx.engine.memory();
      patch('engine', { memory });
    } catch {
      // memory() is informational; a failing poll is not worth an error banner.
    }
  };

  const startMemoryPoll = () => {
    if (memoryTimer !== null || memoryPollMs <= 0) return;
    memoryTimer = setInterval(() => void pollMemory(), memoryPollMs);
  };

  const stopMemoryPoll = () => {
    if (memoryTimer !== null) clearInterval(memoryTimer);
    memoryTimer = null;
  };

  const initEngine = async (preference: BackendPreference) => {
    patch('engine', { status: 'loading', preference, error: null, phase: 'backend', progress: {} });
    recovery = null;
    try {
      if (!ctx.engine) {
        if (!deps.engine) throw new Error('No inference engine is configured.');
        ctx.engine = await deps.engine();
        ctx.engine.onEvent?.((event) => {
          if (event.type === 'device-lost') {
            // A running trajectory fails with the same loss and resumes itself (launch); idle, move on now.
            // Compare's run B recovers the same way (runCompare).
            if (get().trajectory.status === 'running' || get().compare.status === 'running' || recovery?.message === event.message) return;
            void recoverBackend({ kind: 'device-lost', message: event.message, ...(event.backend ? { detail: event.backend } : {}) }, null);
            return;
          }
          // A crashed worker: stop the run, say so, offer a retry.
          cancelRun();
          patch('engine', { status: 'error', error: { kind: 'internal', message: event.message } });
        });
      }
      const source = ctx.model;
      const init = { backend: preference, weightsUrl: weightsLocation(source, baseUrl), ...(source.kind === 'files' ? { files: source.files } : {}) };
      const result = await ctx.engine.init(init, (p) => {
        patch('engine', { phase: p.phase, progress: { ...get().engine.progress, [p.phase]: p } });
      });
      let config: ModelConfig | null = null;
      try {
        config = validateConfig(result.config);
      } catch {
        config = null; // the engine validated it already; the UI only needs geometry and names
      }
      if (ctx.model === source) patch('model', { name: modelName(source, config) });
      patch('engine', {
        status: 'ready',
        phase: 'ready',
        report: result.backend,
        config,
        trained: result.trained,
        weightsBytes: result.weightsBytes,
        loadMs: result.loadMs,
        warmupMs: result.warmupMs,
        error: null,
      });
      startMemoryPoll();
      void pollMemory();
    } catch (e) {
      patch('engine', { status: 'error', error: toErrorInfo(e, 'backend') });
    }
  };

  const recoverBackend = (error: EngineErrorInfo, step: number | null): Promise<boolean> => {
    if (recovery?.message === error.message) return recovery.result;
    recovery = { message: error.message, result: switchAfterLoss(error, step) };
    return recovery.result;
  };

  /** Moves the engine to the first recovery backend that starts, and says so (recoverBackend: once per loss). */
  const switchAfterLoss = async (error: EngineErrorInfo, step: number | null): Promise<boolean> => {
    if (!ctx.engine) return false;
    const lostName = error.detail === 'webgl' ? 'WebGL context' : error.detail === 'webgpu' ? 'WebGPU device' : 'GPU backend';
    patch('engine', { switching: true, error: null });
    for (const preference of RECOVERY_BACKENDS) {
      try {
        const report = await ctx.engine.setBackend(preference);
        patch('engine', { status: 'ready', report, preference, switching: false, msPerStep: null, error: null });
        const where = step === null ? '' : ` at step ${step}; the run continues from step ${step}`;
        parts.view.actions.notify(`The ${lostName} was lost${where}. Switched to ${report.chosen}; nothing you made was lost. (${error.message})`, 'warning');
        startMemoryPoll();
        void pollMemory();
        return true;
      } catch {
        // try the next one
      }
    }
    patch('engine', { switching: false, status: 'error', error });
    return false;
  };

  const runRecovering: EngineParts['runRecovering'] = async (request, onFrame, isCurrent, resume) => {
    let attempt = request;
    let recovered = false;
    for (;;) {
      try {
        if (!ctx.engine) throw new Error('No inference engine is configured.');
        const epoch = manual.epoch;
        const result = await ctx.engine.run(attempt, onFrame);
        if (!isCurrent()) return 'stale';
        if (result !== 'cancelled' || manual.epoch === epoch) return result;
        // Stopped by a backend switch (a cancel by the user makes the run stale): continue from the last frame.
        const next = resume();
        if (!(await manual.done)) return { error: get().engine.error ?? { kind: 'backend', message: 'The backend switch failed.' } };
        if (!isCurrent()) return 'stale';
        const chosen = get().engine.report?.chosen ?? 'the new backend';
        parts.view.actions.notify(`Switched to ${chosen} at step ${next.step}; the run continues from step ${next.step}.`, 'info');
        attempt = next.request;
        continue;
      } catch (e) {
        if (!isCurrent()) return 'stale';
        const error = toErrorInfo(e, 'internal');
        if (error.kind !== 'device-lost' || recovered) return { error };
        recovered = true;
        const next = resume();
        const ok = await recoverBackend(error, next.step);
        if (!isCurrent()) return 'stale';
        if (!ok) return { error };
        attempt = next.request;
      }
    }
  };

  /**
   * Switches backend by hand, with its phases in engine.switchProgress and the new warm-up time. A run in
   * progress is not lost: the engine stops it and it continues from its last frame on the new backend
   * (runRecovering), as after a GPU loss.
   */
  const switchBackend = async (preference: BackendPreference) => {
    if (!ctx.engine) return;
    const running = get().trajectory.status === 'running' || get().compare.status === 'running';
    const first = running ? 'stopping the run at its last frame' : `starting ${preference}`;
    patch('engine', { switching: true, preference, error: null, switchProgress: { phase: 'backend', fraction: 0, message: first } });
    // A loss on the backend switched to is a new loss, even with the same message as the last one.
    recovery = null;
    let finish: (ok: boolean) => void = () => undefined;
    manual = { epoch: manual.epoch + 1, done: new Promise<boolean>((r) => (finish = r)) };
    try {
      const report = await ctx.engine.setBackend(preference, (p) => {
        if (get().engine.switching) patch('engine', { switchProgress: p });
      });
      const warmup = report.warmupMs !== undefined ? { warmupMs: report.warmupMs } : {};
      patch('engine', { status: 'ready', report, switching: false, switchProgress: null, msPerStep: null, ...warmup });
      startMemoryPoll();
      void pollMemory();
      finish(true);
    } catch (e) {
      patch('engine', { switching: false, switchProgress: null, status: 'error', error: toErrorInfo(e, 'backend') });
      finish(false);
    }
  };

  const actions: EngineParts['actions'] = {
    startEngine(preference) {
      if (!engineStarting) engineStarting = initEngine(preference ?? get().engine.preference);
      return engineStarting;
    },
    retryEngine(preference) {
      const pref = preference ?? get().engine.preference;
      // Once the engine has started, a retry re-creates the model on a backend (the client's recovery
      // from device loss); before that, it starts again from the beginning.
      engineStarting = ctx.engine && get().engine.report ? switchBackend(pref) : initEngine(pref);
      return engineStarting;
    },
    setBackend: (preference) => actions.retryEngine(preference),
    cancelLoading() {
      if (!ctx.engine || get().engine.status !== 'loading') return;
      try {
        void Promise.resolve(ctx.engine.cancelInit?.()).catch(() => undefined);
      } catch {
        // best effort: the init reports what happened
      }
    },
    refreshMemory: pollMemory,
  };

  const reload = () => {
    engineStarting = initEngine(get().engine.preference);
    return engineStarting;
  };

  return { pollMemory, startMemoryPoll, stopMemoryPoll, recoverBackend, runRecovering, reload, actions };
}
