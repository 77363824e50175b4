import { describe, expect, it } from 'vitest';
import { initialNoise, makeDrift, makeSchedule, qSample } from '../core/index.ts';
import { encodingFromFrames, forwardParts, frameTimesteps, scheduleTables, FALLBACK_TABLE_CONFIG } from './teach.ts';

describe('teaching tables', () => {
  const tables = scheduleTables();

  it('are the core schedule and drift of the config, built once', () => {
    const schedule = makeSchedule(FALLBACK_TABLE_CONFIG.schedule);
    const drift = makeDrift(schedule, FALLBACK_TABLE_CONFIG.drift);
    expect(tables.alphaBar).toEqual(schedule.alphaBar);
    expect(tables.kappa).toEqual(drift.kappa);
    expect(tables.logSnr[500]).toBeCloseTo(Math.log(schedule.snr[500]!), 12);
    expect(scheduleTables()).toBe(tables);
  });

  it('frame timesteps: reverse T..0, classify 0..T', () => {
    expect(frameTimesteps(1000, 4, false)).toEqual([1000, 750, 500, 250, 0]);
    expect(frameTimesteps(1000, 4, true)).toEqual([0, 250, 500, 750, 1000]);
  });

  it('forward parts sum to qSample with the drift, with eps = the seed initial noise', () => {
    const x = Float32Array.from({ length: 1024 }, (_, i) => Math.sin(i) * 0.9);
    const E = Float32Array.from({ length: 1024 }, (_, i) => Math.cos(i / 7));
    const t = 420;
    const p = forwardParts(tables, x, E, t, 11);
    const schedule = makeSchedule(FALLBACK_TABLE_CONFIG.schedule);
    const drift = Float32Array.from(E, (e) => tables.kappa[t]! * e);
    const ref = qSample(schedule, x, t, initialNoise(11, 1024), drift);
    for (let i = 0; i < 1024; i += 97) expect(p.z[i]).toBeCloseTo(ref[i]!, 5);
    expect(p.drift[5]).toBeCloseTo(tables.kappa[t]! * E[5]!, 6);
    expect(forwardParts(tables, x, null, t, 11).drift.every((v) => v === 0)).toBe(true);
    expect(() => forwardParts(tables, x, null, 1001, 11)).toThrow(RangeError);
  });

  it('recovers E from a run drift frame c_t = kappa_t E (largest kappa), or null without drift', () => {
    const E = Float32Array.from({ length: 2048 }, (_, i) => (i % 5) - 2);
    const frames = [1000, 500, 0].map((t) => ({ t, drift: Float32Array.from(E, (e) => tables.kappa[t]! * e) }));
    const got = encodingFromFrames(frames, tables.kappa, 1)!;
    for (let i = 0; i < 1024; i += 31) expect(got[i]).toBeCloseTo(E[1024 + i]!, 5);
    expect(encodingFromFrames(frames.map((f) => ({ ...f, drift: new Float32Array(2048) })), tables.kappa, 0)).toBeNull();
  });
});
