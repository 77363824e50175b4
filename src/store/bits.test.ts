import { describe, expect, it } from 'vitest';
import { decodeBits, edgeCount, encodeBits } from './bits.ts';
import { decodeMask, encodeMask } from './share.ts';

describe('bits', () => {
  it('round-trips a 32x32 image in 171 URL-safe characters', () => {
    const sketch = new Float32Array(1024);
    for (let i = 0; i < 1024; i += 7) sketch[i] = 1;
    sketch[1023] = 1;
    const text = encodeBits(sketch);
    expect(text).toMatch(/^[A-Za-z0-9_-]{171}$/);
    expect(decodeBits(text, 1024)).toEqual(sketch);
    expect(edgeCount(sketch)).toBe(148);
  });

  it('refuses malformed text', () => {
    expect(decodeBits('abc', 1024)).toBeNull();
    expect(decodeBits('a+b/', 1024)).toBeNull();
    expect(decodeBits(encodeBits(new Float32Array(1024)) + 'AA', 1024)).toBeNull();
    expect(decodeBits(`${encodeBits(new Float32Array(1024)).slice(1)}=`, 1024)).toBeNull();
  });

  it('one threshold for masks and sketches: on from 0.5', () => {
    const soft = new Float32Array(1024).map((_, i) => (i % 4) / 4 + 0.25); // 0.25, 0.5, 0.75, 1
    const bits = decodeBits(encodeBits(soft), 1024)!;
    expect([...bits.subarray(0, 4)]).toEqual([0, 1, 1, 1]);
    expect(edgeCount(soft)).toBe(768);
    expect(decodeMask(encodeMask(soft))).toEqual(bits);
  });

  it('a mask link and a sketch link of the same image carry the same bits', () => {
    const image = new Float32Array(1024).map((_, i) => ((i * 2654435761) >>> 31) & 1);
    expect(encodeMask(image)).toBe(`b${encodeBits(image)}`);
  });
});
