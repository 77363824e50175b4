/**
 * One error type for everything that can go wrong between a weights URL and a usable network.
 * `kind` tells the caller what to do about it:
 *   network, http       -> the download failed (retry may help);
 *   integrity           -> a shard arrived but is truncated or corrupted (byte length / sha256);
 *   format, version     -> model.json is not a file this build can read (missing / unexpected
 *                          weights are 'format': the file describes another architecture);
 *   shape, dtype        -> a named weight does not fit the architecture computed from the config;
 *   cancelled           -> the caller's AbortSignal fired.
 */
export type WeightsErrorKind =
  | 'network'
  | 'http'
  | 'integrity'
  | 'format'
  | 'shape'
  | 'dtype'
  | 'version'
  | 'cancelled';

export interface WeightsErrorDetails {
  /** The file concerned (model.json or a shard path), when there is one. */
  readonly file?: string;
  /** The weight concerned (e.g. 'backbone/down0/conv1/kernel'), when there is one. */
  readonly weight?: string;
  readonly cause?: unknown;
}

export class WeightsError extends Error {
  readonly kind: WeightsErrorKind;
  readonly file: string | undefined;
  readonly weight: string | undefined;

  constructor(kind: WeightsErrorKind, message: string, details: WeightsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WeightsError';
    this.kind = kind;
    this.file = details.file;
    this.weight = details.weight;
  }
}

export function isWeightsError(e: unknown): e is WeightsError {
  return e instanceof WeightsError;
}
