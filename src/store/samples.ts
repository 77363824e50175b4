/**
 * The bundled test samples (public/samples, written by training/export_samples.py): `images.bin` holds
 * `count` uint8 `size`x`size` images; `index.json` their labels and, for the joint image-representation
 * setting, each image's representation vector (whitened PCA of the independent classifier's features,
 * the same `r` the model's E_repr and repr head use) plus a larger `backdrop` of test-set points drawn
 * behind the representation map.
 */
import * as v from 'valibot';
import { fields, finite, integer, parseWith, strings } from '../model/schema.ts';
import type { MapPoints } from './state.ts';

export const SAMPLES_INDEX = 'samples/index.json';

const LABELS = 'an array of class numbers';
const labels = v.array(integer(0, LABELS), LABELS);
/** Vectors of one length each (the length is checked against the model's where known). */
const vectors = v.array(v.array(finite()));

/** index.json, field by field; the representations are optional, and malformed ones only lose the map. */
export const SamplesIndexSchema = fields({
  count: integer(0),
  size: integer(1),
  classNames: strings(),
  labels,
  representations: v.optional(v.unknown()),
  backdrop: v.optional(v.unknown()),
});

const BackdropSchema = v.object({ labels, representations: vectors });

export interface ParsedSamples {
  readonly count: number;
  readonly size: number;
  readonly classNames: readonly string[];
  readonly labels: readonly number[];
  /** Null when index.json has no representations (older exports). */
  readonly points: MapPoints | null;
}

/** `rows` as one array, or null unless it has `count` rows of length `dim`. */
function flatten(rows: unknown, count: number, dim: number): Float32Array | null {
  const r = v.safeParse(vectors, rows);
  if (!r.success || r.output.length !== count || r.output.some((row) => row.length !== dim)) return null;
  const out = new Float32Array(count * dim);
  r.output.forEach((row, i) => out.set(row, i * dim));
  return out;
}

/**
 * Checks index.json against the image bytes. Images, sizes and labels must agree (an error naming the
 * file and field otherwise); the representations are optional, but when present every vector must have
 * the same dimension (`expectedDim`, the model's config.representation.dim, when known) or they are all
 * rejected.
 */
export function parseSamplesIndex(index: unknown, imageBytes: number, expectedDim?: number): ParsedSamples {
  const parsed = parseWith(SamplesIndexSchema, index, { root: '', wholeArrays: true });
  if (!parsed.ok) throw new Error(`${SAMPLES_INDEX}: ${parsed.failure.message}`);
  const { count, size, classNames, labels: given, representations, backdrop } = parsed.value;
  if (imageBytes !== count * size * size || given.length !== count) {
    throw new Error(`samples: expected ${count} images of ${size}x${size} with labels, got ${imageBytes} bytes and ${given.length} labels`);
  }
  return { count, size, classNames, labels: given, points: parsePoints(representations, backdrop, given, expectedDim) };
}

function parsePoints(representations: unknown, backdrop: unknown, labels: readonly number[], expectedDim?: number): MapPoints | null {
  const count = labels.length;
  const first: unknown = Array.isArray(representations) ? representations[0] : undefined;
  const dim = expectedDim ?? (Array.isArray(first) ? first.length : 0);
  if (!(dim > 0)) return null;
  const own = flatten(representations, count, dim);
  if (own === null) return null;
  const b = v.safeParse(BackdropSchema, backdrop);
  const back = (b.success ? flatten(b.output.representations, b.output.labels.length, dim) : null) ?? new Float32Array(0);
  const backCount = back.length / dim;
  const reprs = new Float32Array((count + backCount) * dim);
  reprs.set(own, 0);
  reprs.set(back, count * dim);
  const all = new Int32Array(count + backCount);
  all.set(labels, 0);
  if (backCount > 0 && b.success) all.set(b.output.labels, count);
  return { count: count + backCount, dim, reprs, labels: all, sampleCount: count };
}
