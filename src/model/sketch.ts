/**
 * The image conventions of training/mtd/data.py, in plain TypeScript (no tfjs):
 *   toModelSpace: uint8 [28, 28] -> x / 127.5 - 1, padded to [32, 32] with the background -1;
 *   sketchOf:     integer Sobel on the uint8 image (zero outside), edge where |g|^2 > thresholdSq,
 *                 {0, 1}, padded to [32, 32] with 0 — bit for bit `sketch_of`.
 * Arrays are row-major (index = y * side + x), which is NHWC [1, side, side, 1] flattened.
 */
import type { ModelConfig } from './config.ts';

/** The config fields these functions use; a ModelConfig satisfies it. */
export type ImageGeometry = Pick<ModelConfig, 'dataSize' | 'pad' | 'imageSize'>;
export type SketchParams = ImageGeometry & { readonly sketch: { readonly thresholdSq: number } };

function checkImage(image: Uint8Array, geometry: ImageGeometry): void {
  if (image.length !== geometry.dataSize * geometry.dataSize) {
    const n = geometry.dataSize;
    throw new RangeError(`expected a ${n}x${n} uint8 image (${n * n} values), got ${image.length}`);
  }
}

/** data.py to_model_space: x = u8 / 127.5 - 1 (float32), padded with -1 -> [imageSize^2]. */
export function toModelSpace(image: Uint8Array, geometry: ImageGeometry): Float32Array {
  checkImage(image, geometry);
  const { dataSize: n, pad, imageSize: s } = geometry;
  const out = new Float32Array(s * s).fill(-1);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      // float32(u8) / float32(127.5) - 1 in float32, as numpy computes it.
      out[(y + pad) * s + (x + pad)] = Math.fround(Math.fround((image[y * n + x] ?? 0) / 127.5) - 1);
    }
  }
  return out;
}

/**
 * data.py sketch_of: gx = [-1 0 1; -2 0 2; -1 0 1] * a, gy = [-1 -2 -1; 0 0 0; 1 2 1] * a (a = uint8
 * image, 0 outside), edge = gx^2 + gy^2 > thresholdSq. Integer arithmetic only. -> [imageSize^2] in {0, 1}.
 */
export function sketchOf(image: Uint8Array, params: SketchParams): Float32Array {
  checkImage(image, params);
  const { dataSize: n, pad, imageSize: s } = params;
  const threshold = params.sketch.thresholdSq;
  const at = (y: number, x: number): number => (y < 0 || y >= n || x < 0 || x >= n ? 0 : (image[y * n + x] ?? 0));
  const out = new Float32Array(s * s);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const gx = at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - (at(y - 1, x - 1) + 2 * at(y, x - 1) + at(y + 1, x - 1));
      const gy = at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - (at(y - 1, x - 1) + 2 * at(y - 1, x) + at(y - 1, x + 1));
      out[(y + pad) * s + (x + pad)] = gx * gx + gy * gy > threshold ? 1 : 0;
    }
  }
  return out;
}
