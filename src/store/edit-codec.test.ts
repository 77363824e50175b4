import { describe, expect, it } from 'vitest';
import { quantizeDab, type LatentEdit } from '../core/latent-edit.ts';
import { decodeEdit, describeEdit, encodeEdit } from './edit-codec.ts';

describe('edit codec', () => {
  it('round-trips paint and re-noise edits on the dab grid, in URL-safe characters', () => {
    const paint: LatentEdit = { kind: 'paint', at: 12, sample: 3, dabs: [quantizeDab({ x: 15.2, y: 7.9, r: 3, s: 0.5 }), { x: 0, y: 32, r: 8, s: -2 }] };
    const text = encodeEdit(paint);
    expect(text).toBe('p12.3_30.16.3.50_0.64.8.-200');
    expect(decodeEdit(text)).toEqual(paint);
    const renoise: LatentEdit = { kind: 'renoise', at: 20, to: 4 };
    expect(encodeEdit(renoise)).toBe('r20.4');
    expect(decodeEdit('r20.4')).toEqual(renoise);
    expect(new URLSearchParams({ br: `4*edit.${text}` }).toString()).toBe(`br=4*edit.${text}`); // nothing escaped
    expect(describeEdit(paint)).toBe('z painted at step 12: 2 dabs on sample 4');
    expect(describeEdit(renoise)).toBe('x̂₀ of step 20 re-noised to step 4');
  });

  it('malformed text decodes to null', () => {
    for (const bad of ['', 'x1.2', 'p1', 'p1.0', 'p1.0_1.2.3', 'p1.0_1.2.3.a', 'r5', 'r5.-1', 'r1.2.3', 'p1.0_1.2.3.4_', 'p-1.0_1.1.1.1', 'r99999.1']) {
      expect(decodeEdit(bad), bad).toBeNull();
    }
  });
});
