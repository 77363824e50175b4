import { describe, expect, it } from 'vitest';
import { editProblem, EDIT_LIMITS, paintLatent, quantizeDab, renoiseLatent, type LatentEdit } from './latent-edit.ts';
import { renoiseNoise, stepNoise } from './rng.ts';

const run = { size: 4, batch: 2, steps: 10 };

describe('latent editing', () => {
  it('paint adds s (1 - d^2/r^2) inside the brush, on its sample only', () => {
    const z = new Float32Array(2 * 16);
    // Centre on pixel (1, 1)'s centre: that pixel gets s; its 4 neighbours are at d = 1: 1 - 1/4 = 0.75; corners d^2 = 2: 0.5.
    const out = paintLatent(z, 4, { sample: 1, dabs: [{ x: 1.5, y: 1.5, r: 2, s: 0.8 }] });
    const at = (x: number, y: number) => out[16 + y * 4 + x]!;
    expect(at(1, 1)).toBeCloseTo(0.8, 6);
    expect(at(2, 1)).toBeCloseTo(0.6, 6);
    expect(at(1, 0)).toBeCloseTo(0.6, 6);
    expect(at(2, 2)).toBeCloseTo(0.4, 6);
    expect(at(3, 1)).toBe(0); // d = 2: the edge of the brush
    expect(Array.from(out.subarray(0, 16))).toEqual(new Array<number>(16).fill(0)); // sample 0 untouched
    expect(Array.from(z)).toEqual(new Array<number>(32).fill(0)); // a new array
    // Darkening and two dabs add up.
    const two = paintLatent(z, 4, { sample: 0, dabs: [{ x: 0.5, y: 0.5, r: 1, s: -1 }, { x: 0.5, y: 0.5, r: 1, s: -0.5 }] });
    expect(two[0]).toBeCloseTo(-1.5, 6);
  });

  it('quantizeDab puts a dab on the grid a link can write', () => {
    expect(quantizeDab({ x: 3.26, y: 10.74, r: 2.6, s: 0.456 })).toEqual({ x: 3.5, y: 10.5, r: 3, s: 0.46 });
    expect(quantizeDab({ x: 0, y: 0, r: 30, s: -9 })).toEqual({ x: 0, y: 0, r: EDIT_LIMITS.maxRadius, s: -EDIT_LIMITS.maxStrength });
  });

  it('renoise is the forward marginal with the frame\'s drift: sqrt(aB) x0 + c + sqrt(1 - aB) xi', () => {
    const out = renoiseLatent(0.36, [1, -1], [0.5, 0], [2, 1]);
    expect(out[0]).toBeCloseTo(0.6 + 0.5 + 1.6, 6);
    expect(out[1]).toBeCloseTo(-0.6 + 0.8, 6);
    // Its own named noise stream: not the reverse step's noise at the same t.
    const a = renoiseNoise(7, 500, 8);
    expect(Array.from(a)).toEqual(Array.from(renoiseNoise(7, 500, 8)));
    expect(Array.from(a)).not.toEqual(Array.from(stepNoise(7, 500, 8)));
  });

  it('editProblem names what is wrong with an edit', () => {
    const paint = (patch: Partial<Extract<LatentEdit, { kind: 'paint' }>> = {}): LatentEdit => ({ kind: 'paint', at: 3, sample: 0, dabs: [{ x: 1, y: 1, r: 1, s: 1 }], ...patch });
    expect(editProblem(paint(), run)).toBeNull();
    expect(editProblem(paint({ at: 10 }), run)).toBe('Frame 10 cannot be edited: pick a frame in 0..9 (the last frame has no step left to continue).');
    expect(editProblem(paint({ dabs: [{ x: 5, y: 1, r: 1, s: 1 }] }), run)).toBe('The brush at (5, 1) is outside the 4×4 latent: paint inside the canvas.');
    expect(editProblem(paint({ dabs: [{ x: -0.5, y: 1, r: 1, s: 1 }] }), run)).toContain('outside the 4×4 latent');
    expect(editProblem(paint({ sample: 2 }), run)).toBe('Sample 2 is not in this run (samples 1..2).');
    expect(editProblem(paint({ dabs: [] }), run)).toBe('Paint on the latent first: the edit has no brush strokes.');
    expect(editProblem(paint({ dabs: new Array<{ x: number; y: number; r: number; s: number }>(41).fill({ x: 1, y: 1, r: 1, s: 1 }) }), run)).toContain('at most 40 brush dabs');
    expect(editProblem(paint({ dabs: [{ x: 1, y: 1, r: 9, s: 1 }] }), run)).toBe('Brush size 9 is outside 1..8.');
    expect(editProblem(paint({ dabs: [{ x: 1, y: 1, r: 1, s: 0 }] }), run)).toContain('strength 0');
    expect(editProblem({ kind: 'renoise', at: 5, to: 2 }, run)).toBeNull();
    expect(editProblem({ kind: 'renoise', at: 5, to: 5 }, run)).toBe('Re-noising goes back to an earlier frame (a higher t): pick a frame in 0..4, not 5.');
    expect(editProblem({ kind: 'renoise', at: 0, to: 0 }, run)).toContain('frame 0 has none before it');
  });
});
