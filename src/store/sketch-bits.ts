/**
 * A 32x32 sketch (edge map in {0, 1}) as a short URL-safe string: one bit per pixel, row-major, most
 * significant bit first, 128 bytes in base64url (171 characters). Lets a drawn sketch live in the URL hash.
 */

/** Packs pixels > 0.5 as 1 bits. */
export function encodeSketchBits(sketch: Float32Array): string {
  const bytes = new Uint8Array(Math.ceil(sketch.length / 8));
  for (let i = 0; i < sketch.length; i++) if (sketch[i]! > 0.5) bytes[i >> 3]! |= 0x80 >> (i & 7);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The inverse of encodeSketchBits for a side x side sketch; null for anything malformed. */
export function decodeSketchBits(text: string, side: number): Float32Array | null {
  const n = side * side;
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  let raw: string;
  try {
    raw = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
  if (raw.length !== Math.ceil(n / 8)) return null;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (raw.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1;
  return out;
}

/** Number of edge pixels (> 0.5). */
export function edgeCount(sketch: Float32Array): number {
  let n = 0;
  for (let i = 0; i < sketch.length; i++) if (sketch[i]! > 0.5) n++;
  return n;
}
