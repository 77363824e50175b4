/**
 * What a shared link carries beyond the run config (url.ts): the frame shown, the bundled test image,
 * the inpainting mask and the compare settings, and the mask's compact text encoding.
 *
 * Mask encoding (32x32 = 1024 cells, 1 = visible, 0 = hidden), whichever is shorter:
 *   - `r<first>.<run>.<run>...`: run-length, runs in base 36, alternating from the first cell's value;
 *   - `b<base64url>`: one bit per cell (bits.ts, the bit-packer sketches use too; 171 characters).
 * Parsing validates everything (alphabet, run total = 1024, length); an invalid mask is ignored.
 */
import { decodeBits, encodeBits, isOn } from './bits.ts';

export const MASK_CELLS = 32 * 32;

function encodeRuns(mask: Float32Array): string {
  const runs: number[] = [];
  let value = isOn(mask[0]!) ? 1 : 0;
  const first = value;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = isOn(mask[i]!) ? 1 : 0;
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
