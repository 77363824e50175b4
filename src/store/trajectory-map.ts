/**
 * The trajectory map: every run's x^_0 (or z_t) projected on the fixed PCA plane of the test images that
 * ships with the weights (public/samples/projection.json, training/trajectory_map.py), one path per sample
 * over the frames. parseProjection checks the file (a message naming the field that is wrong);
 * projectPoint is p = basis (v - mean); trajectoryPaths caches each frame's projection (frames never change).
 */
import type { Frame } from '../engine/protocol.ts';
import type { TrajectoryProjection } from './state.ts';

export type MapField = 'x0Hat' | 'z';
export const MAP_FIELDS: readonly MapField[] = ['x0Hat', 'z'];

function fail(what: string): never {
  throw new Error(`samples/projection.json: ${what}`);
}

function numbers(v: unknown, what: string, length?: number): number[] {
  if (!Array.isArray(v)) fail(`${what} is not a list`);
  if (length !== undefined && v.length !== length) fail(`${what} has ${v.length} values, expected ${length}`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${what}[${i}] is not a finite number`);
  });
  return v as number[];
}

/** The projection file, checked; throws an Error whose message names the file and the field. */
export function parseProjection(json: unknown, dim = 32 * 32): TrajectoryProjection {
  if (typeof json !== 'object' || json === null) fail('not a JSON object');
  const o = json as Record<string, unknown>;
  const mean = numbers(o['mean'], 'mean', dim);
  if (!Array.isArray(o['basis']) || o['basis'].length !== 2) fail('basis is not a list of two directions');
  const basis = (o['basis'] as unknown[]).flatMap((row, r) => numbers(row, `basis[${r}]`, dim));
  const explained = numbers(o['explained'], 'explained', 2);
  const points = o['points'];
  if (typeof points !== 'object' || points === null) fail('points is missing');
  const p = points as Record<string, unknown>;
  const labels = numbers(p['labels'], 'points.labels');
  labels.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c > 9) fail(`points.labels[${i}] is not a class 0..9`);
  });
  if (!Array.isArray(p['coords']) || p['coords'].length !== labels.length) fail(`points.coords does not have one pair per label (${labels.length})`);
  const coords = (p['coords'] as unknown[]).flatMap((pair, i) => numbers(pair, `points.coords[${i}]`, 2));
  return {
    dim,
    mean: Float64Array.from(mean),
    basis: Float64Array.from(basis),
    explained: [explained[0]!, explained[1]!],
    labels: Int32Array.from(labels),
    coords: Float64Array.from(coords),
  };
}

/** p = basis (v - mean) for the image at `offset` of `values` (dim values). */
export function projectPoint(proj: TrajectoryProjection, values: ArrayLike<number>, offset = 0): [number, number] {
  const { dim, mean, basis } = proj;
  let u = 0;
  let v = 0;
  for (let i = 0; i < dim; i++) {
    const c = values[offset + i]! - mean[i]!;
    u += basis[i]! * c;
    v += basis[dim + i]! * c;
  }
  return [u, v];
}

/** Every sample of a frame projected: [u0, v0, u1, v1, ...]. */
function projectFrame(proj: TrajectoryProjection, values: Float32Array): Float64Array {
  const n = Math.floor(values.length / proj.dim);
  const out = new Float64Array(2 * n);
  for (let b = 0; b < n; b++) {
    const [u, v] = projectPoint(proj, values, b * proj.dim);
    out[2 * b] = u;
    out[2 * b + 1] = v;
  }
  return out;
}

const cache: Record<MapField, WeakMap<Frame, { proj: TrajectoryProjection; p: Float64Array }>> = { x0Hat: new WeakMap(), z: new WeakMap() };

/** One path per sample: paths[b] = [u, v] of frames 0.. in order. Projections are cached per frame. */
export function trajectoryPaths(proj: TrajectoryProjection, frames: readonly Frame[], field: MapField, batch: number): [number, number][][] {
  const paths: [number, number][][] = Array.from({ length: batch }, () => []);
  for (const f of frames) {
    let hit = cache[field].get(f);
    if (!hit || hit.proj !== proj) {
      hit = { proj, p: projectFrame(proj, f[field]) };
      cache[field].set(f, hit);
    }
    for (let b = 0; b < batch && 2 * b + 1 < hit.p.length; b++) paths[b]!.push([hit.p[2 * b]!, hit.p[2 * b + 1]!]);
  }
  return paths;
}
