/**
 * The typed contract between the inference worker (src/engine/worker.ts) and the page
 * (src/store). Everything here crosses a postMessage boundary (via comlink), so it is plain data:
 * numbers, strings, typed arrays. Frames are CPU-side copies, never tfjs tensors.
 */
import type { SamplerName, SamplingSpacing, StepMetrics } from '../core/index.ts';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Why each backend was or was not used (shown in the status panel). */
export interface BackendAttempt {
  readonly name: BackendName;
  /** 'chosen' | 'available' (works, not picked) | 'unavailable' (failed or missing) | 'skipped'. */
  readonly outcome: 'chosen' | 'available' | 'unavailable' | 'skipped';
  /** Human-readable reason, e.g. "navigator.gpu is missing", "fallback adapter (SwiftShader)", "fastest: 14.8 ms/step". */
  readonly reason: string;
  /** Median ms per forward pass at batch 1 measured by the start-up probe, when measured. */
  readonly probeMs?: number;
  /** Extra facts: adapter info, wasm threads/SIMD, etc. */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

export interface BackendReport {
  readonly chosen: BackendName;
  readonly preference: BackendPreference;
  readonly attempts: readonly BackendAttempt[];
  /** One-sentence summary, e.g. "auto picked wasm (4 threads): 15 ms/step vs webgpu 1800 ms/step". */
  readonly summary: string;
  /** setBackend's answer: ms the warm-up on the new backend took (InitResult.warmupMs of a switch). */
  readonly warmupMs?: number;
}

export type LoadPhase = 'backend' | 'weights' | 'warmup' | 'ready';
export interface LoadProgress {
  readonly phase: LoadPhase;
  /** 0..1 within the phase. */
  readonly fraction: number;
  readonly message: string;
}

export interface InitOptions {
  readonly backend: BackendPreference;
  /** Base URL of the weights folder (default `${import.meta.env.BASE_URL}weights/`). */
  readonly weightsUrl: string;
  /** A model folder from the disk: its files by name, read instead of fetching weightsUrl (src/model/model-files.ts). */
  readonly files?: ReadonlyMap<string, Blob>;
  /** Threads for the wasm backend (default: backends.ts defaultWasmThreads); read at the worker's first wasm start. */
  readonly wasmThreads?: number;
}

export interface InitResult {
  readonly backend: BackendReport;
  /** The model.json config block (src/model ModelConfig), as plain data. */
  readonly config: unknown;
  readonly trained: boolean;
  readonly weightsBytes: number;
  readonly loadMs: number;
  /** Time to compile/warm the kernels for the run shapes (batch 1 and 16). */
  readonly warmupMs: number;
}

/** Source of x^_0 in the reverse step (RunRequest.x0From). */
export type X0Source = 'masked' | 'eps';
export const X0_SOURCES: readonly X0Source[] = ['masked', 'eps'];
export const DEFAULT_X0_SOURCE: X0Source = 'masked';

/**
 * The modes, one table (the engine's plan, the store, the URL codec and the mode picker read it; this is
 * the picker's order):
 *   joint           image and label generated together (label drift from the label head)
 *   conditional     the user picks a class
 *   inpaint         masked-image generation: image + mask given
 *   classify        a real image diffused forward; watch the label head
 *   sketch          image transition: a sketch given
 *   representation  a representation vector given
 *   unconditional   nothing given, nothing generated besides the image
 */
export const MODES = ['joint', 'conditional', 'inpaint', 'classify', 'sketch', 'representation', 'unconditional'] as const;
export type Mode = (typeof MODES)[number];

/** The sampler names are core's table (src/core/samplers.ts SAMPLERS), where each sampler's coefficients live. */
export { SAMPLERS, SPACINGS, type SamplerName, type SamplingSpacing } from '../core/index.ts';

/**
 * Modes whose run has a drift to guide by (RunRequest.driftGuidance): every mode that gives or generates
 * a condition. Unconditional has c^_t = 0 (y_t = z_t, so the guided term is 0) and classify has no reverse
 * process.
 */
export const DRIFT_GUIDANCE_MODES: readonly Mode[] = ['joint', 'conditional', 'inpaint', 'sketch', 'representation'];
/** Largest drift guidance w a request may ask for. */
export const MAX_DRIFT_GUIDANCE = 10;
/** Largest label commitment threshold a request may ask for (RunRequest.labelCommit; a probability). */
export const MAX_LABEL_COMMIT = 1;

export interface RunRequest {
  /** Unique per run; frames carry it so stale frames from an old run can be dropped. */
  readonly runId: string;
  readonly mode: Mode;
  readonly sampler: SamplerName;
  /** Number of reverse steps (1..T, and at least the sampler's SAMPLER_INFO minSteps). */
  readonly steps: number;
  /** eta of DDIM and Euler a (0 = deterministic); ignored by the other samplers. */
  readonly eta: number;
  /** How the steps' timesteps are spread (core samplingTimesteps): 'trailing' (default) or 'karras'. */
  readonly spacing?: SamplingSpacing;
  readonly seed: number;
  readonly batch: 1 | 16;
  /** Clip x0-hat to [-1, 1] (default true). */
  readonly clipX0: boolean;
  /**
   * Label-head guidance: classifier guidance with the model's own label head, scale s (0 = off; Dhariwal &
   * Nichol eq. 14, src/engine/label-guidance.ts). Needs classId or joint. Python: `label_guidance`.
   */
  readonly labelGuidance: number;
  /**
   * Drift guidance w (classifier-free guidance in the common space; 0 = off, the default; at most
   * MAX_DRIFT_GUIDANCE): the head that drives the step (x0From) extrapolates from its prediction on
   * y_t = z_t - c^_t, the same state with every modality's drift removed, to its prediction on z_t,
   * h~ = h(z_t) + w (h(z_t) - h(y_t)) (Ho & Salimans 2022 eq. 6; src/engine/update.ts). One more network
   * forward per step. Modes in DRIFT_GUIDANCE_MODES only. Python: `drift_guidance`.
   */
  readonly driftGuidance?: number;
  /**
   * Joint mode only: label commitment threshold in 0..MAX_LABEL_COMMIT (0 = always commit, the default).
   * The generated label's drift is given only to the samples whose label head is this sure,
   * max_k p(k | z_t) >= labelCommit, as the one-hot of its argmax (g_label = 1, else 0), decided afresh
   * every step. 0 gives the label's drift from the first step, which locks in the head's bias at t ~ T.
   * Python: `label_commit` (training/mtd/sampling.py encode_estimate).
   */
  readonly labelCommit?: number;
  readonly classId?: number;
  /** 32x32 image in [-1, 1] (model space), for inpaint / classify / sketch-from-image. */
  readonly image?: Float32Array;
  /** 32x32, 1 = visible, 0 = hidden (inpaint). */
  readonly mask?: Float32Array;
  /** 32x32 edge map in {0, 1} (sketch mode). */
  readonly sketch?: Float32Array;
  /** Representation vector (length config.representation.dim). */
  readonly repr?: Float32Array;
  /**
   * Inpainting only: after every reverse step, replace the visible pixels of y_{t-1} = z_{t-1} - c_{t-1} by a
   * fresh sample of q(y_{t-1} | x) = sqrt(aB) x + sqrt(1 - aB) xi (replacement / "paste"), on top of the
   * drift conditioning. Default false.
   */
  readonly paste?: boolean;
  /**
   * Which head's prediction of x_0 drives each reverse step (training/mtd/sampling.py `x0_from`):
   * 'masked' (default): the masked-image head, which predicts the whole image from z_t with every given
   * modality's drift in it; 'eps': x_0 = (y_t - sqrt(1 - aB) eps^)/sqrt(aB) from the eps head, the
   * textbook estimate, which amplifies the eps head's drift-removal error by 1/sqrt(aB) at large t.
   */
  readonly x0From?: X0Source;
  /**
   * Branching: start from this frame's z_t (B*32*32) at timestep index `fromStep` of the schedule. A
   * DPM-Solver++(2M) branch with fromStep > 0 also needs `prevX0`, frame fromStep - 1's x0Hat (its multistep
   * history, without which the first step is first order; also the first frame's x^_0-move metric); `nfe` is the parent's count at that frame (default 0).
   */
  readonly start?: { readonly z: Float32Array; readonly fromStep: number; readonly prevX0?: Float32Array; readonly nfe?: number };
  /** Use a different noise seed for the steps after `start` (branch with another seed). */
  readonly noiseSeed?: number;
}

/** One frame of a trajectory: everything needed to draw any head, kept on the CPU. */
export interface Frame {
  readonly runId: string;
  /** 0 = the initial noise z_T; k = after k reverse steps. */
  readonly index: number;
  /** Timestep of z (T for index 0; 0 after the last step). */
  readonly t: number;
  /** z_t, B*32*32 (row-major, per sample). */
  readonly z: Float32Array;
  /** Image head's x0-hat at this step (B*32*32), clipped if clipX0. */
  readonly x0Hat: Float32Array;
  /** Masked-image head (the full image, visible pixels composited from the given image). */
  readonly masked: Float32Array;
  /** Sketch head (B*32*32). */
  readonly sketch: Float32Array;
  /** Label head softmax (B*10). */
  readonly labelProbs: Float32Array;
  /** Representation head (B*D). */
  readonly repr: Float32Array;
  /** Drift estimate c-hat_t = kappa_t * sum_i g_i E_i (B*32*32). */
  readonly drift: Float32Array;
  /** Wall time of this step (forward + readback + sampler), ms. */
  readonly ms: number;
  /**
   * Network evaluations (NFE) the sampler made before this frame (guidance's extra forwards not counted): the
   * run's total is the last frame's. Heun: 2 a step but the last. Absent in frames from before it was counted.
   */
  readonly nfe?: number;
  /**
   * Per-step metrics per sample (core's stepMetrics, computed in the worker from this frame and the one
   * before). Optional: frames built outside the runner (tests' fake engines) have none.
   */
  readonly metrics?: StepMetrics;
}

export interface MemoryStats {
  readonly numTensors: number;
  readonly numBytes: number;
  /** GPU bytes where the backend reports them (webgpu/webgl), else undefined. */
  readonly gpuBytes?: number;
}

export type EngineErrorKind =
  | 'weights' | 'backend' | 'device-lost' | 'numerics' | 'cancelled' | 'input' | 'internal';

export interface EngineErrorInfo {
  readonly kind: EngineErrorKind;
  readonly message: string;
  /** For numerics: the frame index where NaN/Inf appeared. */
  readonly step?: number;
  /**
   * A finer cause the UI turns into advice: for 'weights' the WeightsError kind (http, network,
   * integrity, format, shape, dtype, version); for 'device-lost' the backend that was lost.
   */
  readonly detail?: string;
}

/** The worker's API (exposed with comlink). */
export interface EngineApi {
  init(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<InitResult>;
  /**
   * Runs a trajectory, calling onFrame for every frame (index 0 = z_T first). Resolves when the run
   * ends (or is cancelled: resolves with 'cancelled'). Only one run at a time: a new run cancels the old.
   */
  run(request: RunRequest, onFrame: (frame: Frame) => void): Promise<'done' | 'cancelled'>;
  cancel(runId: string): void;
  /**
   * Readies batch `batch` on the active backend (compiles its shaders, runs one step), after the run in
   * progress; resolves with the milliseconds it took (0: already warm). Init warms batch 1 only.
   */
  warm(batch: 1 | 16): Promise<number>;
  memory(): MemoryStats;
  /**
   * Switch backend at runtime (stops a run in progress: it resolves 'cancelled'; re-uploads the weights,
   * re-warms), with the same progress phases as init's 'backend' and 'warmup'.
   */
  setBackend(preference: BackendPreference, onProgress?: (p: LoadProgress) => void): Promise<BackendReport>;
}
