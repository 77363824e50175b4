/**
 * The 2-D map of the representation space (joint image-representation setting). The representation is
 * a whitened PCA of the independent classifier's features (training/train_classifier.py), so its first
 * two components carry the most variance: the map plots component 0 (u, to the right) against
 * component 1 (v, upwards). Pure functions: bounds, the map <-> canvas transform, picking, the trail.
 */
import type { Frame } from '../engine/protocol.ts';
import type { MapPoints, UV } from './state.ts';

/** The square region of (u, v) the map shows. */
export interface MapBounds {
  readonly u0: number;
  readonly u1: number;
  readonly v0: number;
  readonly v1: number;
}


/** A point in canvas pixels (y downwards). */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * Bounds that hold every point with a margin, made square (the same scale on both axes, so distances on
 * the map are distances in representation space) and centred on the points' range.
 */
export function mapBounds(points: MapPoints, margin = 0.06): MapBounds {
  let u0 = Infinity;
  let u1 = -Infinity;
  let v0 = Infinity;
  let v1 = -Infinity;
  for (let i = 0; i < points.count; i++) {
    const u = points.reprs[i * points.dim]!;
    const v = points.reprs[i * points.dim + 1]!;
    u0 = Math.min(u0, u);
    u1 = Math.max(u1, u);
    v0 = Math.min(v0, v);
    v1 = Math.max(v1, v);
  }
  if (!Number.isFinite(u0 + u1 + v0 + v1)) return { u0: -1, u1: 1, v0: -1, v1: 1 };
  const half = (Math.max(u1 - u0, v1 - v0, 1e-6) / 2) * (1 + 2 * margin);
  const cu = (u0 + u1) / 2;
  const cv = (v0 + v1) / 2;
  return { u0: cu - half, u1: cu + half, v0: cv - half, v1: cv + half };
}

/** Map space -> canvas pixels of a size x size canvas (v upwards). */
export function toCanvas(b: MapBounds, size: number, p: UV): XY {
  return { x: ((p.u - b.u0) / (b.u1 - b.u0)) * size, y: ((b.v1 - p.v) / (b.v1 - b.v0)) * size };
}

/** Canvas pixels -> map space (the inverse of toCanvas). */
export function fromCanvas(b: MapBounds, size: number, p: XY): UV {
  return { u: b.u0 + (p.x / size) * (b.u1 - b.u0), v: b.v1 - (p.y / size) * (b.v1 - b.v0) };
}

/** The (u, v) of point i. */
export function pointUV(points: MapPoints, i: number): UV {
  return { u: points.reprs[i * points.dim]!, v: points.reprs[i * points.dim + 1]! };
}

/** The index of the point nearest to `p` on the map (Euclidean in (u, v)); -1 when there are none. */
export function nearestPoint(points: MapPoints, p: UV): number {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < points.count; i++) {
    const du = points.reprs[i * points.dim]! - p.u;
    const dv = points.reprs[i * points.dim + 1]! - p.v;
    const d = du * du + dv * dv;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/**
 * The point a keyboard arrow moves to from point `from`: the nearest one (in (u, v)) inside the 90° cone
 * around direction (du, dv) (v upwards, as drawn), or `from` itself when that cone is empty.
 */
export function neighbourInDirection(points: MapPoints, from: number, du: number, dv: number): number {
  if (from < 0 || from >= points.count) return from;
  const o = pointUV(points, from);
  let best = from;
  let bestD = Infinity;
  for (let i = 0; i < points.count; i++) {
    const u = points.reprs[i * points.dim]! - o.u;
    const v = points.reprs[i * points.dim + 1]! - o.v;
    const along = u * du + v * dv; // du, dv is a unit axis direction
    const across = Math.abs(u * dv - v * du);
    if (along <= 0 || across > along) continue;
    const d = u * u + v * v;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** The full D-dimensional vector of point i (a copy), or null for an index out of range. */
export function pointVector(points: MapPoints, i: number): Float32Array | null {
  if (!Number.isInteger(i) || i < 0 || i >= points.count) return null;
  return points.reprs.slice(i * points.dim, (i + 1) * points.dim);
}

/**
 * The repr head's prediction for `sample`, projected to the map, for frames 0..upTo (inclusive): the
 * trail the marker leaves. Frames carry repr as B*D values.
 */
export function reprTrail(frames: readonly Frame[], sample: number, dim: number, upTo: number): UV[] {
  const out: UV[] = [];
  const n = Math.min(upTo + 1, frames.length);
  for (let f = 0; f < n; f++) {
    const r = frames[f]!.repr;
    const u = r[sample * dim];
    const v = r[sample * dim + 1];
    if (u === undefined || v === undefined || !Number.isFinite(u) || !Number.isFinite(v)) continue;
    out.push({ u, v });
  }
  return out;
}
