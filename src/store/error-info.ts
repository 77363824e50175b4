/** Turning whatever a call to the engine threw into the EngineErrorInfo the store keeps. */
import type { EngineErrorInfo, EngineErrorKind } from '../engine/protocol.ts';

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
