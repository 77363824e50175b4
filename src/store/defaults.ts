/**
 * The run settings measured best for the shipped weights: one table, the TypeScript twin of
 * training/mtd/sampling.py SAMPLING_DEFAULTS, which training/export.py writes into
 * public/weights/model.json's config as `samplingDefaults` (defaults.test.ts reads it from there and
 * asserts equality, so the two cannot drift apart). New weights with new measurements change both.
 * DEFAULT_CONFIG (state.ts) takes its drift guidance and label commitment from here, and a mode switch
 * moves drift guidance to the new mode's default unless the user has changed it (followModeDefaults).
 */
import type { Mode, SamplerName, SamplingSpacing } from '../engine/protocol.ts';

/** The modes that have a drift guidance default: those with a condition (protocol.ts DRIFT_GUIDANCE_MODES). */
export type DriftGuidanceMode = Exclude<Mode, 'unconditional' | 'classify'>;

export interface SamplingDefaults {
  /** Drift guidance w per mode (RunConfig.driftGuidance). */
  readonly driftGuidance: Readonly<Record<DriftGuidanceMode, number>>;
  /** Label commitment threshold of joint generation (RunConfig.labelCommit). */
  readonly labelCommit: number;
}

export const SAMPLING_DEFAULTS: SamplingDefaults = {
  driftGuidance: { joint: 2, conditional: 2, inpaint: 0, sketch: 4, representation: 0 },
  labelCommit: 0.3,
};

/**
 * The sampler a new page starts with: what recommended-sampling.ts's rule picks from the measured quality curve
 * (public/weights/report.json `qualityVsNfe`, training/eval.py --quality-vs-nfe, n = 1,000 a point; README
 * "Samplers"), and recommended-sampling.test.ts holds the two together: DPM-Solver++(2M), 20 steps, trailing
 * timesteps (Frechet distance 14.75, within 10% of the best point, Heun's 14.25 at 49 evaluations; DDIM at 50
 * steps, the old default, 16.26).
 */
export const DEFAULT_SAMPLING: { readonly sampler: SamplerName; readonly steps: number; readonly spacing: SamplingSpacing } = {
  sampler: 'dpmpp_2m',
  steps: 20,
  spacing: 'trailing',
};

/** The mode names of Python's table (sampling.py, training/sample.py --mode) -> the store's Mode. */
export const PYTHON_MODE_NAMES: Readonly<Record<string, DriftGuidanceMode>> = {
  joint: 'joint',
  class: 'conditional',
  inpaint: 'inpaint',
  sketch: 'sketch',
  repr: 'representation',
};

function hasDriftDefault(mode: Mode, table: SamplingDefaults): mode is DriftGuidanceMode {
  return Object.hasOwn(table.driftGuidance, mode);
}

/** The measured drift guidance of `mode`, or null for the modes without drift guidance (unconditional, classify). */
export function defaultDriftGuidance(mode: Mode, table: SamplingDefaults = SAMPLING_DEFAULTS): number | null {
  return hasDriftDefault(mode, table) ? table.driftGuidance[mode] : null;
}

/** The measured settings of a config in `mode` (drift guidance 0 where the mode has none). */
export function modeDefaults(mode: Mode, table: SamplingDefaults = SAMPLING_DEFAULTS): { driftGuidance: number; labelCommit: number } {
  return { driftGuidance: defaultDriftGuidance(mode, table) ?? 0, labelCommit: table.labelCommit };
}

/**
 * A config change with the mode defaults applied: when `change` switches the mode, does not set drift
 * guidance itself (a link's explicit `dg` wins), and the current value is still the default of the mode it
 * came from, drift guidance becomes the new mode's default; a value of the user's own is kept. The modes
 * without drift guidance leave the value alone, and `lastGuided` (the last mode with drift guidance the
 * config was in) is the one compared against on leaving them.
 */
export function followModeDefaults<C extends { readonly mode: Mode; readonly driftGuidance: number }>(
  before: C,
  change: Partial<C>,
  lastGuided: Mode,
  table: SamplingDefaults = SAMPLING_DEFAULTS,
): Partial<C> {
  const mode = change.mode;
  if (mode === undefined || mode === before.mode || change.driftGuidance !== undefined) return change;
  const next = defaultDriftGuidance(mode, table);
  const from = defaultDriftGuidance(hasDriftDefault(before.mode, table) ? before.mode : lastGuided, table);
  if (next === null || from === null || before.driftGuidance !== from) return change;
  return { ...change, driftGuidance: next };
}
