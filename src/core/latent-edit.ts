/**
 * Latent editing mid-run: a paused run's z at frame k is changed, then the run continues from it as a
 * branch (store/edit-actions.ts). Two edits act on z itself (a third, changing the condition, is an ordinary
 * branch with other settings):
 *   paint    z_k += sum over dabs of s * max(0, 1 - d^2 / r^2) on one sample (d: distance of a pixel's centre
 *            to the dab's centre): a soft round brush that adds (s > 0) or removes (s < 0) brightness.
 *   renoise  SDEdit (Meng et al. 2022): x^_0 of frame k diffused forward to the higher timestep t_j of an
 *            earlier frame j through MT-Diffusion's marginal q(z_t | x, E) (MT-DIFFUSION.md "Closed form"),
 *            z_j = sqrt(aB_{t_j}) x^_0 + c^_{t_j} + sqrt(1 - aB_{t_j}) xi, with the drift c^_{t_j} the run had
 *            at frame j and xi = renoiseNoise(seed, t_j); every sample of the batch.
 * A link carries an edit (store/edit-codec.ts), so the numbers of a dab live on a grid a link can write
 * exactly: centres in half pixels, radius in whole pixels, strength in hundredths (quantizeDab).
 */

/** One brush dab: centre (x, y) in pixels of the S x S latent (0..S; pixel i's centre is i + 0.5), radius r, strength s. */
export interface Dab {
  readonly x: number;
  readonly y: number;
  readonly r: number;
  readonly s: number;
}

export type LatentEdit =
  | { readonly kind: 'paint'; readonly at: number; readonly sample: number; readonly dabs: readonly Dab[] }
  | { readonly kind: 'renoise'; readonly at: number; readonly to: number };

export const EDIT_LIMITS = {
  /** Dabs in one paint edit (a link carries every one: ~12 characters each). */
  maxDabs: 40,
  minRadius: 1,
  maxRadius: 8,
  /** |s| at most. */
  maxStrength: 2,
} as const;

/** A dab on the link's grid: centre to half pixels, radius to whole pixels (clamped), strength to hundredths (clamped). */
export function quantizeDab(d: Dab): Dab {
  const r = Math.min(EDIT_LIMITS.maxRadius, Math.max(EDIT_LIMITS.minRadius, Math.round(d.r)));
  const s = Math.min(EDIT_LIMITS.maxStrength, Math.max(-EDIT_LIMITS.maxStrength, Math.round(d.s * 100) / 100));
  return { x: Math.round(d.x * 2) / 2, y: Math.round(d.y * 2) / 2, r, s };
}

/** The frame the edited branch starts from: the painted frame k, or the earlier frame j that re-noising re-enters. */
export function editStart(edit: LatentEdit): number {
  return edit.kind === 'paint' ? edit.at : edit.to;
}

/** What a run offers to an edit: the latent's side, the batch, the frames (steps + 1). */
export interface EditTarget {
  readonly size: number;
  readonly batch: number;
  readonly steps: number;
}

/**
 * Why an edit cannot apply to a run, in words for the user, or null when it can. The frames an edit may
 * change are 0..steps - 1 (the last frame, z_0, has no step left to continue with).
 */
export function editProblem(edit: LatentEdit, run: EditTarget): string | null {
  const last = run.steps - 1;
  if (!Number.isInteger(edit.at) || edit.at < 0 || edit.at > last) {
    return `Frame ${edit.at} cannot be edited: pick a frame in 0..${last} (the last frame has no step left to continue).`;
  }
  if (edit.kind === 'renoise') {
    if (!Number.isInteger(edit.to) || edit.to < 0 || edit.to >= edit.at) {
      return `Re-noising goes back to an earlier frame (a higher t): pick a frame in 0..${edit.at - 1}${edit.at === 0 ? ' (frame 0 has none before it)' : ''}, not ${edit.to}.`;
    }
    return null;
  }
  if (!Number.isInteger(edit.sample) || edit.sample < 0 || edit.sample >= run.batch) return `Sample ${edit.sample} is not in this run (samples 1..${run.batch}).`;
  if (edit.dabs.length === 0) return 'Paint on the latent first: the edit has no brush strokes.';
  if (edit.dabs.length > EDIT_LIMITS.maxDabs) return `An edit holds at most ${EDIT_LIMITS.maxDabs} brush dabs (a link must carry them); this one has ${edit.dabs.length}.`;
  for (const d of edit.dabs) {
    if (!(d.x >= 0 && d.x <= run.size && d.y >= 0 && d.y <= run.size)) {
      return `The brush at (${d.x}, ${d.y}) is outside the ${run.size}×${run.size} latent: paint inside the canvas.`;
    }
    if (!(d.r >= EDIT_LIMITS.minRadius && d.r <= EDIT_LIMITS.maxRadius)) return `Brush size ${d.r} is outside ${EDIT_LIMITS.minRadius}..${EDIT_LIMITS.maxRadius}.`;
    if (!(Math.abs(d.s) <= EDIT_LIMITS.maxStrength) || d.s === 0) return `Brush strength ${d.s} is outside ±${EDIT_LIMITS.maxStrength} (and not 0).`;
  }
  return null;
}

/** z with the paint edit's dabs added to its sample (a new array; z is B*S*S, row-major per sample). */
export function paintLatent(z: Float32Array, size: number, edit: { readonly sample: number; readonly dabs: readonly Dab[] }): Float32Array {
  const out = z.slice();
  const o = edit.sample * size * size;
  for (const d of edit.dabs) {
    const r2 = d.r * d.r;
    const y0 = Math.max(0, Math.floor(d.y - d.r));
    const y1 = Math.min(size - 1, Math.ceil(d.y + d.r));
    const x0 = Math.max(0, Math.floor(d.x - d.r));
    const x1 = Math.min(size - 1, Math.ceil(d.x + d.r));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - d.x;
        const dy = y + 0.5 - d.y;
        const w = 1 - (dx * dx + dy * dy) / r2; // max(0, 1 - d^2 / r^2)
        if (w > 0) out[o + y * size + x] = out[o + y * size + x]! + d.s * w;
      }
    }
  }
  return out;
}

/**
 * SDEdit in MT-Diffusion's forward process: z_t = sqrt(aB_t) x0 + drift + sqrt(1 - aB_t) xi (all B*S*S;
 * drift = c^_t of the frame re-entered, xi ~ N(0, I) from renoiseNoise).
 */
export function renoiseLatent(alphaBar: number, x0: ArrayLike<number>, drift: ArrayLike<number>, xi: ArrayLike<number>): Float32Array {
  const a = Math.sqrt(alphaBar);
  const s = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(x0.length);
  for (let i = 0; i < out.length; i++) out[i] = a * x0[i]! + drift[i]! + s * xi[i]!;
  return out;
}
