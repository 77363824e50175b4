/**
 * The two MT-Diffusion settings beyond image-label and masked image, as a user sees them in real
 * Chromium against the built app:
 *   - image transition: sketch mode runs end to end from a bundled image's edge map (the same sketchOf
 *     as training, checked here against src/model in Node) and from a drawn sketch; the sketch head view
 *     draws the frame's sketch head output;
 *   - joint image-representation: the map draws the backdrop, the repr head's marker moves between the
 *     first and the last frame, and clicking the map runs representation mode on the picked point.
 * Screenshots go to docs/screenshots/ (sketch.png, sketch-head.png, representation.png).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sketchOf } from '../src/model/sketch.ts';
import { generateAndWait, modelPixels, openPlayground, settle, shot, waitCanvasFrame, waitRunDone } from './app.ts';
import type { BrowserSession, PageProblems } from './harness.ts';

const STEPS = 20;
const SAMPLE = 5;

interface RunState {
  runId: string | null;
  frameCount: number;
  status: string;
  run: { mode: string; sketch: Float32Array | null; repr: Float32Array | null; reprPoint: number | null } | null;
}
interface Hook {
  getState(): { trajectory: RunState; player: { frameIndex: number }; editor: { sketchSource: string; reprPoint: number } };
  getFrame(i: number): { sketch: Float32Array; repr: Float32Array; index: number } | undefined;
}
/** The page's read-only hook (typed here; e2e/playground.e2e.ts types its own view of it on Window). */
type W = { mtdPlayground: Hook };

const index = JSON.parse(readFileSync('public/samples/index.json', 'utf8')) as {
  representations: number[][];
  backdrop: { representations: number[][] };
};
const images = readFileSync('public/samples/images.bin');
const allReprs = [...index.representations, ...index.backdrop.representations];

/** Every second pixel of every second row of a canvas, as RGBA (a quarter of the data to carry back). */
async function canvasData(page: Page, testId: string): Promise<number[]> {
  return page.evaluate((id) => {
    const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`)!;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const out: number[] = [];
    for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x += 2) out.push(...data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4));
    return out;
  }, testId);
}

describe('sketch and representation modes', () => {
  let session: BrowserSession;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    ({ session, page, problems } = await openPlayground(`/#mode=sketch&steps=${STEPS}&head=x0`));
  });

  afterAll(async () => {
    await session?.close();
  });

  it("sketch mode runs from a test image's edge map, the one training uses", async () => {
    await page.getByTestId(`thumb-${SAMPLE}`).click();
    const edges = Number(await page.getByTestId('sketch-canvas').getAttribute('data-edges'));
    await generateAndWait(page);
    const t = await page.evaluate(() => {
      const s = (window as unknown as W).mtdPlayground.getState().trajectory;
      return { mode: s.run!.mode, frameCount: s.frameCount, sketch: [...s.run!.sketch!] };
    });
    expect(t.mode).toBe('sketch');
    expect(t.frameCount).toBe(STEPS + 1);
    // The sketch sent is sketchOf(bundled image 5), computed here in Node from images.bin.
    const expected = sketchOf(images.subarray(SAMPLE * 784, (SAMPLE + 1) * 784), { imageSize: 32, dataSize: 28, pad: 2, sketch: { thresholdSq: 160 * 160 } });
    expect(t.sketch).toEqual([...expected]);
    expect(edges).toBe(expected.filter((v) => v === 1).length);
    expect(edges).toBeGreaterThan(20);
    // The link carries the sketch's source.
    expect(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('sketch')).toBe(`t${SAMPLE}`);
    await page.getByRole('button', { name: 'Jump to end' }).click();
    await waitCanvasFrame(page, { frame: STEPS, head: 'x0' });
    await shot(page, 'sketch');
  });

  it('the sketch head view draws the frame’s sketch head output, with the given edges tinted', async () => {
    await page.getByTestId('head-sketch').check({ force: true });
    await waitCanvasFrame(page, { frame: STEPS, head: 'sketch' });
    const tinted = await modelPixels(page, 3);
    const frame = await page.evaluate((f) => [...(window as unknown as W).mtdPlayground.getFrame(f)!.sketch], STEPS);
    const given = await page.evaluate(() => [...(window as unknown as W).mtdPlayground.getState().trajectory.run!.sketch!]);
    // Untinted pixels are the head's value, [0, 1] -> gray 0..255; tinted ones (given edges) are bluer than red.
    let worst = 0;
    let tintedCount = 0;
    for (let i = 0; i < 1024; i++) {
      const [r, g, b] = [tinted[i * 3]!, tinted[i * 3 + 1]!, tinted[i * 3 + 2]!];
      if (given[i] === 1) {
        if (b - r > 60) tintedCount++;
      } else {
        const gray = Math.round(Math.max(0, Math.min(1, frame[i]!)) * 255);
        worst = Math.max(worst, Math.abs(r - gray), Math.abs(g - gray), Math.abs(b - gray));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(tintedCount).toBe(given.filter((v) => v === 1).length);
    // The head draws a sketch, not a blank: some pixels are bright, most are dark.
    const bright = frame.filter((v) => v > 0.5).length;
    expect(bright).toBeGreaterThan(5);
    expect(bright).toBeLessThan(600);
    await shot(page, 'sketch-head');
    // Without the tint: plain head output everywhere.
    await page.getByTestId('show-given-sketch').uncheck();
    await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid="frame-canvas"]')!.dataset['draws'] !== undefined);
    await settle(page);
    const plain = await modelPixels(page, 3);
    for (let i = 0; i < 1024; i++) {
      const gray = Math.round(Math.max(0, Math.min(1, frame[i]!)) * 255);
      expect(Math.abs(plain[i * 3]! - gray)).toBeLessThanOrEqual(1);
    }
    await page.getByTestId('show-given-sketch').check();
  });

  it('a drawn sketch: clear, draw a stroke, run; the request carries the drawing', async () => {
    await page.getByTestId('sketch-source-drawn').check({ force: true });
    expect(await page.getByTestId('sketch-canvas').getAttribute('data-edges')).toBe('0');
    const box = (await page.getByTestId('sketch-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 10 });
    await page.mouse.up();
    const drawnEdges = Number(await page.getByTestId('sketch-canvas').getAttribute('data-edges'));
    expect(drawnEdges).toBeGreaterThan(15);
    await generateAndWait(page);
    const sent = await page.evaluate(() => [...(window as unknown as W).mtdPlayground.getState().trajectory.run!.sketch!]);
    expect(sent.filter((v) => v === 1).length).toBe(drawnEdges);
    // The stroke is a vertical line at the centre column.
    expect(sent[16 * 32 + 16] === 1 || sent[16 * 32 + 15] === 1).toBe(true);
    expect(sent[16 * 32 + 4]).toBe(0);
    const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('sketch') ?? '';
    expect(hash).toMatch(/^d[A-Za-z0-9_-]{171}$/);
  });

  it('the representation map draws the backdrop; a click runs representation mode on the nearest point', async () => {
    await page.getByTestId('mode-representation').check({ force: true });
    const map = page.getByTestId('repr-map');
    await page.waitForFunction(() => document.querySelector('[data-testid="repr-map"]')?.getAttribute('data-points') === '2300');
    // Coloured points: many pixels that are neither the background nor gray.
    const before = await canvasData(page, 'repr-map');
    let coloured = 0;
    for (let i = 0; i < before.length; i += 4) if (Math.max(before[i]!, before[i + 1]!, before[i + 2]!) - Math.min(before[i]!, before[i + 1]!, before[i + 2]!) > 40) coloured++;
    expect(coloured).toBeGreaterThan(250);
    expect(await page.getByTestId('class-legend').locator('li').count()).toBe(10);

    // Click where backdrop point 1234 is drawn.
    const target = 1234;
    const [u0, u1, v0, v1] = (await map.getAttribute('data-bounds'))!.split(',').map(Number) as [number, number, number, number];
    const box = (await map.boundingBox())!;
    const [u, v] = allReprs[target]!;
    const click = { x: ((u! - u0) / (u1 - u0)) * box.width, y: ((v1 - v!) / (v1 - v0)) * box.height };
    const previous = await page.evaluate(() => (window as unknown as W).mtdPlayground.getState().trajectory.runId);
    await map.click({ position: click });
    await waitRunDone(page, previous);
    const t = await page.evaluate(() => {
      const s = (window as unknown as W).mtdPlayground.getState().trajectory;
      return { mode: s.run!.mode, point: s.run!.reprPoint!, repr: [...s.run!.repr!], frames: s.frameCount };
    });
    expect(t.mode).toBe('representation');
    expect(t.frames).toBe(STEPS + 1);
    // The picked point is the nearest to the click. The click lands within one pixel (e, its diagonal in map
    // units, both axes) of point 1234's position p, so by the triangle inequality the picked point is within
    // d(p, click) + e <= 2e of p: a dense cluster may hold another point nearer to the click than 1234 itself.
    const d = (i: number) => Math.hypot(allReprs[i]![0]! - u!, allReprs[i]![1]! - v!);
    const pixel = Math.hypot((u1 - u0) / box.width, (v1 - v0) / box.height);
    expect(d(t.point)).toBeLessThanOrEqual(d(target) + 2 * pixel);
    // ...and the run is conditioned on its full 8-d vector, as shipped in index.json.
    expect(t.repr).toHaveLength(8);
    t.repr.forEach((x, k) => expect(x).toBeCloseTo(allReprs[t.point]![k]!, 5));
    expect(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('point')).toBe(String(t.point));
  });

  it('the repr head view is the map; its marker moves from the first to the last frame', async () => {
    await page.getByTestId('head-repr').check({ force: true });
    const view = page.getByTestId('repr-map-view');
    await view.waitFor();
    await page.locator('h1').click();
    await page.keyboard.press('Home');
    await waitCanvasFrame(page, { testId: 'repr-map-view', frame: 0 });
    const first = (await view.getAttribute('data-marker'))!;
    const firstPixels = await canvasData(page, 'repr-map-view');
    await page.keyboard.press('End');
    await waitCanvasFrame(page, { testId: 'repr-map-view', frame: STEPS });
    const last = (await view.getAttribute('data-marker'))!;
    const lastPixels = await canvasData(page, 'repr-map-view');
    expect(first).toMatch(/^[\d.]+,[\d.]+$/);
    expect(last).toMatch(/^[\d.]+,[\d.]+$/);
    const [x0, y0] = first.split(',').map(Number) as [number, number];
    const [x1, y1] = last.split(',').map(Number) as [number, number];
    expect(Math.hypot(x1 - x0, y1 - y0)).toBeGreaterThan(3);
    // The marker is where the repr head's prediction of that frame says (components 1 and 2 on the map).
    const [u0, u1, v0, v1] = (await view.getAttribute('data-bounds'))!.split(',').map(Number) as [number, number, number, number];
    const repr = await page.evaluate((f) => [...(window as unknown as W).mtdPlayground.getFrame(f)!.repr], STEPS);
    const px = ((repr[0]! - u0) / (u1 - u0)) * 512;
    const py = ((v1 - repr[1]!) / (v1 - v0)) * 512;
    expect(Math.hypot(Math.min(505, Math.max(7, px)) - x1, Math.min(505, Math.max(7, py)) - y1)).toBeLessThan(0.5);
    // What is drawn changed too (the marker and its trail).
    let changed = 0;
    for (let i = 0; i < firstPixels.length; i++) if (firstPixels[i] !== lastPixels[i]) changed++;
    expect(changed).toBeGreaterThan(25);
    expect(await view.getAttribute('data-target')).toBe(String(await page.evaluate(() => (window as unknown as W).mtdPlayground.getState().editor.reprPoint)));
    await shot(page, 'representation');
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], failedRequests: [] });
  });
});
