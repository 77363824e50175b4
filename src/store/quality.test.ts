import { describe, expect, it } from 'vitest';
import { readRepoJson } from '../model/testing.ts';
import { frechetAt, parseQuality, qualityLineOf, type QualityCurve } from './quality.ts';

const report = {
  qualityVsNfe: {
    n: 1000,
    floor: 6,
    driftGuidance: 0,
    lines: [
      { id: 'ddim', sampler: 'ddim', eta: 0, spacing: 'trailing', points: [
        { nfe: 10, steps: 10, evaluations: 10, frechetDistance: 40, accuracy: 0.9 },
        { nfe: 5, steps: 5, evaluations: 5, frechetDistance: 100, accuracy: 0.8 },
      ] },
      { id: 'heun-karras', sampler: 'heun', eta: 0, spacing: 'karras', points: [{ nfe: 5, steps: 3, evaluations: 5, frechetDistance: 500, accuracy: 0.3 }] },
    ],
  },
};

describe('quality curve (report.json qualityVsNfe)', () => {
  it('parses the lines, sorts the points by NFE, and finds the line of a sampler choice', () => {
    const c = parseQuality(report)!;
    expect(c.n).toBe(1000);
    expect(c.lines[0]!.points.map((p) => p.nfe)).toEqual([5, 10]);
    expect(qualityLineOf(c, 'heun', 'karras', 0)!.id).toBe('heun-karras');
    expect(qualityLineOf(c, 'heun', 'trailing', 0)).toBeNull();
    expect(parseQuality({})).toBeNull();
  });

  it('interpolates the Frechet distance in log NFE, and says nothing outside the measured range', () => {
    const line = (parseQuality(report) as QualityCurve).lines[0]!;
    expect(frechetAt(line, 5)).toBe(100);
    expect(frechetAt(line, 10)).toBe(40);
    expect(frechetAt(line, Math.sqrt(50))).toBeCloseTo(70, 9); // halfway in log NFE
    expect(frechetAt(line, 4)).toBeNull();
    expect(frechetAt(line, 20)).toBeNull();
  });

  it('rejects a malformed curve, naming the field', () => {
    const bad = (lines: unknown[]) => () => parseQuality({ qualityVsNfe: { ...report.qualityVsNfe, lines } });
    expect(bad([{ id: 'x', sampler: 'lms', eta: 0, spacing: 'trailing', points: [] }])).toThrow(/lines\[0\]\.sampler "lms" is not one of/);
    expect(bad([{ id: 'x', sampler: 'ddim', eta: 0, spacing: 'log', points: [] }])).toThrow(/lines\[0\]\.spacing "log"/);
    expect(bad([{ id: 'x', sampler: 'ddim', eta: 0, spacing: 'trailing', points: [{ nfe: 5 }] }])).toThrow(/points\[0\] needs nfe, steps/);
    expect(() => parseQuality({ qualityVsNfe: 3 })).toThrow(/not an object/);
  });

  it('the shipped report parses (a curve, or none yet)', async () => {
    const shipped = parseQuality(await readRepoJson('public/weights/report.json'));
    if (shipped !== null) {
      expect(shipped.n).toBeGreaterThanOrEqual(1000);
      for (const l of shipped.lines) for (const p of l.points) expect(p.evaluations).toBeLessThanOrEqual(p.nfe);
    }
  });
});
