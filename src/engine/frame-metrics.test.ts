/**
 * The per-step metrics the runner attaches to every frame (real weights, cpu backend): they equal core's
 * stepMetrics recomputed from the frames as the page receives them, survive the frames' buffers being
 * transferred away (as the worker does), and for inpainting measure the model's x^_0 before the composite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepMetrics, STEP_METRICS } from '../core/index.ts';
import { loadParityFixture } from '../model/testing.ts';
import { frameBuffers } from './frames.ts';
import type { Frame, RunRequest } from './protocol.ts';
import { runTrajectory } from './runner.ts';
import { loadTestModel, request, type TestModel } from './testing.ts';

let m: TestModel;
let image: Float32Array;
const mask = new Float32Array(1024).map((_, i) => (i % 32 < 16 ? 1 : 0));

beforeAll(async () => {
  m = await loadTestModel();
  image = Float32Array.from((await loadParityFixture()).inputs.image.slice(0, 1024));
});
afterAll(() => m.dispose());

/** Runs like the worker: each frame's arrays are copied for the test, then the frame's buffers are detached. */
async function run(req: RunRequest): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of runTrajectory(m.network, m.tables, req, new AbortController().signal)) {
    out.push({ ...f, z: f.z.slice(), x0Hat: f.x0Hat.slice(), drift: f.drift.slice(), labelProbs: f.labelProbs.slice() });
    structuredClone(frameBuffers(f), { transfer: frameBuffers(f) });
    expect(f.x0Hat.length).toBe(0); // detached, as after a postMessage transfer
  }
  return out;
}

describe('frame metrics', () => {
  it('joint DDIM: every frame carries core stepMetrics of its own arrays and the previous x^_0', async () => {
    const frames = await run(request({ mode: 'joint', steps: 3 }));
    expect(frames).toHaveLength(4);
    frames.forEach((f, k) => {
      const want = stepMetrics({
        batch: 1, pixels: 1024, alphaBar: m.tables.schedule.alphaBar[f.t]!, z: f.z, x0: f.x0Hat, drift: f.drift,
        labelProbs: f.labelProbs, classes: 10, prevX0: k === 0 ? null : frames[k - 1]!.x0Hat, given: null,
      });
      for (const name of STEP_METRICS) expect(f.metrics![name], `frame ${k} ${name}`).toEqual(want[name]);
    });
    expect(frames[0]!.metrics!.x0Move[0]).toBeNaN();
    expect(frames[1]!.metrics!.x0Move[0]).toBeGreaterThan(0);
    expect(frames[3]!.metrics!.epsNorm[0]).toBeNaN(); // t = 0
    expect(frames[1]!.metrics!.driftNorm[0]).toBeGreaterThan(0); // joint: the generated label's drift
    expect(frames[0]!.metrics!.visibleError[0]).toBeNaN();
    // A branch from frame 2 given the parent's x^_0 of frame 1 measures its first move: the same as the parent's.
    const branch = await run(request({ mode: 'joint', steps: 3, start: { z: frames[2]!.z, fromStep: 2, prevX0: frames[1]!.x0Hat } }));
    expect(branch[0]!.index).toBe(2);
    expect(branch[0]!.metrics!.x0Move[0]).toBeCloseTo(frames[2]!.metrics!.x0Move[0]!, 6);
    const bare = await run(request({ mode: 'joint', steps: 3, start: { z: frames[2]!.z, fromStep: 2 } }));
    expect(bare[0]!.metrics!.x0Move[0]).toBeNaN();
  }, 120_000);

  it('inpainting: the visible error is the model x^_0 against the given pixels (not 0, as the composite would be)', async () => {
    const frames = await run(request({ mode: 'inpaint', steps: 2, image, mask, paste: true }));
    for (const f of frames) {
      const e = f.metrics!.visibleError[0]!;
      if (f.t === 0) expect(e).toBeLessThan(1e-6); // paste is exact at t = 0: z_0 - c_0 keeps the given pixels
      else expect(e).toBeGreaterThan(1e-3);
      expect(e).toBeLessThan(2);
      // The shown x^_0 has the visible pixels pasted in: its own visible error is exactly 0.
      const shown = stepMetrics({ batch: 1, pixels: 1024, alphaBar: 0.5, z: f.z, x0: f.x0Hat, drift: f.drift, labelProbs: f.labelProbs, classes: 10, prevX0: null, given: { image, mask } });
      expect(shown.visibleError[0]).toBeLessThan(1e-6);
    }
  }, 120_000);
});
