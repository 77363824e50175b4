/**
 * What the parts of the store share besides the zustand state: one StoreContext per store, made by
 * createAppStore (store.ts) and handed to every part. It holds the store's get/set, the dependencies
 * with their defaults filled in, and every piece of mutable state that lives outside the state (frame
 * buffers, run ids whose frames are accepted, timers, the engine, caches). Parts read and write these
 * fields on the context at the moment they need them (`ctx.buffer`, never a copy taken earlier): a new
 * run replaces `ctx.buffer`, a cancel clears `ctx.acceptingRunId`, and every closure sees it at once.
 */
import type { StoreApi } from 'zustand/vanilla';
import { RandomStream } from '../core/rng.ts';
import type { EngineLike } from './engine-api.ts';
import { SAMPLING_DEFAULTS, type SamplingDefaults } from './defaults.ts';
import { FrameBuffer } from './frames.ts';
import { DEFAULT_GEOMETRY, type AppState, type EditorSource, type StoreDeps } from './state.ts';

/** An undo step of the editor: the layers a stroke, preset, clear, pick or upload may change. */
export interface EditorSnapshot {
  readonly mask: Float32Array;
  readonly drawn: Float32Array;
  readonly sketchDrawn: Float32Array;
  readonly sketchSource: EditorSource;
}

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

  // ---- engine --------------------------------------------------------------------------------
  engine: EngineLike | null;
  /** The start (or retry) in progress or done: startEngine returns it instead of starting twice. */
  engineStarting: Promise<void> | null;
  /**
   * The recovery from the latest device loss: the event and each run's rejection (A's and B's) report the
   * same loss with the same message, and all of them wait on this one switch of backend.
   */
  recovery: { readonly message: string; readonly result: Promise<boolean> } | null;
  memoryTimer: ReturnType<typeof setInterval> | null;

  // ---- runs ----------------------------------------------------------------------------------
  /** Frames of the run on screen; every run keeps its own buffer in `archive` (the history). */
  buffer: FrameBuffer;
  readonly archive: Map<string, FrameBuffer>;
  /** Frames of this run id are accepted; null after cancel. */
  acceptingRunId: string | null;
  /** Numbers run ids: runs, branches and compare's runs B count together. */
  runCounter: number;
  runStartedAt: number;
  /** A flush of arrived frames into the state is scheduled (deps.defer). */
  flushPending: boolean;
  /** ms per reverse step of the run's frames (msPerStep is their rolling median). */
  stepMs: number[];
  /** Frames of compare's run B (one buffer: B belongs to the run shown). */
  readonly compareBuffer: FrameBuffer;
  /** Frames of this run B are accepted; null after cancel. */
  acceptingCompareId: string | null;

  // ---- player --------------------------------------------------------------------------------
  /** The playback loop's cancel token: a loop whose token is not this one stops at its next tick. */
  playToken: number;
  playTimer: ReturnType<typeof setTimeout> | null;

  // ---- editor and samples --------------------------------------------------------------------
  undoStack: EditorSnapshot[];
  /** Source image cache: (index, model-space image). */
  sourceCache: { key: string; image: Float32Array } | null;
  /** Sketch cache: (test index, its edge map). */
  sketchCache: { key: string; sketch: Float32Array } | null;
  samplesLoading: Promise<void> | null;

  // ---- notices -------------------------------------------------------------------------------
  noticeCounter: number;
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
    engineStarting: null,
    recovery: null,
    memoryTimer: null,
    buffer: new FrameBuffer(),
    archive: new Map<string, FrameBuffer>(),
    acceptingRunId: null,
    runCounter: 0,
    runStartedAt: 0,
    flushPending: false,
    stepMs: [],
    compareBuffer: new FrameBuffer(),
    acceptingCompareId: null,
    playToken: 0,
    playTimer: null,
    undoStack: [],
    sourceCache: null,
    sketchCache: null,
    samplesLoading: null,
    noticeCounter: 0,
  };
}
