/**
 * The bundled test samples (public/samples, written by training/export_samples.py): `images.bin` holds
 * `count` uint8 `size`x`size` images; `index.json` their labels and, for the joint image-representation
 * setting, each image's representation vector (whitened PCA of the independent classifier's features,
 * the same `r` the model's E_repr and repr head use) plus a larger `backdrop` of test-set points drawn
 * behind the representation map.
 */
import type { MapPoints } from './state.ts';

export interface ParsedSamples {
  readonly count: number;
  readonly size: number;
  readonly classNames: readonly string[];
  readonly labels: readonly number[];
  /** Null when index.json has no representations (older exports). */
  readonly points: MapPoints | null;
}

const isNumberArray = (v: unknown, length?: number): v is number[] =>
  Array.isArray(v) && (length === undefined || v.length === length) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Flattens `rows` (each of length dim) or returns null when any row is malformed. */
function flatten(rows: unknown, count: number, dim: number): Float32Array | null {
  if (!Array.isArray(rows) || rows.length !== count) return null;
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const row: unknown = rows[i];
    if (!isNumberArray(row, dim)) return null;
    out.set(row, i * dim);
  }
  return out;
}

/**
 * Checks index.json against the image bytes. Images, sizes and labels must agree (an error otherwise);
 * the representations are optional, but when present every vector must have the same dimension
 * (`expectedDim`, the model's config.representation.dim, when known) or they are all rejected.
 */
export function parseSamplesIndex(index: unknown, imageBytes: number, expectedDim?: number): ParsedSamples {
  const o = (typeof index === 'object' && index !== null ? index : {}) as Record<string, unknown>;
  const count = Number(o['count']);
  const size = Number(o['size']);
  const labels = Array.isArray(o['labels']) ? o['labels'].map(Number) : [];
  const classNames = Array.isArray(o['classNames']) ? o['classNames'].map(String) : [];
  if (!Number.isInteger(count) || !Number.isInteger(size) || imageBytes !== count * size * size || labels.length !== count) {
    throw new Error(`samples: expected ${count} images of ${size}x${size} with labels, got ${imageBytes} bytes and ${labels.length} labels`);
  }
  return { count, size, classNames, labels, points: parsePoints(o, count, labels, expectedDim) };
}

function parsePoints(o: Record<string, unknown>, count: number, labels: readonly number[], expectedDim?: number): MapPoints | null {
  const first: unknown = Array.isArray(o['representations']) ? o['representations'][0] : undefined;
  const dim = expectedDim ?? (Array.isArray(first) ? first.length : 0);
  if (!(dim > 0)) return null;
  const own = flatten(o['representations'], count, dim);
  if (own === null) return null;
  const b = (typeof o['backdrop'] === 'object' && o['backdrop'] !== null ? o['backdrop'] : {}) as Record<string, unknown>;
  const backLabels = isNumberArray(b['labels']) ? b['labels'] : [];
  const back = flatten(b['representations'], backLabels.length, dim) ?? new Float32Array(0);
  const backCount = back.length / dim;
  const reprs = new Float32Array((count + backCount) * dim);
  reprs.set(own, 0);
  reprs.set(back, count * dim);
  const all = new Int32Array(count + backCount);
  all.set(labels, 0);
  if (backCount > 0) all.set(backLabels, count);
  return { count: count + backCount, dim, reprs, labels: all, sampleCount: count };
}
