/**
 * Engine errors. Inside the worker they are EngineError instances; across the postMessage boundary
 * they travel as plain EngineErrorInfo objects (comlink structured-clones a thrown non-Error value as
 * is, but reduces an Error to name/message/stack); the page turns them back into EngineError.
 */
import type { EngineErrorInfo, EngineErrorKind } from './protocol.ts';

const KINDS: readonly EngineErrorKind[] = ['weights', 'backend', 'device-lost', 'numerics', 'cancelled', 'input', 'internal'];

export class EngineError extends Error {
  readonly kind: EngineErrorKind;
  /** For 'numerics': the frame index where NaN/Inf appeared. */
  readonly step: number | undefined;
  /** A finer cause (EngineErrorInfo.detail): the WeightsError kind, or the lost backend. */
  readonly detail: string | undefined;

  constructor(kind: EngineErrorKind, message: string, options: { step?: number; detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.kind = kind;
    this.step = options.step;
    this.detail = options.detail;
  }

  /** Plain data for postMessage. */
  toInfo(): EngineErrorInfo {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.step !== undefined ? { step: this.step } : {}),
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
    };
  }
}

export function isEngineErrorInfo(value: unknown): value is EngineErrorInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['message'] === 'string' && KINDS.includes(v['kind'] as EngineErrorKind);
}

/**
 * src/model's WeightsError, recognised by shape: importing src/model here would pull tfjs into the
 * page bundle (client.ts uses this module).
 */
function isWeightsError(e: unknown): e is Error & { readonly kind: string } {
  return e instanceof Error && e.name === 'WeightsError' && typeof (e as { kind?: unknown }).kind === 'string';
}

/** Classifies anything thrown inside the engine: EngineError keeps its kind; WeightsError -> 'weights' (or 'cancelled'); RangeError (core's argument checks) -> 'input'; else 'internal'. */
export function toEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (isWeightsError(e)) return new EngineError(e.kind === 'cancelled' ? 'cancelled' : 'weights', e.message, { cause: e, detail: e.kind });
  if (isEngineErrorInfo(e)) {
    return new EngineError(e.kind, e.message, {
      ...(e.step === undefined ? {} : { step: e.step }),
      ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
    });
  }
  if (e instanceof RangeError) return new EngineError('input', e.message, { cause: e });
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new EngineError('internal', message, { cause: e });
}

export function toEngineErrorInfo(e: unknown): EngineErrorInfo {
  return toEngineError(e).toInfo();
}
