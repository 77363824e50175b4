import { describe, expect, it } from 'vitest';
import { readRepoJson } from '../model/testing.ts';
import { frechetAt, parseQuality, qualityLineOf, qualityScale, type QualityCurve, type QualityLine } from './quality.ts';

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

  it('rejects a malformed curve, naming the file and the field', () => {
    const bad = (lines: unknown[]) => () => parseQuality({ qualityVsNfe: { ...report.qualityVsNfe, lines } });
    const point = { nfe: 5, steps: 5, evaluations: 5, frechetDistance: 80, accuracy: 0.9 };
    const line = { id: 'x', sampler: 'ddim', eta: 0, spacing: 'trailing', points: [point] };
    expect(bad([{ ...line, sampler: 'lms' }])).toThrow(/^report\.json: qualityVsNfe\.lines\[0\]\.sampler must be 'ddim' or .*, got "lms"$/);
    expect(bad([{ ...line, spacing: 'log' }])).toThrow(/qualityVsNfe\.lines\[0\]\.spacing must be 'trailing' or 'karras', got "log"/);
    expect(bad([{ ...line, points: [{ nfe: 5 }] }])).toThrow(/qualityVsNfe\.lines\[0\]\.points\[0\]\.steps must be an integer >= 1, got undefined/);
    // The axis is logarithmic: a distance of 0 (or below) is refused, not drawn at minus infinity.
    expect(bad([{ ...line, points: [{ ...point, frechetDistance: 0 }] }])).toThrow(/points\[0\]\.frechetDistance must be a finite number > 0, got 0/);
    expect(bad([{ ...line, points: [{ ...point, accuracy: 1.5 }] }])).toThrow(/accuracy must be a number in \[0, 1\]/);
    expect(() => parseQuality({ qualityVsNfe: 3 })).toThrow(/^report\.json: qualityVsNfe must be an object, got 3$/);
    expect(() => parseQuality([1])).toThrow(/^report\.json: the file must be an object/);
    // Other keys of a point or line (seconds, title) are kept out of the curve.
    const extra = parseQuality({ qualityVsNfe: { ...report.qualityVsNfe, lines: [{ ...line, title: 'DDIM', points: [{ ...point, seconds: 9 }] }] } })!;
    expect(extra.lines[0]!.points[0]).toEqual(point);
  });

  it('the scale clips a point far above the rest (Heun on Karras at NFE 5) and keeps a spread-out curve whole', () => {
    // The NFE 5 column as measured (and an eighth line); later budgets halve the distance each time.
    const nfe5: Record<string, number> = { a: 112, b: 86.4, c: 116, d: 150.9, e: 73.8, f: 590.1, g: 44.6, h: 60 };
    const line = (id: string, fds: number[]): QualityLine => ({
      id,
      sampler: 'ddim',
      eta: 0,
      spacing: 'trailing',
      points: fds.map((frechetDistance, k) => ({ nfe: [5, 10, 20, 50][k]!, steps: 5, evaluations: [5, 10, 20, 50][k]!, frechetDistance, accuracy: 0.9 })),
    });
    const curveOf = (lines: QualityLine[]): QualityCurve => ({ n: 1000, floor: 6.03, driftGuidance: 0, lines });
    const points = (c: QualityCurve) => c.lines.flatMap((l) => l.points);

    const column = curveOf(Object.entries(nfe5).map(([id, fd]) => line(id, [fd])));
    const s = qualityScale(column);
    expect(points(column).filter(s.clipped).map((p) => p.frechetDistance)).toEqual([590.1]);
    expect(s.hi).toBeCloseTo(150.9 * 1.15, 9); // the largest kept point sets the top
    expect(s.lo).toBeLessThan(column.floor);

    // 8 lines x 4 points, each halving: no point is alone up there (590, then 295), nothing is clipped.
    const spread = curveOf(Object.entries(nfe5).map(([id, fd]) => line(id, [0, 1, 2, 3].map((k) => Math.max(7, fd / 2 ** k)))));
    const t = qualityScale(spread);
    expect(points(spread).some(t.clipped)).toBe(false);
    expect(t.hi).toBeCloseTo(590.1 * 1.15, 9);

    // A line that stays far off at every budget: its four points are clipped (a quarter of 32 at most).
    const stuck = curveOf(Object.entries(nfe5).map(([id, fd]) => line(id, id === 'f' ? [590.1, 580, 570, 560] : [fd, fd / 2, fd / 4, fd / 8])));
    expect(points(stuck).filter(qualityScale(stuck).clipped)).toHaveLength(4);
    // Half of the points far off is not an outlier: nothing is clipped.
    const half = curveOf([line('x', [500, 450]), line('y', [40, 30])]);
    expect(points(half).some(qualityScale(half).clipped)).toBe(false);
    expect(qualityScale(curveOf([])).clipped(column.lines[0]!.points[0]!)).toBe(false);
  });

  it('the shipped report parses (a curve, or none yet)', async () => {
    const shipped = parseQuality(await readRepoJson('public/weights/report.json'));
    if (shipped !== null) {
      expect(shipped.n).toBeGreaterThanOrEqual(1000);
      for (const l of shipped.lines) for (const p of l.points) expect(p.evaluations).toBeLessThanOrEqual(p.nfe);
    }
  });
});
