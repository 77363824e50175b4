/**
 * The one module that chooses the tfjs backend (transformers.js `backends/onnx.js` pattern): it tries
 * each backend, records why each was or was not used (BackendAttempt), lists the valid choices in its
 * errors, and in 'auto' measures instead of assuming: a short warm-up of the real model (batch 1
 * forward, after a compile run) on every available backend, fastest wins. A backend whose first
 * compiled run takes over SLOW_FIRST_RUN_MS is marked slow without more runs. On a CPU-only machine
 * (WebGPU / WebGL on SwiftShader) wasm wins by ~100x; on a real GPU WebGPU should.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { median } from '../core/stats.ts';
import { EngineError } from './errors.ts';
import { BACKEND_NAMES, type BackendAttempt, type BackendName, type BackendPreference, type BackendReport } from './protocol.ts';

/** A first compiled forward slower than this marks the backend slow (no more runs). */
export const SLOW_FIRST_RUN_MS = 1000;
/** Timed runs after the first, for the median. */
export const MEASURED_RUNS = 3;
/** Compiling the model's kernels longer than this marks the backend slow. */
export const COMPILE_TIMEOUT_MS = 30_000;

export type Detail = Record<string, string | number | boolean>;

/** Thrown by an activation that cannot work here; the message is the reason shown to the user. */
export class BackendUnavailable extends Error {
  override readonly name = 'BackendUnavailable';
}

export interface Activation {
  /** Facts to show (adapter, threads, SIMD...). */
  readonly detail: Detail;
  /** A caveat, e.g. "fallback adapter (software)". */
  readonly note?: string;
  /**
   * Runs without hardware acceleration (WebGPU fallback adapter, WebGL software renderer, tfjs's plain-JS
   * cpu backend). 'auto' probes these only when nothing else measured fast: compiling the model's shaders
   * on SwiftShader alone takes ~10 s here, and they lose to wasm by ~100x.
   */
  readonly software?: boolean;
}

/** The model on the active backend, for timing (provided by the engine, which owns the weights). */
export interface Bench {
  /** Compiles every kernel of a forward pass (shaders on GPUs; a plain run elsewhere). */
  compile(): Promise<void>;
  /** One batch-1 forward pass including its readback; resolves to its wall time in ms. */
  run(): Promise<number>;
  dispose(): void;
}

export interface SelectOptions {
  /** Makes a backend the active one, or throws BackendUnavailable (default: activateBackend). */
  readonly activate?: (name: BackendName) => Promise<Activation>;
  /** The model on the active backend (needed for 'auto'). */
  readonly bench?: (name: BackendName) => Promise<Bench>;
  /** Backends to consider, in order (default: all). */
  readonly candidates?: readonly BackendName[];
  readonly slowFirstRunMs?: number;
  readonly compileTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Activation of the real tfjs backends

interface GpuAdapterLike {
  readonly info?: Record<string, unknown>;
  readonly isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** tf.setBackend that returns tfjs's own reason on failure (it only console.warns it). */
async function setTfBackend(name: BackendName): Promise<void> {
  if (tf.findBackendFactory(name) === null && tf.findBackend(name) === null) {
    throw new BackendUnavailable(`the tfjs '${name}' backend is not registered in this context`);
  }
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(errorText).join(' '));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new BackendUnavailable(`initialising tfjs '${name}' failed: ${errorText(e)}`);
  } finally {
    console.warn = warn;
  }
  if (!ok) {
    const why = warnings.filter((w) => !/^Initialization of backend/.test(w)).join('; ').split('\n')[0] ?? '';
    throw new BackendUnavailable(`initialising tfjs '${name}' failed${why ? `: ${why}` : ''}`);
  }
}

async function activateWebGpu(): Promise<Activation> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) throw new BackendUnavailable('navigator.gpu is missing (no WebGPU in this browser, or it is disabled)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) throw new BackendUnavailable('navigator.gpu.requestAdapter() returned null (no usable GPU adapter)');
  const info = adapter.info ?? {};
  const detail: Detail = {};
  for (const key of ['vendor', 'architecture', 'device', 'description']) {
    const v = info[key];
    if (typeof v === 'string' && v !== '') detail[key] = v;
  }
  const fallback = info['isFallbackAdapter'] ?? adapter.isFallbackAdapter;
  if (typeof fallback === 'boolean') detail['isFallbackAdapter'] = fallback;
  await setTfBackend('webgpu');
  return fallback === true ? { detail, note: 'fallback adapter (software rendering, e.g. SwiftShader)', software: true } : { detail };
}

async function activateWebGl(): Promise<Activation> {
  if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
    throw new BackendUnavailable('OffscreenCanvas is missing (WebGL in a worker needs it)');
  }
  await setTfBackend('webgl');
  const detail: Detail = { webglVersion: tf.env().getNumber('WEBGL_VERSION') };
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  // The unmasked renderer names the real (or software) GPU; gl.RENDERER only says "WebKit WebGL".
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = (info ? gl?.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl?.getParameter(gl.RENDERER)) as unknown;
  if (typeof renderer === 'string') detail['renderer'] = renderer;
  const software = typeof renderer === 'string' && /swiftshader|llvmpipe|software/i.test(renderer);
  return software ? { detail, note: 'software renderer', software: true } : { detail };
}

let wasmConfigured = false;
/** The XNNPACK threads the wasm backend is asked for (setWasmThreads); null: defaultWasmThreads. */
let wasmThreadsWanted: number | null = null;

/**
 * The wasm backend's threads on a machine with `cores` logical cores: tfjs's own choice, half of them (it
 * assumes two hyperthreads a core), but never one thread where there are two cores. On this project's 2-core
 * machine (npm run bench, bench/REPORT.md, load 2-4) two threads took 167 ms a batch-16 step against one
 * thread's 190, and 10.6 against 15.6 ms at batch 1.
 */
export function defaultWasmThreads(cores: number): number {
  return Math.max(1, Math.floor(cores / 2), Math.min(cores, 2));
}

/**
 * How many threads the wasm backend computes on (null: defaultWasmThreads). It takes effect at this
 * worker's first wasm activation: the wasm module sizes its thread pool once, when it starts.
 */
export function setWasmThreads(threads: number | null): void {
  if (threads !== null && !(Number.isInteger(threads) && threads >= 1)) throw new BackendUnavailable(`wasm threads must be a whole number >= 1, got ${threads}`);
  wasmThreadsWanted = threads;
}

/**
 * tfjs-backend-wasm 4.22 sizes its XNNPACK pool as min(setThreadsCount, hardwareConcurrency / 2) (its
 * backend.cc assumes two hyperthreads per core): on a 2-core machine it computes on 1 thread whatever it is
 * asked (measured in headless Chromium: getThreadsCount() 1 after setThreadsCount(2)). While the module
 * starts, this shows it enough cores for `threads` (an own property over WorkerNavigator's getter, removed
 * after), so that the pool gets them; the threads still share the machine's real cores.
 */
async function withCoresForThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const nav = globalThis.navigator as (Navigator & { hardwareConcurrency: number }) | undefined;
  const real = nav?.hardwareConcurrency;
  if (nav === undefined || typeof real !== 'number' || Math.floor(real / 2) >= threads) return start();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await start();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

async function activateWasm(): Promise<Activation> {
  if (typeof WebAssembly === 'undefined') throw new BackendUnavailable('WebAssembly is missing');
  if (!wasmConfigured) {
    // Vite serves the three binaries (the `?url` imports); tfjs picks one from SIMD / threads support.
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
    });
    wasmConfigured = true;
  }
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const cores = globalThis.navigator?.hardwareConcurrency;
  const wanted = wasmThreadsWanted ?? (typeof cores === 'number' ? defaultWasmThreads(cores) : null);
  if (wanted !== null && threads === true && tf.findBackend('wasm') === null) {
    setThreadsCount(wanted);
    await withCoresForThreads(wanted, () => setTfBackend('wasm'));
  } else {
    await setTfBackend('wasm');
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const detail: Detail = {
    simd: simd === true,
    threadsSupported: threads === true,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    threads: getThreadsCount(),
    threadsAsked: wanted ?? 'default',
  };
  if (typeof cores === 'number') detail['hardwareConcurrency'] = cores;
  const note = threads === true ? undefined : globalThis.crossOriginIsolated ? 'no wasm threads' : 'no wasm threads (page not cross-origin isolated)';
  return note === undefined ? { detail } : { detail, note };
}

/** Makes `name` the active tfjs backend, or throws BackendUnavailable with the reason. */
export async function activateBackend(name: BackendName): Promise<Activation> {
  try {
    switch (name) {
      case 'webgpu':
        return await activateWebGpu();
      case 'webgl':
        return await activateWebGl();
      case 'wasm':
        return await activateWasm();
      case 'cpu':
        await setTfBackend('cpu');
        return { detail: {} };
    }
  } catch (e) {
    if (e instanceof BackendUnavailable) throw e;
    throw new BackendUnavailable(errorText(e));
  }
}

/** The GPUDevice of the active WebGPU backend (for `device.lost`), if that is the active one. */
export function activeWebGpuDevice(): { readonly lost: Promise<{ reason?: string; message?: string }>; destroy(): void } | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as { device?: unknown }).device;
  return device && typeof device === 'object' && 'lost' in device ? (device as ReturnType<typeof activeWebGpuDevice>) : null;
}

/** The WebGL context of the active webgl backend (for context loss), if that is the active one. */
export function activeWebGlContext(): WebGL2RenderingContext | null {
  if (tf.getBackend() !== 'webgl') return null;
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: unknown } }).gpgpu?.gl;
  return gl && typeof gl === 'object' && 'isContextLost' in gl ? (gl as WebGL2RenderingContext) : null;
}

/**
 * Forgets a broken backend instance (after WebGPU device loss) so that the next activation builds a
 * fresh one with a new device; its tensors become unusable.
 */
export function resetBackend(name: BackendName): void {
  const factory = tf.findBackendFactory(name);
  if (factory === null) return;
  try {
    tf.removeBackend(name);
  } catch {
    // disposing a lost device may throw; the registry entry is gone either way
  }
  tf.registerBackend(name, factory, name === 'webgpu' ? 3 : 1);
}

// ---------------------------------------------------------------------------------------------
// Choosing

const describe = (a: Activation): string => (a.note ? `works; ${a.note}` : 'works');

function listChoices(attempts: readonly BackendAttempt[]): string {
  const ok = attempts.filter((a) => a.outcome !== 'unavailable').map((a) => `'${a.name}'`);
  const bad = attempts.filter((a) => a.outcome === 'unavailable').map((a) => `'${a.name}' (${a.reason})`);
  return `Valid choices here: ${["'auto'", ...ok].join(', ')}.${bad.length ? ` Unavailable: ${bad.join('; ')}.` : ''}`;
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendUnavailable(`${what} took longer than ${ms(timeoutMs)} ms`)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface Measured {
  readonly probeMs: number;
  readonly slow: boolean;
  readonly detail: Detail;
}

/** Compile run, then one timed run; more runs (median) only when the first is not slow. */
async function measure(bench: Bench, slowMs: number, compileTimeoutMs: number): Promise<Measured> {
  const c0 = performance.now();
  await withTimeout(bench.compile(), compileTimeoutMs, 'compiling');
  const compileMs = performance.now() - c0;
  const first = await bench.run();
  if (first > slowMs) return { probeMs: first, slow: true, detail: { compileMs: Math.round(compileMs), firstRunMs: first, runs: 1 } };
  const runs: number[] = [];
  for (let i = 0; i < MEASURED_RUNS; i++) runs.push(await bench.run());
  return { probeMs: median(runs), slow: false, detail: { compileMs: Math.round(compileMs), firstRunMs: first, runs: runs.length } };
}

/**
 * Chooses and activates a backend. Forced: that one or an EngineError('backend') listing the valid
 * choices and why each other one is unavailable. 'auto': every available backend is measured with
 * `bench`; the fastest is activated.
 */
export async function selectBackend(preference: BackendPreference, options: SelectOptions = {}): Promise<BackendReport> {
  const activate = options.activate ?? activateBackend;
  const candidates = options.candidates ?? BACKEND_NAMES;
  const slowMs = options.slowFirstRunMs ?? SLOW_FIRST_RUN_MS;
  const compileTimeoutMs = options.compileTimeoutMs ?? COMPILE_TIMEOUT_MS;
  if (preference !== 'auto' && !BACKEND_NAMES.includes(preference)) {
    throw new EngineError('backend', `unknown backend ${JSON.stringify(preference)}; valid: 'auto', ${BACKEND_NAMES.map((b) => `'${b}'`).join(', ')}`);
  }

  const tryActivate = async (name: BackendName): Promise<Activation | string> => {
    try {
      return await activate(name);
    } catch (e) {
      return errorText(e);
    }
  };

  if (preference !== 'auto') {
    const forced = await tryActivate(preference);
    if (typeof forced !== 'string') {
      const attempts = candidates.map((name): BackendAttempt =>
        name === preference
          ? { name, outcome: 'chosen', reason: `forced by the user; ${describe(forced)}`, detail: forced.detail }
          : { name, outcome: 'skipped', reason: `not tried: the user forced '${preference}'` },
      );
      return { chosen: preference, preference, attempts, summary: `${preference} (forced)${forced.note ? `: ${forced.note}` : ''}` };
    }
    // List what would work instead.
    const attempts: BackendAttempt[] = [];
    for (const name of candidates) {
      const a = name === preference ? forced : await tryActivate(name);
      attempts.push(typeof a === 'string' ? { name, outcome: 'unavailable', reason: a } : { name, outcome: 'available', reason: describe(a), detail: a.detail });
    }
    throw new EngineError('backend', `backend '${preference}' is unavailable: ${forced}. ${listChoices(attempts)}`);
  }

  if (options.bench === undefined) throw new EngineError('internal', "selectBackend('auto') needs a bench to measure the backends");
  const makeBench = options.bench;
  const results: { name: BackendName; activation?: Activation; measured?: Measured; reason?: string; skipped?: boolean }[] = [];
  const deferred: { name: BackendName; activation: Activation }[] = [];
  const probe = async (name: BackendName, activation: Activation): Promise<void> => {
    let bench: Bench | undefined;
    try {
      bench = await makeBench(name);
      results.push({ name, activation, measured: await measure(bench, slowMs, compileTimeoutMs) });
    } catch (e) {
      const why = e instanceof BackendUnavailable ? `too slow: ${e.message}` : `${describe(activation)}, but the model failed on it: ${errorText(e)}`;
      results.push({ name, activation, reason: why });
    } finally {
      bench?.dispose();
    }
  };
  // Hardware-accelerated backends (and wasm) first; software ones only when none of those is fast.
  for (const name of candidates) {
    const activation = await tryActivate(name);
    if (typeof activation === 'string') results.push({ name, reason: activation });
    else if (activation.software === true || name === 'cpu') deferred.push({ name, activation });
    else await probe(name, activation);
  }
  const fast = results.find((r) => r.measured !== undefined && !r.measured.slow);
  for (const { name, activation } of deferred) {
    if (fast === undefined) {
      const again = await tryActivate(name);
      if (typeof again === 'string') results.push({ name, reason: again });
      else await probe(name, again);
      continue;
    }
    const what = name === 'cpu' ? "tfjs's plain-JavaScript reference backend" : (activation.note ?? 'software rendering');
    const reason = `not probed: ${what}, and ${fast.name} already runs a forward in ${ms(fast.measured!.probeMs)} ms (force '${name}' to use it)`;
    results.push({ name, activation, reason, skipped: true });
  }
  results.sort((a, b) => candidates.indexOf(a.name) - candidates.indexOf(b.name));

  const usable = results.filter((r) => r.measured !== undefined);
  // Fast ones first (by median), then slow ones (by their single run).
  usable.sort((a, b) => Number(a.measured!.slow) - Number(b.measured!.slow) || a.measured!.probeMs - b.measured!.probeMs);
  const best = usable[0];
  if (best === undefined) {
    const attempts = results.map((r): BackendAttempt => ({ name: r.name, outcome: 'unavailable', reason: r.reason ?? 'unknown' }));
    throw new EngineError('backend', `no backend can run the model. ${listChoices(attempts)}`);
  }
  const attempts = results.map((r): BackendAttempt => {
    if (r.skipped === true) return { name: r.name, outcome: 'skipped', reason: r.reason ?? 'not probed', detail: r.activation!.detail };
    if (r.measured === undefined) {
      return { name: r.name, outcome: 'unavailable', reason: r.reason ?? 'unknown' };
    }
    const m = r.measured;
    const detail = { ...r.activation!.detail, ...m.detail };
    const note = r.activation!.note ? `; ${r.activation!.note}` : '';
    const speed = m.slow ? `slow: first compiled run ${ms(m.probeMs)} ms > ${ms(slowMs)} ms, not measured further` : `${ms(m.probeMs)} ms/forward (median of ${MEASURED_RUNS})`;
    if (r === best) return { name: r.name, outcome: 'chosen', reason: `fastest${m.slow ? ' (all are slow)' : ''}: ${speed}${note}`, probeMs: m.probeMs, detail };
    return { name: r.name, outcome: 'available', reason: `${speed}${note}`, probeMs: m.probeMs, detail };
  });
  await activate(best.name);
  const others = usable.filter((r) => r !== best).map((r) => `${r.name} ${ms(r.measured!.probeMs)} ms${r.measured!.slow ? ' (slow)' : ''}`);
  const summary = `auto picked ${best.name}: ${ms(best.measured!.probeMs)} ms/forward${others.length ? ` vs ${others.join(', ')}` : ''}`;
  return { chosen: best.name, preference, attempts, summary };
}
