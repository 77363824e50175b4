import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendPreference, BackendReport, Frame, InitResult, LoadProgress, RunRequest } from '../engine/protocol.ts';
import type { EngineEvent } from '../engine/api.ts';
import type { EngineLike } from './state.ts';
import { FrameBuffer, rollingMedian } from './frame-buffer.ts';
import { hiddenCount, paintStroke, presetMask } from './mask.ts';
import { DEFAULT_SAMPLING, SAMPLING_DEFAULTS, type SamplingDefaults } from './defaults.ts';
import { createAppStore, type AppStore } from './store.ts';
import { CLASSIFY_NO_COMPARE } from './compare-actions.ts';
import { syncWithHash } from './url.ts';

const REPORT: BackendReport = {
  chosen: 'wasm',
  preference: 'auto',
  attempts: [{ name: 'wasm', outcome: 'chosen', reason: 'fastest' }],
  summary: 'auto picked wasm',
};

function frameOf(request: RunRequest, index: number): Frame {
  const n = request.batch * 32 * 32;
  const probs = new Float32Array(request.batch * 10).fill(0.1);
  return {
    runId: request.runId,
    index,
    t: Math.round(1000 * (1 - index / request.steps)),
    z: new Float32Array(n).fill(index),
    x0Hat: new Float32Array(n),
    masked: new Float32Array(n),
    sketch: new Float32Array(n),
    labelProbs: probs,
    repr: new Float32Array(request.batch * 8),
    drift: new Float32Array(n).fill(index % 2 === 0 ? 0.5 : -0.25),
    ms: 10 + index,
  };
}

/** A fake engine whose runs the test drives frame by frame. */
class FakeEngine implements EngineLike {
  requests: RunRequest[] = [];
  cancelled: string[] = [];
  pending: { request: RunRequest; onFrame: (f: Frame) => void; resolve: (r: 'done' | 'cancelled') => void; reject: (e: unknown) => void }[] = [];
  initError: Error | null = null;

  init(_options: unknown, onProgress: (p: { phase: 'weights'; fraction: number; message: string }) => void): Promise<InitResult> {
    onProgress({ phase: 'weights', fraction: 0.5, message: 'half' });
    if (this.initError) return Promise.reject(this.initError);
    return Promise.resolve({
      backend: REPORT,
      config: {},
      trained: false,
      weightsBytes: 1234,
      loadMs: 5,
      warmupMs: 7,
    });
  }

  run(request: RunRequest, onFrame: (frame: Frame) => void): Promise<'done' | 'cancelled'> {
    this.requests.push(request);
    return new Promise((resolve, reject) => this.pending.push({ request, onFrame, resolve, reject }));
  }

  /** Emits frames [from, to) of the latest run. */
  emit(from: number, to: number, which = this.pending.length - 1): void {
    const p = this.pending[which]!;
    for (let i = from; i < to; i++) p.onFrame(frameOf(p.request, i));
  }

  finish(which = this.pending.length - 1): void {
    this.pending[which]!.resolve('done');
  }

  cancel(runId: string): void {
    this.cancelled.push(runId);
  }

  memory() {
    return { numTensors: 3, numBytes: 300 };
  }

  warmed: number[] = [];

  warm(batch: 1 | 16): Promise<number> {
    this.warmed.push(batch);
    return Promise.resolve(5);
  }

  backendSwitches = 0;
  listeners: ((event: EngineEvent) => void)[] = [];

  setBackend: (preference: BackendPreference, onProgress?: (p: LoadProgress) => void) => Promise<BackendReport> = () => {
    this.backendSwitches++;
    return Promise.resolve({ ...REPORT, chosen: 'cpu' });
  };

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.push(listener);
    return () => undefined;
  }

  /** The worker's own report of a loss (it comes besides the run's rejection). */
  emitEvent(event: EngineEvent): void {
    for (const l of this.listeners) l(event);
  }
}

async function readyStore(fake: FakeEngine, extra: Parameters<typeof createAppStore>[0] = {}): Promise<AppStore> {
  const store = createAppStore({ engine: () => fake, defer: (fn) => fn(), memoryPollMs: 0, diceSeed: 7, ...extra });
  await store.getState().actions.startEngine();
  return store;
}

const flushPromises = () => new Promise<void>((r) => setTimeout(r, 0));

describe('store: engine slice', () => {
  it('reports progress per phase, the backend and the untrained flag', async () => {
    const fake = new FakeEngine();
    const store = await readyStore(fake);
    const { engine } = store.getState();
    expect(engine.status).toBe('ready');
    expect(engine.report?.chosen).toBe('wasm');
    expect(engine.trained).toBe(false);
    expect(engine.progress.weights?.fraction).toBe(0.5);
    expect(engine.warmupMs).toBe(7);
    await flushPromises();
    expect(store.getState().engine.memory?.numTensors).toBe(3);
  });

  it('warms batch 16 when the grid is picked (not at start-up), and again on a new backend', async () => {
    const fake = new FakeEngine();
    const store = await readyStore(fake);
    expect(fake.warmed).toEqual([]);
    store.getState().actions.setConfig({ batch: 16 });
    expect(fake.warmed).toEqual([16]);
    store.getState().actions.setConfig({ batch: 1 });
    expect(fake.warmed).toEqual([16]);
    store.getState().actions.setConfig({ batch: 16 });
    await store.getState().actions.setBackend('cpu');
    expect(fake.warmed).toEqual([16, 16, 16]);
  });

  it('turns an init failure into an explained error and can retry', async () => {
    const fake = new FakeEngine();
    fake.initError = Object.assign(new Error('shard 2 is truncated'), { kind: 'weights' });
    const store = createAppStore({ engine: () => fake, memoryPollMs: 0 });
    await store.getState().actions.startEngine();
    expect(store.getState().engine.status).toBe('error');
    expect(store.getState().engine.error).toEqual({ kind: 'weights', message: 'shard 2 is truncated' });
    fake.initError = null;
    await store.getState().actions.retryEngine('cpu');
    expect(store.getState().engine.status).toBe('ready');
    expect(store.getState().engine.preference).toBe('cpu');
  });
});

describe('store: runs and frames', () => {
  let fake: FakeEngine;
  let store: AppStore;
  beforeEach(async () => {
    vi.useFakeTimers();
    fake = new FakeEngine();
    store = await readyStore(fake);
    store.getState().actions.setConfig({ steps: 4 });
  });
  afterEach(() => {
    store.getState().actions.dispose();
    vi.useRealTimers();
  });

  it('builds the request from the run config and collects every frame', async () => {
    const { actions } = store.getState();
    const done = actions.generate();
    const req = fake.requests[0]!;
    expect(req).toMatchObject({ mode: 'joint', sampler: DEFAULT_SAMPLING.sampler, steps: 4, seed: 42, batch: 1, clipX0: true });
    expect(req.image).toBeUndefined();
    fake.emit(0, 5);
    fake.finish();
    await done;
    const t = store.getState().trajectory;
    expect(t.status).toBe('done');
    expect(t.frameCount).toBe(5);
    expect(t.expectedFrames).toBe(5);
    expect(actions.getFrame(4)?.index).toBe(4);
    expect(store.getState().engine.msPerStep).toBe(12.5); // median of 11..14
  });

  it('keeps a last frame that lands just after the run resolved', async () => {
    const { actions } = store.getState();
    const done = actions.generate();
    fake.emit(0, 4);
    fake.finish();
    await done;
    expect(store.getState().trajectory).toMatchObject({ status: 'done', frameCount: 4 });
    fake.emit(4, 5);
    expect(store.getState().trajectory.frameCount).toBe(5);
  });

  it('switches backend on a ready engine', async () => {
    await store.getState().actions.setBackend('cpu');
    expect(store.getState().engine).toMatchObject({ status: 'ready', preference: 'cpu', switching: false });
    expect(store.getState().engine.report?.chosen).toBe('cpu');
  });

  it('a backend switch mid-run shows its phases, then the same run continues from its last frame', async () => {
    const { actions } = store.getState();
    actions.setConfig({ steps: 10 });
    const run = actions.generate();
    fake.emit(0, 5);
    const runId = store.getState().trajectory.runId;
    const phases: string[] = [];
    fake.setBackend = (_preference, onProgress) => {
      phases.push(store.getState().engine.switchProgress!.message);
      onProgress?.({ phase: 'warmup', fraction: 0.5, message: 'warming up cpu' });
      phases.push(`${store.getState().engine.switchProgress!.phase} ${store.getState().engine.switchProgress!.fraction}`);
      fake.pending[0]!.resolve('cancelled'); // the engine stops the run for the switch
      return Promise.resolve({ ...REPORT, chosen: 'cpu', warmupMs: 99 });
    };
    await actions.setBackend('cpu');
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(phases).toEqual(['stopping the run at its last frame', 'warmup 0.5']);
    expect(store.getState().engine).toMatchObject({ switching: false, switchProgress: null, warmupMs: 99 });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]).toMatchObject({ runId, start: { fromStep: 4 } });
    expect(store.getState().trajectory).toMatchObject({ runId, status: 'running' });
    expect(store.getState().notices.map((n) => n.text)).toContain('Switched to cpu at step 4; the run continues from step 4.');
    fake.emit(4, 11, 1);
    fake.finish(1);
    await run;
    expect(store.getState().trajectory).toMatchObject({ runId, status: 'done', frameCount: 11 });
    expect(store.getState().history.nodes).toHaveLength(1);
  });

  it('a burst of Generate clicks leaves one run in the history; a stopped run stays', () => {
    const { actions } = store.getState();
    for (let i = 0; i < 5; i++) {
      void actions.generate();
      fake.emit(0, 2, i);
    }
    expect(store.getState().history.nodes.map((n) => n.runId)).toEqual(['run-5']);
    actions.cancelRun();
    void actions.generate();
    expect(store.getState().history.nodes.map((n) => [n.runId, n.status])).toEqual([
      ['run-5', 'cancelled'],
      ['run-6', 'running'],
    ]);
  });

  it('follows live: while a run computes, each tick shows the newest frame; off, it plays frame by frame', () => {
    const { actions } = store.getState();
    actions.setConfig({ steps: 20 });
    void actions.generate();
    fake.emit(0, 9);
    vi.advanceTimersByTime(50); // one tick at 20 fps
    expect(store.getState().player.frameIndex).toBe(8);
    actions.setFollow(false);
    fake.emit(9, 15);
    vi.advanceTimersByTime(50);
    expect(store.getState().player.frameIndex).toBe(9);
    actions.setFollow(true); // back on: at once to the newest frame, playing
    expect(store.getState().player).toMatchObject({ frameIndex: 14, playing: true });
  });

  it('drops stale frames of an older run and ignores its result', async () => {
    const { actions } = store.getState();
    const first = actions.generate();
    fake.emit(0, 2, 0);
    const second = actions.generate();
    expect(fake.cancelled).toEqual(['run-1']);
    fake.emit(2, 4, 0); // late frames of run-1
    fake.emit(0, 1, 1);
    fake.finish(0);
    await first;
    const t = store.getState().trajectory;
    expect(t.runId).toBe('run-2');
    expect(t.status).toBe('running');
    expect(t.frameCount).toBe(1);
    expect(actions.getFrame(0)?.runId).toBe('run-2');
    fake.emit(1, 5, 1);
    fake.finish(1);
    await second;
    expect(store.getState().trajectory.frameCount).toBe(5);
  });

  it('cancels a running run when the config changes, keeping its frames', async () => {
    const { actions } = store.getState();
    const run = actions.generate();
    fake.emit(0, 3);
    actions.setConfig({ sampler: 'ddpm' });
    expect(fake.cancelled).toEqual(['run-1']);
    const t = store.getState().trajectory;
    expect(t.status).toBe('cancelled');
    expect(t.stale).toBe(true);
    expect(t.frameCount).toBe(3);
    fake.emit(3, 5); // the engine was still busy: dropped
    fake.pending[0]!.resolve('cancelled');
    await run;
    expect(store.getState().trajectory.frameCount).toBe(3);
    expect(store.getState().trajectory.status).toBe('cancelled');
  });

  it('plays at fps, never past the frames there are, and stops at the end', async () => {
    const { actions } = store.getState();
    const run = actions.generate();
    expect(store.getState().player.playing).toBe(true);
    fake.emit(0, 2);
    vi.advanceTimersByTime(50); // 20 fps: one tick
    expect(store.getState().player.frameIndex).toBe(1);
    vi.advanceTimersByTime(200); // caught up: waits for frames
    expect(store.getState().player.frameIndex).toBe(1);
    expect(store.getState().player.playing).toBe(true);
    fake.emit(2, 5);
    fake.finish();
    await run;
    vi.advanceTimersByTime(1000);
    expect(store.getState().player.frameIndex).toBe(4);
    expect(store.getState().player.playing).toBe(false);
    // Play at the end restarts from the first frame.
    actions.play();
    expect(store.getState().player.frameIndex).toBe(0);
  });

  it('scrubbing and stepping pause the loop and clamp to the frames; a new seed invalidates the loop', async () => {
    const { actions } = store.getState();
    const run = actions.generate();
    fake.emit(0, 5);
    fake.finish();
    await run;
    actions.seek(2);
    expect(store.getState().player).toMatchObject({ frameIndex: 2, playing: false });
    actions.stepBy(10);
    expect(store.getState().player.frameIndex).toBe(4);
    actions.jumpToStart();
    expect(store.getState().player.frameIndex).toBe(0);
    actions.play();
    actions.rollSeed();
    expect(store.getState().player.playing).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(store.getState().player.frameIndex).toBe(0);
    // Scrubbing never reruns.
    expect(fake.requests).toHaveLength(1);
  });

  it('switching head changes only the view', async () => {
    const { actions } = store.getState();
    const run = actions.generate();
    fake.emit(0, 5);
    fake.finish();
    await run;
    const before = store.getState().trajectory;
    actions.setHead('label');
    actions.setHead('nonsense' as 'label'); // not a head: refused
    expect(store.getState().view.head).toBe('label');
    actions.setHead('sketch');
    actions.setHead('repr');
    expect(store.getState().view.head).toBe('repr');
    expect(store.getState().trajectory).toBe(before);
    expect(fake.requests).toHaveLength(1);
  });

  it('sends the image and mask for inpainting, and keeps the user mask across a run error', async () => {
    const images = new Uint8Array(2 * 28 * 28).fill(255);
    store.setState((s) => ({ samples: { ...s.samples, status: 'ready', count: 2, size: 28, labels: [0, 1], classNames: [], images } }));
    const { actions } = store.getState();
    actions.setConfig({ mode: 'inpaint' });
    actions.applyMaskPreset('left');
    const mask = store.getState().editor.mask;
    const run = actions.generate();
    const req = fake.requests[0]!;
    expect(req.mode).toBe('inpaint');
    expect(req.mask).toEqual(mask);
    expect(req.image?.[0]).toBe(-1); // padding
    expect(req.image?.[2 * 32 + 2]).toBe(1); // first data pixel (255)
    fake.pending[0]!.reject({ kind: 'numerics', message: 'NaN at step 3', step: 3 });
    await run;
    expect(store.getState().trajectory.status).toBe('error');
    expect(store.getState().trajectory.error?.kind).toBe('numerics');
    expect(store.getState().editor.mask).toBe(mask);
  });

  it('sketch mode sends the edge map of the picked test image, or the sketch drawn on top of it', () => {
    // Image 1: a bright 10x10 square on black; its Sobel edges form a ring (sketchOf, data.py sketch_of).
    const images = new Uint8Array(2 * 28 * 28);
    for (let y = 9; y < 19; y++) for (let x = 9; x < 19; x++) images[784 + y * 28 + x] = 255;
    store.setState((s) => ({ samples: { ...s.samples, status: 'ready', count: 2, size: 28, labels: [0, 1], classNames: [], images } }));
    const { actions } = store.getState();
    actions.setConfig({ mode: 'sketch' });
    actions.pickSketchImage(1);
    void actions.generate();
    const req = fake.requests[0]!;
    expect(req.mode).toBe('sketch');
    expect(req.image).toBeUndefined();
    const sketch = req.sketch!;
    expect(sketch).toHaveLength(1024);
    expect(sketch.every((v) => v === 0 || v === 1)).toBe(true);
    expect(sketch[(9 + 2) * 32 + (14 + 2)]).toBe(1); // top edge of the square (model space: +2 padding)
    expect(sketch[(14 + 2) * 32 + (14 + 2)]).toBe(0); // flat inside
    expect(store.getState().trajectory.run?.sketch).toEqual(sketch);
    const edges = sketch.filter((v) => v === 1).length;

    // Drawing on it edits a copy: the source becomes the user's own, the old run is stale, undo restores.
    actions.beginStroke();
    actions.sketchStrokeTo({ x: 2.5, y: 2.5 }, { x: 2.5, y: 2.5 });
    expect(store.getState().editor.sketchSource).toBe('drawn');
    expect(store.getState().trajectory.stale).toBe(true);
    expect(actions.sketchImage()!.filter((v) => v === 1).length).toBeGreaterThan(edges);
    void actions.generate();
    expect(fake.requests[1]!.sketch![2 * 32 + 2]).toBe(1);
    actions.undo();
    expect(store.getState().editor.sketchSource).toBe('test');
    expect(actions.sketchImage()).toEqual(sketch);
    actions.clearSketch();
    expect(actions.sketchImage()!.every((v) => v === 0)).toBe(true);
  });

  it('sketch mode from a test image waits for the samples', async () => {
    const { actions } = store.getState();
    actions.setConfig({ mode: 'sketch' });
    await actions.generate();
    expect(fake.requests).toHaveLength(0);
    expect(store.getState().trajectory.error?.message).toMatch(/still loading/);
    // A drawn sketch needs no samples.
    actions.setSketch(new Float32Array(1024).fill(1));
    void actions.generate();
    expect(fake.requests[0]!.sketch!.every((v) => v === 1)).toBe(true);
  });

  it('representation mode: a map click picks the nearest point and runs with its full vector', async () => {
    const { actions } = store.getState();
    actions.setConfig({ mode: 'representation' });
    await actions.generate();
    expect(fake.requests).toHaveLength(0); // no map yet
    expect(store.getState().trajectory.error?.message).toMatch(/map is still loading/);
    // Three 8-d points; (u, v) = (0, 0), (3, 3), (-3, 1).
    const rows = [0, 0, 1, 1, 1, 1, 1, 1, 3, 3, 2, 2, 2, 2, 2, 2, -3, 1, 3, 3, 3, 3, 3, 3];
    const points = { count: 3, dim: 8, reprs: Float32Array.from(rows), labels: Int32Array.from([0, 5, 9]), sampleCount: 1 };
    store.setState((s) => ({ samples: { ...s.samples, status: 'ready', points } }));
    actions.setConfig({ mode: 'joint' });
    const run = actions.runFromMap({ u: 2.4, v: 3.3 });
    expect(store.getState().config.mode).toBe('representation');
    expect(store.getState().editor.reprPoint).toBe(1);
    const req = fake.requests[0]!;
    expect(req.mode).toBe('representation');
    expect([...req.repr!]).toEqual([3, 3, 2, 2, 2, 2, 2, 2]);
    expect(store.getState().trajectory.run).toMatchObject({ mode: 'representation', reprPoint: 1 });
    fake.emit(0, 5);
    fake.finish();
    await run;
    expect(store.getState().trajectory.status).toBe('done');
    // Picking another point makes the trajectory stale; an index off the map is refused.
    actions.pickReprPoint(2);
    expect(store.getState().trajectory.stale).toBe(true);
    actions.pickReprPoint(3);
    expect(store.getState().editor.reprPoint).toBe(2);
    expect(actions.reprTarget()?.[0]).toBe(-3);
  });

  it('classify sends the picked test image; label and drift guidance only where they apply', () => {
    const images = new Uint8Array(2 * 28 * 28);
    images.fill(0, 0, 784).fill(127, 784);
    store.setState((s) => ({ samples: { ...s.samples, status: 'ready', count: 2, size: 28, labels: [0, 1], classNames: [], images } }));
    const { actions } = store.getState();
    // Drift guidance of the user's own (no mode's default), so mode switches keep it (defaults.ts followModeDefaults).
    const w = Math.max(...Object.values(SAMPLING_DEFAULTS.driftGuidance)) + 0.5;
    actions.setConfig({ mode: 'classify', labelGuidance: 3, driftGuidance: w });
    actions.pickTestImage(1);
    void actions.generate();
    const req = fake.requests[0]!;
    expect(req.labelGuidance).toBe(0);
    expect(req.driftGuidance).toBe(0);
    expect(req.image?.[2 * 32 + 2]).toBeCloseTo(127 / 127.5 - 1, 6);
    actions.setConfig({ mode: 'conditional', classId: 7 });
    void actions.generate();
    expect(fake.requests[1]).toMatchObject({ mode: 'conditional', classId: 7, labelGuidance: 3, driftGuidance: w });
    expect(fake.requests[1]!.image).toBeUndefined();
    // paste (inpainting by replacement) is only ever sent for inpainting
    actions.setConfig({ paste: true });
    void actions.generate();
    expect(fake.requests[2]!.paste).toBeUndefined();
    actions.setConfig({ mode: 'inpaint' });
    void actions.generate();
    expect(fake.requests[3]).toMatchObject({ mode: 'inpaint', paste: true, labelGuidance: 0, driftGuidance: w });
    // Unconditional: nothing given, no drift to guide by.
    actions.setConfig({ mode: 'unconditional' });
    void actions.generate();
    expect(fake.requests[4]).toMatchObject({ mode: 'unconditional', labelGuidance: 0, driftGuidance: 0 });
  });

  it('label commitment is sent in joint mode only, and a run and its summary keep it', async () => {
    const { actions } = store.getState();
    actions.setConfig({ labelCommit: 0.5 });
    const done = actions.generate();
    expect(fake.requests[0]).toMatchObject({ mode: 'joint', labelCommit: 0.5 });
    fake.emit(0, 5);
    fake.finish();
    await done;
    expect(store.getState().trajectory.run).toMatchObject({ mode: 'joint', labelCommit: 0.5 });
    actions.setConfig({ mode: 'conditional', classId: 2 });
    void actions.generate();
    expect(fake.requests[1]).toMatchObject({ mode: 'conditional', labelCommit: 0 });
    expect(store.getState().config.labelCommit).toBe(0.5); // kept for the next joint run
  });
});

describe('store: measured defaults per mode (defaults.ts SAMPLING_DEFAULTS)', () => {
  // A table whose modes differ, as measured weights' will (the shipped table is injected the same way).
  const table: SamplingDefaults = { driftGuidance: { joint: 1, conditional: 2, inpaint: 0.5, sketch: 4, representation: 3 }, labelCommit: 0.5 };
  const make = (extra: Parameters<typeof createAppStore>[0] = {}) => createAppStore({ memoryPollMs: 0, diceSeed: 1, samplingDefaults: table, ...extra });

  it("the first config has the default mode's drift guidance and the label commitment", () => {
    expect(make().getState().config).toMatchObject({ mode: 'joint', driftGuidance: 1, labelCommit: 0.5 });
    expect(make({ initialConfig: { mode: 'sketch' } }).getState().config).toMatchObject({ mode: 'sketch', driftGuidance: 4 });
    expect(make({ initialConfig: { mode: 'sketch', driftGuidance: 0 } }).getState().config).toMatchObject({ mode: 'sketch', driftGuidance: 0 });
  });

  it("a mode switch takes the new mode's default while drift guidance is untouched; a value of the user's own is kept", () => {
    const store = make();
    const { actions } = store.getState();
    actions.setConfig({ mode: 'conditional' });
    expect(store.getState().config.driftGuidance).toBe(2);
    actions.setConfig({ mode: 'unconditional' }); // no drift guidance there: the value waits
    expect(store.getState().config.driftGuidance).toBe(2);
    actions.setConfig({ mode: 'sketch' });
    expect(store.getState().config.driftGuidance).toBe(4);
    actions.setConfig({ driftGuidance: 6 });
    actions.setConfig({ mode: 'inpaint' });
    expect(store.getState().config.driftGuidance).toBe(6);
    actions.setConfig({ mode: 'classify' });
    actions.setConfig({ mode: 'joint' });
    expect(store.getState().config.driftGuidance).toBe(6);
    // Back on a default (by hand) it follows the modes again.
    actions.setConfig({ driftGuidance: 1 });
    actions.setConfig({ mode: 'representation' });
    expect(store.getState().config.driftGuidance).toBe(3);
    // Label commitment is one setting (joint's), whatever the mode.
    expect(store.getState().config.labelCommit).toBe(0.5);
    store.getState().actions.dispose();
  });

  it("a link's explicit dg and lc win over the defaults; a link without them gets the mode's", () => {
    const open = (hash: string) => {
      const store = make();
      const stop = syncWithHash(store, { hash }, () => undefined);
      const { config } = store.getState();
      stop();
      store.getState().actions.dispose();
      return config;
    };
    expect(open('#mode=sketch&dg=0&lc=0')).toMatchObject({ mode: 'sketch', driftGuidance: 0, labelCommit: 0 });
    expect(open('#mode=sketch&dg=1')).toMatchObject({ mode: 'sketch', driftGuidance: 1, labelCommit: 0.5 });
    expect(open('#mode=sketch')).toMatchObject({ mode: 'sketch', driftGuidance: 4 });
    expect(open('#mode=joint&lc=0.25')).toMatchObject({ mode: 'joint', driftGuidance: 1, labelCommit: 0.25 });
  });
});

describe('store: config and editor', () => {
  it('sanitizes config and rolls seeds from a seeded stream', () => {
    const a = createAppStore({ diceSeed: 1, memoryPollMs: 0 });
    const b = createAppStore({ diceSeed: 1, memoryPollMs: 0 });
    a.getState().actions.setConfig({ steps: 5000, eta: 3, labelGuidance: -1, driftGuidance: 11, batch: 16 });
    expect(a.getState().config).toMatchObject({ steps: 1000, eta: 1, labelGuidance: 0, driftGuidance: 10, batch: 16 });
    a.getState().actions.setConfig({ driftGuidance: Number.NaN });
    expect(a.getState().config.driftGuidance).toBe(0);
    a.getState().actions.setConfig({ labelCommit: 1 });
    expect(a.getState().config.labelCommit).toBe(0.95);
    a.getState().actions.setConfig({ labelCommit: -0.5 });
    expect(a.getState().config.labelCommit).toBe(0);
    a.getState().actions.rollSeed();
    b.getState().actions.rollSeed();
    expect(a.getState().config.seed).toBe(b.getState().config.seed);
    expect(a.getState().config.seed).not.toBe(42);
  });

  it('paints, applies presets and undoes', () => {
    const store = createAppStore({ memoryPollMs: 0 });
    const { actions } = store.getState();
    actions.applyMaskPreset('none');
    expect(hiddenCount(store.getState().editor.mask)).toBe(0);
    actions.beginStroke();
    actions.strokeTo({ x: 10, y: 10 }, { x: 20, y: 10 });
    const painted = hiddenCount(store.getState().editor.mask);
    expect(painted).toBeGreaterThan(10);
    actions.setTool('eraser');
    actions.beginStroke();
    actions.strokeTo({ x: 10, y: 10 }, { x: 10, y: 10 });
    expect(hiddenCount(store.getState().editor.mask)).toBeLessThan(painted);
    actions.undo();
    expect(hiddenCount(store.getState().editor.mask)).toBe(painted);
    actions.undo();
    expect(hiddenCount(store.getState().editor.mask)).toBe(0);
    // Drawing your own image paints the image layer.
    actions.pickDrawnImage();
    actions.setTool('brush');
    actions.beginStroke();
    actions.strokeTo({ x: 16, y: 16 }, { x: 16, y: 16 });
    expect(store.getState().editor.drawn[16 * 32 + 16]).toBe(1);
    expect(actions.sourceImage()).toBe(store.getState().editor.drawn);
  });
});

describe('frames and masks', () => {
  it('FrameBuffer keeps frames in order for its run only', () => {
    const buf = new FrameBuffer();
    const req = { runId: 'a', steps: 2, batch: 1 } as RunRequest;
    buf.reset('a');
    expect(buf.push(frameOf(req, 1))).toBe(false);
    expect(buf.push(frameOf(req, 0))).toBe(true);
    expect(buf.push(frameOf({ ...req, runId: 'b' }, 1))).toBe(false);
    expect(buf.push(frameOf(req, 1))).toBe(true);
    expect(buf.driftMaxAbs).toBe(0.5);
    const series = buf.labelSeries(0);
    expect(series.probs).toHaveLength(2);
    expect(series.entropy[0]).toBeCloseTo(Math.log(10), 5);
  });

  it('rollingMedian', () => {
    expect(rollingMedian([], 5)).toBeNull();
    expect(rollingMedian([100, 1, 2, 3], 3)).toBe(2);
  });

  it('presets hide the named half', () => {
    const left = presetMask('left', 32);
    expect(left[0]).toBe(0);
    expect(left[31]).toBe(1);
    expect(hiddenCount(left)).toBe(512);
    expect(hiddenCount(presetMask('box', 32))).toBe(256);
    const dab = paintStroke(new Float32Array(1024).fill(1), 32, { x: 5, y: 5 }, { x: 5, y: 5 }, 1, 0);
    expect(hiddenCount(dab)).toBe(4);
  });
});

describe('store: samples', () => {
  it('loads the bundled test images once, even when asked twice', async () => {
    const bytes = new Uint8Array(2 * 28 * 28).fill(9);
    const index = { count: 2, size: 28, classNames: ['a', 'b'], labels: [1, 0] };
    const calls: string[] = [];
    const fetchFake = (url: string) => {
      calls.push(url);
      return Promise.resolve(url.endsWith('.json') ? new Response(JSON.stringify(index)) : new Response(bytes));
    };
    const store = createAppStore({ fetch: fetchFake, baseUrl: '/app/', memoryPollMs: 0 });
    await Promise.all([store.getState().actions.loadSamples(), store.getState().actions.loadSamples()]);
    expect(calls).toEqual(['/app/samples/index.json', '/app/samples/images.bin', '/app/samples/projection.json']);
    expect(store.getState().samples).toMatchObject({ status: 'ready', count: 2, labels: [1, 0] });
    // The trajectory map's projection is optional: a bad one is named, the samples stay ready.
    expect(store.getState().samples.projectionError).toBe('samples/projection.json: mean is not a list');
    expect(store.getState().actions.sourceImage()?.[2 * 32 + 2]).toBeCloseTo(9 / 127.5 - 1, 6);
  });

  it('reports a missing file', async () => {
    const store = createAppStore({ fetch: () => Promise.resolve(new Response('no', { status: 404 })), memoryPollMs: 0 });
    await store.getState().actions.loadSamples();
    expect(store.getState().samples.status).toBe('error');
    expect(store.getState().samples.error).toContain('HTTP 404');
  });
});

describe('store: GPU loss mid-run (recovery in launch)', () => {
  it('moves to another backend and continues the same run, and a branch, from its last frame; the history stays right', async () => {
    const { EngineError } = await import('../engine/errors.ts');
    const fake = new FakeEngine();
    const store = await readyStore(fake);
    const { actions } = store.getState();
    actions.setConfig({ steps: 4 });
    const run = actions.generate();
    fake.emit(0, 3);
    fake.pending[0]!.reject(new EngineError('device-lost', 'GPU device was lost', { detail: 'webgpu' }));
    await flushPromises();
    expect(fake.requests).toHaveLength(2);
    const again = fake.requests[1]!;
    expect(again.runId).toBe(fake.requests[0]!.runId);
    expect(again.start?.fromStep).toBe(2);
    expect(Array.from(again.start!.z)).toEqual(Array.from(new Float32Array(1024).fill(2)));
    expect(store.getState().engine.report?.chosen).toBe('cpu');
    fake.emit(2, 5); // frame 2 again (dropped as a duplicate), then 3 and 4
    fake.finish();
    await run;
    let s = store.getState();
    expect(s.trajectory).toMatchObject({ status: 'done', frameCount: 5, error: null });
    expect(s.history.nodes).toHaveLength(1);
    expect(s.history.nodes[0]).toMatchObject({ runId: again.runId, status: 'done', frameCount: 5, parentId: null });
    expect(s.notices.map((n) => n.text).join('\n')).toMatch(/WebGPU device was lost at step 2; the run continues from step 2\. Switched to cpu/);

    // A branch from frame 2 that loses the GPU before drawing a frame of its own starts again from its branch point.
    const branch = actions.branch(2);
    const branchRequest = fake.requests[2]!;
    expect(branchRequest.start?.fromStep).toBe(2);
    fake.pending[2]!.reject(new EngineError('device-lost', 'WebGL context lost again', { detail: 'webgl' }));
    await flushPromises();
    expect(fake.requests).toHaveLength(4);
    expect(fake.requests[3]).toMatchObject({ runId: branchRequest.runId, start: { fromStep: 2 } });
    fake.emit(2, 5);
    fake.finish();
    await branch;
    s = store.getState();
    expect(s.trajectory).toMatchObject({ runId: branchRequest.runId, status: 'done', frameCount: 5 });
    expect(s.history.nodes.map((n) => [n.runId, n.parentId, n.fromStep, n.status])).toEqual([
      [again.runId, null, 0, 'done'],
      [branchRequest.runId, again.runId, 2, 'done'],
    ]);
    actions.dispose();
  });

  it('a second loss in the same run ends it with the error', async () => {
    const { EngineError } = await import('../engine/errors.ts');
    const fake = new FakeEngine();
    const store = await readyStore(fake);
    const run = store.getState().actions.generate();
    fake.emit(0, 2);
    fake.pending[0]!.reject(new EngineError('device-lost', 'lost once', { detail: 'webgpu' }));
    await flushPromises();
    fake.pending[1]!.reject(new EngineError('device-lost', 'lost twice', { detail: 'webgpu' }));
    await run;
    const s = store.getState();
    expect(s.trajectory.status).toBe('error');
    expect(s.trajectory.error?.kind).toBe('device-lost');
    expect(s.history.nodes[0]?.status).toBe('error');
    store.getState().actions.dispose();
  });
});

describe('store: the compare view (run B) and faults', () => {
  /** A finished run A of 4 steps with compare on, and run B (DDPM, 4 steps) started after it. */
  async function withRunningB(fake: FakeEngine): Promise<{ store: AppStore; b: Promise<void> }> {
    const store = await readyStore(fake);
    const { actions } = store.getState();
    actions.setConfig({ steps: 4 });
    actions.setCompare({ enabled: true, sampler: 'ddpm', steps: 4 });
    const a = actions.generate();
    fake.emit(0, 5);
    fake.finish();
    await flushPromises();
    expect(fake.requests).toHaveLength(2); // B started once A was done
    expect(store.getState().compare.status).toBe('running');
    return { store, b: a };
  }

  it('classify with compare on: Generate runs A only (B has no sampler to fail with); Run B still says why', async () => {
    const fake = new FakeEngine();
    const store = await readyStore(fake);
    const { actions } = store.getState();
    const images = new Uint8Array(28 * 28).fill(127);
    store.setState((s) => ({ samples: { ...s.samples, status: 'ready', count: 1, size: 28, labels: [0], classNames: [], images } }));
    actions.setConfig({ mode: 'classify', steps: 4 });
    actions.setCompare({ enabled: true, sampler: 'ddpm', steps: 4 });
    const a = actions.generate();
    fake.emit(0, 5);
    fake.finish();
    await a;
    expect(store.getState().trajectory.status).toBe('done');
    expect(fake.requests).toHaveLength(1);
    expect(store.getState().compare.error).toBeNull();
    await actions.runCompare();
    expect(fake.requests).toHaveLength(1);
    expect(store.getState().compare.error?.message).toBe(CLASSIFY_NO_COMPARE);
  });

  it('B has its own drift and label-head guidance (A/B at two scales); the rest is A\'s', async () => {
    const fake = new FakeEngine();
    const store = await readyStore(fake);
    const { actions } = store.getState();
    actions.setConfig({ mode: 'conditional', classId: 3, steps: 4, driftGuidance: 0, labelGuidance: 1 });
    actions.setCompare({ enabled: true, sampler: 'ddim', steps: 4, driftGuidance: 2.5, labelGuidance: 0 });
    const a = actions.generate();
    fake.emit(0, 5);
    fake.finish();
    await flushPromises();
    expect(fake.requests).toHaveLength(2);
    const [reqA, reqB] = fake.requests as [RunRequest, RunRequest];
    expect(reqA).toMatchObject({ mode: 'conditional', classId: 3, driftGuidance: 0, labelGuidance: 1 });
    expect(reqB).toMatchObject({ mode: 'conditional', classId: 3, seed: reqA.seed, driftGuidance: 2.5, labelGuidance: 0 });
    expect(store.getState().compare.run).toMatchObject({ driftGuidance: 2.5, labelGuidance: 0 });
    fake.emit(0, 5, 1);
    fake.finish(1);
    await a;
    // Out of range is clamped like the run config.
    actions.setCompare({ driftGuidance: 99 });
    expect(store.getState().compare.knobs.driftGuidance).toBe(10);
    store.getState().actions.dispose();
  });

  it('closing the compare view while B runs cancels B: its late frames are dropped and nothing else starts', async () => {
    const fake = new FakeEngine();
    const { store, b } = await withRunningB(fake);
    const bId = fake.requests[1]!.runId;
    fake.emit(0, 2, 1);
    expect(store.getState().compare.frameCount).toBe(2);
    store.getState().actions.setCompare({ enabled: false });
    expect(fake.cancelled).toEqual([bId]);
    expect(store.getState().compare).toMatchObject({ enabled: false, status: 'cancelled', frameCount: 2 });
    // The worker was mid-step: a frame and the result still come.
    fake.emit(2, 4, 1);
    fake.pending[1]!.resolve('cancelled');
    await b;
    const s = store.getState();
    expect(s.compare).toMatchObject({ status: 'cancelled', frameCount: 2 });
    expect(s.actions.compareFrames().length).toBe(2);
    expect(s.trajectory).toMatchObject({ status: 'done', frameCount: 5 }); // A untouched
    expect(fake.requests).toHaveLength(2);
    // The next Generate runs A only.
    const next = s.actions.generate();
    fake.emit(0, 5, 2);
    fake.finish(2);
    await next;
    expect(fake.requests).toHaveLength(3);
    expect(store.getState().compare.status).toBe('empty');
    expect(store.getState().actions.compareFrames().length).toBe(0); // B's frames are not kept past their run A
    store.getState().actions.dispose();
  });

  it('a GPU loss during B: one switch of backend, B continues from its last frame, A is untouched', async () => {
    const { EngineError } = await import('../engine/errors.ts');
    const fake = new FakeEngine();
    const { store, b } = await withRunningB(fake);
    const request = fake.requests[1]!;
    fake.emit(0, 3, 1);
    // The worker reports the loss as an event and as the run's rejection: one recovery for both.
    fake.emitEvent({ type: 'device-lost', message: 'GPU device was lost', backend: 'webgpu' });
    fake.pending[1]!.reject(new EngineError('device-lost', 'GPU device was lost', { detail: 'webgpu' }));
    await flushPromises();
    expect(fake.backendSwitches).toBe(1);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[2]).toMatchObject({ runId: request.runId, sampler: 'ddpm', start: { fromStep: 2 } });
    expect(Array.from(fake.requests[2]!.start!.z)).toEqual(Array.from(new Float32Array(1024).fill(2)));
    expect(store.getState().engine).toMatchObject({ status: 'ready', error: null });
    expect(store.getState().engine.report?.chosen).toBe('cpu');
    fake.emit(2, 5, 2); // frame 2 again (dropped as a duplicate), then 3 and 4
    fake.finish(2);
    await b;
    const s = store.getState();
    expect(s.compare).toMatchObject({ status: 'done', frameCount: 5, error: null });
    expect(Array.from({ length: 5 }, (_, i) => s.actions.getCompareFrame(i)?.index)).toEqual([0, 1, 2, 3, 4]);
    expect(s.trajectory).toMatchObject({ status: 'done', frameCount: 5 });
    expect(s.notices.map((n) => n.text).join('\n')).toMatch(/WebGPU device was lost at step 2; the run continues from step 2\. Switched to cpu/);
    s.actions.dispose();
  });

  it('a second loss during B ends B with the error; A stays done', async () => {
    const { EngineError } = await import('../engine/errors.ts');
    const fake = new FakeEngine();
    const { store, b } = await withRunningB(fake);
    fake.emit(0, 2, 1);
    fake.pending[1]!.reject(new EngineError('device-lost', 'lost once', { detail: 'webgpu' }));
    await flushPromises();
    fake.pending[2]!.reject(new EngineError('device-lost', 'lost twice', { detail: 'webgpu' }));
    await b;
    const s = store.getState();
    expect(s.compare.status).toBe('error');
    expect(s.compare.error?.message).toBe('lost twice');
    expect(s.compare.frameCount).toBe(2);
    expect(s.trajectory.status).toBe('done');
    s.actions.dispose();
  });
});
