/**
 * What the parts of the store share besides the zustand state: one StoreContext per store, made by
 * createAppStore (store.ts) and handed to every part. It holds the store's get/set, the dependencies
 * with their defaults filled in, the engine handle, the run id allocator and the history's kept frames.
 * Everything else that lives outside the state has one owner and stays inside it: each run's buffer,
 * accepted run id and step times in its run channel (run-channel.ts; A's in trajectory.ts, B's in
 * compare-actions.ts), the playback token in player.ts, the undo stack in editor-actions.ts, the caches in
 * inputs.ts, the recovery and memory timer in engine-actions.ts, the notice counter in view-actions.ts.
 */
import type { StoreApi } from 'zustand/vanilla';
import { RandomStream } from '../core/rng.ts';
import { SAMPLING_DEFAULTS, type SamplingDefaults } from './defaults.ts';
import type { FrameBuffer } from './frame-buffer.ts';
import { DEFAULT_GEOMETRY, type AppState, type EngineLike, type ModelSource, type StoreDeps } from './state.ts';

/** Merges `value` into slice `key` of the state. */
export type Patch = <K extends Exclude<keyof AppState, 'actions'>>(key: K, value: Partial<AppState[K]>) => void;

export interface StoreContext {
  // ---- the zustand store ---------------------------------------------------------------------
  readonly get: StoreApi<AppState>['getState'];
  readonly set: StoreApi<AppState>['setState'];
  readonly patch: Patch;

  // ---- dependencies (StoreDeps), defaults filled in ----------------------------------------------
  readonly deps: StoreDeps;
  readonly baseUrl: string;
  readonly fetch: (url: string) => Promise<Response>;
  readonly defer: (fn: () => void) => void;
  readonly now: () => number;
  readonly memoryPollMs: number;
  readonly dice: RandomStream;
  /** Side of the editor's images (model space, before the engine has told us the config). */
  readonly side: number;
  /** The measured run settings per mode (defaults.ts). */
  readonly samplingDefaults: SamplingDefaults;

  // ---- engine (written by engine-actions.ts only) --------------------------------------------
  engine: EngineLike | null;

  // ---- the model the engine loads and the samples come from (written by model-actions.ts only) ----
  model: ModelSource;

  // ---- runs ----------------------------------------------------------------------------------
  /**
   * The one run id allocator: `run-N` for runs and branches, `<A's id>-BN` for a compare run B of run A;
   * N counts every run of the store together.
   */
  readonly newRunId: (compareOf?: string) => string;
  /** The frames of every run, kept for the history (launch adds, openRun and branch read). */
  readonly archive: Map<string, FrameBuffer>;
}

function defaultDiceSeed(): number {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]!;
  return Date.now() >>> 0;
}

function defaultDefer(fn: () => void): void {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    requestAnimationFrame(() => fn());
  } else {
    setTimeout(fn, 16);
  }
}

function defaultBaseUrl(): string {
  const env = (import.meta as { env?: { BASE_URL?: string } }).env;
  return env?.BASE_URL ?? '/';
}

/** The context of a new store: dependencies resolved, nothing running, empty buffers. */
export function createStoreContext(deps: StoreDeps, get: StoreContext['get'], set: StoreContext['set']): StoreContext {
  const patch: Patch = (key, value) => set((s) => ({ [key]: { ...s[key], ...value } }));
  let runs = 0;
  return {
    get,
    set,
    patch,
    deps,
    baseUrl: deps.baseUrl ?? defaultBaseUrl(),
    fetch: deps.fetch ?? ((url: string) => fetch(url)),
    defer: deps.defer ?? defaultDefer,
    now: deps.now ?? (() => performance.now()),
    memoryPollMs: deps.memoryPollMs ?? 1000,
    dice: new RandomStream((deps.diceSeed ?? defaultDiceSeed()) >>> 0, 'dice'),
    side: DEFAULT_GEOMETRY.imageSize,
    samplingDefaults: deps.samplingDefaults ?? SAMPLING_DEFAULTS,
    engine: null,
    model: deps.model ?? { kind: 'bundled' },
    newRunId: (compareOf) => (compareOf === undefined ? `run-${++runs}` : `${compareOf}-B${++runs}`),
    archive: new Map<string, FrameBuffer>(),
  };
}
