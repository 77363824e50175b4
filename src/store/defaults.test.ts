import { describe, expect, it } from 'vitest';
import { DRIFT_GUIDANCE_MODES, MAX_DRIFT_GUIDANCE } from '../engine/protocol.ts';
import { readRepoJson } from '../model/testing.ts';
import { PYTHON_MODE_NAMES, SAMPLING_DEFAULTS, defaultDriftGuidance, followModeDefaults, modeDefaults, type SamplingDefaults } from './defaults.ts';
import { DEFAULT_CONFIG, MAX_LABEL_COMMIT } from './state.ts';

interface PythonDefaults {
  readonly driftGuidance: Record<string, number>;
  readonly labelCommit: number;
}

describe('SAMPLING_DEFAULTS: the measured run settings', () => {
  it("equal public/weights/model.json's config.samplingDefaults (training/mtd/sampling.py SAMPLING_DEFAULTS, written by export.py)", async () => {
    const manifest = (await readRepoJson('public/weights/model.json')) as { config: { samplingDefaults?: PythonDefaults } };
    const shipped = manifest.config.samplingDefaults;
    expect(shipped, 'model.json config.samplingDefaults').toBeDefined();
    // Python's mode names (sample.py --mode) map one to one onto the store's.
    expect(Object.keys(shipped!.driftGuidance).sort()).toEqual(Object.keys(PYTHON_MODE_NAMES).sort());
    const driftGuidance: Record<string, number> = {};
    for (const [name, w] of Object.entries(shipped!.driftGuidance)) driftGuidance[PYTHON_MODE_NAMES[name]!] = w;
    expect({ driftGuidance, labelCommit: shipped!.labelCommit }).toEqual(SAMPLING_DEFAULTS);
  });

  it('has a drift guidance for exactly the modes with a drift, each within what the controls offer', () => {
    expect(Object.keys(SAMPLING_DEFAULTS.driftGuidance).sort()).toEqual([...DRIFT_GUIDANCE_MODES].sort());
    for (const w of Object.values(SAMPLING_DEFAULTS.driftGuidance)) expect(w >= 0 && w <= MAX_DRIFT_GUIDANCE).toBe(true);
    expect(SAMPLING_DEFAULTS.labelCommit >= 0 && SAMPLING_DEFAULTS.labelCommit <= MAX_LABEL_COMMIT).toBe(true);
    expect(defaultDriftGuidance('unconditional')).toBeNull();
    expect(defaultDriftGuidance('classify')).toBeNull();
  });

  it("DEFAULT_CONFIG takes the default mode's drift guidance and the label commitment from the table", () => {
    expect(DEFAULT_CONFIG.driftGuidance).toBe(defaultDriftGuidance(DEFAULT_CONFIG.mode));
    expect(DEFAULT_CONFIG.labelCommit).toBe(SAMPLING_DEFAULTS.labelCommit);
    expect(modeDefaults(DEFAULT_CONFIG.mode)).toEqual({ driftGuidance: DEFAULT_CONFIG.driftGuidance, labelCommit: DEFAULT_CONFIG.labelCommit });
  });
});

describe('followModeDefaults', () => {
  const table: SamplingDefaults = { driftGuidance: { joint: 1, conditional: 2, inpaint: 0, sketch: 4, representation: 3 }, labelCommit: 0.5 };
  const at = (mode: Parameters<typeof defaultDriftGuidance>[0], driftGuidance: number) => ({ mode, driftGuidance });

  it("a mode switch moves the previous mode's default to the new mode's; the user's own value stays", () => {
    expect(followModeDefaults(at('joint', 1), { mode: 'sketch' }, 'joint', table)).toEqual({ mode: 'sketch', driftGuidance: 4 });
    expect(followModeDefaults(at('joint', 2.5), { mode: 'sketch' }, 'joint', table)).toEqual({ mode: 'sketch' });
    // An explicit value in the same change wins (a link's dg).
    expect(followModeDefaults(at('joint', 1), { mode: 'sketch', driftGuidance: 0 }, 'joint', table)).toEqual({ mode: 'sketch', driftGuidance: 0 });
    // No mode switch: nothing to follow.
    expect(followModeDefaults(at('joint', 1), { mode: 'joint' }, 'joint', table)).toEqual({ mode: 'joint' });
    expect(followModeDefaults(at('joint', 1), { driftGuidance: 5 }, 'joint', table)).toEqual({ driftGuidance: 5 });
  });

  it('modes without drift guidance keep the value, and leaving them compares with the last mode that had one', () => {
    expect(followModeDefaults(at('sketch', 4), { mode: 'unconditional' }, 'sketch', table)).toEqual({ mode: 'unconditional' });
    expect(followModeDefaults(at('unconditional', 4), { mode: 'representation' }, 'sketch', table)).toEqual({ mode: 'representation', driftGuidance: 3 });
    // The user's 0 in sketch mode survives a visit to classify.
    expect(followModeDefaults(at('classify', 0), { mode: 'sketch' }, 'sketch', table)).toEqual({ mode: 'sketch' });
    expect(followModeDefaults(at('classify', 0), { mode: 'joint' }, 'sketch', table)).toEqual({ mode: 'joint' });
  });
});
