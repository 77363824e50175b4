/**
 * The MT-Diffusion drift (MT-DIFFUSION.md, "Closed form"; Chen et al., arXiv 2407.17571).
 *
 * Forward step:  q(z_t | z_{t-1}, X) = N( sqrt(alpha_t) (z_{t-1} + a_t), beta_t I ),  a_t = w_t E,
 * where E = sum_i g_i E_i(x^i) is one encoded map per sample (built by src/model). The drift
 *   c_t = sqrt(alpha_t) (c_{t-1} + a_t),  c_0 = 0
 * is then c_t = kappa_t E with the scalar table
 *   kappa_t = sum_{s<=t} w_s sqrt(alphaBar_t / alphaBar_{s-1}),
 * and the marginal is q(z_t | z_0, X) = N( sqrt(alphaBar_t) z_0 + kappa_t E, (1 - alphaBar_t) I ).
 *
 * This project chooses kappa directly (so that kappa_0 = 0 and kappa_T ~ 0, keeping z_T ~ N(0, I)) and
 * derives the per-step weights w from the recursion: w_t = kappa_t / sqrt(alpha_t) - kappa_{t-1}.
 * Tables are Float64 and indexed t = 0..T like the schedule's (a contract shared with training/).
 */
import type { Schedule } from './schedule.ts';

export type DriftConfig =
  /** No drift: kappa = w = 0; the chain is plain DDPM. */
  | { readonly type: 'none' }
  /** kappa_t = kappaMax sin(pi t / T): a bump peaking mid-chain; kappa_0 = 0, kappa_T = kappaMax sin(pi) ~ 1e-16. */
  | { readonly type: 'sine'; readonly kappaMax: number };

export interface DriftTable {
  readonly config: DriftConfig;
  readonly T: number;
  /** kappa_t, t = 0..T: the drift is c_t = kappa_t E. */
  readonly kappa: Float64Array;
  /** w_t, t = 0..T (w_0 = 0): per-step weight of E in a_t = w_t E. */
  readonly w: Float64Array;
}

/** kappa[0..T] of a drift config. Kept as the plain formula (no snapping of kappa_T to 0) for parity with training/. */
export function makeKappa(T: number, cfg: DriftConfig): Float64Array {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`drift: T must be an integer >= 1, got ${T}`);
  const kappa = new Float64Array(T + 1);
  switch (cfg.type) {
    case 'none':
      return kappa;
    case 'sine':
      if (!Number.isFinite(cfg.kappaMax)) throw new RangeError(`drift: kappaMax must be finite, got ${cfg.kappaMax}`);
      for (let t = 0; t <= T; t++) kappa[t] = cfg.kappaMax * Math.sin((Math.PI * t) / T);
      return kappa;
  }
}

/** Per-step weights from the recursion c_t = sqrt(alpha_t)(c_{t-1} + w_t E): w_t = kappa_t / sqrt(alpha_t) - kappa_{t-1}. */
export function weightsFromKappa(schedule: Schedule, kappa: Float64Array): Float64Array {
  if (kappa.length !== schedule.T + 1) throw new RangeError(`drift: kappa has length ${kappa.length}, expected T + 1 = ${schedule.T + 1}`);
  if (kappa[0] !== 0) throw new RangeError(`drift: kappa_0 must be 0 (c_0 = 0), got ${kappa[0]}`);
  const w = new Float64Array(schedule.T + 1);
  for (let t = 1; t <= schedule.T; t++) w[t] = kappa[t]! / Math.sqrt(schedule.alpha[t]!) - kappa[t - 1]!;
  return w;
}

/** The closed form kappa_t = sum_{s=1..t} w_s sqrt(alphaBar_t / alphaBar_{s-1}) (O(T^2); for checks and plots). */
export function kappaFromWeights(schedule: Schedule, w: Float64Array): Float64Array {
  if (w.length !== schedule.T + 1) throw new RangeError(`drift: w has length ${w.length}, expected T + 1 = ${schedule.T + 1}`);
  const { alphaBar } = schedule;
  const kappa = new Float64Array(schedule.T + 1);
  for (let t = 1; t <= schedule.T; t++) {
    let sum = 0;
    for (let s = 1; s <= t; s++) sum += w[s]! * Math.sqrt(alphaBar[t]! / alphaBar[s - 1]!);
    kappa[t] = sum;
  }
  return kappa;
}

/** The drift table of a config on a schedule. */
export function makeDrift(schedule: Schedule, cfg: DriftConfig): DriftTable {
  const kappa = makeKappa(schedule.T, cfg);
  return { config: cfg, T: schedule.T, kappa, w: weightsFromKappa(schedule, kappa) };
}

/**
 * The drift map c_t = kappa_t E for one sample (E: the aggregated encoding, one 32x32 map flattened).
 * Writes into `out` when given (it may alias nothing else), else allocates.
 */
export function driftAt(table: DriftTable, t: number, encoded: ArrayLike<number>, out?: Float32Array): Float32Array {
  if (!Number.isInteger(t) || t < 0 || t > table.T) throw new RangeError(`drift: t must be an integer in 0..${table.T}, got ${t}`);
  const n = encoded.length;
  const target = out ?? new Float32Array(n);
  if (target.length !== n) throw new RangeError(`drift: out has length ${target.length}, expected ${n}`);
  const k = table.kappa[t]!;
  for (let i = 0; i < n; i++) target[i] = k * encoded[i]!;
  return target;
}
