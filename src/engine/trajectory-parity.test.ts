/**
 * The browser's runner against PyTorch: public/fixtures/trajectory.json holds short trajectories
 * sampled by training/mtd/sampling.py with the playground's own noise streams (training/mtd/rng.py
 * reproduces src/core/rng.ts bit for bit), for the shipped weights. The runner on the tfjs cpu
 * backend must follow the same z_t at every step: joint DDIM, class-conditional DDPM, inpainting DDIM(eta),
 * inpainting with paste (the visible pixels of y_{t-1} from pasteNoise(seed, t_{t-1}), composited exactly at
 * t = 0), drift guidance on the masked-image head (sketch; class-conditional after label-head guidance) and
 * on the eps head (joint DDPM), and label commitment (joint DDIM, the generated label's drift given only at
 * the steps where the label head is sure; the case has both kinds of step). public/fixtures/trajectory-samplers.json
 * (beside it, so that neither file passes 1 MB) has the samplers beyond DDPM and DDIM with the NFE before every
 * frame: Euler and Euler a on Karras timesteps, Heun with drift guidance (2 evaluations a step, each 2 forwards),
 * DPM-Solver++(2M) in joint mode and in inpainting with paste on Karras timesteps (its history: the composited
 * x0Hat of the frame before). Regenerate both from the shipped weights with
 * `/usr/bin/python3 training/export.py --from-weights public/weights --fixtures-only`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, readRepoJson } from '../model/testing.ts';
import type { Mode, RunRequest, SamplerName, SamplingSpacing, X0Source } from './protocol.ts';
import { collect, loadTestModel, request, type TestModel } from './testing.ts';

interface TrajectoryCase {
  readonly name: string;
  readonly mode: Mode;
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly eta: number;
  readonly seed: number;
  readonly classId?: number;
  readonly image?: number[];
  readonly mask?: number[];
  readonly sketch?: number[];
  readonly paste: boolean;
  readonly x0From: X0Source;
  readonly labelGuidance: number;
  readonly driftGuidance: number;
  readonly labelCommit: number;
  /** trajectory-samplers.json only: the spacing and the NFE before each frame (the last entry: the run's total). */
  readonly spacing?: SamplingSpacing;
  readonly nfe?: number[];
  /** t of each reverse step, descending. */
  readonly steps_t: number[];
  /** z_t before each step (32x32 each). */
  readonly z: number[][];
  readonly x0Hat: number[][];
  readonly labelProbs: number[][];
  /** c^_t = kappa_t E before each step. */
  readonly drift: number[][];
  readonly final: number[];
}

let m: TestModel;
let cases: TrajectoryCase[];

beforeAll(async () => {
  m = await loadTestModel();
  const read = async (file: string): Promise<TrajectoryCase[]> => ((await readRepoJson(file)) as { cases: TrajectoryCase[] }).cases;
  cases = [...(await read('public/fixtures/trajectory.json')), ...(await read('public/fixtures/trajectory-samplers.json'))];
});
afterAll(() => m.dispose());

// Float32 tfjs vs Float32 PyTorch over a few steps; a wrong coefficient or a drift sign is O(0.1).
const TOL = 2e-3;

describe('runner matches the PyTorch sampler (trajectory fixture)', { timeout: 120_000 }, () => {
  const names = [
    'joint-ddim', 'conditional-ddpm', 'inpaint-ddim-eta', 'inpaint-paste-ddpm', 'sketch-dg-ddim', 'conditional-lg-dg-ddim', 'joint-dg-eps-ddpm', 'joint-lc-ddim',
    'unconditional-euler-karras', 'conditional-euler-a', 'sketch-heun-dg', 'joint-dpmpp2m', 'inpaint-dpmpp2m-karras',
  ];
  it('the fixture has exactly these cases', () => {
    expect(cases.map((c) => c.name).sort()).toEqual([...names].sort());
  });
  for (const name of names) {
    it(name, async () => {
      const c = cases.find((x) => x.name === name);
      expect(c, `fixture case ${name}`).toBeDefined();
      const req: RunRequest = request({
        mode: c!.mode,
        sampler: c!.sampler,
        steps: c!.steps,
        eta: c!.eta,
        seed: c!.seed,
        ...(c!.classId === undefined ? {} : { classId: c!.classId }),
        ...(c!.image === undefined ? {} : { image: Float32Array.from(c!.image) }),
        ...(c!.mask === undefined ? {} : { mask: Float32Array.from(c!.mask) }),
        ...(c!.sketch === undefined ? {} : { sketch: Float32Array.from(c!.sketch) }),
        ...(c!.paste ? { paste: true } : {}),
        x0From: c!.x0From,
        labelGuidance: c!.labelGuidance,
        driftGuidance: c!.driftGuidance,
        labelCommit: c!.labelCommit,
        ...(c!.spacing === undefined ? {} : { spacing: c!.spacing }),
      });
      const { frames, end } = await collect(m.network, m.tables, req);
      expect(end).toBe('done');
      expect(frames.map((f) => f.t)).toEqual([...c!.steps_t, 0]);
      if (c!.nfe !== undefined) expect(frames.map((f) => f.nfe), 'NFE before every frame').toEqual(c!.nfe);
      c!.steps_t.forEach((_, k) => {
        const f = frames[k]!;
        expect(maxAbsDiff(f.z, c!.z[k]!), `z at step ${k}`).toBeLessThan(TOL);
        expect(maxAbsDiff(f.labelProbs, c!.labelProbs[k]!), `label probs at step ${k}`).toBeLessThan(TOL);
        expect(maxAbsDiff(f.drift, c!.drift[k]!), `drift at step ${k}`).toBeLessThan(TOL);
        // x0-hat amplifies eps error by 1/sqrt(alphaBar_t) (156x at t = T): compare where it is well-conditioned
        // (inpainting: the playground shows x0-hat composited with the given visible pixels; compare the hidden ones)
        const hidden = (a: ArrayLike<number>): number[] => Array.from(a).filter((_, i) => !c!.mask || c!.mask[i] === 0);
        if (c!.steps_t[k]! < 900) expect(maxAbsDiff(hidden(f.x0Hat), hidden(c!.x0Hat[k]!)), `x0Hat at step ${k}`).toBeLessThan(TOL * 10);
      });
      expect(maxAbsDiff(frames.at(-1)!.x0Hat, c!.final), 'final image').toBeLessThan(TOL);
      if (c!.labelCommit > 0) {
        // Both kinds of step where kappa_t > 0: the label's drift withheld (exactly 0) and given.
        const given = c!.steps_t.flatMap((t, k) => (m.tables.drift.kappa[t]! > 0 ? [frames[k]!.drift.some((v) => v !== 0)] : []));
        expect(given, 'the case both withholds and gives the label drift').toContain(true);
        expect(given).toContain(false);
      }
    });
  }
});
