/**
 * Image transition as the model card measures it, in real Chromium against the built app: a grid of 16 from
 * one bundled test image's edge map follows that sketch. Each result's own edge map (sketchOf, the one training
 * uses) is scored against the given sketch by edge F1 and compared with 16 unconditional samples from the same
 * seed: the gap must be at least half the gap public/weights/report.json measured over its test images (n there
 * >= 1,000), so the test checks the rate the model card states, not one picture.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sketchOf } from '../src/model/sketch.ts';
import { generateAndWait, openPlayground, pickMode, shot } from './app.ts';
import type { BrowserSession, PageProblems } from './harness.ts';

const STEPS = 50;
const SAMPLE = 2; // a trouser: bundled test image 2
const PARAMS = { imageSize: 32, dataSize: 28, pad: 2, sketch: { thresholdSq: 160 * 160 } };

interface Hook {
  getState(): { trajectory: { frameCount: number; run: { sketch: Float32Array | null } | null } };
  getFrame(i: number): { x0Hat: Float32Array } | undefined;
}
type W = { mtdPlayground: Hook };

const report = JSON.parse(readFileSync('public/weights/report.json', 'utf8')) as {
  sketch: { unconditionalEdgeF1: number; driftOnly: { edgeF1: number }; driftGuidance?: { edgeF1: number } };
};

/** The final frame's 16 samples as uint8 28x28 images (model space [-1, 1], padding cropped; sampling.py to_uint8). */
async function finalImages(page: Page): Promise<Uint8Array[]> {
  const x0 = await page.evaluate(() => {
    const h = (window as unknown as W).mtdPlayground;
    return [...h.getFrame(h.getState().trajectory.frameCount - 1)!.x0Hat];
  });
  const out: Uint8Array[] = [];
  for (let b = 0; b < 16; b++) {
    const img = new Uint8Array(784);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) img[y * 28 + x] = Math.max(0, Math.min(255, Math.round((x0[b * 1024 + (y + 2) * 32 + x + 2]! + 1) * 127.5)));
    }
    out.push(img);
  }
  return out;
}

/** Edge F1 of two {0, 1} maps (eval.py edge_f1 for one pair). */
function edgeF1(a: Float32Array, b: Float32Array): number {
  let tp = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    tp += a[i]! * b[i]!;
    na += a[i]!;
    nb += b[i]!;
  }
  return (2 * tp) / Math.max(na + nb, 1);
}

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

describe('sketch -> image follows the sketch at the measured rate', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    ({ session, page, problems } = await openPlayground(`/#mode=sketch&sketch=t${SAMPLE}&steps=${STEPS}&batch=16&seed=3&head=x0`));
  });

  afterAll(async () => {
    await session?.close();
  });

  it('16 samples from a trouser sketch match it better than 16 unconditional samples, by the model card’s margin', async () => {
    await generateAndWait(page, 'done', 200_000);
    const given = await page.evaluate(() => [...(window as unknown as W).mtdPlayground.getState().trajectory.run!.sketch!]);
    const sketch = Float32Array.from(given);
    const conditioned = (await finalImages(page)).map((img) => edgeF1(sketchOf(img, PARAMS), sketch));
    await shot(page, 'sketch-grid');
    await pickMode(page, 'unconditional');
    await generateAndWait(page, 'done', 200_000);
    const unconditional = (await finalImages(page)).map((img) => edgeF1(sketchOf(img, PARAMS), sketch));
    const measured = (report.sketch.driftGuidance ?? report.sketch.driftOnly).edgeF1 - report.sketch.unconditionalEdgeF1;
    expect(measured).toBeGreaterThan(0);
    expect(mean(conditioned) - mean(unconditional)).toBeGreaterThanOrEqual(measured / 2);
    // Most samples follow it, not a lucky few: at least half beat the unconditional samples' mean.
    console.log(`sketch F1: conditioned ${conditioned.map((f) => f.toFixed(2)).join(' ')}; unconditional ${unconditional.map((f) => f.toFixed(2)).join(' ')}`);
    expect(conditioned.filter((f) => f > mean(unconditional)).length).toBeGreaterThanOrEqual(8);
    expect(problems.consoleErrors).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
