/**
 * The engine behind the worker (engine.ts) in Node: the real weights through src/model's fetch shim,
 * the real cpu backend, and fake activations standing in for the browser-only backends.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryFetch, readRepoJson, readWeightFiles } from '../model/testing.ts';
import type { EngineEvent, EngineWorkerApi } from './api.ts';
import { activateBackend, BackendUnavailable } from './backends.ts';
import { createEngineCore } from './engine.ts';
import { EngineError } from './errors.ts';
import type { BackendName, Frame, LoadProgress } from './protocol.ts';
import { request } from './testing.ts';

/** Only the cpu backend exists in Node; the others say why not, as a browser without them would. */
const activate = (name: BackendName) =>
  name === 'cpu' ? activateBackend('cpu') : Promise.reject(new BackendUnavailable(`${name} is not available in Node`));

let engine: EngineWorkerApi;
const progress: LoadProgress[] = [];

beforeAll(async () => {
  engine = createEngineCore({ fetch: memoryFetch(await readWeightFiles()), activate });
});

afterAll(async () => {
  await engine.setBackend('cpu').catch(() => undefined);
});

describe('engine core', { timeout: 60_000 }, () => {
  it("init('auto') measures what is available and explains the rest", async () => {
    const result = await engine.init({ backend: 'auto', weightsUrl: '/weights/' }, (p) => progress.push(p));
    expect(result.backend.chosen).toBe('cpu');
    expect(result.backend.attempts.map((a) => [a.name, a.outcome, a.reason])).toEqual([
      ['webgpu', 'unavailable', 'webgpu is not available in Node'],
      ['webgl', 'unavailable', 'webgl is not available in Node'],
      ['wasm', 'unavailable', 'wasm is not available in Node'],
      ['cpu', 'chosen', expect.stringMatching(/^fastest( \(all are slow\))?: /) as unknown], // may be slow under load
    ]);
    expect(result.backend.attempts[3]!.probeMs).toBeGreaterThan(0);
    const manifest = (await readRepoJson('public/weights/model.json')) as { config: { trained: boolean } };
    expect(result.trained).toBe(manifest.config.trained);
    expect(result.weightsBytes).toBe(2149578);
    expect((result.config as { imageSize: number }).imageSize).toBe(32);
    expect([...new Set(progress.map((p) => p.phase))]).toEqual(['weights', 'backend', 'warmup', 'ready']);
    expect(progress.find((p) => p.phase === 'weights' && p.fraction === 1)).toBeDefined();
  });

  it('runs a trajectory, delivering frames in order', async () => {
    const frames: Frame[] = [];
    expect(await engine.run(request({ runId: 'r1', steps: 2 }), (f) => frames.push(f))).toBe('done');
    expect(frames.map((f) => [f.runId, f.index, f.t])).toEqual([['r1', 0, 1000], ['r1', 1, 500], ['r1', 2, 0]]);
  });

  it('a new run cancels the one in flight; cancel(runId) stops a run', async () => {
    const first: number[] = [];
    const second: number[] = [];
    let startSecond: () => void = () => {};
    const started = new Promise<void>((resolve) => (startSecond = resolve));
    const a = engine.run(request({ runId: 'a', steps: 20 }), (f) => {
      first.push(f.index);
      startSecond();
    });
    await started;
    const b = engine.run(request({ runId: 'b', steps: 1 }), (f) => second.push(f.index));
    expect(await a).toBe('cancelled');
    expect(await b).toBe('done');
    expect(first.length).toBeLessThanOrEqual(2);
    expect(second).toEqual([0, 1]);

    const c: number[] = [];
    const run = engine.run(request({ runId: 'c', steps: 20 }), (f) => {
      c.push(f.index);
      engine.cancel('c');
    });
    expect(await run).toBe('cancelled');
    expect(c).toEqual([0]);
  });

  it('errors carry a kind: input; backend, listing the valid choices', async () => {
    await expect(engine.run(request({ steps: 0 }), () => {})).rejects.toMatchObject({ kind: 'input', message: /steps must be an integer/ });
    const err = (await engine.setBackend('webgpu').catch((e: unknown) => e)) as EngineError;
    expect(err).toBeInstanceOf(EngineError);
    expect(err.kind).toBe('backend');
    expect(err.message).toMatch(/^backend 'webgpu' is unavailable: webgpu is not available in Node\. Valid choices here: 'auto', 'cpu'\. Unavailable: 'webgpu' \(/);
    // The engine stays usable on the backend it had.
    expect(await engine.run(request({ steps: 1 }), () => {})).toBe('done');
  });

  it('leaves numTensors unchanged across runs, cancels and backend switches', async () => {
    await engine.run(request({ mode: 'joint', steps: 1 }), () => {});
    const before = engine.memory().numTensors;
    expect(before).toBe(tf.memory().numTensors);
    await engine.run(request({ mode: 'joint', steps: 1, labelGuidance: 1 }), () => {});
    await engine.run(request({ mode: 'joint', steps: 2, labelCommit: 0.5 }), () => {});
    const run = engine.run(request({ runId: 'x', steps: 5 }), () => engine.cancel('x'));
    expect(await run).toBe('cancelled');
    expect((await engine.setBackend('cpu')).chosen).toBe('cpu');
    await engine.run(request({ mode: 'joint', steps: 1 }), () => {});
    expect(engine.memory().numTensors).toBe(before);
  });

  it('warm(16) readies the grid once, after the run in flight, without leaking tensors; a bad batch is an input error', async () => {
    const before = engine.memory().numTensors;
    const frames: number[] = [];
    const run = engine.run(request({ runId: 'w', steps: 2 }), (f) => frames.push(f.index));
    const warmed = engine.warm(16);
    expect(await run).toBe('done');
    expect(frames).toEqual([0, 1, 2]); // the run was not disturbed
    expect(await warmed).toBeGreaterThan(0);
    expect(await engine.warm(16)).toBe(0); // already warm
    expect(await engine.warm(1)).toBe(0); // init warmed batch 1
    expect(engine.memory().numTensors).toBe(before);
    await expect(engine.warm(4 as 16)).rejects.toMatchObject({ kind: 'input', message: /batch must be 1 or 16, got 4/ });
  });

  it('reports nothing to subscribers when no device is lost; the test hook needs webgpu', () => {
    const events: EngineEvent[] = [];
    engine.subscribe((e) => events.push(e));
    expect(engine.loseDeviceForTesting()).toBe(false);
    expect(events).toEqual([]);
    expect(engine.ping()).toBe(true);
  });
});
