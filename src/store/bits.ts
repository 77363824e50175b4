/**
 * A 0/1 image (an inpainting mask: 1 = visible; a sketch: 1 = edge) as a short URL-safe string: one bit
 * per cell, row-major, most significant bit first, in base64url without padding (a 32x32 image: 128 bytes,
 * 171 characters). The one bit-packer of the links (url.ts, share.ts) and the export (export.ts).
 */

/** A cell is on from 0.5 up (masks and sketches alike). */
export const isOn = (value: number): boolean => value >= 0.5;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Packs the cells (on: 1 bit) into base64url. */
export function encodeBits(cells: Float32Array): string {
  const bytes = new Uint8Array(Math.ceil(cells.length / 8));
  for (let i = 0; i < cells.length; i++) if (isOn(cells[i]!)) bytes[i >> 3]! |= 0x80 >> (i & 7);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += B64[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** The inverse of encodeBits for `count` cells (each 0 or 1); null for any other alphabet or length. */
export function decodeBits(text: string, count: number): Float32Array | null {
  const bytesNeeded = Math.ceil(count / 8);
  if (text.length !== Math.ceil((bytesNeeded * 8) / 6)) return null;
  const bytes = new Uint8Array(bytesNeeded);
  let acc = 0;
  let bits = 0;
  let k = 0;
  for (const ch of text) {
    const v = B64.indexOf(ch);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (k < bytesNeeded) bytes[k++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  const cells = new Float32Array(count);
  for (let i = 0; i < count; i++) cells[i] = bytes[i >> 3]! & (0x80 >> (i & 7)) ? 1 : 0;
  return cells;
}

/** Number of cells on (a sketch's edge pixels). */
export function edgeCount(cells: Float32Array): number {
  let n = 0;
  for (let i = 0; i < cells.length; i++) if (isOn(cells[i]!)) n++;
  return n;
}
