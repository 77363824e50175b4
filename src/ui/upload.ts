/**
 * An image file from the user, into the model's space: PNG, JPEG or WebP up to MAX_UPLOAD_BYTES and
 * MAX_UPLOAD_SIDE pixels a side, decoded with createImageBitmap (which rejects corrupt data), scaled to
 * the data size (28x28, aspect kept, centred on black), turned greyscale, inverted when its border is
 * light (Fashion-MNIST garments are light on a black background), then padded to the model's 32x32 in
 * [-1, 1] (src/model/sketch.ts toModelSpace). Every refusal is an UploadError with a sentence for the user.
 */
import { toModelSpace, type ImageGeometry } from '../model/sketch.ts';

export const ACCEPTED_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/webp'];
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
export const MAX_UPLOAD_SIDE = 4096;

export class UploadError extends Error {
  override readonly name = 'UploadError';
}

const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Checks type and size before reading a byte of the file. */
export function checkUpload(file: { readonly name: string; readonly type: string; readonly size: number }): void {
  if (!ACCEPTED_TYPES.includes(file.type)) {
    const what = file.type ? `a ${file.type} file` : 'a file of unknown type';
    throw new UploadError(`“${file.name}” is ${what}. Choose a PNG, JPEG or WebP image.`);
  }
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new UploadError(`“${file.name}” is ${mb(file.size)}; images up to ${mb(MAX_UPLOAD_BYTES)} are accepted. Choose a smaller image.`);
  }
  if (file.size === 0) throw new UploadError(`“${file.name}” is empty. Choose another image.`);
}

/** Greyscale uint8 pixels (row-major, n*n) -> inverted when the border is mostly light. */
export function normaliseGrey(grey: Uint8Array, n: number): Uint8Array {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (const [y, x] of [[0, i], [n - 1, i], [i, 0], [i, n - 1]] as const) {
      sum += grey[y * n + x] ?? 0;
      count++;
    }
  }
  return sum / count > 127 ? grey.map((v) => 255 - v) : grey;
}

/** Decodes, scales and converts an uploaded image; rejects with an UploadError the UI shows as is. */
export async function imageFileToModelSpace(file: File, geometry: ImageGeometry): Promise<Float32Array> {
  checkUpload(file);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new UploadError(`“${file.name}” could not be decoded: the file is damaged or not really a ${file.type.replace('image/', '').toUpperCase()} image. Choose another image.`);
  }
  try {
    if (bitmap.width === 0 || bitmap.height === 0 || bitmap.width > MAX_UPLOAD_SIDE || bitmap.height > MAX_UPLOAD_SIDE) {
      throw new UploadError(`“${file.name}” is ${bitmap.width}×${bitmap.height} pixels; images up to ${MAX_UPLOAD_SIDE}×${MAX_UPLOAD_SIDE} are accepted.`);
    }
    const n = geometry.dataSize;
    const canvas = document.createElement('canvas');
    canvas.width = n;
    canvas.height = n;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new UploadError('This browser cannot draw images into a canvas here.');
    // Light border first: transparent pixels read as white, so the inversion test sees the background.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, n, n);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    const scale = n / Math.max(bitmap.width, bitmap.height);
    const w = bitmap.width * scale;
    const h = bitmap.height * scale;
    ctx.drawImage(bitmap, (n - w) / 2, (n - h) / 2, w, h);
    const rgba = ctx.getImageData(0, 0, n, n).data;
    const grey = new Uint8Array(n * n);
    for (let i = 0; i < n * n; i++) {
      // ITU-R BT.601 luma.
      grey[i] = Math.round(0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!);
    }
    return toModelSpace(normaliseGrey(grey, n), geometry);
  } finally {
    bitmap.close();
  }
}
