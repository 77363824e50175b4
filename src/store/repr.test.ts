import { describe, expect, it } from 'vitest';
import type { Frame } from '../engine/protocol.ts';
import { fromCanvas, mapBounds, nearestPoint, neighbourInDirection, pointVector, reprTrail, toCanvas } from './repr.ts';
import type { MapPoints } from './state.ts';

/** Points with D = 3: (u, v, w). */
function points(rows: number[][]): MapPoints {
  return { count: rows.length, dim: 3, reprs: Float32Array.from(rows.flat()), labels: new Int32Array(rows.length), sampleCount: rows.length };
}

describe('representation map', () => {
  it('an arrow moves to the nearest point in its 90-degree cone, and stays when the cone is empty', () => {
    // 0 at the origin; 1 right and a little up; 2 far right; 3 up; 4 up-left, outside the cone of "right".
    const p = points([
      [0, 0, 0],
      [1, 0.2, 0],
      [3, 0, 0],
      [0, 2, 0],
      [-2, 1.5, 0],
    ]);
    expect(neighbourInDirection(p, 0, 1, 0)).toBe(1);
    expect(neighbourInDirection(p, 1, 1, 0)).toBe(2);
    expect(neighbourInDirection(p, 0, 0, 1)).toBe(3);
    expect(neighbourInDirection(p, 0, -1, 0)).toBe(4);
    expect(neighbourInDirection(p, 0, 0, -1)).toBe(0);
    expect(neighbourInDirection(p, 3, -1, 0)).toBe(4);
    expect(neighbourInDirection(p, 2, 1, 0)).toBe(2);
    expect(neighbourInDirection(p, 9, 1, 0)).toBe(9);
  });

  const pts = points([
    [-2, 0, 9],
    [2, 1, 8],
    [0, -1, 7],
  ]);

  it('bounds are square, hold every point with a margin', () => {
    const b = mapBounds(pts, 0.1);
    expect(b.u1 - b.u0).toBeCloseTo(b.v1 - b.v0, 9);
    expect(b.u1 - b.u0).toBeCloseTo(4 * 1.2, 9); // u spans 4 (the larger range), 10% margin each side
    expect(b.u0).toBeLessThan(-2);
    expect(b.v1).toBeGreaterThan(1);
  });

  it('canvas <-> map round-trips, with v upwards', () => {
    const b = mapBounds(pts);
    const xy = toCanvas(b, 400, { u: 1.5, v: 0.5 });
    const back = fromCanvas(b, 400, xy);
    expect(back.u).toBeCloseTo(1.5, 9);
    expect(back.v).toBeCloseTo(0.5, 9);
    expect(toCanvas(b, 400, { u: 0, v: 1 }).y).toBeLessThan(toCanvas(b, 400, { u: 0, v: -1 }).y);
  });

  it('picks the nearest point by the first two components only', () => {
    expect(nearestPoint(pts, { u: 1.6, v: 0.9 })).toBe(1);
    expect(nearestPoint(pts, { u: 0.1, v: -3 })).toBe(2);
    expect(nearestPoint(points([]), { u: 0, v: 0 })).toBe(-1);
  });

  it('gives the full vector of a point, and null out of range', () => {
    expect([...pointVector(pts, 1)!]).toEqual([2, 1, 8]);
    expect(pointVector(pts, 3)).toBeNull();
    expect(pointVector(pts, -1)).toBeNull();
  });

  it('the trail follows the repr head of one sample up to the current frame', () => {
    // Batch 2, D = 3: sample 1's first two components are (f, -f) at frame f.
    const frames = [0, 1, 2, 3].map((f) => ({ repr: Float32Array.from([9, 9, 9, f, -f, 0]) }) as unknown as Frame);
    expect(reprTrail(frames, 1, 3, 2)).toEqual([
      { u: 0, v: -0 },
      { u: 1, v: -1 },
      { u: 2, v: -2 },
    ]);
    expect(reprTrail(frames, 0, 3, 10)).toHaveLength(4);
  });
});
