/**
 * What a shared link carries beyond the run config (url.ts): the frame shown, the bundled test image,
 * the inpainting mask and the compare settings, and the mask's compact text encoding.
 *
 * Mask encoding (32x32 = 1024 cells, 1 = visible, 0 = hidden), whichever is shorter:
 *   - `r<first>.<run>.<run>...`: run-length, runs in base 36, alternating from the first cell's value;
 *   - `b<base64url>`: one bit per cell, row-major, most significant bit first (171 characters).
 * Parsing validates everything (alphabet, run total = 1024, length); an invalid mask is ignored.
 */
export const MASK_CELLS = 32 * 32;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encodeBits(mask: Float32Array): string {
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]! >= 0.5) bytes[i >> 3]! |= 0x80 >> (i & 7);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += B64[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

function decodeBits(text: string, cells: number): Float32Array | null {
  const bytesNeeded = Math.ceil(cells / 8);
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
  const mask = new Float32Array(cells);
  for (let i = 0; i < cells; i++) mask[i] = bytes[i >> 3]! & (0x80 >> (i & 7)) ? 1 : 0;
  return mask;
}

function encodeRuns(mask: Float32Array): string {
  const runs: number[] = [];
  let value = mask[0]! >= 0.5 ? 1 : 0;
  const first = value;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i]! >= 0.5 ? 1 : 0;
    if (v === value) run++;
    else {
      runs.push(run);
      value = v;
      run = 1;
    }
  }
  runs.push(run);
  return `${first}.${runs.map((r) => r.toString(36)).join('.')}`;
}

function decodeRuns(text: string, cells: number): Float32Array | null {
  const parts = text.split('.');
  if (parts.length < 2 || (parts[0] !== '0' && parts[0] !== '1')) return null;
  const mask = new Float32Array(cells);
  let value = Number(parts[0]);
  let i = 0;
  for (const p of parts.slice(1)) {
    if (!/^[0-9a-z]{1,3}$/.test(p)) return null;
    const run = parseInt(p, 36);
    if (run < 1 || i + run > cells) return null;
    mask.fill(value, i, i + run);
    i += run;
    value = 1 - value;
  }
  return i === cells ? mask : null;
}

/** The shorter of the run-length and bit encodings of a 32x32 mask (values >= 0.5 count as visible). */
export function encodeMask(mask: Float32Array): string {
  if (mask.length !== MASK_CELLS) throw new RangeError(`encodeMask: expected ${MASK_CELLS} cells, got ${mask.length}`);
  const runs = `r${encodeRuns(mask)}`;
  const bits = `b${encodeBits(mask)}`;
  return runs.length <= bits.length ? runs : bits;
}

/** Decodes encodeMask's text; null when it is not a valid 32x32 mask. */
export function decodeMask(text: string): Float32Array | null {
  if (text.startsWith('r')) return decodeRuns(text.slice(1), MASK_CELLS);
  if (text.startsWith('b')) return decodeBits(text.slice(1), MASK_CELLS);
  return null;
}
