/**
 * What the store needs from the inference engine: the worker API of src/engine/protocol.ts, with the
 * calls that cross a comlink boundary allowed to be asynchronous. The store is written against this
 * interface and gets the real engine (src/engine/client.ts `createEngine`) injected, so that unit tests
 * drive it with a fake engine.
 */
import type {
  BackendPreference,
  BackendReport,
  EngineErrorInfo,
  EngineErrorKind,
  Frame,
  InitOptions,
  InitResult,
  LoadProgress,
  MemoryStats,
  RunRequest,
} from '../engine/protocol.ts';

export type Awaitable<T> = T | Promise<T>;

export interface EngineLike {
  init(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<InitResult>;
  run(request: RunRequest, onFrame: (frame: Frame) => void): Promise<'done' | 'cancelled'>;
  cancel(runId: string): Awaitable<void>;
  /** Aborts a running init (optional: engines without it cannot cancel loading). */
  cancelInit?(): Awaitable<void>;
  memory(): Awaitable<MemoryStats>;
  setBackend(preference: BackendPreference): Promise<BackendReport>;
  /** Engine events while idle (WebGPU device loss, a crashed worker); returns an unsubscribe function. */
  onEvent?(listener: (event: EngineEvent) => void): () => void;
}

/** The events of src/engine/api.ts, as far as the store needs them. */
export interface EngineEvent {
  readonly type: string;
  readonly message: string;
  /** For 'device-lost': the backend that was lost. */
  readonly backend?: string;
}

export type EngineFactory = () => Awaitable<EngineLike>;

const ERROR_KINDS: readonly EngineErrorKind[] = ['weights', 'backend', 'device-lost', 'numerics', 'cancelled', 'input', 'internal'];

function isKind(v: unknown): v is EngineErrorKind {
  return typeof v === 'string' && (ERROR_KINDS as readonly string[]).includes(v);
}

/**
 * Any thrown value (an EngineErrorInfo, an Error carrying `kind`, a WeightsError, a string) as an
 * EngineErrorInfo the status panel can explain. Unknown kinds become `fallback`.
 */
export function toErrorInfo(e: unknown, fallback: EngineErrorKind = 'internal'): EngineErrorInfo {
  if (typeof e === 'object' && e !== null) {
    const o = e as { kind?: unknown; message?: unknown; step?: unknown; name?: unknown; detail?: unknown };
    const message = typeof o.message === 'string' && o.message ? o.message : 'Unknown error';
    // WeightsError kinds (network, http, integrity, format, ...) are all weights problems to the user;
    // the WeightsError kind itself becomes the detail the status panel's advice is chosen by.
    const weights = !isKind(o.kind) && o.name === 'WeightsError';
    const kind = isKind(o.kind) ? o.kind : weights ? 'weights' : fallback;
    const detail = typeof o.detail === 'string' ? o.detail : weights && typeof o.kind === 'string' ? o.kind : undefined;
    return {
      kind,
      message,
      ...(typeof o.step === 'number' ? { step: o.step } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
  }
  return { kind: fallback, message: typeof e === 'string' ? e : 'Unknown error' };
}
