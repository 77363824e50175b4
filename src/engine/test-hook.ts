/**
 * Test-only page script (engine-test.html, never part of the app): exposes `window.__engineTest` so
 * that the browser tests (e2e/engine.e2e.ts) drive the real worker of the built app through
 * client.ts, and check the model's parity fixture on a chosen backend on this thread.
 * Everything crosses page.evaluate as plain JSON (typed arrays as number arrays; errors as data).
 */
import { createNetwork, disposeWeights, loadWeights } from '../model/index.ts';
import { activateBackend } from './backends.ts';
import { measurePeak, parityDiffs, profileStep, type ParityFixture, type Peak, type StepProfile } from './measure.ts';
import { createEngine, type EngineClient } from './client.ts';
import { toEngineErrorInfo } from './errors.ts';
import type { BackendName, BackendPreference, EngineErrorInfo, Frame, RunRequest } from './protocol.ts';
import type { EngineEvent } from './api.ts';

type Plain<T> = { [K in keyof T]: T[K] extends Float32Array ? number[] : T[K] extends Float32Array | undefined ? number[] | undefined : T[K] };
export type PlainFrame = Plain<Frame>;
export type PlainRequest = Omit<Plain<RunRequest>, 'start'> & { readonly start?: { readonly z: number[]; readonly fromStep: number } };
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: EngineErrorInfo };

const f32 = (a: number[] | undefined): Float32Array | undefined => (a === undefined ? undefined : Float32Array.from(a));

function toRequest(r: PlainRequest): RunRequest {
  const { image, mask, sketch, repr, start, ...rest } = r;
  const out: Record<string, unknown> = { ...rest };
  if (image) out['image'] = f32(image);
  if (mask) out['mask'] = f32(mask);
  if (sketch) out['sketch'] = f32(sketch);
  if (repr) out['repr'] = f32(repr);
  if (start) out['start'] = { z: Float32Array.from(start.z), fromStep: start.fromStep };
  return out as unknown as RunRequest;
}

function toPlain(f: Frame): PlainFrame {
  return {
    ...f,
    z: Array.from(f.z), x0Hat: Array.from(f.x0Hat), masked: Array.from(f.masked), sketch: Array.from(f.sketch),
    labelProbs: Array.from(f.labelProbs), repr: Array.from(f.repr), drift: Array.from(f.drift),
  };
}

async function attempt<T>(f: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: toEngineErrorInfo(e) };
  }
}

/** tf.profile of one reverse step on `backend`, on this thread (measure.ts profileStep). For bench/run.mjs. */
async function profile(backend: BackendName, batch: 1 | 16, runs: number): Promise<StepProfile> {
  await activateBackend(backend);
  const loaded = await loadWeights('/weights/');
  const net = createNetwork(loaded.config, loaded.weights);
  try {
    return await profileStep(net, batch, runs);
  } finally {
    net.dispose();
    disposeWeights(loaded.weights);
  }
}

/** The backend's own peak (measure.ts measurePeak), on this thread. For bench/run.mjs. */
async function peak(backend: BackendName): Promise<Peak> {
  await activateBackend(backend);
  return measurePeak();
}

/** public/fixtures/parity.json (PyTorch outputs) against the TF.js network on `backend`, on this thread. */
async function parity(backend: BackendName): Promise<Record<string, number>> {
  await activateBackend(backend);
  const fixture = (await (await fetch('/fixtures/parity.json')).json()) as ParityFixture;
  const loaded = await loadWeights('/weights/');
  const net = createNetwork(loaded.config, loaded.weights);
  try {
    return await parityDiffs(net, fixture);
  } finally {
    net.dispose();
    disposeWeights(loaded.weights);
  }
}

export function installEngineTestHook(): void {
  let engine: EngineClient | null = null;
  const events: EngineEvent[] = [];
  const need = (): EngineClient => {
    if (engine === null) throw new Error('call init() first');
    return engine;
  };
  const hook = {
    init: (backend: BackendPreference, wasmThreads?: number) =>
      attempt(async () => {
        engine?.terminate();
        const started = performance.now();
        engine = createEngine();
        engine.onEvent((e) => events.push(e));
        const phases: string[] = [];
        const messages: string[] = [];
        const result = await engine.init({ backend, weightsUrl: '/weights/', ...(wasmThreads === undefined ? {} : { wasmThreads }) }, (p) => {
          phases.push(p.phase);
          messages.push(`${p.phase}: ${p.message}`);
        });
        // Worker start, weights fetched and decoded, backend chosen, shaders compiled, one warm-up step.
        const wallMs = performance.now() - started;
        return { ...result, phases: [...new Set(phases)], messages, wallMs };
      }),
    run: (request: PlainRequest) =>
      attempt(async () => {
        const frames: PlainFrame[] = [];
        const end = await need().run(toRequest(request), (f) => frames.push(toPlain(f)));
        return { end, frames };
      }),
    /**
     * For bench/run.mjs: runs `request` keeping only each frame's step time (the worker's frame.ms: one
     * reverse step with its readback), with tf.memory() in the worker before and after.
     */
    bench: (request: PlainRequest) =>
      attempt(async () => {
        const e = need();
        const before = await e.memory();
        const ms: number[] = [];
        const started = performance.now();
        let firstFrameMs = -1;
        const end = await e.run(toRequest(request), (f) => {
          if (firstFrameMs < 0) firstFrameMs = performance.now() - started;
          ms.push(f.ms);
        });
        const wallMs = performance.now() - started;
        const after = await e.memory();
        return { end, ms, firstFrameMs, wallMs, before, after };
      }),
    profile: (backend: BackendName, batch: 1 | 16, runs: number) => attempt(() => profile(backend, batch, runs)),
    peak: (backend: BackendName) => attempt(() => peak(backend)),
    /** Starts run `a`, then `b` as soon as `a` delivered its first frame; returns both outcomes. */
    supersede: (a: PlainRequest, b: PlainRequest) =>
      attempt(async () => {
        const e = need();
        const framesA: number[] = [];
        let startB: () => void = () => {};
        const firstFrame = new Promise<void>((resolve) => (startB = resolve));
        const runA = e.run(toRequest(a), (f) => {
          framesA.push(f.index);
          startB();
        });
        await firstFrame;
        const framesB: number[] = [];
        const endB = await e.run(toRequest(b), (f) => framesB.push(f.index));
        return { endA: await runA, framesA, endB, framesB };
      }),
    /** engine.warm(batch), timed on the page (ms) beside the worker's own figure. */
    warm: (batch: 1 | 16) =>
      attempt(async () => {
        const started = performance.now();
        const workerMs = await need().warm(batch);
        return { workerMs, wallMs: performance.now() - started };
      }),
    memory: () => attempt(() => need().memory()),
    setBackend: (preference: BackendPreference) => attempt(() => need().setBackend(preference)),
    loseDevice: () => attempt(() => need().loseDeviceForTesting()),
    events: () => events.map((e) => ({ ...e })),
    parity: (backend: BackendName) => attempt(() => parity(backend)),
    crossOriginIsolated: () => globalThis.crossOriginIsolated,
    terminate: () => {
      engine?.terminate();
      engine = null;
    },
  };
  (window as unknown as { __engineTest: typeof hook }).__engineTest = hook;
}

installEngineTestHook();
