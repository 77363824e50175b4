/**
 * Reading the label head along a trajectory: the most likely class per frame, how often it changes, and a
 * running mean that the label chart can show instead of the raw reading (inpainting with paste re-noises
 * the visible pixels every step, and the head, which reads z_t, jumps between close classes with it).
 */

/** The most likely class at each frame (probs[f][c]). */
export function argmaxSeries(probs: readonly Float32Array[]): number[] {
  return probs.map((p) => {
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
    return best;
  });
}

/** How many times the most likely class changes from one frame to the next. */
export function labelFlips(probs: readonly Float32Array[]): number {
  const classes = argmaxSeries(probs);
  let flips = 0;
  for (let f = 1; f < classes.length; f++) if (classes[f] !== classes[f - 1]) flips++;
  return flips;
}

/** Frames in the label chart's running mean. */
export const LABEL_SMOOTHING = 5;

/**
 * The trailing running mean of the probabilities over `window` frames (frame f averages frames
 * max(0, f - window + 1)..f): it uses no frame after f, so it reads the same while a run computes.
 */
export function smoothSeries(probs: readonly Float32Array[], window = LABEL_SMOOTHING): Float32Array[] {
  return probs.map((_, f) => {
    const from = Math.max(0, f - window + 1);
    const out = new Float32Array(probs[f]!.length);
    for (let g = from; g <= f; g++) for (let c = 0; c < out.length; c++) out[c]! += probs[g]![c]! / (f - from + 1);
    return out;
  });
}
