import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../engine/protocol.ts';
import { toModelSpace } from '../model/index.ts';
import { readRepoFile, readRepoJson } from '../model/testing.ts';
import { parseProjection, projectPoint, trajectoryPaths } from './trajectory-map.ts';

let shipped: unknown;
let index: { count: number; labels: number[] };
let images: Uint8Array;
beforeAll(async () => {
  shipped = await readRepoJson('public/samples/projection.json');
  index = (await readRepoJson('public/samples/index.json')) as typeof index;
  images = await readRepoFile('public/samples/images.bin');
});

describe('trajectory map projection', () => {
  it('the page\'s projection of a bundled test image lands on the point NumPy computed for it', () => {
    const proj = parseProjection(shipped);
    const geometry = { imageSize: 32, dataSize: 28, pad: 2 };
    for (const i of [0, 1, 57, 299]) {
      const x = toModelSpace(images.subarray(i * 784, (i + 1) * 784), geometry);
      const [u, v] = projectPoint(proj, x);
      expect(Math.abs(u - proj.coords[2 * i]!), `image ${i} u`).toBeLessThan(1e-4); // coords rounded to 4 decimals
      expect(Math.abs(v - proj.coords[2 * i + 1]!), `image ${i} v`).toBeLessThan(1e-4);
      expect(proj.labels[i]).toBe(index.labels[i]);
    }
    expect(proj.labels.length).toBeGreaterThan(index.count); // the bundled images, then the backdrop
  });

  it('p = basis (v - mean) on hand-made numbers; paths per sample follow the frames', () => {
    const tiny = parseProjection({ mean: [1, 1, 0, 0], basis: [[1, 0, 0, 0], [0, 0.6, 0.8, 0]], explained: [0.5, 0.2], points: { labels: [3], coords: [[0, 0]] } }, 4);
    expect(projectPoint(tiny, [3, 2, 1, 7])).toEqual([2, 0.6 + 0.8]);
    const f = (index: number, z: number[], x0: number[]) => ({ index, z: Float32Array.from(z), x0Hat: Float32Array.from(x0) }) as unknown as Frame;
    const frames = [f(0, [1, 1, 0, 0, 2, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]), f(1, [1, 2, 0, 0, 1, 1, 1, 0], [1, 1, 0, 0, 1, 1, 0, 0])];
    expect(trajectoryPaths(tiny, frames, 'z', 2)).toEqual([[[0, 0], [0, 0.6]], [[1, 0], [0, 0.8]]]);
    expect(trajectoryPaths(tiny, frames, 'x0Hat', 2)[1]).toEqual([[-1, -0.6], [0, 0]]);
  });

  it('a damaged file is refused with the field named', () => {
    const ok = { mean: [0, 0], basis: [[1, 0], [0, 1]], explained: [0.5, 0.2], points: { labels: [1], coords: [[0, 0]] } };
    expect(() => parseProjection(null, 2)).toThrow('samples/projection.json: not a JSON object');
    expect(() => parseProjection({ ...ok, mean: [0] }, 2)).toThrow('mean has 1 values, expected 2');
    expect(() => parseProjection({ ...ok, basis: [[1, 0], [0, 'x']] }, 2)).toThrow('basis[1][1] is not a finite number');
    expect(() => parseProjection({ ...ok, points: { labels: [12], coords: [[0, 0]] } }, 2)).toThrow('points.labels[0] is not a class 0..9');
    expect(() => parseProjection({ ...ok, points: { labels: [1, 2], coords: [[0, 0]] } }, 2)).toThrow('points.coords does not have one pair per label (2)');
  });
});
