/**
 * One zustand store made of typed slices (DESIGN.md): engine, run config, trajectory, player, view,
 * mask editor and the bundled test samples. Components select single fields; the frames themselves
 * live in a FrameBuffer outside the state (see frames.ts) and reach canvases through `subscribe`.
 *
 * Two cancel tokens keep old work from leaking into new state (TF Playground's `Player`):
 *   - every run has a runId; frames and results of any other run id are dropped;
 *   - the playback loop holds a token; play, pause, seek, a new run, a new seed or mode bump it and the
 *     old loop stops at its next tick.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { MAX_SEED, RandomStream } from '../core/rng.ts';
import type {
  BackendPreference,
  BackendReport,
  EngineErrorInfo,
  Frame,
  LoadPhase,
  LoadProgress,
  MemoryStats,
  Mode,
  RunRequest,
  X0Source,
} from '../engine/protocol.ts';
import { DEFAULT_X0_SOURCE } from '../engine/protocol.ts';
import { validateConfig, type ModelConfig } from '../model/config.ts';
import { sketchOf, toModelSpace } from '../model/sketch.ts';
import { toErrorInfo, type EngineFactory, type EngineLike } from './engine-api.ts';
import type { HistorySlice, RunNode } from './branches.ts';
import { DEFAULT_COMPARE_KNOBS, type CompareKnobs } from './compare.ts';
import { FrameBuffer, rollingMedian } from './frames.ts';
import { filledMask, paintStroke, presetMask, type MaskPreset, type Point } from './mask.ts';
import { nearestPoint, pointVector, type UV } from './repr.ts';
import { parseSamplesIndex, type MapPoints } from './samples.ts';

// ---------------------------------------------------------------------------------------------
// Constants shared with the UI.

export type Head = 'z' | 'x0' | 'label' | 'masked' | 'sketch' | 'repr' | 'drift';
export const HEADS: readonly Head[] = ['z', 'x0', 'label', 'masked', 'drift', 'sketch', 'repr'];
/** Heads this build can draw (all of them). */
export const AVAILABLE_HEADS: readonly Head[] = HEADS;

/** Modes this build offers, in the order the mode picker lists them. */
export const AVAILABLE_MODES: readonly Mode[] = ['joint', 'conditional', 'inpaint', 'classify', 'sketch', 'representation', 'unconditional'];
export const STEP_PRESETS: readonly number[] = [10, 20, 50, 100, 250, 1000];
export const FPS_CHOICES: readonly number[] = [2, 5, 10, 20, 30, 60];
export const MAX_GUIDANCE = 30;

/** Model-space geometry before the engine has told us the config (training/mtd/data.py). */
export const DEFAULT_GEOMETRY = { imageSize: 32, dataSize: 28, pad: 2 } as const;
/** The sketch threshold before the engine has told us the config (data.py SKETCH_THRESHOLD_SQ = 160^2). */
export const DEFAULT_SKETCH = { thresholdSq: 160 * 160 } as const;

/** Classifier guidance needs a target class: the picked one, or the joint label head's own. */
export function guidanceApplies(mode: Mode): boolean {
  return mode === 'conditional' || mode === 'joint';
}

/** Modes that take an image (and, for inpainting, a mask) from the editor. */
export function modeUsesImage(mode: Mode): boolean {
  return mode === 'inpaint' || mode === 'classify';
}

/**
 * Why Generate cannot run the current mode yet (its input is missing), or null when it can. The same
 * test disables the Generate button and guards `generate()`.
 */
export function missingInput(s: Pick<AppState, 'config' | 'editor' | 'samples'>): string | null {
  const { mode } = s.config;
  const fromTest = (modeUsesImage(mode) && s.editor.source === 'test') || (mode === 'sketch' && s.editor.sketchSource === 'test');
  if (fromTest && s.samples.images === null) return 'The test images are still loading; try again in a moment.';
  if (mode === 'representation') {
    const points = s.samples.points;
    if (points === null) return s.samples.status === 'loading' ? 'The representation map is still loading.' : 'The samples have no representations to condition on.';
    if (s.editor.reprPoint < 0 || s.editor.reprPoint >= points.count) return `Point ${s.editor.reprPoint} is not on the map (it has ${points.count}); click the map to pick one.`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Slices.

export type EngineStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface EngineSlice {
  readonly status: EngineStatus;
  readonly preference: BackendPreference;
  /** The phase being loaded, while loading. */
  readonly phase: LoadPhase | null;
  /** Latest progress per phase. */
  readonly progress: Readonly<Partial<Record<LoadPhase, LoadProgress>>>;
  readonly report: BackendReport | null;
  readonly config: ModelConfig | null;
  /** config.trained (null until loaded). */
  readonly trained: boolean | null;
  readonly weightsBytes: number | null;
  readonly loadMs: number | null;
  readonly warmupMs: number | null;
  readonly memory: MemoryStats | null;
  /** Rolling median of ms per reverse step over the last frames of the current run. */
  readonly msPerStep: number | null;
  /** A backend switch is in progress. */
  readonly switching: boolean;
  /** Start-up or backend error (run errors live in the trajectory slice). */
  readonly error: EngineErrorInfo | null;
}

/** The user's run settings: the engine request's knobs, with the class always set (picker state). */
export type RunConfig = Pick<RunRequest, 'mode' | 'sampler' | 'steps' | 'eta' | 'seed' | 'batch' | 'guidance' | 'clipX0'> & {
  /** Head whose x^_0 drives the reverse step (RunRequest.x0From). */
  readonly x0From: X0Source;
  readonly classId: number;
  /** Inpainting: also paste the visible pixels every step (RunRequest.paste). */
  readonly paste: boolean;
};

export type RunStatus = 'empty' | 'running' | 'done' | 'cancelled' | 'error';

/** What a run was asked to do, kept with its frames (the mask is the run's, not the editor's). */
export interface RunSummary extends RunConfig {
  readonly runId: string;
  readonly image: Float32Array | null;
  readonly mask: Float32Array | null;
  /** The class of the given test image (classify, inpaint), when it is one of the bundled test images. */
  readonly trueLabel: number | null;
  /** Sketch mode: the edge map given to the run ({0, 1}, 32x32). */
  readonly sketch: Float32Array | null;
  /** Representation mode: the vector given to the run, and the map point it came from. */
  readonly repr: Float32Array | null;
  readonly reprPoint: number | null;
}

export interface TrajectorySlice {
  readonly runId: string | null;
  readonly status: RunStatus;
  /** Frames received so far (the FrameBuffer may be a frame or two ahead until the next flush). */
  readonly frameCount: number;
  /** steps + 1 for the run. */
  readonly expectedFrames: number;
  readonly run: RunSummary | null;
  /** The run config changed since this trajectory was made. */
  readonly stale: boolean;
  readonly error: EngineErrorInfo | null;
  readonly elapsedMs: number | null;
}

export interface PlayerSlice {
  readonly frameIndex: number;
  readonly playing: boolean;
  readonly fps: number;
}

export interface ViewSlice {
  readonly head: Head;
  /** Selected sample in the batch (0..batch-1): the one the label chart shows. */
  readonly sample: number;
  /** Tint the hidden region of the run's mask over every frame (inpainting). */
  readonly showMask: boolean;
  /** Show the short explanations written for students (off: a clean demo). */
  readonly explain: boolean;
}

/** Compare (issue 5): run B from the same starting noise as the current run A, other knobs. */
export interface CompareSlice {
  readonly enabled: boolean;
  /** B's settings (every other setting is A's). */
  readonly knobs: CompareKnobs;
  readonly runId: string | null;
  readonly status: RunStatus;
  readonly frameCount: number;
  /** What B was asked to do. */
  readonly run: RunSummary | null;
  /** The run A that B is compared with. */
  readonly baseRunId: string | null;
  readonly error: EngineErrorInfo | null;
}

export type EditorSource = 'test' | 'drawn';
export type EditorTool = 'brush' | 'eraser';
/** Which layer the pointer paints: the mask, or (for a drawn source) the image itself. */
export type EditorLayer = 'mask' | 'image';

interface EditorSnapshot {
  readonly mask: Float32Array;
  readonly drawn: Float32Array;
  readonly sketchDrawn: Float32Array;
  readonly sketchSource: EditorSource;
}

export interface EditorSlice {
  /** Where the image comes from: a bundled test image (`testIndex`) or the user's drawing (`drawn`). */
  readonly source: EditorSource;
  readonly testIndex: number;
  /** The user's own image, model space [-1, 1]. */
  readonly drawn: Float32Array;
  /** 1 = visible (kept), 0 = hidden (generated). */
  readonly mask: Float32Array;
  readonly undoDepth: number;
  readonly tool: EditorTool;
  readonly layer: EditorLayer;
  /** Brush radius in model pixels. */
  readonly brushSize: number;
  /** Class filter of the test-image picker (null: all classes). */
  readonly classFilter: number | null;
  /** Sketch mode: the edge map of test image `testIndex` ('test') or the user's own (`sketchDrawn`). */
  readonly sketchSource: EditorSource;
  /** The user's sketch, {0, 1}: 1 = edge. */
  readonly sketchDrawn: Float32Array;
  /** Pen radius of the sketch editor in model pixels (edges are thin: smaller than the mask brush). */
  readonly sketchBrushSize: number;
  /** Representation mode: the picked point of the map (samples.points; i < samples.count is test image i). */
  readonly reprPoint: number;
}

export interface SamplesSlice {
  readonly status: 'loading' | 'ready' | 'error';
  readonly count: number;
  /** Side of a bundled image (28). */
  readonly size: number;
  readonly classNames: readonly string[];
  readonly labels: readonly number[];
  /** count * size * size uint8, row-major per image. */
  readonly images: Uint8Array | null;
  /** The representation map's points (samples, then backdrop), or null (loading, or none shipped). */
  readonly points: MapPoints | null;
  readonly error: string | null;
}

/** A message to the user that is not an error: a link that was clamped, a backend that was replaced. */
export interface Notice {
  readonly id: number;
  readonly tone: 'info' | 'warning';
  readonly text: string;
}

export interface Actions {
  // engine
  readonly startEngine: (preference?: BackendPreference) => Promise<void>;
  /** Aborts loading the model (the weights download); the engine ends in error kind 'cancelled'. */
  readonly cancelLoading: () => void;
  readonly retryEngine: (preference?: BackendPreference) => Promise<void>;
  readonly setBackend: (preference: BackendPreference) => Promise<void>;
  readonly refreshMemory: () => Promise<void>;
  // run config
  readonly setConfig: (patch: Partial<RunConfig>) => void;
  readonly rollSeed: () => void;
  // trajectory
  readonly generate: () => Promise<void>;
  readonly cancelRun: () => void;
  readonly getFrame: (index: number) => Frame | undefined;
  readonly frames: () => FrameBuffer;
  // player
  readonly play: () => void;
  readonly pause: () => void;
  readonly togglePlay: () => void;
  readonly seek: (index: number) => void;
  readonly stepBy: (delta: number) => void;
  readonly jumpToStart: () => void;
  readonly jumpToEnd: () => void;
  readonly setFps: (fps: number) => void;
  // view
  readonly setHead: (head: Head) => void;
  readonly selectSample: (sample: number) => void;
  readonly setShowMask: (show: boolean) => void;
  readonly setExplain: (explain: boolean) => void;
  // compare
  readonly setCompare: (patch: Partial<CompareKnobs> & { readonly enabled?: boolean }) => void;
  /** Runs B for the current run A (Generate does it by itself while compare is on). */
  readonly runCompare: () => Promise<void>;
  readonly getCompareFrame: (index: number) => Frame | undefined;
  readonly compareFrames: () => FrameBuffer;
  // history and branches
  /**
   * Continues the current run from its frame `fromStep` (default: the frame shown) with the current
   * run settings (seed, sampler, eta, class, mask, guidance; the parent's step count and batch).
   */
  readonly branch: (fromStep?: number) => Promise<void>;
  /** Shows a run of the history again (its frames are kept; nothing is recomputed). */
  readonly openRun: (runId: string) => void;
  // notices
  readonly notify: (text: string, tone?: Notice['tone']) => void;
  readonly dismissNotice: (id: number) => void;
  // editor
  readonly pickTestImage: (index: number) => void;
  readonly pickDrawnImage: () => void;
  readonly setTool: (tool: EditorTool) => void;
  readonly setLayer: (layer: EditorLayer) => void;
  readonly setBrushSize: (size: number) => void;
  readonly setClassFilter: (classId: number | null) => void;
  /** Call at pointer-down: keeps an undo snapshot for the stroke. */
  readonly beginStroke: () => void;
  /** Paints from a to b on the active layer with the active tool. */
  readonly strokeTo: (a: Point, b: Point) => void;
  readonly applyMaskPreset: (preset: MaskPreset) => void;
  /** Clears the active layer (mask: nothing hidden; image: blank). */
  readonly clearLayer: () => void;
  readonly undo: () => void;
  /** Makes `image` (model space, imageSize^2 in [-1, 1], e.g. an uploaded file) the drawn source; undoable. */
  readonly loadDrawnImage: (image: Float32Array) => void;
  /** The model-space image the editor currently gives (test image or drawn), or null while samples load. */
  readonly sourceImage: () => Float32Array | null;
  /** Bundled test image `index` in model space, or null (loading, or no such image). */
  readonly testImage: (index: number) => Float32Array | null;
  // sketch editor (sketch mode); beginStroke and undo are shared with the mask editor
  /** Uses the edge map of test image `index` (sketchOf, as in training) as the sketch. */
  readonly pickSketchImage: (index: number) => void;
  /** Uses `sketch` (32x32, > 0.5 = edge) as the user's own sketch, e.g. from a link. */
  readonly setSketch: (sketch: Float32Array) => void;
  /** Paints an edge (pen) or erases (eraser) from a to b; a test image's sketch becomes the user's own first. */
  readonly sketchStrokeTo: (a: Point, b: Point) => void;
  readonly clearSketch: () => void;
  readonly setSketchBrushSize: (size: number) => void;
  /** The sketch the editor currently gives, or null while the test images load. */
  readonly sketchImage: () => Float32Array | null;
  // representation map (representation mode)
  readonly pickReprPoint: (index: number) => void;
  /** Picks the map point nearest to `p` (first two components); returns its index, or -1 before the map loads. */
  readonly pickReprAt: (p: UV) => number;
  /** A click on the map: picks the nearest point, switches to representation mode and runs it. */
  readonly runFromMap: (p: UV) => Promise<void>;
  /** The picked point's full representation vector, or null. */
  readonly reprTarget: () => Float32Array | null;
  // samples
  readonly loadSamples: () => Promise<void>;
  /** Stops timers and the playback loop, cancels the run. */
  readonly dispose: () => void;
}

export interface AppState {
  readonly engine: EngineSlice;
  readonly config: RunConfig;
  readonly trajectory: TrajectorySlice;
  readonly player: PlayerSlice;
  readonly view: ViewSlice;
  readonly editor: EditorSlice;
  readonly samples: SamplesSlice;
  readonly compare: CompareSlice;
  readonly history: HistorySlice;
  readonly notices: readonly Notice[];
  readonly actions: Actions;
}

export type AppStore = StoreApi<AppState>;

export interface StoreDeps {
  /** Creates (or returns) the inference engine; called once by startEngine. */
  readonly engine?: EngineFactory;
  /** Base URL of the app (import.meta.env.BASE_URL). */
  readonly baseUrl?: string;
  readonly fetch?: (url: string) => Promise<Response>;
  /** Seed of the dice (a seeded stream; never Math.random). Default: crypto.getRandomValues. */
  readonly diceSeed?: number;
  /** Coalesces frame arrivals into one state update (default requestAnimationFrame, else setTimeout). */
  readonly defer?: (fn: () => void) => void;
  readonly now?: () => number;
  /** Memory poll period in ms (0: only after init and runs). */
  readonly memoryPollMs?: number;
  readonly initialConfig?: Partial<RunConfig>;
}

export const DEFAULT_CONFIG: RunConfig = {
  mode: 'joint',
  sampler: 'ddim',
  steps: 50,
  eta: 0,
  seed: 42,
  batch: 1,
  classId: 0,
  guidance: 0,
  clipX0: true,
  paste: true,
  x0From: DEFAULT_X0_SOURCE,
};

const UNDO_LIMIT = 50;
/** Notices kept at once (the oldest go first). */
const NOTICE_LIMIT = 8;
/** Where a run continues when its GPU backend is lost, in order of preference. */
const RECOVERY_BACKENDS: readonly BackendPreference[] = ['wasm', 'cpu'];
const MS_WINDOW = 25;

/** Clamps and rounds a patch of run config to valid values. */
export function sanitizeConfig(c: RunConfig, T = 1000): RunConfig {
  const finite = (v: number, d: number) => (Number.isFinite(v) ? v : d);
  return {
    mode: c.mode,
    sampler: c.sampler === 'ddpm' ? 'ddpm' : 'ddim',
    steps: Math.min(T, Math.max(1, Math.round(finite(c.steps, DEFAULT_CONFIG.steps)))),
    eta: Math.min(1, Math.max(0, finite(c.eta, 0))),
    seed: Math.min(MAX_SEED, Math.max(0, Math.round(finite(c.seed, DEFAULT_CONFIG.seed)))),
    batch: c.batch === 16 ? 16 : 1,
    classId: Math.min(9, Math.max(0, Math.round(finite(c.classId, 0)))),
    guidance: Math.min(MAX_GUIDANCE, Math.max(0, finite(c.guidance, 0))),
    clipX0: Boolean(c.clipX0),
    paste: c.paste === true,
    x0From: c.x0From === 'eps' ? 'eps' : 'masked',
  };
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

export function createAppStore(deps: StoreDeps = {}): AppStore {
  const baseUrl = deps.baseUrl ?? defaultBaseUrl();
  const doFetch = deps.fetch ?? ((url: string) => fetch(url));
  const defer = deps.defer ?? defaultDefer;
  const now = deps.now ?? (() => performance.now());
  const memoryPollMs = deps.memoryPollMs ?? 1000;
  const dice = new RandomStream((deps.diceSeed ?? defaultDiceSeed()) >>> 0, 'dice');

  /** Frames of the run on screen; every run keeps its own buffer in `archive` (the history). */
  let buffer = new FrameBuffer();
  const archive = new Map<string, FrameBuffer>();
  const compareBuffer = new FrameBuffer();
  let acceptingCompareId: string | null = null;
  let engine: EngineLike | null = null;
  let engineStarting: Promise<void> | null = null;
  /** Frames of this run id are accepted; null after cancel. */
  let acceptingRunId: string | null = null;
  let runCounter = 0;
  let runStartedAt = 0;
  let flushPending = false;
  let stepMs: number[] = [];
  let playToken = 0;
  let playTimer: ReturnType<typeof setTimeout> | null = null;
  let memoryTimer: ReturnType<typeof setInterval> | null = null;
  let undoStack: EditorSnapshot[] = [];
  /** Source image cache: (index, model-space image). */
  let sourceCache: { key: string; image: Float32Array } | null = null;
  /** Sketch cache: (test index, its edge map). */
  let sketchCache: { key: string; sketch: Float32Array } | null = null;
  let samplesLoading: Promise<void> | null = null;
  let noticeCounter = 0;
  /**
   * The recovery from the latest device loss: the event and each run's rejection (A's and B's) report the
   * same loss with the same message, and all of them wait on this one switch of backend.
   */
  let recovery: { readonly message: string; readonly result: Promise<boolean> } | null = null;

  const side = DEFAULT_GEOMETRY.imageSize;

  const store = createStore<AppState>()((set, get) => {
    const patch = <K extends Exclude<keyof AppState, 'actions'>>(key: K, value: Partial<AppState[K]>) =>
      set((s) => ({ [key]: { ...s[key], ...value } }));

    // ---- player loop -------------------------------------------------------------------------
    const stopLoop = () => {
      playToken++;
      if (playTimer !== null) clearTimeout(playTimer);
      playTimer = null;
    };

    const startLoop = () => {
      stopLoop();
      const token = playToken;
      const tick = () => {
        if (token !== playToken) return; // a newer play/pause/seek/run invalidated this loop
        const { player, trajectory } = get();
        if (player.frameIndex < trajectory.frameCount - 1) {
          patch('player', { frameIndex: player.frameIndex + 1 });
        } else if (trajectory.status !== 'running') {
          patch('player', { playing: false });
          playTimer = null;
          return;
        }
        playTimer = setTimeout(tick, 1000 / get().player.fps);
      };
      playTimer = setTimeout(tick, 1000 / get().player.fps);
    };

    // ---- frames --------------------------------------------------------------------------------
    const flush = () => {
      flushPending = false;
      const { trajectory } = get();
      if (trajectory.runId !== buffer.runId) return;
      if (trajectory.frameCount !== buffer.length) {
        patch('trajectory', { frameCount: buffer.length });
        patch('engine', { msPerStep: rollingMedian(stepMs, MS_WINDOW) });
      }
    };

    const onFrame = (runId: string) => (frame: Frame) => {
      if (runId !== acceptingRunId || frame.runId !== runId) return; // stale frame: dropped
      if (!buffer.push(frame)) return;
      if (get().trajectory.status === 'done') patch('trajectory', { frameCount: buffer.length });
      if (frame.index > 0) stepMs.push(frame.ms);
      if (!flushPending) {
        flushPending = true;
        defer(flush);
      }
    };

    const sourceImage = (): Float32Array | null => {
      const { editor } = get();
      return editor.source === 'drawn' ? editor.drawn : testImage(editor.testIndex);
    };

    const testImage = (index: number): Float32Array | null => {
      const { samples } = get();
      if (!samples.images || !Number.isInteger(index) || index < 0 || index >= samples.count) return null;
      const key = `test/${index}`;
      if (sourceCache?.key === key) return sourceCache.image;
      const n = samples.size * samples.size;
      const start = index * n;
      const geometry = get().engine.config ?? { ...DEFAULT_GEOMETRY, dataSize: samples.size, pad: (DEFAULT_GEOMETRY.imageSize - samples.size) / 2 };
      const image = toModelSpace(samples.images.subarray(start, start + n), geometry);
      sourceCache = { key, image };
      return image;
    };

    const sketchImage = (): Float32Array | null => {
      const { editor, samples, engine: eng } = get();
      if (editor.sketchSource === 'drawn') return editor.sketchDrawn;
      if (!samples.images) return null;
      const key = `test/${editor.testIndex}`;
      if (sketchCache?.key === key) return sketchCache.sketch;
      const n = samples.size * samples.size;
      const start = editor.testIndex * n;
      const params = eng.config ?? { ...DEFAULT_GEOMETRY, dataSize: samples.size, pad: (DEFAULT_GEOMETRY.imageSize - samples.size) / 2, sketch: DEFAULT_SKETCH };
      // The same edge map the model was trained on (data.py sketch_of, tested bit for bit in src/model).
      const sketch = sketchOf(samples.images.subarray(start, start + n), params);
      sketchCache = { key, sketch };
      return sketch;
    };

    const reprTarget = (): Float32Array | null => {
      const { samples, editor } = get();
      return samples.points ? pointVector(samples.points, editor.reprPoint) : null;
    };

    /** The input of `mode` changed: a trajectory made from the old input is stale (and stops). */
    const inputChanged = (uses: (mode: Mode) => boolean) => {
      const { trajectory, config } = get();
      if (!trajectory.run || !uses(config.mode)) return;
      cancelRun();
      if (!trajectory.stale) patch('trajectory', { stale: true });
    };

    const pushUndo = () => {
      const { editor } = get();
      undoStack.push({ mask: editor.mask, drawn: editor.drawn, sketchDrawn: editor.sketchDrawn, sketchSource: editor.sketchSource });
      if (undoStack.length > UNDO_LIMIT) undoStack = undoStack.slice(-UNDO_LIMIT);
      patch('editor', { undoDepth: undoStack.length });
    };

    const pollMemory = async () => {
      if (!engine || get().engine.status !== 'ready') return;
      try {
        const memory = await engine.memory();
        patch('engine', { memory });
      } catch {
        // memory() is informational; a failing poll is not worth an error banner.
      }
    };

    const startMemoryPoll = () => {
      if (memoryTimer !== null || memoryPollMs <= 0) return;
      memoryTimer = setInterval(() => void pollMemory(), memoryPollMs);
    };

    const cancelRun = () => {
      const { trajectory } = get();
      if (trajectory.status !== 'running' || !trajectory.runId) return;
      const runId = trajectory.runId;
      acceptingRunId = null;
      flush();
      patch('trajectory', { status: 'cancelled', frameCount: buffer.length, elapsedMs: now() - runStartedAt });
      updateNode(runId, { status: 'cancelled', frameCount: buffer.length });
      if (engine) {
        try {
          void Promise.resolve(engine.cancel(runId)).catch(() => undefined);
        } catch {
          // cancel is best effort
        }
      }
    };

    const initEngine = async (preference: BackendPreference) => {
      patch('engine', { status: 'loading', preference, error: null, phase: 'backend', progress: {} });
      recovery = null;
      try {
        if (!engine) {
          if (!deps.engine) throw new Error('No inference engine is configured.');
          engine = await deps.engine();
          engine.onEvent?.((event) => {
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
        const result = await engine.init({ backend: preference, weightsUrl: `${baseUrl}weights/` }, (p) => {
          patch('engine', { phase: p.phase, progress: { ...get().engine.progress, [p.phase]: p } });
        });
        let config: ModelConfig | null = null;
        try {
          config = validateConfig(result.config);
        } catch {
          config = null; // the engine validated it already; the UI only needs geometry and names
        }
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

    const fetchSamples = async () => {
      patch('samples', { status: 'loading', error: null });
      try {
        const [indexRes, imagesRes] = await Promise.all([
          doFetch(`${baseUrl}samples/index.json`),
          doFetch(`${baseUrl}samples/images.bin`),
        ]);
        if (!indexRes.ok) throw new Error(`samples/index.json: HTTP ${indexRes.status}`);
        if (!imagesRes.ok) throw new Error(`samples/images.bin: HTTP ${imagesRes.status}`);
        const index: unknown = await indexRes.json();
        const images = new Uint8Array(await imagesRes.arrayBuffer());
        const { count, size, labels, classNames, points } = parseSamplesIndex(index, images.length, get().engine.config?.representation.dim);
        sourceCache = null;
        sketchCache = null;
        patch('samples', { status: 'ready', count, size, labels, classNames, images, points, error: null });
      } catch (e) {
        patch('samples', { status: 'error', error: e instanceof Error ? e.message : String(e) });
      }
    };

    /**
     * After a WebGPU device or WebGL context loss: re-creates the model on wasm (else cpu) and says so.
     * `step` is the frame the run continues from (null when idle). Resolves false when nothing works.
     */
    const recoverBackend = (error: EngineErrorInfo, step: number | null): Promise<boolean> => {
      if (recovery?.message === error.message) return recovery.result;
      recovery = { message: error.message, result: switchAfterLoss(error, step) };
      return recovery.result;
    };

    /** Moves the engine to the first recovery backend that starts, and says so (recoverBackend: once per loss). */
    const switchAfterLoss = async (error: EngineErrorInfo, step: number | null): Promise<boolean> => {
      if (!engine) return false;
      const lostName = error.detail === 'webgl' ? 'WebGL context' : error.detail === 'webgpu' ? 'WebGPU device' : 'GPU backend';
      patch('engine', { switching: true, error: null });
      for (const preference of RECOVERY_BACKENDS) {
        try {
          const report = await engine.setBackend(preference);
          patch('engine', { status: 'ready', report, preference, switching: false, msPerStep: null, error: null });
          const where = step === null ? '' : ` at step ${step}; the run continues from step ${step}`;
          actions.notify(`The ${lostName} was lost${where}. Switched to ${report.chosen}; nothing you made was lost. (${error.message})`, 'warning');
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

    const switchBackend = async (preference: BackendPreference) => {
      if (!engine) return;
      cancelRun();
      patch('engine', { switching: true, preference, error: null });
      // A loss on the backend switched to is a new loss, even with the same message as the last one.
      recovery = null;
      try {
        const report = await engine.setBackend(preference);
        patch('engine', { status: 'ready', report, switching: false, msPerStep: null });
        startMemoryPoll();
        void pollMemory();
      } catch (e) {
        patch('engine', { switching: false, status: 'error', error: toErrorInfo(e, 'backend') });
      }
    };

    /**
     * The engine request and run summary of a config with the editor's inputs (image, mask, sketch, map
     * point), or null, with the reason shown, when the mode's input is missing (missingInput).
     */
    const buildRequest = (config: RunConfig, runId: string): { request: RunRequest; summary: RunSummary } | null => {
      const fail = (message: string) => {
        patch('trajectory', { error: { kind: 'input', message } });
        return null;
      };
      const missing = missingInput({ ...get(), config });
      if (missing !== null) return fail(missing);
      const image = modeUsesImage(config.mode) ? sourceImage() : null;
      if (modeUsesImage(config.mode) && !image) return fail('The test images are still loading; try again in a moment.');
      const sketch = config.mode === 'sketch' ? sketchImage() : null;
      if (config.mode === 'sketch' && !sketch) return fail('The test images are still loading; try again in a moment.');
      const repr = config.mode === 'representation' ? reprTarget() : null;
      if (config.mode === 'representation' && !repr) return fail('The representation map is still loading.');
      const mask = config.mode === 'inpaint' ? get().editor.mask.slice() : null;
      const { editor, samples } = get();
      const trueLabel = image && editor.source === 'test' ? (samples.labels[editor.testIndex] ?? null) : null;
      const request: RunRequest = {
        runId,
        mode: config.mode,
        sampler: config.sampler,
        steps: config.steps,
        eta: config.eta,
        seed: config.seed,
        batch: config.batch,
        clipX0: config.clipX0,
        x0From: config.x0From,
        guidance: guidanceApplies(config.mode) ? config.guidance : 0,
        ...(config.mode === 'conditional' ? { classId: config.classId } : {}),
        ...(config.mode === 'inpaint' && config.paste ? { paste: true } : {}),
        ...(image ? { image: image.slice() } : {}),
        ...(mask ? { mask } : {}),
        ...(sketch ? { sketch: sketch.slice() } : {}),
        ...(repr ? { repr: repr.slice() } : {}),
      };
      const summary: RunSummary = {
        ...config,
        runId,
        image: image ? image.slice() : null,
        mask,
        trueLabel,
        sketch: sketch ? sketch.slice() : null,
        repr: repr ? repr.slice() : null,
        reprPoint: repr ? editor.reprPoint : null,
      };
      return { request, summary };
    };

    const updateNode = (runId: string, change: Partial<RunNode>) => {
      set((s) => ({ history: { nodes: s.history.nodes.map((n) => (n.runId === runId ? { ...n, ...change } : n)) } }));
    };

    /**
     * Starts a run (from noise, or a branch: `parent` and the parent's frames 0..k-1 in `prefill`) in a
     * buffer of its own, added to the history; the run on screen before stays in the history.
     */
    const launch = async (request: RunRequest, summary: RunSummary, parent: { runId: string; fromStep: number } | null, prefill: readonly Frame[]) => {
      if (!engine || get().engine.status !== 'ready' || get().engine.switching) return;
      cancelRun();
      cancelCompare();
      compareBuffer.reset(null); // B belonged to the run shown until now
      stopLoop();
      const { runId } = request;
      buffer = new FrameBuffer();
      buffer.reset(runId);
      for (const f of prefill) buffer.push({ ...f, runId }); // the parent's frames, shared arrays
      archive.set(runId, buffer);
      acceptingRunId = runId;
      stepMs = [];
      runStartedAt = now();
      const node: RunNode = { runId, parentId: parent?.runId ?? null, fromStep: parent?.fromStep ?? 0, summary, status: 'running', frameCount: prefill.length };
      set((s) => ({
        trajectory: {
          runId,
          status: 'running',
          frameCount: buffer.length,
          expectedFrames: summary.steps + 1,
          run: summary,
          stale: false,
          error: null,
          elapsedMs: null,
        },
        player: { ...s.player, frameIndex: Math.max(0, prefill.length - 1), playing: true },
        engine: { ...s.engine, msPerStep: null },
        view: { ...s.view, sample: Math.min(s.view.sample, summary.batch - 1) },
        compare: { ...s.compare, runId: null, status: 'empty', frameCount: 0, run: null, baseRunId: null, error: null },
        history: { nodes: [...s.history.nodes, node] },
      }));
      startLoop();
      // A WebGPU device or WebGL context loss mid-run moves the engine to wasm (recoverBackend) and the same
      // run (same buffer, same history node) continues from its last frame drawn, once.
      let attempt: RunRequest = request;
      let recovered = false;
      for (;;) {
        try {
          const result = await engine.run(attempt, onFrame(runId));
          if (acceptingRunId !== runId) return; // cancelled or superseded: its result is stale
          // Frames come through a callback port, the result through another: a last frame may land just
          // after the result. Frames of this run stay welcome until another run starts or it is cancelled.
          flush();
          patch('trajectory', {
            status: result === 'done' ? 'done' : 'cancelled',
            frameCount: buffer.length,
            elapsedMs: now() - runStartedAt,
          });
          patch('engine', { msPerStep: rollingMedian(stepMs, MS_WINDOW) });
          updateNode(runId, { status: result === 'done' ? 'done' : 'cancelled', frameCount: buffer.length });
          if (result === 'done' && get().compare.enabled && parent === null) await actions.runCompare();
          return;
        } catch (e) {
          if (acceptingRunId !== runId) return;
          const error = toErrorInfo(e, 'internal');
          if (error.kind === 'device-lost' && !recovered) {
            // Continue from the last frame drawn (its z_t); the frames kept stay, the re-sent frame at that
            // index is dropped by the buffer as a duplicate. A branch that has drawn nothing of its own yet
            // (only the parent's frames) starts again from its branch point: its request as it was.
            recovered = true;
            flush();
            const last = buffer.length > prefill.length ? buffer.at(buffer.length - 1) : undefined;
            const ok = await recoverBackend(error, last ? last.index : (request.start?.fromStep ?? 0));
            if (ok && acceptingRunId === runId) {
              const start = last && request.mode !== 'classify' ? { start: { z: last.z.slice(), fromStep: last.index } } : {};
              attempt = { ...request, ...start };
              continue;
            }
            if (acceptingRunId !== runId) return;
          }
          acceptingRunId = null;
          flush();
          patch('trajectory', {
            status: error.kind === 'cancelled' ? 'cancelled' : 'error',
            error: error.kind === 'cancelled' ? null : error,
            frameCount: buffer.length,
            elapsedMs: now() - runStartedAt,
          });
          if (error.kind === 'device-lost' || error.kind === 'backend') patch('engine', { error });
          updateNode(runId, { status: get().trajectory.status, frameCount: buffer.length });
          return;
        } finally {
          void pollMemory();
        }
      }
    };

    const cancelCompare = () => {
      const { compare } = get();
      if (compare.status !== 'running' || !compare.runId) return;
      acceptingCompareId = null;
      patch('compare', { status: 'cancelled', frameCount: compareBuffer.length });
      if (engine) {
        try {
          void Promise.resolve(engine.cancel(compare.runId)).catch(() => undefined);
        } catch {
          // best effort
        }
      }
    };

    const actions: Actions = {
      // ---- engine ------------------------------------------------------------------------------
      startEngine(preference) {
        if (!engineStarting) engineStarting = initEngine(preference ?? get().engine.preference);
        return engineStarting;
      },
      retryEngine(preference) {
        const pref = preference ?? get().engine.preference;
        // Once the engine has started, a retry re-creates the model on a backend (the client's recovery
        // from device loss); before that, it starts again from the beginning.
        engineStarting = engine && get().engine.report ? switchBackend(pref) : initEngine(pref);
        return engineStarting;
      },
      setBackend: (preference) => actions.retryEngine(preference),
      cancelLoading() {
        if (!engine || get().engine.status !== 'loading') return;
        try {
          void Promise.resolve(engine.cancelInit?.()).catch(() => undefined);
        } catch {
          // best effort: the init reports what happened
        }
      },
      refreshMemory: pollMemory,

      // ---- run config --------------------------------------------------------------------------
      setConfig(change) {
        const before = get().config;
        const next = sanitizeConfig({ ...before, ...change }, get().engine.config?.schedule.T ?? 1000);
        const changed = (Object.keys(next) as (keyof RunConfig)[]).some((k) => next[k] !== before[k]);
        if (!changed) return;
        // Changing the config while a run plays cancels it cleanly; a new seed or mode also stops playback.
        cancelRun();
        cancelCompare();
        if (next.mode !== before.mode || next.seed !== before.seed) {
          stopLoop();
          patch('player', { playing: false });
        }
        set({ config: next });
        if (get().trajectory.run) patch('trajectory', { stale: true });
        if (next.batch !== before.batch && get().view.sample >= next.batch) patch('view', { sample: 0 });
      },
      rollSeed() {
        actions.setConfig({ seed: dice.nextUint32() % 1_000_000 });
      },

      // ---- trajectory --------------------------------------------------------------------------
      async generate() {
        const { config, engine: eng } = get();
        if (!engine || eng.status !== 'ready' || eng.switching) return;
        const runId = `run-${++runCounter}`;
        const built = buildRequest(config, runId);
        if (!built) return;
        await launch(built.request, built.summary, null, []);
      },
      cancelRun,
      getFrame: (index) => buffer.at(index),
      frames: () => buffer,

      // ---- player ------------------------------------------------------------------------------
      play() {
        const { trajectory, player } = get();
        if (trajectory.frameCount === 0) return;
        const atEnd = player.frameIndex >= trajectory.frameCount - 1 && trajectory.status !== 'running';
        patch('player', { playing: true, frameIndex: atEnd ? 0 : player.frameIndex });
        startLoop();
      },
      pause() {
        stopLoop();
        patch('player', { playing: false });
      },
      togglePlay() {
        if (get().player.playing) actions.pause();
        else actions.play();
      },
      seek(index) {
        stopLoop();
        const count = get().trajectory.frameCount;
        const frameIndex = count === 0 ? 0 : Math.min(count - 1, Math.max(0, Math.round(index)));
        patch('player', { playing: false, frameIndex });
      },
      stepBy(delta) {
        actions.seek(get().player.frameIndex + delta);
      },
      jumpToStart() {
        actions.seek(0);
      },
      jumpToEnd() {
        actions.seek(get().trajectory.frameCount - 1);
      },
      setFps(fps) {
        if (!Number.isFinite(fps) || fps <= 0) return;
        patch('player', { fps: Math.min(120, fps) });
      },

      // ---- view --------------------------------------------------------------------------------
      setHead(head) {
        if (!AVAILABLE_HEADS.includes(head)) return;
        patch('view', { head });
      },
      selectSample(sample) {
        const batch = get().trajectory.run?.batch ?? get().config.batch;
        if (!Number.isInteger(sample) || sample < 0 || sample >= batch) return;
        patch('view', { sample });
      },
      setShowMask(showMask) {
        patch('view', { showMask });
      },
      setExplain(explain) {
        patch('view', { explain });
      },

      // ---- compare -----------------------------------------------------------------------------
      setCompare(change) {
        const before = get().compare;
        const T = get().engine.config?.schedule.T ?? 1000;
        const knobs = sanitizeConfig({ ...get().config, ...before.knobs, ...change }, T);
        const next = { sampler: knobs.sampler, eta: knobs.eta, guidance: knobs.guidance, steps: knobs.steps };
        const enabled = change.enabled ?? before.enabled;
        const same = enabled === before.enabled && (Object.keys(next) as (keyof CompareKnobs)[]).every((k) => next[k] === before.knobs[k]);
        if (same) return;
        cancelCompare();
        patch('compare', { enabled, knobs: next });
      },
      async runCompare() {
        const { trajectory, compare } = get();
        const base = trajectory.run;
        if (!engine || !base || !trajectory.runId || get().engine.status !== 'ready') return;
        if (base.mode === 'classify') {
          patch('compare', { error: { kind: 'input', message: 'Classify runs the forward process: there is no sampler to compare.' } });
          return;
        }
        cancelCompare();
        const runId = `${trajectory.runId}-B${++runCounter}`;
        // B: A's run (same seed: the same z_T, the same image, mask, sketch or representation) with B's knobs.
        const summary: RunSummary = { ...base, ...compare.knobs, runId };
        const request: RunRequest = {
          runId,
          mode: base.mode,
          sampler: summary.sampler,
          steps: summary.steps,
          eta: summary.eta,
          seed: base.seed,
          batch: base.batch,
          clipX0: base.clipX0,
          x0From: base.x0From,
          guidance: guidanceApplies(base.mode) ? summary.guidance : 0,
          ...(base.mode === 'conditional' ? { classId: base.classId } : {}),
          ...(base.mode === 'inpaint' && base.paste ? { paste: true } : {}),
          ...(base.image ? { image: base.image.slice() } : {}),
          ...(base.mask ? { mask: base.mask.slice() } : {}),
          ...(base.sketch ? { sketch: base.sketch.slice() } : {}),
          ...(base.repr ? { repr: base.repr.slice() } : {}),
        };
        compareBuffer.reset(runId);
        acceptingCompareId = runId;
        patch('compare', { runId, status: 'running', frameCount: 0, run: summary, baseRunId: trajectory.runId, error: null });
        let pending = false;
        const flushCompare = () => {
          pending = false;
          if (get().compare.runId === runId) patch('compare', { frameCount: compareBuffer.length });
        };
        const onCompareFrame = (frame: Frame) => {
          if (acceptingCompareId !== runId || !compareBuffer.push(frame)) return;
          if (!pending) {
            pending = true;
            defer(flushCompare);
          }
        };
        // Like run A (launch): a GPU loss moves the engine to wasm and B continues from its last frame, once.
        let attempt: RunRequest = request;
        let recovered = false;
        for (;;) {
          try {
            const result = await engine.run(attempt, onCompareFrame);
            if (acceptingCompareId !== runId) return;
            patch('compare', { status: result === 'done' ? 'done' : 'cancelled', frameCount: compareBuffer.length });
            return;
          } catch (e) {
            if (acceptingCompareId !== runId) return;
            const error = toErrorInfo(e, 'internal');
            if (error.kind === 'device-lost' && !recovered) {
              recovered = true;
              const last = compareBuffer.at(compareBuffer.length - 1);
              const ok = await recoverBackend(error, last ? last.index : 0);
              if (ok && acceptingCompareId === runId) {
                // The frame at that index comes again and is dropped by the buffer as a duplicate.
                attempt = last ? { ...request, start: { z: last.z.slice(), fromStep: last.index } } : request;
                continue;
              }
              if (acceptingCompareId !== runId) return;
            }
            acceptingCompareId = null;
            patch('compare', { status: error.kind === 'cancelled' ? 'cancelled' : 'error', error: error.kind === 'cancelled' ? null : error, frameCount: compareBuffer.length });
            if (error.kind === 'device-lost' || error.kind === 'backend') patch('engine', { error });
            return;
          }
        }
      },
      getCompareFrame: (index) => compareBuffer.at(index),
      compareFrames: () => compareBuffer,

      // ---- history and branches ----------------------------------------------------------------
      async branch(fromStep) {
        const { trajectory, config, player } = get();
        const parent = trajectory.run;
        const parentId = trajectory.runId;
        if (!parent || !parentId || trajectory.status === 'running') return;
        const k = Math.round(fromStep ?? Math.min(player.frameIndex, buffer.length - 1));
        const fail = (message: string) => patch('trajectory', { error: { kind: 'input', message } });
        if (parent.mode === 'classify' || config.mode === 'classify') return fail('Classify runs the forward process: it cannot branch.');
        if (!(k >= 0 && k < parent.steps && k < buffer.length)) return fail(`Branch from a frame in 0..${Math.min(parent.steps, buffer.length) - 1}.`);
        const from = buffer.at(k)!;
        // The branch keeps the parent's timesteps (steps) and batch; every other setting is the controls'.
        const branchConfig: RunConfig = { ...config, steps: parent.steps, batch: parent.batch };
        const runId = `run-${++runCounter}`;
        const built = buildRequest(branchConfig, runId);
        if (!built) return;
        const request: RunRequest = { ...built.request, start: { z: from.z.slice(), fromStep: k } };
        const prefill = buffer.all().slice(0, k);
        if (get().config.steps !== parent.steps || get().config.batch !== parent.batch) set({ config: branchConfig });
        await launch(request, built.summary, { runId: parentId, fromStep: k }, prefill);
      },
      openRun(runId) {
        const node = get().history.nodes.find((n) => n.runId === runId);
        const kept = archive.get(runId);
        if (!node || !kept || runId === get().trajectory.runId) return;
        cancelRun();
        cancelCompare();
        compareBuffer.reset(null); // B belonged to the run shown until now
        stopLoop();
        acceptingRunId = null;
        buffer = kept;
        const { summary } = node;
        const config: RunConfig = sanitizeConfig(summary, get().engine.config?.schedule.T ?? 1000);
        set((s) => ({
          config,
          trajectory: {
            runId,
            status: node.status === 'running' ? 'cancelled' : node.status,
            frameCount: kept.length,
            expectedFrames: summary.steps + 1,
            run: summary,
            stale: false,
            error: null,
            elapsedMs: null,
          },
          player: { ...s.player, playing: false, frameIndex: Math.min(s.player.frameIndex, Math.max(0, kept.length - 1)) },
          view: { ...s.view, sample: Math.min(s.view.sample, summary.batch - 1) },
          compare: { ...s.compare, runId: null, status: 'empty', frameCount: 0, run: null, baseRunId: null, error: null },
        }));
      },

      // ---- notices -----------------------------------------------------------------------------
      notify(text, tone = 'info') {
        const notice: Notice = { id: ++noticeCounter, tone, text };
        set((s) => ({ notices: [...s.notices, notice].slice(-NOTICE_LIMIT) }));
      },
      dismissNotice(id) {
        set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
      },

      // ---- editor ------------------------------------------------------------------------------
      pickTestImage(index) {
        const { samples } = get();
        if (!Number.isInteger(index) || index < 0 || (samples.status === 'ready' && index >= samples.count)) return;
        patch('editor', { source: 'test', testIndex: index, layer: 'mask' });
        if (get().trajectory.run && modeUsesImage(get().config.mode)) {
          cancelRun();
          patch('trajectory', { stale: true });
        }
      },
      pickDrawnImage() {
        patch('editor', { source: 'drawn', layer: 'image' });
        if (get().trajectory.run && modeUsesImage(get().config.mode)) {
          cancelRun();
          patch('trajectory', { stale: true });
        }
      },
      setTool(tool) {
        patch('editor', { tool });
      },
      setLayer(layer) {
        patch('editor', { layer: layer === 'image' && get().editor.source !== 'drawn' ? 'mask' : layer });
      },
      setBrushSize(brushSize) {
        if (!Number.isFinite(brushSize)) return;
        patch('editor', { brushSize: Math.min(8, Math.max(0.5, brushSize)) });
      },
      setClassFilter(classFilter) {
        patch('editor', { classFilter });
      },
      beginStroke() {
        pushUndo();
      },
      strokeTo(a, b) {
        const { editor } = get();
        const erase = editor.tool === 'eraser';
        if (editor.layer === 'image' && editor.source === 'drawn') {
          // Brush paints white ink (1), the eraser paints the background (-1).
          patch('editor', { drawn: paintStroke(editor.drawn, side, a, b, editor.brushSize, erase ? -1 : 1) });
        } else {
          // Brush hides (0: to be generated), the eraser reveals (1: kept).
          patch('editor', { mask: paintStroke(editor.mask, side, a, b, editor.brushSize, erase ? 1 : 0) });
        }
      },
      applyMaskPreset(preset) {
        pushUndo();
        patch('editor', { mask: presetMask(preset, side), layer: 'mask' });
      },
      clearLayer() {
        pushUndo();
        const { editor } = get();
        if (editor.layer === 'image' && editor.source === 'drawn') {
          patch('editor', { drawn: new Float32Array(side * side).fill(-1) });
        } else {
          patch('editor', { mask: filledMask(side, true) });
        }
      },
      undo() {
        const snap = undoStack.pop();
        if (!snap) return;
        const { editor } = get();
        const sketchChanged = snap.sketchDrawn !== editor.sketchDrawn || snap.sketchSource !== editor.sketchSource;
        patch('editor', { mask: snap.mask, drawn: snap.drawn, sketchDrawn: snap.sketchDrawn, sketchSource: snap.sketchSource, undoDepth: undoStack.length });
        if (sketchChanged) inputChanged((m) => m === 'sketch');
      },
      loadDrawnImage(image) {
        if (image.length !== side * side || !image.every((v) => Number.isFinite(v))) return;
        pushUndo();
        patch('editor', { source: 'drawn', drawn: image.slice(), layer: get().config.mode === 'inpaint' ? 'mask' : 'image' });
        if (get().trajectory.run && modeUsesImage(get().config.mode)) {
          cancelRun();
          patch('trajectory', { stale: true });
        }
      },
      sourceImage,
      testImage,

      // ---- sketch editor -----------------------------------------------------------------------
      pickSketchImage(index) {
        const { samples, editor } = get();
        if (!Number.isInteger(index) || index < 0 || (samples.status === 'ready' && index >= samples.count)) return;
        if (editor.sketchSource === 'test' && editor.testIndex === index) return;
        pushUndo();
        patch('editor', { sketchSource: 'test', testIndex: index });
        inputChanged((m) => m === 'sketch' || modeUsesImage(m));
      },
      setSketch(sketch) {
        if (sketch.length !== side * side) return;
        pushUndo();
        patch('editor', { sketchSource: 'drawn', sketchDrawn: sketch.map((v) => (v > 0.5 ? 1 : 0)) });
        inputChanged((m) => m === 'sketch');
      },
      sketchStrokeTo(a, b) {
        const { editor } = get();
        // Drawing on a test image's sketch edits a copy of it: it becomes the user's own.
        const base = editor.sketchSource === 'drawn' ? editor.sketchDrawn : (sketchImage() ?? new Float32Array(side * side));
        const value = editor.tool === 'eraser' ? 0 : 1;
        patch('editor', { sketchSource: 'drawn', sketchDrawn: paintStroke(base, side, a, b, editor.sketchBrushSize, value) });
        inputChanged((m) => m === 'sketch');
      },
      clearSketch() {
        pushUndo();
        patch('editor', { sketchSource: 'drawn', sketchDrawn: new Float32Array(side * side) });
        inputChanged((m) => m === 'sketch');
      },
      setSketchBrushSize(size) {
        if (!Number.isFinite(size)) return;
        patch('editor', { sketchBrushSize: Math.min(4, Math.max(0.5, size)) });
      },
      sketchImage,

      // ---- representation map ------------------------------------------------------------------
      pickReprPoint(index) {
        const { points } = get().samples;
        if (!Number.isInteger(index) || index < 0 || (points !== null && index >= points.count)) return;
        if (index === get().editor.reprPoint) return;
        patch('editor', { reprPoint: index });
        inputChanged((m) => m === 'representation');
      },
      pickReprAt(p) {
        const { points } = get().samples;
        if (!points) return -1;
        const index = nearestPoint(points, p);
        if (index >= 0) actions.pickReprPoint(index);
        return index;
      },
      async runFromMap(p) {
        if (actions.pickReprAt(p) < 0) return;
        actions.setConfig({ mode: 'representation' });
        await actions.generate();
      },
      reprTarget,

      // ---- samples -----------------------------------------------------------------------------
      loadSamples() {
        // One download at a time (React's StrictMode runs mount effects twice in development).
        samplesLoading ??= fetchSamples().finally(() => {
          samplesLoading = null;
        });
        return samplesLoading;
      },
      dispose() {
        stopLoop();
        cancelRun();
        if (memoryTimer !== null) clearInterval(memoryTimer);
        memoryTimer = null;
      },
    };

    return {
      engine: {
        status: 'idle',
        preference: 'auto',
        phase: null,
        progress: {},
        report: null,
        config: null,
        trained: null,
        weightsBytes: null,
        loadMs: null,
        warmupMs: null,
        memory: null,
        msPerStep: null,
        switching: false,
        error: null,
      },
      config: sanitizeConfig({ ...DEFAULT_CONFIG, ...deps.initialConfig }),
      trajectory: {
        runId: null,
        status: 'empty',
        frameCount: 0,
        expectedFrames: 0,
        run: null,
        stale: false,
        error: null,
        elapsedMs: null,
      },
      player: { frameIndex: 0, playing: false, fps: 20 },
      view: { head: 'z', sample: 0, showMask: true, explain: true },
      editor: {
        source: 'test',
        testIndex: 0,
        drawn: new Float32Array(side * side).fill(-1),
        mask: presetMask('right', side),
        undoDepth: 0,
        tool: 'brush',
        layer: 'mask',
        brushSize: 2,
        classFilter: null,
        sketchSource: 'test',
        sketchDrawn: new Float32Array(side * side),
        sketchBrushSize: 0.75,
        reprPoint: 0,
      },
      samples: { status: 'loading', count: 0, size: DEFAULT_GEOMETRY.dataSize, classNames: [], labels: [], images: null, points: null, error: null },
      compare: {
        enabled: false,
        knobs: DEFAULT_COMPARE_KNOBS,
        runId: null,
        status: 'empty',
        frameCount: 0,
        run: null,
        baseRunId: null,
        error: null,
      },
      history: { nodes: [] },
      notices: [],
      actions,
    };
  });
  return store;
}
