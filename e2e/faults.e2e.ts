/**
 * Every fault a user can meet ends in a specific message with a way forward, and the way forward works.
 * Faults are injected from the test side: page.route for the weights and the wasm binaries, a prelude
 * served in front of the inference worker (e2e/faults.ts) for the backends and the numerics.
 * The service worker is blocked here: its cache would answer before page.route sees a request.
 */
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAndWait, numTensors, waitReady, type AppWindow } from './app.ts';
import { injectWorkerFaults, sendWorkerFault, type WorkerFaultSpec } from './faults.ts';
import { launchBrowser, type BrowserSession, type PageProblems } from './harness.ts';

let session: BrowserSession;

beforeAll(async () => {
  session = await launchBrowser({ serviceWorkers: 'block' });
});

afterAll(async () => {
  await session?.close();
});

async function open(hash = '', spec?: WorkerFaultSpec, setup?: (page: Page) => Promise<unknown>): Promise<{ page: Page; problems: PageProblems }> {
  const opened = await session.newPage();
  if (spec) await injectWorkerFaults(opened.page, spec);
  await setup?.(opened.page);
  await opened.page.goto(session.url(`/${hash}`));
  return opened;
}

const state = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).mtdPlayground.getState());

/** Waits for the engine error box and returns what it says. */
async function engineError(page: Page, timeout = 60_000): Promise<{ kind: string; detail: string; title: string; text: string }> {
  const box = page.getByTestId('error-engine');
  await box.waitFor({ timeout });
  return {
    kind: (await box.getAttribute('data-kind')) ?? '',
    detail: (await box.getAttribute('data-detail')) ?? '',
    title: await page.getByTestId('error-engine-title').innerText(),
    text: await box.innerText(),
  };
}

/** The recovery: the fault goes away, the user presses Retry, the model runs. */
async function retryRecovers(page: Page): Promise<void> {
  await page.getByTestId('retry-engine').click();
  await waitReady(page);
  expect(await page.getByTestId('error-engine').count()).toBe(0);
  await generateAndWait(page);
}

const MODEL_JSON = '**/weights/model.json';
const SHARD2 = '**/weights/group1-shard2of3.bin';

/** Serves model.json changed by `edit`. */
function editManifest(edit: (m: { formatVersion: number; weightsManifest: { weights: { name: string; shape: number[]; dtype: string }[] }[] }) => void) {
  return async (route: Route) => {
    const response = await route.fetch();
    const json = (await response.json()) as Parameters<typeof edit>[0];
    edit(json);
    await route.fulfill({ response, body: JSON.stringify(json) });
  };
}

describe('weights faults', () => {
  it('model.json missing (HTTP 404): says the files are missing, Retry recovers', async () => {
    const { page } = await open();
    await page.route(MODEL_JSON, (route) => route.fulfill({ status: 404, body: 'not found' }));
    const e = await engineError(page);
    expect(e).toMatchObject({ kind: 'weights', detail: 'http', title: 'The model files are missing on the server' });
    expect(e.text).toMatch(/model\.json: HTTP 404/);
    expect(e.text).toMatch(/Retry/);
    await page.unroute(MODEL_JSON);
    await retryRecovers(page);
    await page.close();
  });

  it('a truncated shard: names the shard and the sizes, Retry recovers', async () => {
    const { page } = await open('', undefined, (p) =>
      p.route(SHARD2, async (route) => {
        const response = await route.fetch();
        const body = await response.body();
        await route.fulfill({ response, body: body.subarray(0, body.length >> 1) });
      }),
    );
    const e = await engineError(page);
    expect(e).toMatchObject({ kind: 'weights', detail: 'integrity', title: 'A model file arrived damaged' });
    expect(e.text).toMatch(/group1-shard2of3\.bin: size mismatch \(truncated\?\): expected 1048576 bytes, got 524288/);
    await page.unroute(SHARD2);
    await retryRecovers(page);
    await page.close();
  });

  it('a shard with a wrong sha256: names the shard and both hashes, Retry recovers', async () => {
    const { page } = await open('', undefined, (p) =>
      p.route(SHARD2, async (route) => {
        const response = await route.fetch();
        const body = Buffer.from(await response.body());
        body[1000] = body[1000]! ^ 0xff; // one flipped byte, same length
        await route.fulfill({ response, body });
      }),
    );
    const e = await engineError(page);
    expect(e).toMatchObject({ kind: 'weights', detail: 'integrity' });
    expect(e.text).toMatch(/group1-shard2of3\.bin: sha256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    await page.unroute(SHARD2);
    await retryRecovers(page);
    await page.close();
  });

  it('a weight with the wrong shape: names the weight and both shapes', async () => {
    const { page } = await open('', undefined, (p) =>
      p.route(
        MODEL_JSON,
        editManifest((m) => {
          m.weightsManifest[0]!.weights[0]!.shape = [128, 64];
        }),
      ),
    );
    const e = await engineError(page);
    expect(e).toMatchObject({ kind: 'weights', detail: 'shape', title: 'The model files do not match this app' });
    expect(e.text).toMatch(/weight 'backbone\/time_mlp1\/kernel' has shape \[128, 64\], the architecture needs \[64, 128\]/);
    await page.unroute(MODEL_JSON);
    await retryRecovers(page);
    await page.close();
  });

  it('a weight with the wrong dtype: names the weight and the dtypes', async () => {
    const { page } = await open('', undefined, (p) =>
      p.route(
        MODEL_JSON,
        editManifest((m) => {
          m.weightsManifest[0]!.weights[0]!.dtype = 'int32';
        }),
      ),
    );
    const e = await engineError(page);
    expect(e).toMatchObject({ kind: 'weights', detail: 'dtype', title: 'The model files do not match this app' });
    expect(e.text).toMatch(/weight 'backbone\/time_mlp1\/kernel' has dtype 'int32', expected 'float32'/);
    await page.unroute(MODEL_JSON);
    await retryRecovers(page);
    await page.close();
  });

  it('an unknown config version: says which version this build reads', async () => {
    const { page } = await open('', undefined, (p) =>
      p.route(
        MODEL_JSON,
        editManifest((m) => {
          m.formatVersion = 99;
        }),
      ),
    );
    const e = await engineError(page);
    expect(e).toMatchObject({ kind: 'weights', detail: 'version', title: 'The model files are from another version' });
    expect(e.text).toMatch(/unsupported formatVersion 99 \(this build reads formatVersion 1\)/);
    expect(e.text).toMatch(/Reload the page/);
    await page.unroute(MODEL_JSON);
    await retryRecovers(page);
    await page.close();
  });

  it('a slow network: progress is shown, Cancel stops the download, Retry loads', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async (route: Route) => {
      await gate;
      await route.continue().catch(() => undefined); // the request may have been aborted by then
    };
    const { page } = await open('', undefined, (p) => p.route(/group1-shard[23]of3\.bin$/, slow));
    // Shard 1 (1 MiB of 2.15 MB) arrives, the others hang: the weights bar stops part way.
    await page.waitForFunction(
      () => {
        const bar = document.querySelector<HTMLProgressElement>('[data-testid="progress-weights"]');
        return bar !== null && bar.value > 0.3 && bar.value < 0.9;
      },
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.getByTestId('engine-status').getAttribute('data-status')).toBe('loading');
    await page.getByTestId('cancel-loading').click();
    const e = await engineError(page, 20_000);
    expect(e).toMatchObject({ kind: 'cancelled', title: 'Loading was cancelled' });
    expect(e.text).toMatch(/Press Retry to load the model again/);
    await page.unroute(/group1-shard[23]of3\.bin$/);
    release();
    await retryRecovers(page);
    await page.close();
  });
});

describe('backend faults', () => {
  it('no navigator.gpu: the status panel says so, auto runs elsewhere; forcing webgpu lists the valid choices', async () => {
    const { page } = await open('', { noGpu: true });
    await waitReady(page);
    const attempts = page.getByTestId('backend-attempts');
    expect(await attempts.innerText()).toMatch(/webgpu\s+unavailable\s+navigator\.gpu is missing/);
    expect((await state(page)).engine.report?.chosen).toBe('wasm');

    await page.getByTestId('backend-select').selectOption('webgpu');
    await page.getByRole('button', { name: 'Switch' }).click();
    const e = await engineError(page);
    expect(e.kind).toBe('backend');
    expect(e.text).toMatch(/backend 'webgpu' is unavailable: navigator\.gpu is missing.*Valid choices here: 'auto'/s);
    // The way forward: pick wasm and retry.
    await page.getByTestId('error-engine').getByTestId('backend-select').selectOption('wasm');
    await page.getByTestId('error-engine').getByTestId('backend-apply').click();
    await waitReady(page);
    expect((await state(page)).engine.report?.chosen).toBe('wasm');
    await generateAndWait(page);
    await page.close();
  });

  it('an adapter that is null: the status panel says so, auto runs elsewhere', async () => {
    const { page } = await open('', { nullAdapter: true });
    await waitReady(page);
    expect(await page.getByTestId('backend-attempts').innerText()).toMatch(/webgpu\s+unavailable\s+navigator\.gpu\.requestAdapter\(\) returned null/);
    await generateAndWait(page);
    await page.close();
  });

  it('wasm files missing: the status panel says why wasm is out, the model runs on what is left', async () => {
    // No GPU either, so that the fallback is quick here (cpu) rather than a 10 s SwiftShader shader compile.
    const { page, problems } = await open('#steps=3', { noGpu: true, noWebGl: true }, (p) => p.route('**/*.wasm', (route) => route.fulfill({ status: 404, body: '' })));
    await waitReady(page);
    const text = await page.getByTestId('backend-attempts').innerText();
    expect(text).toMatch(/wasm\s+unavailable\s+\S/);
    expect(text).toMatch(/webgl\s+unavailable/);
    expect((await state(page)).engine.report?.chosen).toBe('cpu');
    expect(problems.failedRequests.some((r) => /\.wasm: HTTP 404/.test(r))).toBe(true);
    await generateAndWait(page);
    await page.close();
  });
});

describe('numerics', () => {
  it('NaN in a frame: the run stops with a message naming the step, earlier frames are kept, nothing leaks', async () => {
    const { page } = await open('#mode=unconditional&sampler=ddpm&steps=6&seed=1&batch=1', {});
    await waitReady(page);
    await generateAndWait(page); // warm: the tensor baseline after a clean run
    const before = await numTensors(page);
    // Box–Muller draws 512 log() per 1024 values: z_T and the noise of steps 0->1 and 1->2 are clean,
    // the noise of step 2->3 is NaN, so frame 3 is the first non-finite one. The per-step metrics of frames
    // 0 and 1 take at most 10 log() each (label entropy over 10 classes) in between; fewer only moves the
    // first NaN later inside step 2->3's 512.
    await sendWorkerFault(page, { __fault: 'nan-after', calls: 512 * 3 + 2 * 10 });
    await generateAndWait(page, 'error');
    const box = page.getByTestId('error-run');
    expect(await box.getAttribute('data-kind')).toBe('numerics');
    expect(await page.getByTestId('error-run-title').innerText()).toBe('The run stopped at step 3');
    expect(await box.innerText()).toMatch(/non-finite value \(NaN\) in frame 3/);
    const s = await state(page);
    expect(s.trajectory.error?.step).toBe(3);
    expect(s.trajectory.frameCount).toBe(3); // frames 0, 1, 2 are kept
    expect(await numTensors(page)).toBe(before);
    // The way forward: generate again (the fault is gone).
    await sendWorkerFault(page, { __fault: 'nan-off' });
    await page.getByTestId('generate-again').click();
    await page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.status === 'done', undefined, { timeout: 60_000 });
    expect((await state(page)).trajectory.frameCount).toBe(7);
    expect(await page.getByTestId('error-run').count()).toBe(0);
    await page.close();
  });
});

describe('GPU loss in the middle of a run', () => {
  const RUN = '#mode=unconditional&sampler=ddim&steps=4&seed=3&batch=1';

  /** Opens the app at `hash` with the worker's fault hooks and forces `backend`. */
  async function openOn(hash: string, backend: 'webgpu' | 'webgl'): Promise<{ page: Page; problems: PageProblems }> {
    const opened = await open(hash, {});
    const { page } = opened;
    await waitReady(page);
    await page.getByTestId('backend-select').selectOption(backend);
    await page.getByRole('button', { name: 'Switch' }).click();
    await page.waitForFunction(
      (b) => {
        const e = (window as unknown as AppWindow).mtdPlayground.getState().engine;
        return e.status === 'ready' && !e.switching && e.report?.chosen === b;
      },
      backend,
      { timeout: 240_000 },
    );
    return opened;
  }

  /** Forces `backend`, starts a run, loses the GPU after frame 1, and checks the run ends on wasm from the last frame. */
  async function loseMidRun(backend: 'webgpu' | 'webgl', fault: 'lose-webgpu' | 'lose-webgl', what: RegExp): Promise<void> {
    const { page, problems } = await openOn(RUN, backend);
    await page.getByTestId('generate').click();
    await page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.frameCount >= 2, undefined, { timeout: 120_000 });
    await sendWorkerFault(page, { __fault: fault });
    await page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().trajectory.status !== 'running', undefined, { timeout: 120_000 });
    const s = await state(page);
    expect(s.trajectory.status, JSON.stringify([s.trajectory.error, s.engine.error])).toBe('done');
    expect(s.trajectory.frameCount).toBe(5);
    expect(s.engine.report?.chosen).toBe('wasm');
    expect(s.engine.error).toBeNull();
    const notice = s.notices.map((n) => n.text).join('\n');
    expect(notice).toMatch(what);
    expect(notice).toMatch(/at step (\d+); the run continues from step \1\. Switched to wasm; nothing you made was lost/);
    expect(await page.getByTestId('notice').first().innerText()).toMatch(what);
    const resumed = await page.evaluate(() => {
      const h = (window as unknown as AppWindow).mtdPlayground;
      return Array.from({ length: 5 }, (_, i) => h.getFrame(i)).map((f) => ({ runId: f?.runId, index: f?.index, z: Array.from(f?.z ?? []) }));
    });
    expect(resumed.map((f) => f.index)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(resumed.map((f) => f.runId)).size).toBe(1);
    // The same run on wasm from the start: the resumed trajectory ends where it would have (float tolerance).
    await generateAndWait(page);
    const fresh = await page.evaluate(() => Array.from((window as unknown as AppWindow).mtdPlayground.getFrame(4)?.z ?? []));
    const last = resumed[4]!.z;
    expect(fresh.length).toBe(last.length);
    expect(Math.max(...fresh.map((v, i) => Math.abs(v - last[i]!)))).toBeLessThanOrEqual(1e-3);
    expect(problems.pageErrors).toEqual([]);
    await page.close();
  }

  it('WebGPU device lost: the run moves to wasm and continues from the last frame', { timeout: 400_000 }, async () => {
    await loseMidRun('webgpu', 'lose-webgpu', /The WebGPU device was lost/);
  });

  it('WebGL context lost: the run moves to wasm and continues from the last frame', { timeout: 400_000 }, async () => {
    await loseMidRun('webgl', 'lose-webgl', /The WebGL context was lost/);
  });

  it("WebGL context lost during compare's run B: B moves to wasm and continues from its last frame, A is kept", { timeout: 400_000 }, async () => {
    const { page, problems } = await openOn(`${RUN}&cmp=ddpm~0~0~4`, 'webgl');
    await page.getByTestId('generate').click(); // A, then B
    await page.waitForFunction(() => {
      const s = (window as unknown as AppWindow).mtdPlayground.getState();
      return s.trajectory.status === 'done' && s.compare.status === 'running' && s.compare.frameCount >= 2;
    }, undefined, { timeout: 180_000 });
    await sendWorkerFault(page, { __fault: 'lose-webgl' });
    await page.waitForFunction(() => (window as unknown as AppWindow).mtdPlayground.getState().compare.status !== 'running', undefined, { timeout: 120_000 });
    const s = await state(page);
    expect(s.compare.status, JSON.stringify([s.engine.error, s.notices])).toBe('done');
    expect(s.compare.frameCount).toBe(5);
    expect(s.trajectory).toMatchObject({ status: 'done', frameCount: 5 });
    expect(s.engine.report?.chosen).toBe('wasm');
    expect(s.engine.error).toBeNull();
    const notices = s.notices.map((n) => n.text).join('\n');
    expect(notices).toMatch(/The WebGL context was lost at step (\d+); the run continues from step \1\. Switched to wasm/);
    expect(s.notices.filter((n) => /^The WebGL context was lost/.test(n.text)), notices).toHaveLength(1); // one recovery for the loss
    const b = await page.evaluate(() => {
      const buffer = (window as unknown as AppWindow).mtdPlayground.getState().actions.compareFrames();
      return Array.from({ length: buffer.length }, (_, i) => buffer.at(i)).map((f) => `${f?.runId}#${f?.index}`);
    });
    expect(b).toEqual([0, 1, 2, 3, 4].map((i) => `${s.compare.runId}#${i}`));
    expect(problems.pageErrors).toEqual([]);
    await page.close();
  });
});
