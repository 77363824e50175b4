import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type ModelConfig } from './config.ts';
import { sketchOf, toModelSpace } from './sketch.ts';
import { loadParityFixture, maxAbsDiff, readRepoJson, type ParityFixture } from './testing.ts';

let fixture: ParityFixture;
let config: ModelConfig;

beforeAll(async () => {
  fixture = await loadParityFixture();
  const manifest = (await readRepoJson('public/weights/model.json')) as { config: unknown };
  config = validateConfig(manifest.config);
});

/** Recovers the uint8 test image from inputs.image (x = u8 / 127.5 - 1, padded) of sample b. */
function recoverUint8(f: ParityFixture, b: number, cfg: ModelConfig): Uint8Array {
  const { dataSize: n, pad, imageSize: s } = cfg;
  const u8 = new Uint8Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const v = f.inputs.image[b * s * s + (y + pad) * s + (x + pad)] ?? NaN;
      const u = Math.round((v + 1) * 127.5);
      expect(Math.abs((v + 1) * 127.5 - u)).toBeLessThan(1e-3); // really an integer pixel
      u8[y * n + x] = u;
    }
  return u8;
}

describe('sketch and model-space conversion (training/mtd/data.py)', () => {
  it('sketchOf agrees bit for bit with sketch_of on the fixture test images', () => {
    const s = config.imageSize;
    for (let b = 0; b < fixture.batch; b++) {
      const u8 = recoverUint8(fixture, b, config);
      const sketch = sketchOf(u8, config);
      const want = fixture.inputs.sketch.slice(b * s * s, (b + 1) * s * s);
      expect(Array.from(sketch)).toEqual(want);
      expect(want.some((v) => v === 1)).toBe(true); // a non-trivial sketch
    }
  });

  it('toModelSpace reproduces inputs.image (padding -1)', () => {
    const s = config.imageSize;
    for (let b = 0; b < fixture.batch; b++) {
      const x = toModelSpace(recoverUint8(fixture, b, config), config);
      const want = fixture.inputs.image.slice(b * s * s, (b + 1) * s * s);
      expect(maxAbsDiff(x, want)).toBeLessThanOrEqual(1e-7); // fixture rounds to 7 decimals
      expect(x[0]).toBe(-1);
      expect(x[s * s - 1]).toBe(-1);
    }
  });

  it('a black image has no edges; a white one has edges only on its border (zero padding)', () => {
    const n = config.dataSize;
    expect(sketchOf(new Uint8Array(n * n), config).every((v) => v === 0)).toBe(true);
    // A uniform 255 image: only the border sees the zero padding (corner: gx = gy = 765, |g|^2 > 160^2).
    const bright = sketchOf(new Uint8Array(n * n).fill(255), config);
    const s = config.imageSize;
    const p = config.pad;
    expect(bright[p * s + p]).toBe(1);
    expect(bright[(p + 5) * s + (p + 5)]).toBe(0);
    expect(bright[0]).toBe(0);
  });

  it('rejects an image of the wrong size', () => {
    expect(() => sketchOf(new Uint8Array(10), config)).toThrow(/28x28/);
  });
});
