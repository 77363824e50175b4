/** The backend choice policy, with fake backends (no tfjs backend is touched). */
import { describe, expect, it } from 'vitest';
import { BackendUnavailable, defaultWasmThreads, selectBackend, setWasmThreads, type Activation, type Bench } from './backends.ts';
import { EngineError } from './errors.ts';
import type { BackendName } from './protocol.ts';

interface Fake {
  readonly available: boolean | string;
  readonly note?: string;
  /** Software rendering (fallback adapter / software renderer). */
  readonly software?: boolean;
  /** ms of each timed run (the first is the "first compiled run"). */
  readonly runs?: readonly number[];
  readonly compile?: () => Promise<void>;
  readonly fails?: string;
}

function fakes(spec: Partial<Record<BackendName, Fake>>) {
  const activated: BackendName[] = [];
  const runCount: Partial<Record<BackendName, number>> = {};
  const disposed: BackendName[] = [];
  const activate = (name: BackendName): Promise<Activation> => {
    const f = spec[name];
    if (!f || f.available !== true) return Promise.reject(new BackendUnavailable(typeof f?.available === 'string' ? f.available : `${name} missing`));
    activated.push(name);
    return Promise.resolve({ detail: { fake: true }, ...(f.note ? { note: f.note } : {}), ...(f.software ? { software: true } : {}) });
  };
  const bench = (name: BackendName): Promise<Bench> => {
    const f = spec[name]!;
    if (f.fails) return Promise.reject(new Error(f.fails));
    return Promise.resolve({
      compile: f.compile ?? (() => Promise.resolve()),
      run() {
        const i = runCount[name] ?? 0;
        runCount[name] = i + 1;
        return Promise.resolve(f.runs?.[i] ?? f.runs?.at(-1) ?? 1);
      },
      dispose: () => void disposed.push(name),
    });
  };
  return { activate, bench, activated, runCount, disposed };
}

/** This machine: no GPU, WebGPU and WebGL on SwiftShader. */
const CPU_ONLY_MACHINE = {
  webgpu: { available: true, note: 'fallback adapter (software rendering, e.g. SwiftShader)', software: true, runs: [1800] },
  webgl: { available: true, note: 'software renderer', software: true, runs: [260, 230, 231, 229] },
  wasm: { available: true, runs: [16, 15, 14.8, 15.2] },
  cpu: { available: true, runs: [420, 400, 410, 405] },
} satisfies Partial<Record<BackendName, Fake>>;

describe('selectBackend', () => {
  it("'auto' on a CPU-only machine: wasm is measured and chosen; software GPUs and cpu are not probed", async () => {
    const f = fakes(CPU_ONLY_MACHINE);
    const report = await selectBackend('auto', { activate: f.activate, bench: f.bench });
    expect(report.chosen).toBe('wasm');
    expect(report.preference).toBe('auto');
    expect(report.attempts.map((a) => [a.name, a.outcome])).toEqual([
      ['webgpu', 'skipped'],
      ['webgl', 'skipped'],
      ['wasm', 'chosen'],
      ['cpu', 'skipped'],
    ]);
    const byName = Object.fromEntries(report.attempts.map((a) => [a.name, a]));
    // No shader compile or run is spent on software rendering once wasm is known to be fast.
    expect(f.runCount.webgpu).toBeUndefined();
    expect(f.runCount.webgl).toBeUndefined();
    expect(f.runCount.cpu).toBeUndefined();
    expect(byName['webgpu']!.reason).toMatch(/^not probed: fallback adapter .*wasm already runs a forward in 15\.0 ms \(force 'webgpu' to use it\)$/);
    expect(byName['webgl']!.reason).toMatch(/^not probed: software renderer/);
    expect(byName['cpu']!.reason).toMatch(/^not probed: tfjs's plain-JavaScript reference backend/);
    expect(byName['wasm']!.reason).toMatch(/^fastest: 15\.0 ms\/forward \(median of 3\)/);
    expect(byName['wasm']!.probeMs).toBe(15);
    expect(report.summary).toBe('auto picked wasm: 15.0 ms/forward');
    expect(f.disposed).toEqual(['wasm']);
    expect(f.activated.at(-1)).toBe('wasm'); // the winner is left active
  });

  it("'auto' measures software backends when nothing accelerated is fast, and picks the fastest", async () => {
    const f = fakes({ ...CPU_ONLY_MACHINE, wasm: { available: 'wasm files missing (404)' } });
    const report = await selectBackend('auto', { activate: f.activate, bench: f.bench });
    expect(report.chosen).toBe('webgl');
    expect(report.attempts.map((a) => [a.name, a.outcome])).toEqual([
      ['webgpu', 'available'],
      ['webgl', 'chosen'],
      ['wasm', 'unavailable'],
      ['cpu', 'available'],
    ]);
    expect(f.runCount.webgpu).toBe(1); // the slow first run is the only run
    const byName = Object.fromEntries(report.attempts.map((a) => [a.name, a]));
    expect(byName['webgpu']!.reason).toMatch(/slow: first compiled run 1800 ms > 1000 ms.*fallback adapter/);
    expect(byName['wasm']!.reason).toMatch(/wasm files missing/);
    expect(report.summary).toMatch(/^auto picked webgl: 230 ms\/forward vs cpu 405 ms, webgpu 1800 ms \(slow\)$/);
    expect(f.disposed.sort()).toEqual(['cpu', 'webgl', 'webgpu']);
    expect(f.activated.at(-1)).toBe('webgl');
  });

  it("'auto' picks WebGPU on a machine with a real GPU", async () => {
    const f = fakes({ ...CPU_ONLY_MACHINE, webgpu: { available: true, runs: [4, 2.1, 2, 2.2] }, webgl: { available: true, runs: [6] } });
    const report = await selectBackend('auto', { activate: f.activate, bench: f.bench });
    expect(report.chosen).toBe('webgpu');
    expect(report.attempts.find((a) => a.name === 'wasm')!.outcome).toBe('available');
  });

  it("'auto' records why each backend is missing or failed", async () => {
    const f = fakes({
      webgpu: { available: 'navigator.gpu is missing (no WebGPU in this browser, or it is disabled)' },
      webgl: { available: true, fails: 'shader compile error' },
      wasm: { available: true, compile: () => new Promise(() => {}) },
      cpu: { available: true, runs: [400] },
    });
    const report = await selectBackend('auto', { activate: f.activate, bench: f.bench, compileTimeoutMs: 20 });
    expect(report.chosen).toBe('cpu');
    expect(report.attempts.map((a) => [a.name, a.outcome, a.reason])).toEqual([
      ['webgpu', 'unavailable', 'navigator.gpu is missing (no WebGPU in this browser, or it is disabled)'],
      ['webgl', 'unavailable', 'works, but the model failed on it: shader compile error'],
      ['wasm', 'unavailable', 'too slow: compiling took longer than 20.0 ms'],
      ['cpu', 'chosen', 'fastest: 400 ms/forward (median of 3)'],
    ]);
  });

  it('a forced backend is used without measuring; the others are skipped', async () => {
    const f = fakes(CPU_ONLY_MACHINE);
    const report = await selectBackend('webgpu', { activate: f.activate, bench: f.bench });
    expect(report.chosen).toBe('webgpu');
    expect(f.runCount).toEqual({});
    expect(report.attempts[0]).toMatchObject({ name: 'webgpu', outcome: 'chosen', reason: 'forced by the user; works; fallback adapter (software rendering, e.g. SwiftShader)' });
    expect(report.attempts.slice(1).every((a) => a.outcome === 'skipped' && a.reason === "not tried: the user forced 'webgpu'")).toBe(true);
  });

  it('forcing an unavailable backend lists the valid choices and why each other one is unavailable', async () => {
    const f = fakes({
      webgpu: { available: 'navigator.gpu is missing (no WebGPU in this browser, or it is disabled)' },
      webgl: { available: 'OffscreenCanvas is missing (WebGL in a worker needs it)' },
      wasm: { available: true },
      cpu: { available: true },
    });
    const err = await selectBackend('webgpu', { activate: f.activate, bench: f.bench }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).kind).toBe('backend');
    expect((err as EngineError).message).toBe(
      "backend 'webgpu' is unavailable: navigator.gpu is missing (no WebGPU in this browser, or it is disabled). " +
        "Valid choices here: 'auto', 'wasm', 'cpu'. Unavailable: 'webgpu' (navigator.gpu is missing (no WebGPU in this browser, or it is disabled)); " +
        "'webgl' (OffscreenCanvas is missing (WebGL in a worker needs it)).",
    );
  });

  it('rejects an unknown preference, and reports when nothing can run the model', async () => {
    const f = fakes({});
    await expect(selectBackend('metal' as never, { activate: f.activate, bench: f.bench })).rejects.toMatchObject({ kind: 'backend', message: /unknown backend "metal"/ });
    await expect(selectBackend('auto', { activate: f.activate, bench: f.bench })).rejects.toMatchObject({
      kind: 'backend',
      message: /^no backend can run the model\. Valid choices here: 'auto'\. Unavailable: 'webgpu' \(webgpu missing\)/,
    });
  });
});

describe('wasm threads', () => {
  it("default: tfjs's half of the logical cores, but two threads on a 2- or 3-core machine", () => {
    expect([1, 2, 3, 4, 8, 16].map(defaultWasmThreads)).toEqual([1, 2, 2, 2, 4, 8]);
  });

  it('takes a whole number of threads >= 1, or null for tfjs\'s own choice', () => {
    expect(() => setWasmThreads(0)).toThrow(/wasm threads must be a whole number >= 1, got 0/);
    expect(() => setWasmThreads(1.5)).toThrow(/got 1\.5/);
    expect(() => setWasmThreads(2)).not.toThrow();
    expect(() => setWasmThreads(null)).not.toThrow();
  });
});
