/**
 * The store's shape (DESIGN.md): the slice types, the signatures of every action, the types the parts
 * share (the engine interface, frames, history nodes, compare knobs, editor points), and the constants and
 * pure rules the UI shares with the store (DEFAULT_CONFIG, sanitizeConfig, missingInput). A leaf: it imports
 * from the layers below (core, engine's protocol, model's config types) and, of src/store, only the
 * measured defaults table (defaults.ts, itself a leaf), so every part can import it without a cycle (tools/eslint-cycles.js). The actions are built by the parts
 * that createAppStore (store.ts) composes.
 */
import * as v from 'valibot';
import type { StoreApi } from 'zustand/vanilla';
import type { LatentEdit } from '../core/latent-edit.ts';
import { MAX_SEED } from '../core/rng.ts';
import { SAMPLER_INFO, SPACINGS, type SamplingSpacing } from '../core/samplers.ts';
import type { EngineEvent } from '../engine/api.ts';
import type {
  BackendPreference,
  BackendReport,
  EngineErrorInfo,
  Frame,
  InitOptions,
  InitResult,
  LoadPhase,
  LoadProgress,
  MemoryStats,
  Mode,
  RunRequest,
  SamplerName,
  X0Source,
} from '../engine/protocol.ts';
import { DEFAULT_X0_SOURCE, DRIFT_GUIDANCE_MODES, MAX_DRIFT_GUIDANCE, MODES, SAMPLERS, X0_SOURCES } from '../engine/protocol.ts';
import type { ModelConfig } from '../model/config.ts';
// The measured defaults table: a leaf itself (it imports only the engine's protocol types).
import { DEFAULT_SAMPLING, SAMPLING_DEFAULTS, type SamplingDefaults } from './defaults.ts';
import type { QualityCurve } from './quality.ts';

// ---------------------------------------------------------------------------------------------
// Constants shared with the UI.

export type Head = 'z' | 'x0' | 'label' | 'masked' | 'sketch' | 'repr' | 'drift';
export const HEADS: readonly Head[] = ['z', 'x0', 'label', 'masked', 'drift', 'sketch', 'repr'];
/** Heads this build can draw (all of them). */
export const AVAILABLE_HEADS: readonly Head[] = HEADS;

/** Modes this build offers, in the order the mode picker lists them (the protocol's MODES table). */
export const AVAILABLE_MODES: readonly Mode[] = MODES;
/** The samplers (core's SAMPLERS table, where each sampler's coefficients live) and the timestep spacings. */
export { SAMPLERS, SAMPLER_INFO, SPACINGS, type SamplingSpacing };
export const STEP_PRESETS: readonly number[] = [10, 20, 50, 100, 250, 1000];
export const FPS_CHOICES: readonly number[] = [2, 5, 10, 20, 30, 60];
/** The side panels presentation mode can show beside the canvas, in the order its keys and buttons list them. */
export const PRESENT_PANELS = ['label', 'schedule', 'compare', 'forward', 'metrics', 'trajectory'] as const;
export type PresentPanel = (typeof PRESENT_PANELS)[number];

/** Largest seed (core/rng.ts). */
export { MAX_SEED };
/** Largest label-head guidance scale the controls offer. */
export const MAX_LABEL_GUIDANCE = 30;
/** Largest drift guidance w (the engine's limit, RunRequest.driftGuidance). */
export { MAX_DRIFT_GUIDANCE };
/** Largest label commitment the controls offer (the engine takes up to 1: never sure enough, in practice). */
export const MAX_LABEL_COMMIT = 0.95;

/** Model-space geometry before the engine has told us the config (training/mtd/data.py). */
export const DEFAULT_GEOMETRY = { imageSize: 32, dataSize: 28, pad: 2 } as const;
/** The sketch threshold before the engine has told us the config (data.py SKETCH_THRESHOLD_SQ = 160^2). */
export const DEFAULT_SKETCH = { thresholdSq: 160 * 160 } as const;

/** Label-head (classifier) guidance needs a target class: the picked one, or the joint label head's own. */
export function labelGuidanceApplies(mode: Mode): boolean {
  return mode === 'conditional' || mode === 'joint';
}

/** Drift guidance (CFG in the common space) needs a drift: every mode that gives or generates a condition. */
export function driftGuidanceApplies(mode: Mode): boolean {
  return DRIFT_GUIDANCE_MODES.includes(mode);
}

/** Label commitment gates the generated label's drift: joint generation only. */
export function labelCommitApplies(mode: Mode): boolean {
  return mode === 'joint';
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
// Types the parts share.

export type Awaitable<T> = T | Promise<T>;

/**
 * What the store needs from the inference engine: the worker API of src/engine/protocol.ts, with the
 * calls that cross a comlink boundary allowed to be asynchronous. The store is written against this
 * interface and gets the real engine (src/engine/client.ts `createEngine`) injected, so that unit tests
 * drive it with a fake engine.
 */
export interface EngineLike {
  init(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<InitResult>;
  run(request: RunRequest, onFrame: (frame: Frame) => void): Promise<'done' | 'cancelled'>;
  cancel(runId: string): Awaitable<void>;
  /** Readies batch `batch` after the run in progress (optional: engines without it warm on the first run). */
  warm?(batch: 1 | 16): Promise<number>;
  /** Aborts a running init (optional: engines without it cannot cancel loading). */
  cancelInit?(): Awaitable<void>;
  memory(): Awaitable<MemoryStats>;
  /** Re-creates the model on another backend; a run in progress resolves 'cancelled' (the store resumes it). */
  setBackend(preference: BackendPreference, onProgress?: (p: LoadProgress) => void): Promise<BackendReport>;
  /** Engine events while idle (WebGPU device loss, a crashed worker); returns an unsubscribe function. */
  onEvent?(listener: (event: EngineEvent) => void): () => void;
}

export type EngineFactory = () => Awaitable<EngineLike>;

/** The frames of one run as the parts and the UI read them (frame-buffer.ts FrameBuffer is the one implementation). */
export interface Frames {
  /** The run these frames belong to. */
  readonly runId: string | null;
  readonly length: number;
  /** Largest |c-hat_t| over every frame so far: one colour scale for the whole drift trajectory. */
  readonly driftMaxAbs: number;
  /** Bytes of frame data held (every typed array of every frame). */
  readonly bytes: number;
  at(index: number): Frame | undefined;
  /** A read-only view of every frame (do not keep it across a new run). */
  all(): readonly Frame[];
  /** The label head over the trajectory for one sample: probs[f][c] and the entropy (nats) per frame. */
  labelSeries(sample: number, count?: number): { probs: Float32Array[]; entropy: number[]; t: number[] };
}

/** A node of the run history (branches.ts has the tree's helpers). */
export interface RunNode {
  readonly runId: string;
  /** The run this one branched from (null: a run from noise). */
  readonly parentId: string | null;
  /** Frame of the parent it continues from (0 for a root). */
  readonly fromStep: number;
  readonly summary: RunSummary;
  readonly status: RunStatus;
  /** Frames held (a branch's count includes the parent frames it shares). */
  readonly frameCount: number;
  /** A latent edit made to the parent at frame `edit.at` that this branch continues from (edit-actions.ts). */
  readonly edit?: LatentEdit;
}

export interface HistorySlice {
  readonly nodes: readonly RunNode[];
}

/** The settings in which compare's run B may differ from run A (compare.ts). */
export interface CompareKnobs {
  readonly sampler: SamplerName;
  readonly eta: number;
  /** Label-head guidance scale s (RunConfig.labelGuidance). */
  readonly labelGuidance: number;
  /** Drift guidance w (RunConfig.driftGuidance). */
  readonly driftGuidance: number;
  readonly steps: number;
}

export type MaskPreset = 'box' | 'left' | 'right' | 'top' | 'bottom' | 'all' | 'none';

/** A point in pixel coordinates of a side x side image (fractional: the pointer's position). */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A point in map space (the first two representation components). */
export interface UV {
  readonly u: number;
  readonly v: number;
}

/** The representation map's points (samples.ts parses them). */
export interface MapPoints {
  /** Number of points. */
  readonly count: number;
  /** Representation dimension D. */
  readonly dim: number;
  /** count * dim, row-major (point i = reprs[i*dim .. (i+1)*dim)). */
  readonly reprs: Float32Array;
  /** Class of every point. */
  readonly labels: Int32Array;
  /** Points 0..sampleCount-1 are the bundled samples (they have an image); the rest are backdrop points. */
  readonly sampleCount: number;
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
  /** The switch's latest phase (stopping the run, starting the backend, warming up), while switching. */
  readonly switchProgress: LoadProgress | null;
  /** Start-up or backend error (run errors live in the trajectory slice). */
  readonly error: EngineErrorInfo | null;
}

/** The user's run settings: the engine request's knobs, with the class always set (picker state). */
export type RunConfig = Pick<RunRequest, 'mode' | 'sampler' | 'steps' | 'eta' | 'seed' | 'batch' | 'labelGuidance' | 'clipX0'> & {
  /** Drift guidance w, 0 = off (RunRequest.driftGuidance; sent only in driftGuidanceApplies modes). */
  readonly driftGuidance: number;
  /**
   * Label commitment threshold in 0..MAX_LABEL_COMMIT, 0 = from the first step (RunRequest.labelCommit;
   * sent only in joint mode).
   */
  readonly labelCommit: number;
  /** Head whose x^_0 drives the reverse step (RunRequest.x0From). */
  readonly x0From: X0Source;
  readonly classId: number;
  /** Inpainting: also paste the visible pixels every step (RunRequest.paste). */
  readonly paste: boolean;
  /** How the steps' timesteps are spread (RunRequest.spacing): 'trailing' or 'karras'. */
  readonly spacing: SamplingSpacing;
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
  /** The bundled test image given (classify, inpaint), or null (none, or the user's own image). */
  readonly testIndex: number | null;
  /** Sketch mode: the bundled test image whose edge map was given, or null (a drawn sketch, or no sketch). */
  readonly sketchIndex: number | null;
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
  /** Follow live: while a run computes and the player plays, each tick shows the newest frame (on by default). */
  readonly follow: boolean;
}

export interface ViewSlice {
  readonly head: Head;
  /** Selected sample in the batch (0..batch-1): the one the label chart shows. */
  readonly sample: number;
  /** Tint the hidden region of the run's mask over every frame (inpainting). */
  readonly showMask: boolean;
  /** Show the short explanations written for students (off: a clean demo). */
  readonly explain: boolean;
  /** Presentation mode's side panel, or null: the full playground (URL `present=`). */
  readonly present: PresentPanel | null;
}

/** Compare: run B from the same starting noise as the current run A, other knobs. */
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

/**
 * The trajectory map's fixed projection (public/samples/projection.json, training/trajectory_map.py): PCA of
 * the test images in model space, p = basis (v - mean), and the backdrop's points (trajectory-map.ts parses it).
 */
export interface TrajectoryProjection {
  /** Values per image (32 * 32). */
  readonly dim: number;
  readonly mean: Float64Array;
  /** Two unit rows of `dim` values each, row-major. */
  readonly basis: Float64Array;
  /** Share of the test images' variance along each direction. */
  readonly explained: readonly [number, number];
  /** The backdrop: class and 2-D coordinates (u, v interleaved) of every point. */
  readonly labels: Int32Array;
  readonly coords: Float64Array;
}

export interface QualitySlice {
  readonly status: 'idle' | 'loading' | 'ready' | 'error';
  /** null when the report has no curve (yet). */
  readonly curve: QualityCurve | null;
  readonly error: string | null;
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
  /** The trajectory map's projection, or null (loading, or it failed: projectionError says why). */
  readonly projection: TrajectoryProjection | null;
  readonly projectionError: string | null;
}

/**
 * Which model runs (model-source.ts): the bundled one, a folder served at a same-origin URL (`?model=`), or
 * an exported folder from the disk (its files by name; `folder` is the folder's own name).
 */
export type ModelSource =
  | { readonly kind: 'bundled' }
  /** `url`: absolute, ending in '/'; `param`: the `?model=` value as given. */
  | { readonly kind: 'url'; readonly url: string; readonly param: string }
  | { readonly kind: 'files'; readonly folder: string; readonly files: ReadonlyMap<string, Blob> };

export interface ModelSlice {
  readonly source: ModelSource['kind'];
  /** Shown in the header and named by the copy-link note. */
  readonly name: string;
  /** The `?model=` value of a hosted model (null otherwise). */
  readonly param: string | null;
}

/** How a notice is drawn: 'error' for what failed, 'warning' for what was changed or ignored, 'info' otherwise. */
export type NoticeTone = 'info' | 'warning' | 'error';

/**
 * A message to the user (a link that was clamped, a typed value that was out of range, a backend that
 * was replaced). The toast area shows the active ones (`AppState.notices`) in the viewport; the status
 * panel lists every one of the session (`AppState.noticeLog`).
 */
export interface Notice {
  readonly id: number;
  readonly tone: NoticeTone;
  /** Plain text (never HTML). */
  readonly text: string;
  /** When it was raised (ms since the epoch, Date.now()). */
  readonly at: number;
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
  readonly frames: () => Frames;
  // player
  readonly play: () => void;
  readonly pause: () => void;
  readonly togglePlay: () => void;
  readonly seek: (index: number) => void;
  readonly stepBy: (delta: number) => void;
  readonly jumpToStart: () => void;
  readonly jumpToEnd: () => void;
  readonly setFps: (fps: number) => void;
  /** Follow live on or off (PlayerSlice.follow); on during a run jumps to the newest frame and plays. */
  readonly setFollow: (follow: boolean) => void;
  // view
  readonly setHead: (head: Head) => void;
  readonly selectSample: (sample: number) => void;
  readonly setShowMask: (show: boolean) => void;
  readonly setExplain: (explain: boolean) => void;
  /** Presentation mode with `panel` beside the canvas; null leaves it. */
  readonly setPresent: (panel: PresentPanel | null) => void;
  // compare
  readonly setCompare: (patch: Partial<CompareKnobs> & { readonly enabled?: boolean }) => void;
  /** Runs B for the current run A (Generate does it by itself while compare is on). */
  readonly runCompare: () => Promise<void>;
  readonly getCompareFrame: (index: number) => Frame | undefined;
  readonly compareFrames: () => Frames;
  // history and branches
  /**
   * Continues the current run from its frame `fromStep` (default: the frame shown) with the current
   * run settings (seed, sampler, eta, class, mask, label and drift guidance; the parent's step count and batch).
   */
  readonly branch: (fromStep?: number) => Promise<void>;
  /** Shows a run of the history again (its frames are kept; nothing is recomputed). */
  readonly openRun: (runId: string) => void;
  /**
   * Applies a latent edit to the run shown (paused or done) and continues from it as a branch with the run's
   * own settings (edit-actions.ts). Returns why it cannot (nothing started), or null once the branch starts.
   */
  readonly branchWithEdit: (edit: LatentEdit) => string | null;
  // notices
  /** Shows `text` in the viewport (default tone 'info') and adds it to the session's notice log. */
  readonly notify: (text: string, tone?: NoticeTone) => void;
  /** Hides an active notice (the log keeps it). */
  readonly dismissNotice: (id: number) => void;
  /** Hides every active notice. */
  readonly dismissAllNotices: () => void;
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
  // model
  /** Runs another model (model-actions.ts): the run, compare and history are cleared; the samples reloaded. */
  readonly loadModel: (source: ModelSource) => Promise<void>;
  /** Fetches weights/report.json's quality curve once (quality slice). */
  readonly loadQuality: () => Promise<void>;
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
  readonly model: ModelSlice;
  /** The quality-versus-NFE curve of the weights (report.json qualityVsNfe; quality.ts), loaded by loadQuality. */
  readonly quality: QualitySlice;
  readonly compare: CompareSlice;
  readonly history: HistorySlice;
  /** Active notices, oldest first (at most NOTICE_LIMIT): what the toast area shows. */
  readonly notices: readonly Notice[];
  /** Every notice of the session, oldest first (at most NOTICE_LOG_LIMIT); dismissing does not remove. */
  readonly noticeLog: readonly Notice[];
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
  /** The model to start with (default: the bundled one). */
  readonly model?: ModelSource;
  /** The measured per-mode defaults (default: defaults.ts SAMPLING_DEFAULTS, the shipped weights' table). */
  readonly samplingDefaults?: SamplingDefaults;
}

/** The defaults; drift guidance and label commitment are the measured ones (defaults.ts SAMPLING_DEFAULTS). */
export const DEFAULT_CONFIG: RunConfig = {
  mode: 'joint',
  sampler: DEFAULT_SAMPLING.sampler,
  steps: DEFAULT_SAMPLING.steps,
  eta: 0,
  seed: 42,
  batch: 1,
  classId: 0,
  labelGuidance: 0,
  driftGuidance: SAMPLING_DEFAULTS.driftGuidance.joint,
  labelCommit: SAMPLING_DEFAULTS.labelCommit,
  clipX0: true,
  paste: true,
  x0From: DEFAULT_X0_SOURCE,
  spacing: DEFAULT_SAMPLING.spacing,
};

/**
 * The documented range of each numeric run setting (T: the schedule's length, 1000 for the shipped
 * weights): sanitizeConfig clamps into it, RunConfigSchema holds a config from outside to it.
 */
export const CONFIG_LIMITS = {
  steps: { min: 1, max: 1000, integer: true },
  eta: { min: 0, max: 1, integer: false },
  seed: { min: 0, max: MAX_SEED, integer: true },
  classId: { min: 0, max: 9, integer: true },
  labelGuidance: { min: 0, max: MAX_LABEL_GUIDANCE, integer: false },
  driftGuidance: { min: 0, max: MAX_DRIFT_GUIDANCE, integer: false },
  labelCommit: { min: 0, max: MAX_LABEL_COMMIT, integer: false },
} as const satisfies Partial<Record<keyof RunConfig, { min: number; max: number; integer: boolean }>>;

const limited = (key: keyof typeof CONFIG_LIMITS) => {
  const { min, max, integer } = CONFIG_LIMITS[key];
  const what = `${integer ? 'an integer' : 'a number'} in ${min}..${max}`;
  return v.pipe(v.number(what), v.check((n) => (!integer || Number.isInteger(n)) && n >= min && n <= max, what));
};

/** A valid run config (every value inside CONFIG_LIMITS; a list's values from its table). */
export const RunConfigSchema = v.object({
  mode: v.picklist(MODES),
  sampler: v.picklist(SAMPLERS),
  steps: limited('steps'),
  eta: limited('eta'),
  seed: limited('seed'),
  batch: v.picklist([1, 16]),
  classId: limited('classId'),
  labelGuidance: limited('labelGuidance'),
  driftGuidance: limited('driftGuidance'),
  labelCommit: limited('labelCommit'),
  clipX0: v.boolean(),
  paste: v.boolean(),
  x0From: v.picklist(X0_SOURCES as [X0Source, ...X0Source[]]),
  spacing: v.picklist(SPACINGS),
});
// The schema and the type describe the same object (a field added to one and not the other fails here).
const _sameConfig: [RunConfig, v.InferOutput<typeof RunConfigSchema>] = [] as unknown as [v.InferOutput<typeof RunConfigSchema>, RunConfig];
void _sameConfig;

/** Compare B's knobs: the run config's. */
export const CompareKnobsSchema = v.pick(RunConfigSchema, ['sampler', 'eta', 'labelGuidance', 'driftGuidance', 'steps']);

/** Clamps and rounds a patch of run config to valid values (CONFIG_LIMITS, with T steps at most and the sampler's fewest, SAMPLER_INFO minSteps, at least). */
export function sanitizeConfig(c: RunConfig, T: number = CONFIG_LIMITS.steps.max): RunConfig {
  const clamp = (key: keyof typeof CONFIG_LIMITS, value: number, fallback: number, max: number = CONFIG_LIMITS[key].max): number => {
    const { min, integer } = CONFIG_LIMITS[key];
    const n = Number.isFinite(value) ? value : fallback;
    return Math.min(max, Math.max(min, integer ? Math.round(n) : n));
  };
  const sampler = SAMPLERS.includes(c.sampler) ? c.sampler : DEFAULT_CONFIG.sampler;
  // Steps: at least the sampler's fewest (SAMPLER_INFO minSteps), at most T.
  const steps = Math.max(SAMPLER_INFO[sampler].minSteps, clamp('steps', c.steps, DEFAULT_CONFIG.steps, T));
  return {
    mode: c.mode,
    sampler,
    steps,
    eta: clamp('eta', c.eta, 0),
    seed: clamp('seed', c.seed, DEFAULT_CONFIG.seed),
    batch: c.batch === 16 ? 16 : 1,
    classId: clamp('classId', c.classId, 0),
    labelGuidance: clamp('labelGuidance', c.labelGuidance, 0),
    driftGuidance: clamp('driftGuidance', c.driftGuidance, 0),
    labelCommit: clamp('labelCommit', c.labelCommit, DEFAULT_CONFIG.labelCommit),
    clipX0: Boolean(c.clipX0),
    paste: c.paste === true,
    x0From: X0_SOURCES.includes(c.x0From) ? c.x0From : DEFAULT_X0_SOURCE,
    spacing: SPACINGS.includes(c.spacing) ? c.spacing : DEFAULT_CONFIG.spacing,
  };
}
