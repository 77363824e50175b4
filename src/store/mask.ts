/**
 * Pure helpers of the masked-image editor, in model space: 32x32 row-major Float32Arrays.
 * Mask convention (protocol.ts RunRequest.mask): 1 = visible (kept), 0 = hidden (generated).
 * A drawn image is in [-1, 1] with the background -1, like toModelSpace's output.
 */
import type { MaskPreset, Point } from './state.ts';

export const MASK_PRESETS: readonly MaskPreset[] = ['box', 'left', 'right', 'top', 'bottom', 'all', 'none'];

/** A fresh mask: `visible` everywhere. */
export function filledMask(side: number, visible: boolean): Float32Array {
  return new Float32Array(side * side).fill(visible ? 1 : 0);
}

/**
 * A preset mask: 'box' hides the centre square (half the side), 'left'/'right'/'top'/'bottom' hide that
 * half, 'all' hides everything (plain generation), 'none' hides nothing.
 */
export function presetMask(preset: MaskPreset, side: number): Float32Array {
  const m = filledMask(side, true);
  const half = side / 2;
  const q = side / 4;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let hidden: boolean;
      switch (preset) {
        case 'box':
          hidden = x >= q && x < side - q && y >= q && y < side - q;
          break;
        case 'left':
          hidden = x < half;
          break;
        case 'right':
          hidden = x >= half;
          break;
        case 'top':
          hidden = y < half;
          break;
        case 'bottom':
          hidden = y >= half;
          break;
        case 'all':
          hidden = true;
          break;
        case 'none':
          hidden = false;
          break;
      }
      if (hidden) m[y * side + x] = 0;
    }
  }
  return m;
}


/**
 * Paints a round brush of `radius` pixels along the segment a -> b (a === b: one dab), writing `value`.
 * Returns a new array (the input is not changed), so the store can keep snapshots for undo.
 */
export function paintStroke(src: Float32Array, side: number, a: Point, b: Point, radius: number, value: number): Float32Array {
  const out = src.slice();
  const r = Math.max(0.5, radius);
  const dist = Math.hypot(b.x - a.x, b.y - a.y);
  const steps = Math.max(1, Math.ceil(dist / 0.5));
  for (let s = 0; s <= steps; s++) {
    const cx = a.x + ((b.x - a.x) * s) / steps;
    const cy = a.y + ((b.y - a.y) * s) / steps;
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(side - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(side - 1, Math.ceil(cy + r));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        // Pixel centres at (x + 0.5, y + 0.5).
        if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r) out[y * side + x] = value;
      }
    }
  }
  return out;
}

/** Number of hidden pixels (mask value < 0.5). */
export function hiddenCount(mask: Float32Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]! < 0.5) n++;
  return n;
}
