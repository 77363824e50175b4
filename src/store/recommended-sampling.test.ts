/** The rule that picks a new page's sampler from the measured quality curve, and DEFAULT_SAMPLING following it. */
import { describe, expect, it } from 'vitest';
import { readRepoJson } from '../model/testing.ts';
import { DEFAULT_SAMPLING } from './defaults.ts';
import { parseQuality, type QualityCurve, type QualityLine } from './quality.ts';
import { recommendedSampling } from './recommended-sampling.ts';

const line = (id: string, sampler: QualityLine['sampler'], spacing: QualityLine['spacing'], points: [number, number][]): QualityLine => ({
  id, sampler, spacing, eta: 0,
  points: points.map(([nfe, fd]) => ({ nfe, steps: nfe, evaluations: nfe, frechetDistance: fd, accuracy: 0.9 })),
});
const curve = (lines: QualityLine[]): QualityCurve => ({ n: 1000, floor: 6, driftGuidance: 0, lines });

describe('recommendedSampling', () => {
  it('takes the fewest evaluations within 10% of the best measured distance', () => {
    const c = curve([
      line('ddim', 'ddim', 'trailing', [[5, 80], [10, 40], [20, 22], [50, 20]]),
      line('2m', 'dpmpp_2m', 'karras', [[5, 45], [10, 21.9], [20, 21], [50, 20.5]]),
    ]);
    expect(recommendedSampling(c)).toMatchObject({ sampler: 'dpmpp_2m', spacing: 'karras', steps: 10, frechetDistance: 21.9, bestFrechetDistance: 20 });
    // Just outside the tolerance, the next budget.
    const d = curve([line('ddim', 'ddim', 'trailing', [[10, 22.1], [20, 21], [50, 20]])]);
    expect(recommendedSampling(d)).toMatchObject({ sampler: 'ddim', steps: 20 });
  });

  it('breaks a tie in evaluations by the lower distance', () => {
    const c = curve([line('a', 'euler', 'karras', [[10, 21], [50, 20]]), line('b', 'heun', 'trailing', [[10, 20.5]])]);
    expect(recommendedSampling(c)).toMatchObject({ sampler: 'heun' });
  });

  it('has no answer before the curve reaches 50 evaluations (no converged reference)', () => {
    expect(recommendedSampling(curve([line('a', 'ddim', 'trailing', [])]))).toBeNull();
    expect(recommendedSampling(curve([line('a', 'dpmpp_2m', 'karras', [[5, 44], [10, 30], [20, 25]])]))).toBeNull();
  });

  it("is the shipped default for the shipped weights' measured curve (public/weights/report.json)", async () => {
    const shipped = parseQuality(await readRepoJson('public/weights/report.json'));
    expect(shipped).not.toBeNull();
    const r = recommendedSampling(shipped!);
    expect({ sampler: r?.sampler, steps: r?.steps, spacing: r?.spacing }).toEqual({ sampler: DEFAULT_SAMPLING.sampler, steps: DEFAULT_SAMPLING.steps, spacing: DEFAULT_SAMPLING.spacing });
  });
});
