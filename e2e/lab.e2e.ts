/**
 * The sampling lab in real Chromium: the per-step metrics panel (values from the worker equal core's
 * stepMetrics of the frames the page holds; the readout follows the scrubber; compare's B), the trajectory
 * map and latent editing; then one test per mode of the protocol's MODES list, with compare on, for all three. Screenshots go to e2e/.tmp/ (copied to docs/screenshots by hand).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_METRICS, stepMetrics, type StepMetrics } from '../src/core/step-metrics.ts';
import { canvasBytes, generateAndWait, openPlayground, pickMode, scrubTo, setSeed, setSteps, settle, waitCanvasFrame } from './app.ts';
import { paintLatent, renoiseLatent, renoiseNoise, type LatentEdit } from '../src/core/index.ts';
import { scheduleTables } from '../src/store/teach.ts';
import { launchBrowser, type BrowserSession } from './harness.ts';
import { readRepoJson } from '../src/model/testing.ts';
import { MODES } from '../src/engine/protocol.ts';
import { parseProjection, projectPoint } from '../src/store/trajectory-map.ts';

const TMP = 'e2e/.tmp';

interface LabFrame { z: number[]; x0Hat: number[]; drift: number[]; labelProbs: number[]; t: number; metrics: StepMetrics | null }
interface Lab {
  getState(): {
    trajectory: { runId: string | null; status: string; frameCount: number };
    compare: { status: string; frameCount: number };
    player: { frameIndex: number };
    actions: {
      getFrame(i: number): (Omit<LabFrame, 'z' | 'x0Hat' | 'drift' | 'labelProbs'> & { z: Float32Array; x0Hat: Float32Array; drift: Float32Array; labelProbs: Float32Array }) | undefined;
      getCompareFrame(i: number): { metrics?: StepMetrics } | undefined;
      setConfig(patch: Record<string, unknown>): void;
    };
  };
}

/** A full-page screenshot to e2e/.tmp/`name`.png, and of the panel `panel` (a test id) alone to `name`-panel.png. */
export async function labShot(page: Page, name: string, panel?: string): Promise<void> {
  mkdirSync(TMP, { recursive: true });
  await settle(page);
  await page.screenshot({ path: `${TMP}/${name}.png`, fullPage: true });
  if (panel) await page.getByTestId(panel).screenshot({ path: `${TMP}/${name}-panel.png` });
}

export async function frameOf(page: Page, i: number): Promise<LabFrame> {
  return page.evaluate((k) => {
    const f = (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().actions.getFrame(k)!;
    return { z: Array.from(f.z), x0Hat: Array.from(f.x0Hat), drift: Array.from(f.drift), labelProbs: Array.from(f.labelProbs), t: f.t, metrics: f.metrics ?? null };
  }, i);
}

/** The schedule's aB_t of the shipped model, read in the page from the engine's config via the schedule plot's tables. */
async function readout(page: Page, name: string): Promise<{ a: number; b: number; expected: number }> {
  const el = page.getByTestId(`metric-value-${name}`);
  const num = async (k: string) => {
    const v = await el.getAttribute(`data-${k}`);
    return v === null || v === '' ? NaN : Number(v);
  };
  return { a: await num('a'), b: await num('b'), expected: await num('expected') };
}

const setConfig = (page: Page, patch: Record<string, unknown>) =>
  page.evaluate((p) => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().actions.setConfig(p), patch);

describe('per-step metrics', () => {
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    ({ session, page } = await openPlayground());
    await setSteps(page, 10);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('joint: every frame carries the metrics of its own arrays; the readout follows the scrubber', async () => {
    await pickMode(page, 'joint');
    await generateAndWait(page);
    const f4 = await frameOf(page, 4);
    const f5 = await frameOf(page, 5);
    expect(f5.metrics).not.toBeNull();
    // The same numbers from the frames as the page holds them (aB_t from the epsNorm identity is not needed:
    // recompute with the noise level's schedule value the panel shows as its expectation).
    await scrubTo(page, 5);
    await page.waitForFunction(() => document.querySelector('[data-testid="metric-value-noiseLevel"]')?.getAttribute('data-a') !== '');
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().player.frameIndex === 5);
    await settle(page);
    const noise = await readout(page, 'noiseLevel');
    const alphaBar = 1 - noise.expected ** 2;
    const want = stepMetrics({ batch: 1, pixels: 1024, alphaBar, z: f5.z, x0: f5.x0Hat, drift: f5.drift, labelProbs: f5.labelProbs, classes: 10, prevX0: f4.x0Hat, given: null });
    for (const name of STEP_METRICS) {
      const got = f5.metrics![name][0]!;
      if (Number.isNaN(want[name][0])) expect(got).toBeNaN();
      else expect(Math.abs(got - want[name][0]!), name).toBeLessThan(1e-4);
    }
    expect((await readout(page, 'epsNorm')).a).toBeCloseTo(f5.metrics!.epsNorm[0]!, 6);
    expect((await readout(page, 'epsNorm')).expected).toBe(1);
    expect(f5.metrics!.driftNorm[0]).toBeGreaterThan(0); // joint: the generated label's drift
    await expect(page.getByTestId('metric-visibleError').count()).resolves.toBe(0); // inpainting only
    await scrubTo(page, 2);
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().player.frameIndex === 2);
    await settle(page);
    const f2 = await frameOf(page, 2);
    expect((await readout(page, 'x0Move')).a).toBeCloseTo(f2.metrics!.x0Move[0]!, 6);
    await labShot(page, 'metrics');
  });

  it('compare: B is drawn dashed and read at the same fraction of the chain', async () => {
    await page.getByTestId('compare-toggle').check();
    await page.getByTestId('compare-sampler').selectOption('ddpm');
    await page.getByTestId('compare-steps').selectOption('20');
    await generateAndWait(page);
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().compare.status === 'done', null, { timeout: 100_000 });
    await scrubTo(page, 5);
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().player.frameIndex === 5);
    await settle(page);
    const b10 = await page.evaluate(() => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().actions.getCompareFrame(10)!.metrics!.entropy[0]);
    expect((await readout(page, 'entropy')).b).toBeCloseTo(b10!, 6); // A's frame 5 of 10 = B's 10 of 20
    expect(await page.getByTestId('metric-line-b').count()).toBeGreaterThanOrEqual(5);
    await labShot(page, 'metrics-compare', 'metrics-panel');
    await page.getByTestId('compare-toggle').uncheck();
    // Compare off: B's frames are kept, but neither the metrics nor the map draw them.
    await expect.poll(() => page.getByTestId('metric-line-b').count()).toBe(0);
    expect(await readout(page, 'entropy')).toMatchObject({ b: NaN });
    expect(await page.getByTestId('trajectory-map').getAttribute('data-paths-b')).toBe('0');
  });

  it('inpainting: the visible-pixel error falls to 0 at the end; unconditional has no drift; a grid draws every sample', async () => {
    await pickMode(page, 'inpaint');
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: { getState(): { samples: { status: string } } } }).mtdPlayground.getState().samples.status === 'ready');
    await generateAndWait(page);
    const mid = await frameOf(page, 5);
    const last = await frameOf(page, 10);
    expect(mid.metrics!.visibleError[0]).toBeGreaterThan(1e-3);
    expect(mid.metrics!.visibleError[0]).toBeLessThan(1);
    expect(last.metrics!.visibleError[0]).toBeLessThan(1e-5);
    await expect(page.getByTestId('metric-visibleError').count()).resolves.toBe(1);
    await labShot(page, 'metrics-inpaint', 'metrics-panel');

    await pickMode(page, 'unconditional');
    await setConfig(page, { batch: 16 });
    await generateAndWait(page);
    const f = await frameOf(page, 5);
    expect(f.metrics!.driftNorm).toEqual(new Array(16).fill(0));
    expect(f.metrics!.epsNorm.every((v) => v > 0.3 && v < 3)).toBe(true);
    // 15 faint lines (the other samples) in each chart.
    expect(await page.getByTestId('metric-epsNorm').locator('polyline.metric-other').count()).toBe(15);

    await pickMode(page, 'classify');
    await setConfig(page, { batch: 1 });
    await generateAndWait(page);
    const c = await frameOf(page, 10); // classify ends at t = T
    expect(c.metrics!.driftNorm[0]).toBe(0);
    expect(c.metrics!.entropy[0]).toBeGreaterThan(0);
  });
});

/** The map marker's (u, v) and the frame it marks. */
async function marker(page: Page, id = 'trajectory-marker'): Promise<{ u: number; v: number }> {
  const m = page.getByTestId(id);
  return { u: Number(await m.getAttribute('data-u')), v: Number(await m.getAttribute('data-v')) };
}

async function waitMapFrame(page: Page, k: number): Promise<void> {
  await page.waitForFunction((f) => document.querySelector('[data-testid="trajectory-map"]')?.getAttribute('data-frame-index') === String(f), k);
}

describe('trajectory map', () => {
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    ({ session, page } = await openPlayground());
    await setSteps(page, 10);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('draws x^_0 (or z_t) of every frame on the shipped PCA plane, the marker on the frame shown', async () => {
    const proj = parseProjection(await readRepoJson('public/samples/projection.json'));
    await generateAndWait(page);
    const map = page.getByTestId('trajectory-map');
    expect(Number(await map.getAttribute('data-backdrop'))).toBe(2300);
    expect(await map.getAttribute('data-paths')).toBe('1');
    expect(await map.getAttribute('data-points')).toBe('11');
    await expect(page.getByTestId('trajectory-legend').locator('li').count()).resolves.toBe(10);
    await scrubTo(page, 3);
    await waitMapFrame(page, 3);
    const at3 = await marker(page);
    const f3 = await frameOf(page, 3);
    const [u3, v3] = projectPoint(proj, f3.x0Hat);
    expect(at3.u).toBeCloseTo(u3, 6);
    expect(at3.v).toBeCloseTo(v3, 6);
    await scrubTo(page, 9);
    await waitMapFrame(page, 9);
    const at9 = await marker(page);
    expect(Math.hypot(at9.u - at3.u, at9.v - at3.v)).toBeGreaterThan(1e-3); // the marker follows the scrubber
    await labShot(page, 'trajectory-map');
    await page.getByTestId('trajectory-field-z').check();
    await page.waitForFunction(() => document.querySelector('[data-testid="trajectory-map"]')?.getAttribute('data-field') === 'z');
    await scrubTo(page, 3);
    await waitMapFrame(page, 3);
    const z3 = await marker(page);
    const [zu, zv] = projectPoint(proj, f3.z);
    expect(z3.u).toBeCloseTo(zu, 6);
    expect(z3.v).toBeCloseTo(zv, 6);
    expect(Math.hypot(z3.u - at3.u, z3.v - at3.v)).toBeGreaterThan(0.1); // z_t is not x^_0 mid-run
    await labShot(page, 'trajectory-map-z', 'trajectory-map-panel');
    await page.getByTestId('trajectory-field-x0Hat').check();
  });

  it('a grid draws 16 paths; compare adds B\'s paths and marker', async () => {
    await setConfig(page, { batch: 16 });
    await page.getByTestId('compare-toggle').check();
    await page.getByTestId('compare-sampler').selectOption('ddpm');
    await page.getByTestId('compare-steps').selectOption('10');
    await generateAndWait(page);
    await page.waitForFunction(() => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().compare.status === 'done', null, { timeout: 100_000 });
    await scrubTo(page, 6);
    await waitMapFrame(page, 6);
    const map = page.getByTestId('trajectory-map');
    expect(await map.getAttribute('data-paths')).toBe('16');
    expect(await map.getAttribute('data-paths-b')).toBe('16');
    await page.getByTestId('trajectory-marker-b').waitFor();
    await labShot(page, 'trajectory-map-compare', 'trajectory-map-panel');
    await page.getByTestId('compare-toggle').uncheck();
    await setConfig(page, { batch: 1 });
  });
});

describe('trajectory map: a damaged projection file', () => {
  it('names the problem where the map would be; the rest of the page works', async () => {
    // The service worker would answer before page.route: block it in this test.
    const session = await launchBrowser({ serviceWorkers: 'block' });
    try {
      const { page } = await session.newPage();
      await page.route('**/samples/projection.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"mean": [1, 2]}' }));
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(session.url('/'), { waitUntil: 'load' });
      await page.getByTestId('trajectory-map-error').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('trajectory-map-error').textContent()).toBe(
        'The trajectory map is unavailable: samples/projection.json: mean has 2 values, expected 1024',
      );
      await page.locator('[data-testid="engine-status"][data-status="ready"]').waitFor({ timeout: 110_000 });
      await setSteps(page, 10);
      await generateAndWait(page);
    } finally {
      await session.close();
    }
  });
});

interface EditState {
  history: { nodes: { runId: string; parentId: string | null; fromStep: number; status: string; edit?: LatentEdit }[] };
  trajectory: { runId: string | null; status: string };
  player: { frameIndex: number; playing: boolean };
  engine: { config: { schedule: never; drift: never } | null };
}
const editState = (page: Page) => page.evaluate(() => (window as unknown as { mtdPlayground: { getState(): EditState } }).mtdPlayground.getState());

/** Waits for a run other than `before` to be done (a branch the editor started). */
async function waitBranchDone(page: Page, before: string): Promise<string> {
  await page.waitForFunction((b) => {
    const t = (window as unknown as { mtdPlayground: { getState(): EditState } }).mtdPlayground.getState().trajectory;
    return t.runId !== b && t.status === 'done';
  }, before, { timeout: 100_000 });
  return (await editState(page)).trajectory.runId!;
}

/** A stroke on the editor canvas from (x0, y0) to (x1, y1) in latent pixels, in `n` moves. */
async function stroke(page: Page, from: [number, number], to: [number, number], n = 6): Promise<void> {
  await page.getByTestId('edit-canvas').scrollIntoViewIfNeeded();
  const box = (await page.getByTestId('edit-canvas').boundingBox())!;
  const px = (x: number) => box.x + (x / 32) * box.width;
  const py = (y: number) => box.y + (y / 32) * box.height;
  await page.mouse.move(px(from[0]), py(from[1]));
  await page.mouse.down();
  for (let i = 1; i <= n; i++) await page.mouse.move(px(from[0] + ((to[0] - from[0]) * i) / n), py(from[1] + ((to[1] - from[1]) * i) / n));
  await page.mouse.up();
}

async function zOf(page: Page, i: number): Promise<number[]> {
  return (await frameOf(page, i)).z;
}

describe('latent editing', () => {
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    ({ session, page } = await openPlayground());
    await setSteps(page, 10);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('paint with undo: the branch keeps frames 0..k-1 exactly, z_k carries the edit, the history names it; its link gives the same pixels', async () => {
    const parent = await generateAndWait(page);
    await scrubTo(page, 4);
    await waitCanvasFrame(page, { frame: 4 });
    const before = await Promise.all([0, 1, 2, 3, 4].map((i) => zOf(page, i)));
    const editor = page.getByTestId('latent-editor');
    expect(await editor.getAttribute('data-step')).toBe('4');
    await stroke(page, [4, 4], [10, 6]); // undone below
    const afterFirst = Number(await page.getByTestId('edit-canvas').getAttribute('data-dabs'));
    expect(afterFirst).toBeGreaterThan(1);
    await page.getByTestId('edit-darken').check();
    await stroke(page, [20, 10], [20, 24]);
    expect(Number(await page.getByTestId('edit-canvas').getAttribute('data-dabs'))).toBeGreaterThan(afterFirst);
    await page.getByTestId('edit-undo').click();
    expect(await page.getByTestId('edit-canvas').getAttribute('data-dabs')).toBe(String(afterFirst));
    await page.getByTestId('edit-brighten').check();
    await stroke(page, [16, 8], [16, 22]);
    await labShot(page, 'latent-editor', 'latent-editor');
    await page.getByTestId('edit-continue').click();
    const child = await waitBranchDone(page, parent);
    const s = await editState(page);
    const node = s.history.nodes.find((n) => n.runId === child)!;
    expect(node).toMatchObject({ parentId: parent, fromStep: 4 });
    expect(node.edit!.kind).toBe('paint');
    for (let i = 0; i < 4; i++) expect(await zOf(page, i), `frame ${i}`).toEqual(before[i]); // kept exactly
    const painted = Array.from(paintLatent(Float32Array.from(before[4]!), 32, node.edit as Extract<LatentEdit, { kind: 'paint' }>));
    expect(await zOf(page, 4)).toEqual(painted); // z_k carries the edit, nothing else
    expect(await zOf(page, 4)).not.toEqual(before[4]);
    await expect(page.getByTestId(`history-${child}`).textContent()).resolves.toMatch(/✎ z painted at step 4: \d+ dabs on sample 1/);

    // The link: reopened in a fresh page it replays the run and the edit and shows the same pixels.
    await scrubTo(page, 7);
    await waitCanvasFrame(page, { frame: 7 });
    await page.waitForFunction(() => /[#&]br=4\*edit\.p4\.0_/.test(location.hash) && /[#&]frame=7/.test(location.hash));
    const link = new URL(page.url()).hash;
    const z7 = await zOf(page, 7);
    const pixels = await canvasBytes(page);
    await labShot(page, 'latent-edit-history', 'history');
    const other = await openPlayground(`/${link}`);
    try {
      await other.page.waitForFunction(() => {
        const st = (window as unknown as { mtdPlayground: { getState(): EditState } }).mtdPlayground.getState();
        return st.history.nodes.length === 2 && st.trajectory.status === 'done' && st.history.nodes[1]!.edit !== undefined && st.player.frameIndex === 7 && !st.player.playing;
      }, null, { timeout: 100_000 });
      await waitCanvasFrame(other.page, { frame: 7 });
      expect(await zOf(other.page, 7)).toEqual(z7);
      expect(await canvasBytes(other.page)).toEqual(pixels);
      expect((await editState(other.page)).history.nodes[1]!.edit).toEqual(node.edit);
    } finally {
      await other.session.close();
    }
  }, 300_000); // two runs here, then a second browser replays both (~100 s on a loaded 2-core machine)

  it('a setting branch then a latent edit: one link carries both; reopened, the same pixels, and frames 0..k-1 are the parent\'s', async () => {
    await setSeed(page, 42);
    const root = await generateAndWait(page);
    await scrubTo(page, 3);
    await setSeed(page, 7);
    await page.getByTestId('branch').click(); // a setting branch: seed 7 from step 3
    const parent = await waitBranchDone(page, root);
    await scrubTo(page, 6);
    await waitCanvasFrame(page, { frame: 6 });
    const before = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => zOf(page, i)));
    await page.getByTestId('edit-tool-paint').check();
    await page.getByTestId('edit-brighten').check();
    await stroke(page, [8, 20], [24, 20]);
    await page.getByTestId('edit-continue').click(); // then a latent edit of the branch at step 6
    const child = await waitBranchDone(page, parent);
    const node = (await editState(page)).history.nodes.find((n) => n.runId === child)!;
    expect(node).toMatchObject({ parentId: parent, fromStep: 6 });
    for (let i = 0; i < 6; i++) expect(await zOf(page, i), `frame ${i}`).toEqual(before[i]);

    await scrubTo(page, 8);
    await waitCanvasFrame(page, { frame: 8 });
    // The root (seed 42, branched at 3), then the branch (its settings are the run shown's) and its edit at 6.
    await page.waitForFunction(() => /[#&]br=3\*seed\.42%7E6\*edit\.p6\.0_/.test(location.hash) && /[#&]frame=8/.test(location.hash));
    const link = new URL(page.url()).hash;
    expect(await page.getByTestId('link-caveat').textContent()).toMatch(/branch chain \(2 runs before this one, 1 latent edit, replayed when the link opens\)/);
    const z8 = await zOf(page, 8);
    const pixels = await canvasBytes(page);
    const other = await openPlayground(`/${link}`);
    try {
      await other.page.waitForFunction(() => {
        const st = (window as unknown as { mtdPlayground: { getState(): EditState } }).mtdPlayground.getState();
        return st.history.nodes.length === 3 && st.trajectory.status === 'done' && st.player.frameIndex === 8 && !st.player.playing;
      }, null, { timeout: 150_000 });
      await waitCanvasFrame(other.page, { frame: 8 });
      const there = await editState(other.page);
      expect(there.history.nodes.map((n) => [n.fromStep, n.edit ?? null])).toEqual([[0, null], [3, null], [6, node.edit]]);
      expect(await canvasBytes(other.page)).toEqual(pixels);
      expect(await zOf(other.page, 8)).toEqual(z8);
      for (let i = 0; i < 6; i++) expect(await zOf(other.page, i), `reopened frame ${i}`).toEqual(before[i]);
      expect(other.problems.pageErrors).toEqual([]);
      await labShot(other.page, 'mixed-chain-link-opened', 'history');
    } finally {
      await other.session.close();
    }
  }, 400_000); // three runs here, then a second browser replays all three

  it('re-noise: z_j is x^_0 of step k diffused to step j with that step\'s drift', async () => {
    const parent = await generateAndWait(page);
    await scrubTo(page, 7);
    await waitCanvasFrame(page, { frame: 7 });
    const f7 = await frameOf(page, 7);
    const f3 = await frameOf(page, 3);
    const before = await Promise.all([0, 1, 2].map((i) => zOf(page, i)));
    await page.getByTestId('edit-tool-renoise').check();
    await page.getByTestId('edit-renoise-to').fill('3');
    await page.getByTestId('edit-renoise').click();
    await waitBranchDone(page, parent);
    const config = (await editState(page)).engine.config!;
    const aB = scheduleTables(config).alphaBar[f3.t]!;
    const seed = await page.evaluate(() => (window as unknown as { mtdPlayground: { getState(): { trajectory: { run: { seed: number } } } } }).mtdPlayground.getState().trajectory.run.seed);
    const want = renoiseLatent(aB, f7.x0Hat, f3.drift, renoiseNoise(seed, f3.t, 1024));
    expect(await zOf(page, 3)).toEqual(Array.from(want));
    for (let i = 0; i < 3; i++) expect(await zOf(page, i)).toEqual(before[i]);
  });

  it('refuses clearly: a stroke leaving the canvas, a run still computing, a malformed edit in a link', async () => {
    await generateAndWait(page);
    await scrubTo(page, 2);
    await waitCanvasFrame(page, { frame: 2 });
    await page.getByTestId('edit-tool-paint').check();
    await stroke(page, [28, 16], [40, 16], 4);
    await expect(page.getByTestId('edit-message').textContent()).resolves.toMatch(/^The brush at \([\d.]+, 16\) is outside the 32×32 latent: paint inside the canvas\.$/);

    await setSteps(page, 250);
    await page.getByTestId('generate').click();
    await page.getByTestId('edit-busy').waitFor();
    expect(await page.getByTestId('edit-busy').textContent()).toContain('This run is still computing');
    await page.getByTestId('stop').click();
    await setSteps(page, 10);

    const bad = await openPlayground('/#mode=joint&steps=10&frame=3&edit=p3.0_1.2', { waitReady: false });
    try {
      await bad.page.getByTestId('notice').getByText('Ignored edit = "p3.0_1.2" from the link (not a latent edit:', { exact: false }).waitFor({ timeout: 30_000 });
    } finally {
      await bad.session.close();
    }
    const badChain = await openPlayground('/#mode=joint&steps=10&frame=3&br=2*seed.5~3*edit.p3.0_1.2', { waitReady: false });
    try {
      const notice = 'Ignored br = "2*seed.5~3*edit.p3.0_1.2" from the link (run 2, edit: not a latent edit:';
      await badChain.page.getByTestId('notice').getByText(notice, { exact: false }).waitFor({ timeout: 30_000 });
      expect(await badChain.page.evaluate(() => location.hash)).not.toMatch(/[#&]br=/); // the chain is dropped, the rest kept
      expect(await badChain.page.evaluate(() => location.hash)).toMatch(/[#&]steps=10(&|$)/);
    } finally {
      await badChain.session.close();
    }
  });

});

/** The shown run's and B's state the mode-by-mode test reads. */
interface ModeState {
  samples: { status: string };
  trajectory: { runId: string | null; status: string; frameCount: number; run: { mode: string } | null };
  compare: { status: string; frameCount: number; baseRunId: string | null; error: { message: string } | null };
  history: { nodes: { runId: string; parentId: string | null; fromStep: number; edit?: LatentEdit }[] };
}
const modeState = (page: Page) => page.evaluate(() => (window as unknown as { mtdPlayground: { getState(): ModeState } }).mtdPlayground.getState());

describe('every mode with compare on: the metrics panel, the trajectory map and the latent editor', () => {
  let session: BrowserSession;
  let page: Page;
  let proj: ReturnType<typeof parseProjection>;

  beforeAll(async () => {
    proj = parseProjection(await readRepoJson('public/samples/projection.json'));
    ({ session, page } = await openPlayground());
    await setSteps(page, 10);
    await page.getByTestId('compare-toggle').check();
    await page.getByTestId('compare-sampler').selectOption('ddpm');
    await page.getByTestId('compare-steps').selectOption('10');
  });
  afterAll(async () => {
    await session?.close();
  });

  for (const mode of MODES) {
    it(`${mode}: the metrics at the scrubbed frame (and B's), the paths on the map, an edit (classify: why there is no B and no edit)`, async () => {
      await pickMode(page, mode);
      await page.waitForFunction(() => (window as unknown as { mtdPlayground: { getState(): ModeState } }).mtdPlayground.getState().samples.status === 'ready');
      const parent = await generateAndWait(page);
      const reverse = mode !== 'classify';
      if (reverse) {
        await page.waitForFunction((a) => {
          const c = (window as unknown as { mtdPlayground: { getState(): ModeState } }).mtdPlayground.getState().compare;
          return c.baseRunId === a && c.status === 'done';
        }, parent, { timeout: 100_000 });
      } else {
        // No B for the forward process: said in the compare panel, not as a failure.
        await expect(page.getByTestId('compare-unavailable').textContent()).resolves.toBe('Classify runs the forward process: there is no sampler to compare.');
        expect(await page.getByTestId('compare-run').isDisabled()).toBe(true);
        expect((await modeState(page)).compare.error).toBeNull();
        expect(await page.getByTestId('notice').filter({ hasText: 'Compare run B failed' }).count()).toBe(0);
      }
      await scrubTo(page, 5);
      await waitCanvasFrame(page, { frame: 5 });
      await waitMapFrame(page, 5);
      await settle(page);

      // Metrics: every frame carries them; the readout is frame 5's, and B's frame 5 (the same fraction of 10 steps).
      const f5 = await frameOf(page, 5);
      expect(f5.metrics, `${mode} frame 5 metrics`).not.toBeNull();
      for (const name of ['x0Move', 'entropy', 'driftNorm'] as const) {
        const got = (await readout(page, name)).a;
        if (Number.isNaN(f5.metrics![name][0])) expect(got, `${mode} ${name}`).toBeNaN();
        else expect(got, `${mode} ${name}`).toBeCloseTo(f5.metrics![name][0]!, 6);
      }
      await expect(page.getByTestId('metric-visibleError').count()).resolves.toBe(mode === 'inpaint' ? 1 : 0);
      if (reverse) {
        const b5 = await page.evaluate(() => (window as unknown as { mtdPlayground: Lab }).mtdPlayground.getState().actions.getCompareFrame(5)!.metrics!.entropy[0]);
        expect((await readout(page, 'entropy')).b, `${mode} B's entropy`).toBeCloseTo(b5!, 6);
        expect(await page.getByTestId('metric-line-b').count()).toBeGreaterThanOrEqual(5);
      }

      // The map: A's path over the 11 frames (B's too), the marker on frame 5's x^_0.
      const map = page.getByTestId('trajectory-map');
      expect(await map.getAttribute('data-points')).toBe('11');
      expect(await map.getAttribute('data-paths-b')).toBe(reverse ? '1' : '0');
      const at = await marker(page);
      const [u, v] = projectPoint(proj, f5.x0Hat);
      expect(at.u).toBeCloseTo(u, 6);
      expect(at.v).toBeCloseTo(v, 6);
      if (mode === 'inpaint' || mode === 'classify') await labShot(page, `lab-mode-${mode}`);

      // The editor: a painted z_5 continues as a branch that keeps frames 0..4 exactly; classify says why it has none.
      if (!reverse) {
        await expect(page.getByTestId('edit-unavailable').textContent()).resolves.toBe('Classify runs the forward process: there is no reverse run to edit.');
        expect(await page.getByTestId('edit-canvas').count()).toBe(0);
        return;
      }
      const before = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => zOf(page, i)));
      await page.getByTestId('edit-tool-paint').check();
      await stroke(page, [8, 8], [22, 20]);
      await page.getByTestId('edit-continue').click();
      const child = await waitBranchDone(page, parent);
      const node = (await modeState(page)).history.nodes.find((n) => n.runId === child)!;
      expect(node, `${mode} branch`).toMatchObject({ parentId: parent, fromStep: 5 });
      expect((await modeState(page)).trajectory.run!.mode).toBe(mode);
      for (let i = 0; i < 5; i++) expect(await zOf(page, i), `${mode} frame ${i} kept`).toEqual(before[i]);
      const painted = Array.from(paintLatent(Float32Array.from(before[5]!), 32, node.edit as Extract<LatentEdit, { kind: 'paint' }>));
      expect(await zOf(page, 5), `${mode} z_5 carries the edit`).toEqual(painted);
      // The branch's own frames have metrics and a path too.
      expect((await frameOf(page, 8)).metrics).not.toBeNull();
      await page.waitForFunction(() => document.querySelector('[data-testid="trajectory-map"]')?.getAttribute('data-points') === '11');
    }, 200_000);
  }
});
