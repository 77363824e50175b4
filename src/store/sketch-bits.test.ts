import { describe, expect, it } from 'vitest';
import { decodeSketchBits, edgeCount, encodeSketchBits } from './sketch-bits.ts';

describe('sketch bits', () => {
  it('round-trips a 32x32 sketch in 171 URL-safe characters', () => {
    const sketch = new Float32Array(1024);
    for (let i = 0; i < 1024; i += 7) sketch[i] = 1;
    sketch[1023] = 1;
    const text = encodeSketchBits(sketch);
    expect(text).toMatch(/^[A-Za-z0-9_-]{171}$/);
    expect(decodeSketchBits(text, 32)).toEqual(sketch);
    expect(edgeCount(sketch)).toBe(148);
  });

  it('refuses malformed text', () => {
    expect(decodeSketchBits('abc', 32)).toBeNull();
    expect(decodeSketchBits('a+b/', 32)).toBeNull();
    expect(decodeSketchBits(encodeSketchBits(new Float32Array(1024)) + 'AA', 32)).toBeNull();
  });
});
