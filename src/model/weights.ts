/**
 * Loads public/weights: model.json (format 'mt-diffusion-tfjs', written by training/export.py)
 * and its shards, validating at every step:
 *   1. top level: format, formatVersion, config (config.ts), groups, integrity entries;
 *   2. every weight spec against the list the architecture needs (architecture.ts) — names,
 *      shapes, dtypes — before a byte is downloaded, and the group byte totals against the shards;
 *   3. every shard: byte length and sha256 against `integrity[path]`;
 *   4. decode with tf.io.decodeWeights (float16 halves -> float32), then the decoded tensors
 *      against the expected list again.
 * All failures are WeightsError with a kind and the file / weight name (errors.ts).
 */
import * as tf from '@tensorflow/tfjs';
import * as v from 'valibot';
import { expectedWeights, type ExpectedWeight } from './architecture.ts';
import { validateConfig, type ModelConfig } from './config.ts';
import { sha256Hex } from './digest.ts';
import { WeightsError } from './errors.ts';
import { fields, integer, notArray, parseWith } from './schema.ts';

export const WEIGHTS_FORMAT = 'mt-diffusion-tfjs';
export const SUPPORTED_FORMAT_VERSION = 1;
export const MODEL_JSON = 'model.json';

/** The part of `fetch` the loader uses; `globalThis.fetch` satisfies it. */
export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface LoadProgress {
  /** Shard bytes received so far (all shards). */
  readonly loaded: number;
  /** Shard bytes in all (sum of integrity[path].bytes). */
  readonly total: number;
  /** The shard the latest bytes belong to. */
  readonly file: string;
}

export interface LoadWeightsOptions {
  readonly fetch?: FetchLike;
  readonly onProgress?: (progress: LoadProgress) => void;
  readonly signal?: AbortSignal;
}

export interface LoadedWeights {
  readonly config: ModelConfig;
  /** Decoded float32 tensors by name; the caller owns them (see disposeWeights). */
  readonly weights: tf.NamedTensorMap;
  /** Shard bytes downloaded. */
  readonly bytes: number;
}

/** Stored bytes per element: float32 4, or the quantized width. */
const STORED_BYTES: Record<string, number> = { float32: 4, float16: 2 };
/** A shard path is a plain file name next to model.json (no directories, no '..'). */
const SHARD_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const SHARD = '=shard path {got} is not a plain file name';
/** A group that is not an object, and one whose paths or weights are missing or not arrays. */
const GROUP = "={path} must have non-empty 'paths' and a 'weights' array";
const GROUP_FIELD = "={parent} must have non-empty 'paths' and a 'weights' array";
const SHAPE = "=weight '{name}' has no valid shape (got {got})";
const QUANTIZATION = "=weight '{name}' has a malformed quantization";

/** One weight's spec (tfjs's WeightsManifestEntry); the dtype is checked against the architecture later. */
const SpecSchema = fields(
  {
    name: v.string('={parent} is not a weight spec with a name'),
    shape: v.custom<number[]>((s) => Array.isArray(s) && s.every((d) => Number.isInteger(d) && (d as number) >= 0), SHAPE),
    dtype: v.pipe(v.string("=weight '{name}' has no dtype"), v.transform((d) => d as tf.io.WeightsManifestEntry['dtype'])),
    quantization: v.optional(
      v.pipe(
        v.custom<{ dtype: string }>((q) => typeof q === 'object' && q !== null && typeof (q as { dtype?: unknown }).dtype === 'string', QUANTIZATION),
        // Stored as float16 is the one this build decodes; another is refused by checkSpec with its name.
        v.transform((q) => ({ dtype: q.dtype as 'float16' })),
      ),
    ),
  },
  '={path} is not a weight spec with a name',
);

/** model.json as export.py writes it; the config block is validateConfig's (config.ts). */
export const ManifestSchema = fields(
  {
    format: v.literal(WEIGHTS_FORMAT, `=format is {got}, expected '${WEIGHTS_FORMAT}'`),
    formatVersion: v.literal(SUPPORTED_FORMAT_VERSION, `=unsupported formatVersion {got} (this build reads formatVersion ${SUPPORTED_FORMAT_VERSION})`),
    // Its fields are validateConfig's (config.ts).
    config: v.custom<object>((c) => typeof c === 'object' && c !== null, 'an object'),
    weightsManifest: v.pipe(
      v.array(
        fields(
          {
            paths: v.pipe(v.array(v.pipe(v.string(SHARD), v.regex(SHARD_PATH, SHARD)), GROUP_FIELD), v.minLength(1, GROUP_FIELD)),
            weights: v.array(SpecSchema, GROUP_FIELD),
          },
          GROUP,
        ),
        '={path} must be a non-empty array',
      ),
      v.minLength(1, '={path} must be a non-empty array'),
    ),
    integrity: v.pipe(
      notArray('=integrity must be an object of {sha256, bytes} per shard'),
      v.record(
        v.string(),
        fields(
          {
            sha256: v.pipe(v.string('={path} must be 64 lowercase hex digits'), v.regex(SHA256_HEX, '={path} must be 64 lowercase hex digits')),
            bytes: integer(0, '={path} must be a non-negative integer'),
          },
          '={path}.sha256 must be 64 lowercase hex digits',
        ),
        '=integrity must be an object of {sha256, bytes} per shard',
      ),
    ),
  },
  '=is not a JSON object',
);

type Manifest = v.InferOutput<typeof ManifestSchema>;
type WeightsGroup = Manifest['weightsManifest'][number];
type ShardIntegrity = Manifest['integrity'][string];

export interface ParsedManifest {
  readonly config: ModelConfig;
  readonly groups: readonly WeightsGroup[];
  readonly integrity: ReadonlyMap<string, ShardIntegrity>;
  /** Sum of the shard sizes. */
  readonly totalBytes: number;
}

const formatError = (message: string, weight?: string): WeightsError =>
  new WeightsError('format', `${MODEL_JSON}: ${message}`, { file: MODEL_JSON, ...(weight !== undefined ? { weight } : {}) });

const showShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Checks one manifest spec against the architecture's expectation. */
function checkSpec(spec: tf.io.WeightsManifestEntry, want: ExpectedWeight): void {
  const name = want.name;
  if (spec.shape.length !== want.shape.length || spec.shape.some((d, i) => d !== want.shape[i])) {
    throw new WeightsError(
      'shape',
      `${MODEL_JSON}: weight '${name}' has shape ${showShape(spec.shape)}, the architecture needs ${showShape(want.shape)}`,
      { file: MODEL_JSON, weight: name },
    );
  }
  if (spec.dtype !== want.dtype) {
    throw new WeightsError('dtype', `${MODEL_JSON}: weight '${name}' has dtype '${spec.dtype}', expected '${want.dtype}'`, {
      file: MODEL_JSON,
      weight: name,
    });
  }
  const stored = spec.quantization?.dtype;
  if (stored !== undefined && stored !== 'float16') {
    throw new WeightsError(
      'dtype',
      `${MODEL_JSON}: weight '${name}' is stored as '${stored}'; this build reads float32 or float16 (quantization {dtype: 'float16'})`,
      { file: MODEL_JSON, weight: name },
    );
  }
}

/** Validates a parsed model.json (everything that can be checked before downloading shards). */
export function parseManifest(raw: unknown): ParsedManifest {
  const parsed = parseWith(ManifestSchema, raw, { root: '' });
  if (!parsed.ok) {
    const { message, path, name } = parsed.failure;
    if (path === 'formatVersion') throw new WeightsError('version', `${MODEL_JSON}: ${message}`, { file: MODEL_JSON });
    throw formatError(message, name);
  }
  const m = parsed.value;
  const config = validateConfig(m.config);

  const integrity = new Map<string, ShardIntegrity>();
  for (const p of m.weightsManifest.flatMap((g) => g.paths)) {
    if (integrity.has(p)) throw formatError(`shard '${p}' is listed twice`);
    const entry = m.integrity[p];
    if (entry === undefined) throw formatError(`integrity['${p}'].sha256 must be 64 lowercase hex digits`);
    integrity.set(p, entry);
  }
  const groups = m.weightsManifest;

  // Names and shapes come from the architecture; the manifest must match it exactly.
  const specs = new Map<string, tf.io.WeightsManifestEntry>();
  for (const spec of groups.flatMap((g) => g.weights)) {
    if (specs.has(spec.name)) throw formatError(`weight '${spec.name}' is listed twice`, spec.name);
    specs.set(spec.name, spec);
  }
  const expected = expectedWeights(config);
  for (const want of expected) {
    const spec = specs.get(want.name);
    if (spec === undefined) throw formatError(`missing weight '${want.name}' ${showShape(want.shape)}`, want.name);
    checkSpec(spec, want);
  }
  const known = new Set(expected.map((w) => w.name));
  for (const name of specs.keys()) {
    if (!known.has(name)) throw formatError(`unexpected weight '${name}' (not part of this architecture)`, name);
  }

  // Each group's specs must account for exactly its shards' bytes (offsets are per group).
  for (const g of groups) {
    const need = g.weights.reduce((n, s) => n + numel(s.shape) * (STORED_BYTES[s.quantization?.dtype ?? s.dtype] ?? 4), 0);
    const have = g.paths.reduce((n, p) => n + (integrity.get(p)?.bytes ?? 0), 0);
    if (need !== have) {
      throw formatError(`the weights of group [${g.paths.join(', ')}] need ${need} bytes, integrity lists ${have}`);
    }
  }
  const totalBytes = [...integrity.values()].reduce((n, e) => n + e.bytes, 0);
  return { config, groups, integrity, totalBytes };
}

// ---------------------------------------------------------------------------------------------
// Fetching

function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'name' in e && e.name === 'AbortError';
}

function cancelled(file: string): WeightsError {
  return new WeightsError('cancelled', `loading weights was cancelled (${file})`, { file });
}

/** Maps anything thrown while fetching `file` to a WeightsError. */
function asWeightsError(e: unknown, file: string, url: string, signal: AbortSignal): WeightsError {
  if (e instanceof WeightsError) return e;
  if (signal.aborted || isAbort(e)) return cancelled(file);
  const why = e instanceof Error ? e.message : String(e);
  return new WeightsError('network', `${file}: network error fetching ${url}: ${why}`, { file, cause: e });
}

async function get(fetchFn: FetchLike, url: string, file: string, signal: AbortSignal): Promise<Response> {
  if (signal.aborted) throw cancelled(file);
  let res: Response;
  try {
    res = await fetchFn(url, { signal });
  } catch (e) {
    throw asWeightsError(e, file, url, signal);
  }
  if (!res.ok) {
    throw new WeightsError('http', `${file}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} fetching ${url}`, { file });
  }
  return res;
}

/** Reads a shard into a buffer of exactly `want.bytes`, reporting progress, then checks its sha256. */
async function readShard(
  res: Response,
  file: string,
  want: ShardIntegrity,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  const buf = new Uint8Array(new ArrayBuffer(want.bytes));
  let n = 0;
  const tooLong = (): WeightsError =>
    new WeightsError('integrity', `${file}: size mismatch: expected ${want.bytes} bytes, got more`, { file });
  if (res.body === null) {
    const all = new Uint8Array(await res.arrayBuffer());
    if (all.byteLength > want.bytes) throw tooLong();
    buf.set(all);
    n = all.byteLength;
    onBytes(n);
  } else {
    const reader = res.body.getReader();
    try {
      for (;;) {
        if (signal.aborted) throw cancelled(file);
        const { done, value } = await reader.read();
        if (done) break;
        if (n + value.byteLength > want.bytes) throw tooLong();
        buf.set(value, n);
        n += value.byteLength;
        onBytes(value.byteLength);
      }
    } catch (e) {
      void reader.cancel().catch(() => undefined);
      throw e;
    } finally {
      reader.releaseLock();
    }
  }
  if (signal.aborted) throw cancelled(file);
  if (n !== want.bytes) {
    throw new WeightsError('integrity', `${file}: size mismatch (truncated?): expected ${want.bytes} bytes, got ${n}`, { file });
  }
  const sha = await sha256Hex(buf);
  if (sha !== want.sha256) {
    throw new WeightsError('integrity', `${file}: sha256 mismatch: expected ${want.sha256}, got ${sha}`, { file });
  }
  return buf;
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out.buffer;
}

export function disposeWeights(weights: tf.NamedTensorMap): void {
  for (const t of Object.values(weights)) t.dispose();
}

/** Decodes every group and checks the tensors against the architecture once more. */
function decode(manifest: ParsedManifest, shards: ReadonlyMap<string, Uint8Array>): tf.NamedTensorMap {
  const weights: tf.NamedTensorMap = {};
  try {
    for (const g of manifest.groups) {
      const data = concat(g.paths.map((p) => shards.get(p) ?? new Uint8Array(0)));
      let decoded: tf.NamedTensorMap;
      try {
        // tfjs-core 4.22 io_utils: quantization {dtype: 'float16'} on a float32 spec -> float32 tensor.
        decoded = tf.io.decodeWeights(data, g.weights);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        const file = g.paths[0] ?? MODEL_JSON;
        throw new WeightsError('format', `${g.paths.join(', ')}: cannot decode weights: ${why}`, { file, cause: e });
      }
      Object.assign(weights, decoded);
    }
    for (const want of expectedWeights(manifest.config)) {
      const t = weights[want.name];
      if (t === undefined) throw formatError(`missing weight '${want.name}' after decoding`, want.name);
      if (t.dtype !== want.dtype) {
        throw new WeightsError('dtype', `weight '${want.name}' decoded as ${t.dtype}, expected ${want.dtype}`, { weight: want.name });
      }
      if (t.rank !== want.shape.length || t.shape.some((d, i) => d !== want.shape[i])) {
        const message = `weight '${want.name}' decoded with shape ${showShape(t.shape)}, expected ${showShape(want.shape)}`;
        throw new WeightsError('shape', message, { weight: want.name });
      }
    }
  } catch (e) {
    disposeWeights(weights);
    throw e;
  }
  return weights;
}

/**
 * Fetches and validates `${baseUrl}/model.json` and its shards; returns the config and the
 * decoded tensors. Cancel with `signal` (rejects with kind 'cancelled', nothing left allocated).
 */
export async function loadWeights(baseUrl: string, options: LoadWeightsOptions = {}): Promise<LoadedWeights> {
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  // One inner controller: the caller's signal, or the first failing shard, stops every download.
  const inner = new AbortController();
  const outer = options.signal;
  const forward = (): void => inner.abort(outer?.reason);
  const callerCancelled = (): boolean => outer?.aborted === true;
  if (callerCancelled()) throw cancelled(MODEL_JSON);
  outer?.addEventListener('abort', forward, { once: true });
  const signal = inner.signal;
  try {
    const url = `${base}${MODEL_JSON}`;
    const res = await get(fetchFn, url, MODEL_JSON, signal);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw asWeightsError(e, MODEL_JSON, url, signal);
    }
    if (/^\s*<(!doctype|html)/i.test(text)) {
      // A server's fallback page (an SPA answers every path with index.html): there is no model.json there.
      throw new WeightsError('http', `${MODEL_JSON}: not found at ${url} (the server answered with a web page)`, { file: MODEL_JSON });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw formatError(`is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const manifest = parseManifest(json);

    let loaded = 0;
    const total = manifest.totalBytes;
    const shards = new Map<string, Uint8Array>();
    const downloads = [...manifest.integrity].map(async ([file, want]) => {
      const shardUrl = `${base}${file}`;
      try {
        const shardRes = await get(fetchFn, shardUrl, file, signal);
        const bytes = await readShard(shardRes, file, want, signal, (n) => {
          loaded += n;
          options.onProgress?.({ loaded, total, file });
        });
        shards.set(file, bytes);
      } catch (e) {
        const err = asWeightsError(e, file, shardUrl, signal);
        inner.abort(err); // stop the other shards
        throw err;
      }
    });
    const results = await Promise.allSettled(downloads);
    if (callerCancelled()) throw cancelled(MODEL_JSON);
    // Report the first real failure, not the cancellations it caused in the other downloads.
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as WeightsError] : []));
    const first = failures.find((e) => e.kind !== 'cancelled') ?? failures[0];
    if (first !== undefined) throw first;

    return { config: manifest.config, weights: decode(manifest, shards), bytes: total };
  } finally {
    outer?.removeEventListener('abort', forward);
  }
}
