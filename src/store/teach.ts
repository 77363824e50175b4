/**
 * Tables behind the teaching views: the noise schedule and drift of the loaded model (src/core, built
 * once per config), the sampler's chosen timesteps, and the forward process on a real image in closed
 * form, z_t = sqrt(aB_t) x + kappa_t E + sqrt(1 - aB_t) eps (MT-DIFFUSION.md, "marginal").
 */
import { initialNoise, makeDrift, makeSchedule, timestepSubsequence, type DriftConfig, type ScheduleConfig } from '../core/index.ts';

export interface ScheduleTables {
  readonly T: number;
  readonly alphaBar: Float64Array;
  readonly kappa: Float64Array;
  /** log SNR_t = log(aB_t / (1 - aB_t)); [0] = +Infinity. */
  readonly logSnr: Float64Array;
  readonly sqrtAlphaBar: Float64Array;
  readonly sqrtOneMinusAlphaBar: Float64Array;
}

/** The schedule of the shipped model (linear beta 1e-4..0.02, sine drift 0.5) until the engine reports its own. */
export const FALLBACK_TABLE_CONFIG: { readonly schedule: ScheduleConfig; readonly drift: DriftConfig } = {
  schedule: { type: 'linear', T: 1000, betaStart: 1e-4, betaEnd: 0.02 },
  drift: { type: 'sine', kappaMax: 0.5 },
};

const cache = new WeakMap<object, ScheduleTables>();

export function scheduleTables(config: { readonly schedule: ScheduleConfig; readonly drift: DriftConfig } = FALLBACK_TABLE_CONFIG): ScheduleTables {
  const hit = cache.get(config);
  if (hit) return hit;
  const schedule = makeSchedule(config.schedule);
  const drift = makeDrift(schedule, config.drift);
  const tables: ScheduleTables = {
    T: schedule.T,
    alphaBar: schedule.alphaBar,
    kappa: drift.kappa,
    logSnr: schedule.snr.map((v) => Math.log(v)),
    sqrtAlphaBar: schedule.sqrtAlphaBar,
    sqrtOneMinusAlphaBar: schedule.sqrtOneMinusAlphaBar,
  };
  cache.set(config, tables);
  return tables;
}

/** The timesteps a run visits, in frame order (reverse: T .. t_last, 0; classify: 0, t_last .. T). */
export function frameTimesteps(T: number, steps: number, forward: boolean): number[] {
  const sub = timestepSubsequence(T, Math.min(T, Math.max(1, steps)));
  return forward ? [0, ...[...sub].reverse()] : [...sub, 0];
}

export interface ForwardParts {
  /** sqrt(aB_t) x. */
  readonly signal: Float32Array;
  /** kappa_t E. */
  readonly drift: Float32Array;
  /** sqrt(1 - aB_t) eps. */
  readonly noise: Float32Array;
  /** Their sum, z_t. */
  readonly z: Float32Array;
}

let lastNoise: { seed: number; n: number; eps: Float32Array } | null = null;

/** The run's starting noise for `seed` (the last one is kept: the view asks for it on every frame). */
function startingNoise(seed: number, n: number): Float32Array {
  if (lastNoise?.seed !== seed || lastNoise.n !== n) lastNoise = { seed, n, eps: initialNoise(seed, n) };
  return lastNoise.eps;
}

/** The three terms of z_t for an image x (32x32), encoding E (or null: no conditions) and eps from `seed`. */
export function forwardParts(tables: ScheduleTables, x: Float32Array, E: Float32Array | null, t: number, seed: number): ForwardParts {
  if (!Number.isInteger(t) || t < 0 || t > tables.T) throw new RangeError(`t must be an integer in 0..${tables.T}, got ${t}`);
  const n = x.length;
  const eps = startingNoise(seed, n);
  const a = tables.sqrtAlphaBar[t]!;
  const b = tables.sqrtOneMinusAlphaBar[t]!;
  const k = tables.kappa[t]!;
  const signal = new Float32Array(n);
  const drift = new Float32Array(n);
  const noise = new Float32Array(n);
  const z = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    signal[i] = a * x[i]!;
    drift[i] = E ? k * E[i]! : 0;
    noise[i] = b * eps[i]!;
    z[i] = signal[i]! + drift[i]! + noise[i]!;
  }
  return { signal, drift, noise, z };
}

/**
 * The encoding E of a run, recovered from a frame's drift c^_t = kappa_t E (sample `sample`): the frame
 * with the largest kappa among `frames` gives the best-conditioned division. Null when no frame has drift.
 */
export function encodingFromFrames(
  frames: readonly { readonly t: number; readonly drift: Float32Array }[],
  kappa: Float64Array,
  sample: number,
  side = 32,
): Float32Array | null {
  let best: { t: number; drift: Float32Array } | null = null;
  for (const f of frames) if (Math.abs(kappa[f.t] ?? 0) > 1e-3 && (!best || Math.abs(kappa[f.t]!) > Math.abs(kappa[best.t]!))) best = f;
  if (!best) return null;
  const k = kappa[best.t]!;
  const n = side * side;
  const E = new Float32Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    E[i] = best.drift[sample * n + i]! / k;
    if (E[i] !== 0) any = true;
  }
  return any ? E : null;
}
